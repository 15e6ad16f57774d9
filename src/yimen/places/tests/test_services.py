import json
from pathlib import Path

import pytest
import shapely
from django.conf import settings
from shapely.geometry import shape

from yimen.common.errors import Conflict, ValidationFailed
from yimen.ledger.models import Entry
from yimen.places import selectors, services
from yimen.places.models import Department, Division, GridGeneration
from yimen.places.tests.conftest import village

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference")]

Level = Division.Level
REFERENCE_JSON = Path(settings.YIMEN_REFERENCE_DIR) / "foshan-4406-2021.json"
NEW_VILLAGE = "440604012999"


def level_counts() -> dict[int, int]:
    return {level: Division.objects.filter(level=level).count() for level in Level.values}


def write_json(tmp_path: Path, data) -> Path:
    path = tmp_path / "divisions.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def reference_data() -> dict:
    return json.loads(REFERENCE_JSON.read_text(encoding="utf-8"))


# -- divisions ---------------------------------------------------------------------------------------


def test_import_creates_the_district_four_streets_and_147_villages(reference):
    assert reference["divisions"]["streets"] == 4
    assert reference["divisions"]["villages"] == 147
    counts = level_counts()
    assert (counts[Level.DISTRICT], counts[Level.STREET], counts[Level.VILLAGE]) == (1, 4, 147)
    assert [s.name for s in selectors.streets()] == ["石湾镇街道", "张槎街道", "祖庙街道", "南庄镇"]
    assert selectors.villages("440604012").count() == 60


def test_second_import_changes_nothing_and_writes_no_audit_entry():
    before, entries = level_counts(), Entry.objects.count()
    result = services.divisions_import()
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 152)
    assert level_counts() == before
    assert Entry.objects.count() == entries


def test_renamed_village_is_updated_in_place_and_stays_in_its_area(tmp_path):
    data = reference_data()
    data["440604010"]["440604010001"] = "澜石新社区居委会"
    before = village("440604010001")
    entries = Entry.objects.filter(kind="places.divisions_imported").count()

    result = services.divisions_import(path=write_json(tmp_path, data))

    after = village("440604010001")
    assert (result["created"], result["updated"]) == (0, 1)
    assert after.name == "澜石新社区居委会" and after.pk == before.pk
    assert after.parent.level == Level.AREA and after.path == before.path
    assert Entry.objects.filter(kind="places.divisions_imported").count() == entries + 1

    grid_ids = set(after.children.values_list("pk", flat=True))
    regenerated = services.grids_generate(scale="small")
    assert regenerated["changed"] and regenerated["deleted"] == 0  # names only: updated in place
    assert set(after.children.values_list("pk", flat=True)) == grid_ids
    assert after.children.order_by("code").first().name == "澜石新社区第1网格"


def _not_json(data):
    return "{not json"


def _top_level_list(data):
    return [data]


def _children_not_object(data):
    data["440604012"] = ["祖庙"]
    return data


def _code_not_digits(data):
    data["440604012"]["44060401200X"] = "坏社区居委会"
    return data


def _code_outside_parent(data):
    data["440604012"]["440604010777"] = "错位社区居委会"
    return data


def _missing_district_key(data):
    del data["440604"]
    return data


def _district_not_listed(data):
    del data["4406"]["440604"]
    return data


def _empty_name(data):
    data["440604012"]["440604012001"] = "  "
    return data


def _street_without_villages(data):
    del data["440604100"]
    return data


def _village_code_too_short(data):
    data["440604012"]["4406040129"] = "短码社区居委会"
    return data


MALFORMED = [
    (_not_json, "not valid JSON"),
    (_top_level_list, "top level"),
    (_children_not_object, "440604012"),
    (_code_not_digits, "44060401200X"),
    (_code_outside_parent, "440604010777"),
    (_missing_district_key, "440604"),
    (_district_not_listed, "440604"),
    (_empty_name, "440604012001"),
    (_street_without_villages, "440604100"),
    (_village_code_too_short, "4406040129"),
]


@pytest.mark.parametrize(("spoil", "key"), MALFORMED, ids=[f.__name__.strip("_") for f, _ in MALFORMED])
def test_malformed_division_file_is_refused_naming_file_and_key_and_nothing_changes(tmp_path, spoil, key):
    data = reference_data()
    data["440604012"][NEW_VILLAGE] = "新建社区居委会"  # would be created if anything were written
    data["440604010"]["440604010001"] = "改名社区居委会"  # would be renamed
    spoiled = spoil(data)
    path = tmp_path / "divisions.json"
    path.write_text(
        spoiled if isinstance(spoiled, str) else json.dumps(spoiled, ensure_ascii=False), encoding="utf-8"
    )
    before = level_counts()

    with pytest.raises(ValidationFailed) as caught:
        services.divisions_import(path=path)

    assert str(path) in caught.value.message
    assert key in caught.value.message
    assert level_counts() == before
    assert not Division.objects.filter(code=NEW_VILLAGE).exists()
    assert village("440604010001").name == "澜石社区居委会"


