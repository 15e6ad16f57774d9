"""Generated geometry for the district: outline, streets, areas (片区), villages (村居) and grids (网格).

No open boundary data exists for Chancheng below the district, so the boundaries are generated,
deterministically from a seed. Top-down for the shapes: a hand-drawn outline inside the district's real
extent; streets are unions of small Voronoi "blocks" claimed by the nearest (weighted) street anchor, so
their borders are jagged like real ones; each street is a relaxed Voronoi partition into its villages;
areas are contiguous k-means groups of a street's villages; each village is a relaxed Voronoi
partition into its grids. Bottom-up for exactness: all grid edges are noded together once on a 1e-6
degree grid (about 0.1 m) and every parent is the union of its children, so grids tile the district
with no gap or overlap and every grid lies inside its village.

Pure computation: no Django, no database. `services.grids_generate` stores the result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from yimen.places.partition import (
    GRID_SIZE,
    coverage_union,
    make_contiguous,
    partition,
    polygon_adjacency,
    relax,
    sample_points,
    serpentine_order,
    tile_exactly,
)

GENERATOR_VERSION = 1
# Target number of grids per scale. "small" is for demos and tests, "full" is the district's real density.
GRID_TARGETS = {"small": 600, "full": 2000}

# Outline of the district (lng, lat), drawn inside Chancheng's real extent (22.96-23.08N, 113.02-113.16E).
_OUTLINE = [
    (113.027, 23.0765), (113.046, 23.0785), (113.060, 23.0745), (113.078, 23.0785), (113.097, 23.0735),
    (113.112, 23.0690), (113.121, 23.0700), (113.136, 23.0615), (113.1515, 23.0500), (113.1585, 23.031),
    (113.1540, 23.020), (113.1565, 23.008), (113.148, 22.9935), (113.135, 22.9770), (113.115, 22.9650),
    (113.097, 22.9615), (113.084, 22.9665), (113.070, 22.9640), (113.0525, 22.9695), (113.0355, 22.9715),
    (113.0225, 22.9830), (113.0200, 23.0020), (113.0265, 23.0130), (113.0215, 23.0260), (113.0265, 23.0410),
    (113.0215, 23.0590),
]  # fmt: skip
_EXTENT = (113.02, 22.96, 113.16, 23.08)

# Street anchors (lng, lat, weight): the nearest anchor by distance / weight claims a block. A street may
# have several anchors to give it a plausible shape. Chancheng: 祖庙 old centre NE, 张槎 NW, 石湾 SE,
# 南庄 W/SW (the largest, mostly villages).
_STREET_ANCHORS = {
    "440604012": [(113.112, 23.034, 1.0), (113.104, 23.052, 0.85)],  # 祖庙街道
    "440604011": [(113.058, 23.042, 1.05), (113.072, 23.064, 0.9), (113.036, 23.060, 0.75)],  # 张槎街道
    "440604010": [(113.108, 22.992, 1.0), (113.138, 23.012, 0.9)],  # 石湾镇街道
    "440604100": [(113.034, 23.000, 1.2), (113.062, 22.980, 1.1), (113.034, 23.024, 0.9)],  # 南庄镇
}
_BLOCKS = 260  # blocks the streets are assembled from


@dataclass(frozen=True)
class StreetInput:
    code: str
    village_codes: tuple[str, ...]


@dataclass(frozen=True)
class AreaCell:
    street_code: str
    number: int  # 1-based, north-west first
    polygon: Polygon | MultiPolygon
    village_codes: tuple[str, ...]


@dataclass(frozen=True)
class GridCell:
    village_code: str
    number: int  # 1-based, serpentine from the north-west corner
    polygon: Polygon


@dataclass(frozen=True)
class Layout:
    district: Polygon
    streets: dict[str, Polygon | MultiPolygon]
    areas: list[AreaCell]
    villages: dict[str, Polygon]
    grids: list[GridCell]


def areas_per_street(village_count: int) -> int:
    """2 to 5 areas per street, about one per dozen villages."""
    return min(5, max(2, round(village_count / 12)))


def layout_compute(*, streets: Sequence[StreetInput], scale: str, seed: int) -> Layout:
    if scale not in GRID_TARGETS:
        raise ValueError(f"unknown scale {scale!r}")
    district = district_outline(seed=seed)
    street_polygons = _streets(district, [s.code for s in streets], seed=seed)
    villages: dict[str, Polygon] = {}
    areas: list[AreaCell] = []
    for street in streets:
        rng = np.random.default_rng([seed, int(street.code), 1])
        cells = _villages(street_polygons[street.code], len(street.village_codes), rng)
        villages.update(zip(street.village_codes, cells, strict=True))
        areas.extend(_areas(street, cells))
    grids = _grids(villages, target=GRID_TARGETS[scale], seed=seed)
    return _assemble(streets, areas, grids)


def _assemble(streets: Sequence[StreetInput], areas: list[AreaCell], grids: list[GridCell]) -> Layout:
    """Bottom-up: snap the grids into an exact tiling, then every parent is the union of its children, so
    containment holds exactly at every level."""
    exact = tile_exactly([g.polygon for g in grids])
    grids = [
        GridCell(village_code=g.village_code, number=g.number, polygon=p)
        for g, p in zip(grids, exact, strict=True)
    ]
    by_village: dict[str, list] = {}
    for grid in grids:
        by_village.setdefault(grid.village_code, []).append(grid.polygon)
    villages = {code: _union(polygons) for code, polygons in by_village.items()}
    areas = [
        AreaCell(a.street_code, a.number, _union([villages[v] for v in a.village_codes]), a.village_codes)
        for a in areas
    ]
    streets_out = {s.code: _union([a.polygon for a in areas if a.street_code == s.code]) for s in streets}
    district = _union(list(streets_out.values()))
    return Layout(district=district, streets=streets_out, areas=areas, villages=villages, grids=grids)


def _union(polygons: list):
    return coverage_union(polygons)


def district_outline(*, seed: int) -> Polygon:
    """The hand-drawn outline, densified and given a smooth seeded wiggle so it looks like rivers and roads."""
    rng = np.random.default_rng([seed, 0])
    ring = np.array(_OUTLINE + _OUTLINE[:1])
    points = []
    for (x0, y0), (x1, y1) in zip(ring[:-1], ring[1:], strict=True):
        steps = max(2, int(math.hypot(x1 - x0, y1 - y0) / 0.0018))
        for t in np.arange(steps) / steps:
            points.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
    pts = np.array(points)
    centre = pts.mean(axis=0)
    # Radial offsets from a smoothed random walk: neighbouring vertices move together.
    noise = _smooth_noise(rng, len(pts), sigma=0.0045, width=9) + _smooth_noise(
        rng, len(pts), sigma=0.0016, width=3
    )
    direction = pts - centre
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    pts = pts + direction * noise[:, None]
    polygon = shapely.make_valid(Polygon(pts)).intersection(shapely.box(*_EXTENT))
    polygon = _largest(polygon)
    return shapely.set_precision(shapely.simplify(polygon, GRID_SIZE * 50), GRID_SIZE)


def _smooth_noise(rng: np.random.Generator, n: int, *, sigma: float, width: int) -> np.ndarray:
    """Circular moving average of white noise: offsets that vary smoothly along the ring."""
    raw = rng.normal(0.0, sigma, n)
    padded = np.concatenate([raw[-width:], raw, raw[:width]])
    return np.convolve(padded, np.ones(width) / width, mode="same")[width:-width]


def _streets(district: Polygon, codes: list[str], *, seed: int) -> dict[str, Polygon]:
    rng = np.random.default_rng([seed, 1])
    blocks = partition(district, relax(district, sample_points(district, _BLOCKS, rng), iterations=2))
    anchors = []
    for index, code in enumerate(codes):
        default = _fallback_anchor(district, index, len(codes))
        anchors.extend((index, x, y, w) for x, y, w in _STREET_ANCHORS.get(code, [default]))
    anchor_xy = np.array([(x, y) for _, x, y, _ in anchors])
    anchor_w = np.array([w for *_, w in anchors])
    anchor_street = np.array([i for i, *_ in anchors])
    reps = shapely.get_coordinates(shapely.point_on_surface(blocks))
    distance = np.linalg.norm(reps[:, None, :] - anchor_xy[None, :, :], axis=2) / anchor_w[None, :]
    labels = [int(anchor_street[i]) for i in distance.argmin(axis=1)]
    labels = make_contiguous(labels, polygon_adjacency(blocks), shapely.area(blocks))
    result = {}
    for index, code in enumerate(codes):
        members = [b for b, label in zip(blocks, labels, strict=True) if label == index]
        if not members:
            raise ValueError(f"street {code} received no territory; check the anchors")
        result[code] = _largest(shapely.union_all(members, grid_size=GRID_SIZE))
    return result


def _fallback_anchor(district: Polygon, index: int, count: int) -> tuple[float, float, float]:
    """For a street without a drawn anchor: evenly around the district's centre."""
    centre = district.centroid
    angle = 2 * math.pi * index / max(count, 1)
    return centre.x + 0.03 * math.cos(angle), centre.y + 0.03 * math.sin(angle), 1.0


