"""Planar partition primitives for the generated layout: seeded points, Voronoi cells clipped to a parent,
adjacency, contiguous grouping. Coordinates are (lng, lat) degrees; every output vertex lies on a 1e-6
degree grid (about 0.1 m), so cells cut from the same parent share their edges exactly.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

GRID_SIZE = 1e-6


def sample_points(parent: BaseGeometry, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` uniform random points strictly inside `parent` (rejection sampling in its bounding box)."""
    shapely.prepare(parent)
    minx, miny, maxx, maxy = parent.bounds
    found: list[np.ndarray] = []
    have = 0
    while have < count:
        batch = max(16, 3 * (count - have))
        xy = np.column_stack([rng.uniform(minx, maxx, batch), rng.uniform(miny, maxy, batch)])
        inside = xy[shapely.contains_xy(parent, xy[:, 0], xy[:, 1])]
        found.append(inside)
        have += len(inside)
    return np.concatenate(found)[:count]


def voronoi_cells(parent: BaseGeometry, points: np.ndarray, *, grid_size: float | None) -> np.ndarray:
    """One clipped Voronoi cell per point, in the points' order."""
    if len(points) == 1:
        return np.array([shapely.set_precision(parent, grid_size) if grid_size else parent])
    diagram = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=parent, ordered=True)
    cells = shapely.get_parts(diagram)
    if len(cells) != len(points):
        raise ValueError("duplicate points in a Voronoi partition")
    return shapely.intersection(cells, parent, grid_size=grid_size)


def relax(parent: BaseGeometry, points: np.ndarray, *, iterations: int) -> np.ndarray:
    """Lloyd relaxation: move each point to its cell's centroid, giving evenly sized, rounder cells."""
    shapely.prepare(parent)
    for _ in range(iterations):
        if len(points) < 2:
            break
        cells = voronoi_cells(parent, points, grid_size=None)
        centroids = shapely.get_coordinates(shapely.centroid(cells))
        outside = ~shapely.contains_xy(parent, centroids[:, 0], centroids[:, 1])
        if outside.any():  # a non-convex cell's centroid may fall outside: use a point on its surface
            centroids[outside] = shapely.get_coordinates(shapely.point_on_surface(cells[outside]))
        points = centroids
    return points


def partition(parent: BaseGeometry, points: np.ndarray) -> list[BaseGeometry]:
    """Cells covering `parent` exactly, one per point (a cell may come back empty if its point was crowded out).

    Clipping a Voronoi cell to a non-convex parent can leave a detached piece; such pieces are merged into
    the neighbouring cell they share the longest edge with, so every cell is one polygon.
    """
    parent = shapely.set_precision(parent, GRID_SIZE)
    clipped = voronoi_cells(parent, points, grid_size=GRID_SIZE)
    cells: list[BaseGeometry] = []
    orphans: list[BaseGeometry] = []
    for cell, (x, y) in zip(clipped, points, strict=True):
        parts = _polygons(cell)
        if not parts:
            cells.append(shapely.Polygon())
            continue
        keep = next((p for p in parts if p.covers(shapely.Point(x, y))), max(parts, key=lambda p: p.area))
        cells.append(keep)
        orphans.extend(p for p in parts if p is not keep)
    _adopt(cells, orphans, exact=False)
    return cells


def _adopt(cells: list[BaseGeometry], orphans: list[BaseGeometry], *, exact: bool) -> None:
    """Merge each detached piece into the cell it shares the longest edge with (in place). `exact`: the
    pieces and cells already form a coverage, so dissolve shared edges without moving any vertex."""
    for orphan in orphans:
        shared = [_shared_length(orphan, cell) if not cell.is_empty else 0.0 for cell in cells]
        best = int(np.argmax(shared))
        if shared[best] > 0:
            union = (
                coverage_union([cells[best], orphan])
                if exact
                else shapely.union(cells[best], orphan, grid_size=GRID_SIZE)
            )
            merged = _polygons(union)
            cells[best] = merged[0] if len(merged) == 1 else shapely.MultiPolygon(merged)


