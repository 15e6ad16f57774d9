import math
import timeit

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from yimen.common.errors import Conflict, ValidationFailed
from yimen.places import locator, selectors, services
from yimen.places.models import Division

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference")]

OUTSIDE = "该位置不在禅城区范围内"


def grid_shapes() -> tuple[list[str], np.ndarray]:
    rows = list(selectors.grids().values_list("code", "geometry"))
    return [code for code, _ in rows], np.array([shape(g) for _, g in rows], dtype=object)


def test_a_point_in_the_old_centre_is_in_zumiao():
    where = locator.locate(23.03, 113.11)
    assert where.street_code == "440604012" and where.street_name == "祖庙街道"
    assert where.grid_code.startswith(where.village_code)
    assert where.area_code.startswith("440604012P")
    grid = Division.objects.get(pk=where.grid_id)
    assert grid.code == where.grid_code and grid.parent_id == where.village_id
    assert shape(grid.geometry).covers(shapely.Point(113.11, 23.03))


def test_every_grids_own_point_locates_back_to_that_grid():
    for code, lat, lng in selectors.grids().values_list("code", "centroid_lat", "centroid_lng"):
        assert locator.locate(lat, lng).grid_code == code


def test_random_points_inside_the_district_are_in_exactly_one_grid():
    codes, shapes = grid_shapes()
    district = shape(selectors.district().geometry)
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = district.bounds
    xy = np.column_stack([rng.uniform(minx, maxx, 3000), rng.uniform(miny, maxy, 3000)])
    xy = xy[shapely.contains_xy(district, xy[:, 0], xy[:, 1])]
    assert len(xy) > 2000
    for lng, lat in xy:
        point = shapely.Point(lng, lat)
        containing = np.flatnonzero(shapely.intersects(shapes, point))
        assert len(containing) == 1
        assert locator.locate(lat, lng).grid_code == codes[containing[0]]


@pytest.mark.parametrize(
    ("lat", "lng"),
    [(23.2, 113.5), (23.1291, 113.2644), (22.5431, 114.0579), (23.10, 113.09), (0.0, 0.0)],
    ids=["north-east", "guangzhou", "shenzhen", "just-north", "null-island"],
)
def test_points_outside_the_district_are_refused(lat, lng):
    with pytest.raises(ValidationFailed) as caught:
        locator.locate(lat, lng)
    assert caught.value.message == OUTSIDE
    assert caught.value.errors == {"location": [OUTSIDE]}


@pytest.mark.parametrize(
    ("lat", "lng", "text"),
    [
        ("abc", 113.1, "应为数字"),
        (math.nan, 113.1, "有限数字"),
        (95.0, 200.0, "超出范围"),
        (113.1, 23.03, "写反"),
        (None, 113.1, "应为数字"),
    ],
)
def test_malformed_coordinates_are_refused(lat, lng, text):
    with pytest.raises(ValidationFailed, match=text) as caught:
        locator.locate(lat, lng)
    assert caught.value.field == "location"


def test_a_point_on_a_shared_corner_goes_to_the_lowest_code():
    codes, shapes = grid_shapes()
    corner_counts: dict[tuple[float, float], int] = {}
    for polygon in shapes:
        for xy in set(polygon.exterior.coords):
            corner_counts[xy] = corner_counts.get(xy, 0) + 1
    corner = next(xy for xy, n in sorted(corner_counts.items()) if n >= 3)
    touching = [codes[i] for i in np.flatnonzero(shapely.intersects(shapes, shapely.Point(corner)))]
    assert len(touching) >= 3
    assert locator.locate(corner[1], corner[0]).grid_code == min(touching)


def test_locate_many_matches_locate_and_gives_none_outside():
    points = [(23.03, 113.11), (23.2, 113.5), (22.99, 113.10), (23.04, 113.06), (23.1291, 113.2644)]
    found = locator.locate_many(points)
    assert found[1] is None and found[4] is None
    for (lat, lng), where in zip(points, found, strict=True):
        if where is not None:
            assert where == locator.locate(lat, lng)
    assert locator.locate_many([]) == []
    with pytest.raises(ValidationFailed, match="第 1 个点"):
        locator.locate_many([(23.03, 113.11), ("x", 113.0)])


def test_the_index_follows_regenerated_grids():
    before = locator.locate(23.03, 113.11)
    services.grids_generate(scale="full")
    after = locator.locate(23.03, 113.11)
    assert after.grid_code != before.grid_code or after.grid_id != before.grid_id
    grid = Division.objects.get(pk=after.grid_id)
    assert shape(grid.geometry).covers(shapely.Point(113.11, 23.03))
    assert selectors.grids().count() > 1700

    services.grids_generate(scale="small")  # same geometry as before, but new rows
    back = locator.locate(23.03, 113.11)
    assert back.grid_code == before.grid_code
    assert Division.objects.filter(pk=back.grid_id, code=back.grid_code).exists()


def test_a_lookup_takes_well_under_50_microseconds():
    locator.locate(23.03, 113.11)  # build the index
    runs = 5000
    seconds = timeit.timeit(lambda: locator.locate(23.03, 113.11), number=runs)
    assert seconds / runs < 50e-6 * 4  # generous on a loaded machine; about 10 µs measured


@pytest.mark.usefixtures("empty_places")
def test_before_grids_exist_locating_says_so():
    with pytest.raises(Conflict, match="yimen places import"):
        locator.locate(23.03, 113.11)