def test_duplicate_key_is_refused(tmp_path):
    text = REFERENCE_JSON.read_text(encoding="utf-8")
    path = tmp_path / "dup.json"
    path.write_text(
        text.replace(
            '"440604010003": "惠景社区居委会",', '"440604010003": "惠景社区居委会", "440604010003": "x",'
        )
    )
    with pytest.raises(ValidationFailed, match="440604010003"):
        services.divisions_import(path=path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ValidationFailed, match="nowhere.json"):
        services.divisions_import(path=tmp_path / "nowhere.json")


@pytest.mark.usefixtures("empty_places")
def test_malformed_file_on_an_empty_database_writes_nothing(tmp_path):
    with pytest.raises(ValidationFailed):
        services.divisions_import(path=write_json(tmp_path, _empty_name(reference_data())))
    assert Division.objects.count() == 0


# -- departments -------------------------------------------------------------------------------------


def test_departments_have_the_codes_other_apps_rely_on(reference):
    assert reference["departments"]["district"] == 23
    taxonomy = {
        "CGJ",
        "HBJ",
        "ZJJ",
        "JTJ",
        "JJD",
        "GAJ",
        "YJJ",
        "XFJ",
        "SCJ",
        "RSJ",
        "WJJ",
        "JYJ",
        "MZJ",
        "ZRJ",
    }
    extras = {"SWJ", "CL", "GJJ", "SFJ", "TYJ"}
    district = set(Department.objects.filter(kind=Department.Kind.DISTRICT).values_list("code", flat=True))
    assert taxonomy | extras | {"NYJ", "WGJ", "YBJ", "ZSJ"} == district
    assert selectors.department_by_code("SWJ").name == "国家税务总局佛山市禅城区税务局"
    assert selectors.department_by_code("CGJ").division.code == "440604"
    office = selectors.street_office("440604010")
    assert (office.code, office.name, office.kind) == ("JD440604010", "石湾镇街道办事处", "street_office")
    assert office.division.code == "440604010"
    assert selectors.department_by_code("JD440604100").name == "南庄镇人民政府"


def test_second_departments_import_changes_nothing():
    result = services.departments_import()
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 27)


@pytest.mark.parametrize(
    ("extras", "key"),
    [
        ("departments:\n  - {code: XYZ, name: 新部门}\n  - {code: CGJ, name: 重复}\n", "CGJ"),
        ("departments:\n  - {code: XYZ, name: 新部门}\n  - {code: new, name: 小写}\n", "new"),
        ("departments:\n  - {code: XYZ, name: 新部门}\n  - {code: ABC, name: ''}\n", "ABC"),
        ("departments: {code: XYZ, name: 新部门}\n", "departments"),
        ("departments:\n  - {code: XYZ, name: 新部门\n", "line"),
        (
            "departments:\n  - {code: XYZ, name: 新部门}\nstreet_offices: {'440604999': {phone: '1'}}\n",
            "440604999",
        ),
    ],
)
def test_malformed_department_file_is_refused_and_nothing_changes(tmp_path, extras, key):
    path = tmp_path / "departments.yaml"
    path.write_text(extras, encoding="utf-8")
    before = Department.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        services.departments_import(extras_path=path)
    assert str(path) in caught.value.message and key in caught.value.message
    assert Department.objects.count() == before
    assert not Department.objects.filter(code="XYZ").exists()


# -- grids -------------------------------------------------------------------------------------------


def test_small_grids_are_about_600_in_areas_of_two_to_five_per_street(reference):
    grids = reference["grids"]
    assert 510 <= grids["grids"] <= 690
    assert Division.objects.filter(level=Level.GRID).count() == grids["grids"]
    for street in selectors.streets():
        assert 2 <= selectors.areas(street.code).count() <= 5


def test_full_grids_are_about_2000():
    result = services.grids_generate(scale="full")
    assert 1700 <= result["grids"] <= 2300
    assert Division.objects.filter(level=Level.GRID).count() == result["grids"]


def test_generation_is_deterministic(reference):
    small = reference["grids"]
    small_codes = list(Division.objects.filter(level=Level.GRID).values_list("code", flat=True))
    full_once = services.grids_generate(scale="full")
    services.grids_generate(scale="small")
    assert GridGeneration.objects.get().stamp == small["stamp"]
    assert list(Division.objects.filter(level=Level.GRID).values_list("code", flat=True)) == small_codes
    full_twice = services.grids_generate(scale="full")
    assert full_twice["stamp"] == full_once["stamp"] and full_twice["grids"] == full_once["grids"]


