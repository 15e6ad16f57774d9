"""The pure geometry generator, without the database."""

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.conf import settings

from yimen.places.layout import GRID_TARGETS, StreetInput, layout_compute


def chancheng() -> tuple[StreetInput, ...]:
    data = json.loads(
        (Path(settings.YIMEN_REFERENCE_DIR) / "foshan-4406-2021.json").read_text(encoding="utf-8")
    )
    return tuple(StreetInput(code=s, village_codes=tuple(sorted(data[s]))) for s in sorted(data["440604"]))


@pytest.mark.parametrize("seed", [4406, 1])
def test_grids_tile_the_district_exactly(seed):
    layout = layout_compute(streets=chancheng(), scale="small", seed=seed)
    grids = np.array([g.polygon for g in layout.grids], dtype=object)
    assert all(g.geom_type == "Polygon" and g.is_valid for g in grids)
    tree = shapely.STRtree(grids)
    left, right = tree.query(grids, predicate="overlaps")
    assert len(left) == 0
    assert sum(g.area for g in grids) == pytest.approx(layout.district.area, rel=1e-9)
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = layout.district.bounds
    xy = np.column_stack([rng.uniform(minx, maxx, 20000), rng.uniform(miny, maxy, 20000)])
    inside = shapely.contains_xy(layout.district, xy[:, 0], xy[:, 1])
    hits = np.bincount(tree.query(shapely.points(xy), predicate="intersects")[0], minlength=len(xy))
    assert np.all(hits[inside] == 1)
    assert np.all(hits[~inside] == 0)


def test_same_seed_same_geometry_other_seed_other_geometry():
    first = layout_compute(streets=chancheng(), scale="small", seed=4406)
    again = layout_compute(streets=chancheng(), scale="small", seed=4406)
    other = layout_compute(streets=chancheng(), scale="small", seed=4407)
    assert [g.polygon.wkb for g in first.grids] == [g.polygon.wkb for g in again.grids]
    assert first.district.wkb != other.district.wkb


@pytest.mark.parametrize("scale", sorted(GRID_TARGETS))
def test_grid_count_is_near_the_target(scale):
    layout = layout_compute(streets=chancheng(), scale=scale, seed=4406)
    target = GRID_TARGETS[scale]
    assert 0.85 * target <= len(layout.grids) <= 1.15 * target
    assert {g.village_code for g in layout.grids} == {v for s in chancheng() for v in s.village_codes}


def test_district_is_chancheng_sized_and_placed():
    layout = layout_compute(streets=chancheng(), scale="small", seed=4406)
    minx, miny, maxx, maxy = layout.district.bounds
    assert minx >= 113.02 and maxx <= 113.16 and miny >= 22.96 and maxy <= 23.08
    km2 = layout.district.area * 111.32 * np.cos(np.radians(23.02)) * 110.57
    assert 130 < km2 < 170  # Chancheng: 154 km²


def test_areas_are_contiguous_groups_of_their_streets_villages():
    layout = layout_compute(streets=chancheng(), scale="small", seed=4406)
    for street in chancheng():
        areas = [a for a in layout.areas if a.street_code == street.code]
        assert 2 <= len(areas) <= 5
        assert [a.number for a in areas] == list(range(1, len(areas) + 1))
        assert sorted(v for a in areas for v in a.village_codes) == sorted(street.village_codes)
        assert all(a.polygon.geom_type == "Polygon" for a in areas)