def tile_exactly(cells: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """Make cells that tile a region up to rounding tile it exactly: node all their edges together once,
    rebuild the faces, and give each face (slivers of gaps and overlaps included) to one cell."""
    cells = np.asarray(cells, dtype=object)
    linework = shapely.union_all(shapely.boundary(cells), grid_size=GRID_SIZE)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(linework)))
    probes = shapely.point_on_surface(faces)
    tree = shapely.STRtree(cells)
    owner = np.full(len(faces), -1)
    face_index, cell_index = tree.query(probes, predicate="within")
    for f, c in zip(face_index, cell_index, strict=True):
        if owner[f] < 0 or c < owner[f]:
            owner[f] = c
    missing = np.flatnonzero(owner < 0)
    if len(missing):  # a gap sliver: give it to the nearest cell
        owner[missing] = tree.query_nearest(probes[missing], all_matches=False)[1]
    result: list[BaseGeometry] = []
    orphans: list[BaseGeometry] = []
    for c in range(len(cells)):
        parts = _polygons(coverage_union(faces[owner == c]))
        parts.sort(key=lambda p: -p.area)
        result.append(parts[0] if parts else shapely.Polygon())
        orphans.extend(parts[1:])  # a sliver touching its cell at a corner only
    _adopt(result, orphans, exact=True)
    return result


def coverage_union(polygons: Sequence[BaseGeometry]) -> BaseGeometry:
    """Union of polygons that share edges exactly (a coverage): dissolves the shared edges and nothing
    else, so no vertex moves. Snap-rounded union could shave a sub-grid sliver off and open a gap."""
    if len(polygons) == 0:
        return shapely.Polygon()
    if len(polygons) == 1:
        return polygons[0]
    return shapely.coverage_union_all(np.asarray(polygons, dtype=object))


def polygon_adjacency(polygons: Sequence[BaseGeometry]) -> list[dict[int, float]]:
    """For each polygon, its neighbours and the length of the edge they share (corner touches excluded)."""
    polygons = np.asarray(polygons, dtype=object)
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    adjacency: list[dict[int, float]] = [{} for _ in range(len(polygons))]
    boundaries = shapely.boundary(polygons)
    for a, b in zip(left, right, strict=True):
        if a < b:
            length = shapely.length(shapely.intersection(boundaries[a], boundaries[b]))
            if length > GRID_SIZE:
                adjacency[a][b] = adjacency[b][a] = float(length)
    return adjacency


def make_contiguous(
    labels: list[int], adjacency: list[dict[int, float]], sizes: Sequence[float]
) -> list[int]:
    """Relabel so each label's members form one connected piece: the biggest piece keeps the label, every
    other piece joins the neighbouring label it shares the longest border with."""
    labels = list(labels)
    for _ in range(50):
        changed = False
        for label in sorted(set(labels)):
            pieces = _components([i for i, v in enumerate(labels) if v == label], adjacency)
            if len(pieces) < 2:
                continue
            pieces.sort(key=lambda piece: -sum(sizes[i] for i in piece))
            for piece in pieces[1:]:
                border: dict[int, float] = {}
                for i in piece:
                    for j, length in adjacency[i].items():
                        if labels[j] != label:
                            border[labels[j]] = border.get(labels[j], 0.0) + length
                if border:
                    target = max(sorted(border), key=lambda v: border[v])
                    for i in piece:
                        labels[i] = target
                    changed = True
        if not changed:
            return labels
    raise ValueError("could not make groups contiguous")


def serpentine_order(xy: np.ndarray) -> list[int]:
    """Indices in reading order of a snake: rows from north to south, alternately west->east and east->west."""
    n = len(xy)
    rows = max(1, round(math.sqrt(n)))
    by_lat = sorted(range(n), key=lambda i: (-xy[i, 1], xy[i, 0]))
    size = math.ceil(n / rows)
    order: list[int] = []
    for r in range(rows):
        row = sorted(by_lat[r * size : (r + 1) * size], key=lambda i: xy[i, 0], reverse=bool(r % 2))
        order.extend(row)
    return order


def _components(members: list[int], adjacency: list[dict[int, float]]) -> list[list[int]]:
    remaining = set(members)
    pieces = []
    while remaining:
        start = min(remaining)
        remaining.discard(start)
        piece, queue = [start], deque([start])
        while queue:
            for j in adjacency[queue.popleft()]:
                if j in remaining:
                    remaining.discard(j)
                    piece.append(j)
                    queue.append(j)
        pieces.append(piece)
    return pieces


def _polygons(geometry: BaseGeometry) -> list[shapely.Polygon]:
    return [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and not p.is_empty]


def _shared_length(a: BaseGeometry, b: BaseGeometry) -> float:
    return float(shapely.length(shapely.intersection(a.boundary, b.boundary)))