def _villages(street: Polygon, count: int, rng: np.random.Generator) -> list[Polygon]:
    """`count` village cells covering the street, numbered in serpentine order (consecutive codes are neighbours)."""
    if count == 1:
        return [street]
    points = relax(street, sample_points(street, count, rng), iterations=4)
    cells = partition(street, points)
    if len(cells) != count or any(c.is_empty for c in cells):
        raise ValueError("village partition lost a cell")  # cannot happen with relaxed, well-separated points
    order = serpentine_order(shapely.get_coordinates(shapely.point_on_surface(cells)))
    return [cells[i] for i in order]


def _areas(street: StreetInput, cells: list[Polygon]) -> list[AreaCell]:
    """Group the street's villages into 2-5 contiguous areas with a few rounds of k-means."""
    k = min(areas_per_street(len(cells)), len(cells))
    xy = shapely.get_coordinates(shapely.point_on_surface(cells))
    # Farthest-point initialisation from the northernmost village: deterministic and well spread.
    centres = [xy[int(np.argmax(xy[:, 1]))]]
    while len(centres) < k:
        gap = np.min(np.linalg.norm(xy[:, None, :] - np.array(centres)[None], axis=2), axis=1)
        centres.append(xy[int(np.argmax(gap))])
    centres_arr = np.array(centres)
    for _ in range(12):
        labels = np.argmin(np.linalg.norm(xy[:, None, :] - centres_arr[None], axis=2), axis=1)
        centres_arr = np.array(
            [xy[labels == j].mean(axis=0) if np.any(labels == j) else centres_arr[j] for j in range(k)]
        )
    area_labels = make_contiguous([int(v) for v in labels], polygon_adjacency(cells), shapely.area(cells))
    groups = [[i for i, label in enumerate(area_labels) if label == j] for j in range(k)]
    groups = [g for g in groups if g]
    polygons = [shapely.union_all([cells[i] for i in g], grid_size=GRID_SIZE) for g in groups]
    reps = shapely.get_coordinates(shapely.point_on_surface(polygons))
    order = sorted(range(len(groups)), key=lambda j: (-round(reps[j, 1], 2), reps[j, 0]))
    return [
        AreaCell(
            street_code=street.code,
            number=n,
            polygon=polygons[j],
            village_codes=tuple(street.village_codes[i] for i in groups[j]),
        )
        for n, j in enumerate(order, start=1)
    ]


def grid_counts(villages: dict[str, Polygon], *, target: int) -> dict[str, int]:
    """Grids per village: more for larger villages, sub-linearly (rural grids are larger), at least 2."""
    weights = {code: polygon.area**0.7 for code, polygon in villages.items()}
    total = sum(weights.values())
    return {code: max(2, round(target * w / total)) for code, w in weights.items()}


def _grids(villages: dict[str, Polygon], *, target: int, seed: int) -> list[GridCell]:
    grids = []
    for code, count in grid_counts(villages, target=target).items():
        village = villages[code]
        rng = np.random.default_rng([seed, int(code), target])
        points = relax(village, sample_points(village, count, rng), iterations=3)
        cells = [c for c in partition(village, points) if not c.is_empty]
        order = serpentine_order(shapely.get_coordinates(shapely.point_on_surface(cells)))
        grids.extend(
            GridCell(village_code=code, number=n, polygon=cells[i]) for n, i in enumerate(order, start=1)
        )
    return grids


def _largest(geometry) -> Polygon:
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and not p.is_empty]
    return max(parts, key=lambda p: p.area)