def test_stamp_is_the_digest_of_the_stored_grids(reference):
    from yimen.places.services.grids import _digest

    rows = Division.objects.filter(level=Level.GRID).order_by("code").values_list("code", "geometry")
    assert _digest([list(r) for r in rows]) == reference["grids"]["stamp"]


def test_regenerating_the_same_scale_writes_nothing():
    before, entries = level_counts(), Entry.objects.count()
    result = services.grids_generate(scale="small")
    assert result["changed"] is False and result["created"] == result["deleted"] == 0
    assert level_counts() == before and Entry.objects.count() == entries


def test_reference_load_writes_nothing_when_everything_is_in_place(django_assert_max_num_queries):
    # `make run` calls this every time; with everything in place it only reads (no rows rewritten,
    # grids not regenerated), which is what keeps a second `make run` quick.
    with django_assert_max_num_queries(60) as captured:
        result = services.reference_load(grids="small")
    assert result["grids"]["changed"] is False
    writes = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_villages_move_under_their_areas_and_paths_follow():
    for v in Division.objects.filter(level=Level.VILLAGE).select_related("parent__parent"):
        area = v.parent
        assert area.level == Level.AREA
        assert area.code.startswith(v.code[:9] + "P") and len(area.code) == 12
        assert area.parent.code == v.code[:9]
        assert v.path == f"/440604/{v.code[:9]}/{area.code}/{v.code}/"
    zumiao_areas = [a.name for a in selectors.areas("440604012")]
    assert zumiao_areas[:2] == ["祖庙街道第一片区", "祖庙街道第二片区"]


def test_each_grid_lies_in_its_village_and_its_path_starts_with_the_villages():
    villages = {v.pk: v for v in Division.objects.filter(level=Level.VILLAGE)}
    village_shapes = {pk: shape(v.geometry) for pk, v in villages.items()}
    for grid in Division.objects.filter(level=Level.GRID):
        parent = villages[grid.parent_id]
        assert grid.code.startswith(parent.code) and len(grid.code) == 15
        assert grid.path == f"{parent.path}{grid.code}/"
        assert grid.name.startswith(parent.short_name) and grid.name.endswith("网格")
        polygon = shape(grid.geometry)
        assert village_shapes[grid.parent_id].buffer(1e-9).covers(polygon)
        assert polygon.contains(shapely.Point(grid.centroid_lng, grid.centroid_lat))


def test_grids_tile_their_village_and_villages_tile_the_district():
    district = shape(selectors.district().geometry)
    villages = [shape(v.geometry) for v in Division.objects.filter(level=Level.VILLAGE)]
    assert shapely.union_all(villages).symmetric_difference(district).area < 1e-9
    assert sum(v.area for v in villages) == pytest.approx(district.area, rel=1e-9)
    for v in Division.objects.filter(level=Level.VILLAGE)[:20]:
        grids = [shape(g.geometry) for g in v.children.all()]
        assert sum(g.area for g in grids) == pytest.approx(shape(v.geometry).area, rel=1e-9)


def test_streets_lie_in_the_right_part_of_the_district():
    street_at = {
        "440604012": (23.03, 113.11),  # 祖庙: old centre, north-east
        "440604011": (23.04, 113.06),  # 张槎: north-west
        "440604010": (22.99, 113.10),  # 石湾: south-east
        "440604100": (23.00, 113.03),  # 南庄: west / south-west
    }
    for code, (lat, lng) in street_at.items():
        assert shape(selectors.division_by_code(code).geometry).contains(shapely.Point(lng, lat)), code


def test_switching_scale_is_refused_while_a_grid_is_referenced():
    grid = selectors.grids().first()
    Department.objects.create(code="TEST", name="网格工作站", kind="district", division=grid)
    stamp = GridGeneration.objects.get().stamp
    with pytest.raises(Conflict, match="网格"):
        services.grids_generate(scale="full")
    assert GridGeneration.objects.get().stamp == stamp
    assert Division.objects.filter(pk=grid.pk).exists()


def test_switching_scale_records_one_audit_entry():
    before = Entry.objects.filter(kind="places.grids_generated").count()
    services.grids_generate(scale="full")
    assert Entry.objects.filter(kind="places.grids_generated").count() == before + 1


def test_unknown_scale_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        services.grids_generate(scale="huge")
    assert caught.value.field == "scale"


@pytest.mark.usefixtures("empty_places")
def test_grids_need_divisions_first():
    with pytest.raises(ValidationFailed, match="import divisions first"):
        services.grids_generate(scale="small")
