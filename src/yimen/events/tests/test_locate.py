"""Point to grid through the places locator's cell raster: the same answer as testing every grid polygon
(lowest code on a shared edge or corner), inside, on boundaries and outside; the demo grids' own points."""

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from yimen.common.errors import ValidationFailed
from yimen.places import locator
from yimen.places.models import Division

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]


def grids() -> tuple[list[str], np.ndarray]:
    rows = Division.objects.filter(level=Division.Level.GRID).order_by("code").values_list("code", "geometry")
    return [code for code, _ in rows], np.array([shape(g) for _, g in rows], dtype=object)


def reference(codes, shapes, lng: float, lat: float) -> str | None:
    """Every polygon tested: the lowest code among the grids the point touches."""
    hits = np.flatnonzero(shapely.intersects(shapes, shapely.Point(lng, lat)))
    return codes[hits.min()] if len(hits) else None


def located(lat: float, lng: float) -> str | None:
    try:
        return locator.locate(lat, lng).grid_code
    except ValidationFailed as refused:
        assert refused.field == "location" and "不在" in refused.message
        return None


def test_every_demo_grids_own_point_maps_back_to_it(world):
    for code, lat, lng in Division.objects.filter(level=Division.Level.GRID).values_list(
        "code", "centroid_lat", "centroid_lng"
    ):
        assert locator.locate(lat, lng).grid_code == code


def test_random_points_in_and_around_the_district_match_testing_every_polygon(world):
    codes, shapes = grids()
    minx, miny, maxx, maxy = shapely.total_bounds(shapes)
    rng = np.random.default_rng(2026)
    # the bounding box and a margin around it: inside, outside and in the gaps of the outline
    xs = rng.uniform(minx - 0.01, maxx + 0.01, 4000)
    ys = rng.uniform(miny - 0.01, maxy + 0.01, 4000)
    outside = 0
    for lng, lat in zip(xs.tolist(), ys.tolist(), strict=True):
        expected = reference(codes, shapes, lng, lat)
        outside += expected is None
        assert located(lat, lng) == expected
    assert 200 < outside < 3800


def test_points_on_grid_edges_and_corners_go_to_the_lowest_code(world):
    codes, shapes = grids()
    rng = np.random.default_rng(5)
    shared = 0
    for i in rng.choice(len(shapes), 40, replace=False).tolist():
        ring = np.asarray(shapes[i].exterior.coords)[:-1]
        for lng, lat in ring.tolist():  # vertices lie exactly on the boundary
            expected = reference(codes, shapes, lng, lat)
            assert expected is not None and expected <= codes[i]
            shared += expected != codes[i]
            assert located(lat, lng) == expected
        # edge midpoints: on the edge up to rounding, either side of it
        for lng, lat in ((ring + np.roll(ring, -1, axis=0)) / 2).tolist():
            assert located(lat, lng) == reference(codes, shapes, lng, lat)
    assert shared > 0  # some of those points are shared with a grid of a lower code


def test_the_corners_of_the_bounding_box_and_far_points_are_outside(world):
    codes, shapes = grids()
    minx, miny, maxx, maxy = shapely.total_bounds(shapes)
    for lng, lat in [(minx, miny), (maxx, maxy), (minx - 1e-9, (miny + maxy) / 2), (113.2644, 23.1291)]:
        assert located(lat, lng) == reference(codes, shapes, lng, lat)
    assert located(23.1291, 113.2644) is None
