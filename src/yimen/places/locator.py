"""Point-in-grid: which grid, village, area and street a (lat, lng) lies in.

Built once per process on first use and rebuilt when the grids are regenerated (the revision stored
with them changes; checked at most every few seconds, and at once after a generation in this process);
no database access per lookup. One point (`locate`) goes through a raster of cells over the grids'
bounding box: most cells lie inside one grid and touch no other, and answer at once; a cell on a
boundary lists the grids it touches, tested in code order with `shapely.intersects_xy` on the prepared
polygons (so a point on a shared edge or corner still goes to the lowest code). Many points at once
(`locate_many`) go through an STRtree query, vectorised. Both give the same answer.

    locate(23.03, 113.11)  -> Location(grid_code="440604012...", village_name="...", ...)
    locate_many([(lat, lng), ...]) -> [Location | None, ...]
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from shapely import intersects_xy

from yimen.common.errors import Conflict, ValidationFailed

# How long a process trusts its index before it compares the revision with the database again.
CHECK_INTERVAL_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Location:
    grid_id: int
    grid_code: str
    grid_name: str
    village_id: int
    village_code: str
    village_name: str
    area_id: int | None
    area_code: str | None
    area_name: str | None
    street_id: int
    street_code: str
    street_name: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Cells:
    """A raster over the grids' bounding box (padded, so a point on its edge falls in a cell). Per cell,
    `answer` holds the grid that covers the whole cell while no other grid touches it, -1 when no grid
    touches the cell, -2 when `candidates` lists the grids to test (ascending code)."""

    x0: float
    y0: float
    dx: float
    dy: float
    nx: int
    ny: int
    answer: list[int]
    candidates: dict[int, tuple[int, ...]]


@dataclass(frozen=True)
class _Index:
    revision: str
    tree: shapely.STRtree
    geometries: tuple  # prepared polygons, ascending grid code
    cells: _Cells
    locations: tuple[Location, ...]  # in the tree's order: ascending grid code


_lock = threading.Lock()
_index: _Index | None = None
_checked_at = 0.0


def locate(lat: float, lng: float) -> Location:
    """The grid containing the point. On a shared edge or corner the grid with the lowest code wins."""
    lat, lng = _coordinates(lat, lng)
    index = _current()
    cells = index.cells
    col = math.floor((lng - cells.x0) / cells.dx)
    row = math.floor((lat - cells.y0) / cells.dy)
    if 0 <= col < cells.nx and 0 <= row < cells.ny:
        cell = row * cells.nx + col
        found = cells.answer[cell]
        if found >= 0:
            return index.locations[found]
        if found == -2:
            geometries = index.geometries
            for candidate in cells.candidates[cell]:
                if intersects_xy(geometries[candidate], lng, lat):
                    return index.locations[candidate]
    raise ValidationFailed(_outside_message(), field="location")


def locate_many(points: Iterable[tuple[float, float]]) -> list[Location | None]:
    """Many (lat, lng) points at once (vectorised); None for a point outside the district.
    Malformed coordinates raise ValidationFailed naming the first bad point."""
    checked = [_coordinates(lat, lng, position=i) for i, (lat, lng) in enumerate(points)]
    if not checked:
        return []
    index = _current()
    xy = np.array([(lng, lat) for lat, lng in checked])
    point_index, grid_index = index.tree.query(shapely.points(xy), predicate="intersects")
    best = np.full(len(checked), -1)
    order = np.lexsort((grid_index, point_index))  # per point, lowest grid first
    first = np.unique(point_index[order], return_index=True)[1]
    best[point_index[order][first]] = grid_index[order][first]
    return [index.locations[i] if i >= 0 else None for i in best.tolist()]


def invalidate() -> None:
    """Make the next lookup compare the revision with the database (and rebuild if it changed)."""
    global _checked_at
    _checked_at = 0.0


def _current() -> _Index:
    global _index, _checked_at
    now = time.monotonic()
    if _index is not None and now - _checked_at < CHECK_INTERVAL_SECONDS:
        return _index
    with _lock:
        revision = _stored_revision()
        if _index is None or _index.revision != revision:
            _index = _build(revision)
        _checked_at = time.monotonic()
        return _index


def _stored_revision() -> str:
    from yimen.places.models import GridGeneration

    revision = GridGeneration.objects.values_list("revision", flat=True).first()
    if not revision:
        raise Conflict(_("尚未生成网格，请先运行 yimen places import"), field="location")
    return revision


def _build(revision: str) -> _Index:
    from yimen.places.models import Division

    Level = Division.Level
    rows = Division.objects.filter(level__in=[Level.STREET, Level.AREA, Level.VILLAGE]).values_list(
        "id", "code", "name"
    )
    by_code = {code: (pk, name) for pk, code, name in rows}
    grids = (
        Division.objects.filter(level=Level.GRID)
        .order_by("code")
        .values_list("id", "code", "name", "path", "geometry")
    )
    geometries, locations = [], []
    for pk, code, name, path, geometry in grids.iterator(chunk_size=1000):
        chain = path.strip("/").split("/")  # district, street, [area,] village, grid
        street, village = chain[1], chain[-2]
        area = chain[2] if len(chain) == 5 else None
        geometries.append(shapely.geometry.shape(geometry))
        locations.append(
            Location(
                grid_id=pk,
                grid_code=code,
                grid_name=name,
                village_id=by_code[village][0],
                village_code=village,
                village_name=by_code[village][1],
                area_id=by_code[area][0] if area else None,
                area_code=area,
                area_name=by_code[area][1] if area else None,
                street_id=by_code[street][0],
                street_code=street,
                street_name=by_code[street][1],
            )
        )
    shapely.prepare(geometries)
    tree = shapely.STRtree(geometries)
    return _Index(
        revision=revision,
        tree=tree,
        geometries=tuple(geometries),
        cells=_cells(tree, np.array(geometries, dtype=object)),
        locations=tuple(locations),
    )


# About this many cells per grid: most grids then have a core of cells that answer without a test.
CELLS_PER_GRID = 64
MAX_CELLS = 1_000_000


def _cells(tree: shapely.STRtree, geometries: np.ndarray) -> _Cells:
    if len(geometries) == 0:
        return _Cells(0.0, 0.0, 1.0, 1.0, 0, 0, [], {})
    minx, miny, maxx, maxy = shapely.total_bounds(geometries)
    pad = max(maxx - minx, maxy - miny, 1e-6) * 1e-6
    x0, y0, width, height = minx - pad, miny - pad, maxx - minx + 2 * pad, maxy - miny + 2 * pad
    count = min(MAX_CELLS, CELLS_PER_GRID * len(geometries))
    nx = max(1, round(math.sqrt(count * width / height)))
    ny = max(1, round(count / nx))
    dx, dy = width / nx, height / ny
    cols, rows = np.meshgrid(np.arange(nx), np.arange(ny))  # cell number = row * nx + col
    # Each cell a little larger than itself: a point that rounding puts in a cell is inside its box.
    ex, ey = dx * 1e-6, dy * 1e-6
    boxes = shapely.box(
        (x0 + cols * dx - ex).ravel(),
        (y0 + rows * dy - ey).ravel(),
        (x0 + (cols + 1) * dx + ex).ravel(),
        (y0 + (rows + 1) * dy + ey).ravel(),
    )
    cell_of, grid_of = tree.query(boxes, predicate="intersects")
    order = np.lexsort((grid_of, cell_of))
    cell_of, grid_of = cell_of[order], grid_of[order]
    touching = np.bincount(cell_of, minlength=len(boxes))
    answer = np.where(touching == 0, -1, -2)
    single = np.flatnonzero(touching[cell_of] == 1)
    inside = shapely.contains_properly(geometries[grid_of[single]], boxes[cell_of[single]])
    answer[cell_of[single][inside]] = grid_of[single][inside]
    candidates: dict[int, tuple[int, ...]] = {}
    starts = np.flatnonzero(np.r_[True, cell_of[1:] != cell_of[:-1]])
    for start, end in zip(starts.tolist(), [*starts[1:].tolist(), len(cell_of)], strict=True):
        cell = int(cell_of[start])
        if answer[cell] == -2:
            candidates[cell] = tuple(grid_of[start:end].tolist())
    return _Cells(x0, y0, dx, dy, nx, ny, answer.tolist(), candidates)


def _coordinates(lat, lng, *, position: int | None = None) -> tuple[float, float]:
    where = _("（第 %(position)d 个点）") % {"position": position} if position is not None else ""
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise ValidationFailed(_("经纬度应为数字") + where, field="location") from None
    if not (math.isfinite(lat) and math.isfinite(lng)):
        raise ValidationFailed(_("经纬度应为有限数字") + where, field="location")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        swapped = -90 <= lng <= 90 and -180 <= lat <= 180
        hint = _("，是否把经度和纬度写反了？") if swapped else ""
        raise ValidationFailed(
            _("经纬度超出范围（纬度 -90..90，经度 -180..180）") + where + hint, field="location"
        )
    return lat, lng


def _outside_message() -> str:
    return _("该位置不在%(district)s范围内") % {"district": settings.YIMEN_DISTRICT_NAME}
