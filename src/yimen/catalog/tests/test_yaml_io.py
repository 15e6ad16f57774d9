"""Catalog YAML import/export: every error names file, line and field, and nothing is written."""

import textwrap

import pytest
import yaml

from yimen.catalog import services
from yimen.catalog.content import comparable
from yimen.catalog.models import ItemVersion, ServiceItem, Theme
from yimen.catalog.models.item import VersionStatus
from yimen.catalog.schema import clean_item
from yimen.catalog.yaml_io import catalog_export, catalog_import
from yimen.catalog.yaml_io.importer import MAX_PROBLEMS
from yimen.common.errors import ValidationFailed
from yimen.ledger.models import Entry

ALLOWANCE = "11440604007523105L4040107002000"
CARD = "11440604007523105L4200107001000"

VALID = textwrap.dedent(
    f"""\
    format: yimen-catalog/1
    items:
      - implementation_code: "{CARD}"
        basic_code: "200107001000"
        name: 老年人优待证办理
        kind: public_service
        department: MZJ
        service_object: natural_person
        accept_levels: [district, street, village]
        statutory_limit_days: 20
        promised_limit_days: 0
        visits_required: 0
        online_depth: 4
        result_type: certificate
        result_name: 老年人优待证
        keywords: [优待证, 老人证]
        life_stages: [elderly_care, retirement]
        related_items: ["{ALLOWANCE}"]
        materials:
          - {{key: id_card, name: 居民身份证, source: e_certificate, source_ref: 居民身份证}}
          - {{key: photo, name: 近期免冠照片, format: paper_original, copies: 2}}
      - implementation_code: "{ALLOWANCE}"
        basic_code: "040107002000"
        name: 高龄老人津贴申领
        kind: benefit
        department: MZJ
        service_object: natural_person
        promised_limit_days: 10
        visits_required: 0
        online_depth: 4
        life_stages: [elderly_care]
        legal_basis: |
          《中华人民共和国老年人权益保障法》
          《广东省老年人权益保障条例》
    themes:
      - code: elderly
        name: 养老一件事
        life_stage: elderly_care
        promised_days: 5
        items: ["{CARD}", "{ALLOWANCE}"]
    """
)


def write(tmp_path, text, name="catalog.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, nth: int = 1) -> int:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return lines[nth - 1]


def import_error(path) -> str:
    with pytest.raises(ValidationFailed) as caught:
        catalog_import(path=path)
    return caught.value.message


def assert_nothing_written():
    assert ServiceItem.objects.count() == 0
    assert ItemVersion.objects.count() == 0
    assert Theme.objects.count() == 0
    assert not Entry.objects.filter(kind__startswith="catalog.").exists()


@pytest.fixture
def valid_file(tmp_path, mzj):
    return write(tmp_path, VALID)


class TestImportErrors:
    def test_malformed_yaml(self, tmp_path, mzj):
        text = VALID.replace("kind: benefit", "kind: [benefit")
        message = import_error(write(tmp_path, text, "bad.yaml"))
        assert "bad.yaml:" in message and "YAML 格式错误" in message
        assert_nothing_written()

    def test_wrong_type(self, tmp_path, mzj):
        text = VALID.replace("promised_limit_days: 10", "promised_limit_days: 十天")
        message = import_error(write(tmp_path, text))
        line = line_of(text, "promised_limit_days: 十天")
        assert f"catalog.yaml:{line}: items[1].promised_limit_days: " in message
        assert "应为整数" in message
        assert_nothing_written()

    def test_digit_code_without_quotes_is_a_type_error(self, tmp_path, mzj):
        text = VALID.replace('basic_code: "040107002000"', "basic_code: 40107002000")
        message = import_error(write(tmp_path, text))
        assert f"catalog.yaml:{line_of(text, 'basic_code: 40107002000')}: items[1].basic_code: " in message
        assert "加引号" in message

    def test_unknown_kind(self, tmp_path, mzj):
        text = VALID.replace("kind: public_service", "kind: licence")
        message = import_error(write(tmp_path, text))
        assert (
            f"catalog.yaml:{line_of(text, 'kind: licence')}: items[0].kind: 未知的事项类型 'licence'"
            in message
        )
        assert "expected one of: administrative_licence" in message
        assert_nothing_written()

    def test_unknown_department(self, tmp_path, mzj):
        text = VALID.replace("department: MZJ", "department: XYZ", 1)
        message = import_error(write(tmp_path, text))
        assert (
            f"catalog.yaml:{line_of(text, 'department: XYZ')}: items[0].department: 未知的部门代码 'XYZ'"
            in message
        )
        assert_nothing_written()

    def test_unknown_life_stage(self, tmp_path, mzj):
        text = VALID.replace(
            "life_stages: [elderly_care, retirement]", "life_stages: [elderly_care, childhood]"
        )
        message = import_error(write(tmp_path, text))
        line = line_of(text, "childhood")
        assert f"catalog.yaml:{line}: items[0].life_stages[1]: 未知的人生阶段 'childhood'" in message
        assert_nothing_written()

    def test_missing_required_field(self, tmp_path, mzj):
        text = VALID.replace("    kind: benefit\n", "")
        message = import_error(write(tmp_path, text))
        line = line_of(text, f'- implementation_code: "{ALLOWANCE}"')
        assert f"catalog.yaml:{line}: items[1].kind: 缺少必填字段 kind" in message
        assert_nothing_written()

    def test_duplicate_implementation_code(self, tmp_path, mzj):
        text = VALID.replace(f'- implementation_code: "{ALLOWANCE}"', f'- implementation_code: "{CARD}"')
        message = import_error(write(tmp_path, text))
        line = line_of(text, f'- implementation_code: "{CARD}"', nth=2)
        assert f"catalog.yaml:{line}: items[1].implementation_code: 实施编码 {CARD} 重复" in message
        assert_nothing_written()

    def test_duplicate_code_in_another_file(self, tmp_path, mzj):
        first = write(tmp_path, VALID, "a.yaml")
        second = write(tmp_path, "items:\n" + VALID.split("items:\n")[1].split("themes:")[0], "b.yaml")
        message = import_error([first, second])
        assert "b.yaml:2: items[0].implementation_code: 实施编码" in message and "a.yaml:3" in message
        assert_nothing_written()

    def test_unknown_related_item(self, tmp_path, mzj):
        text = VALID.replace(f'related_items: ["{ALLOWANCE}"]', 'related_items: ["NOPE001"]')
        message = import_error(write(tmp_path, text))
        line = line_of(text, "NOPE001")
        assert f"catalog.yaml:{line}: items[0].related_items[0]: 关联事项 NOPE001 不存在" in message
        assert_nothing_written()

    def test_unknown_theme_item(self, tmp_path, mzj):
        text = VALID.replace(f'items: ["{CARD}", "{ALLOWANCE}"]', f'items: ["{CARD}", "MISSING01"]')
        message = import_error(write(tmp_path, text))
        assert (
            f"catalog.yaml:{line_of(text, 'MISSING01')}: themes[0].items[1]: 主题事项 MISSING01 不存在"
            in message
        )
        assert_nothing_written()

    def test_bad_limit_type_and_material_source(self, tmp_path, mzj):
        text = VALID.replace(
            "promised_limit_days: 10", "promised_limit_days: 10\n    limit_day_type: weekdays"
        )
        text = text.replace("source: e_certificate, source_ref: 居民身份证", "source: registry")
        message = import_error(write(tmp_path, text))
        assert (
            f"catalog.yaml:{line_of(text, 'weekdays')}: items[1].limit_day_type: 未知的时限类型 'weekdays'"
            in message
        )
        assert f"catalog.yaml:{line_of(text, 'source: registry')}: items[0].materials[0].source: " in message
        assert_nothing_written()

    def test_promised_longer_than_statutory(self, tmp_path, mzj):
        text = VALID.replace("promised_limit_days: 0", "promised_limit_days: 30")
        message = import_error(write(tmp_path, text))
        assert "items[0].promised_limit_days: 承诺办结时限 30 天不能超过法定办结时限 20 天" in message

    def test_unknown_field_and_duplicate_key(self, tmp_path, mzj):
        text = VALID.replace(
            "online_depth: 4\n    result_type", "online_depth: 4\n    colour: red\n    result_type"
        )
        text = text.replace("    fee_note: x\n", "")
        text = text.replace(
            "    life_stages: [elderly_care]\n", "    life_stages: [elderly_care]\n    name: 重复\n"
        )
        message = import_error(write(tmp_path, text))
        assert f"catalog.yaml:{line_of(text, 'colour: red')}: items[0].colour: 未知字段 'colour'" in message
        assert f"catalog.yaml:{line_of(text, 'name: 重复')}: 键 'name' 重复" in message

    def test_reports_every_problem_not_just_the_first(self, tmp_path, mzj):
        text = VALID.replace("kind: public_service", "kind: licence").replace(
            "department: MZJ", "department: XYZ"
        )
        message = import_error(write(tmp_path, text))
        assert "共 3 处错误" in message
        assert (
            "items[0].kind" in message
            and "items[0].department" in message
            and "items[1].department" in message
        )

    def test_problems_are_capped(self, tmp_path, mzj):
        entries = "".join(f"  - {{implementation_code: C{i}, name: x}}\n" for i in range(MAX_PROBLEMS))
        message = import_error(write(tmp_path, f"items:\n{entries}"))
        assert "另有" in message
        assert message.count("\n") == MAX_PROBLEMS + 1

    def test_a_valid_file_is_not_written_when_another_fails(self, tmp_path, mzj):
        good = write(tmp_path, VALID, "good.yaml")
        bad = write(tmp_path, "items: {}\n", "bad.yaml")
        message = import_error([good, bad])
        assert "bad.yaml:1: items: 应为列表" in message
        assert_nothing_written()

    def test_top_level_must_be_a_mapping(self, tmp_path, mzj):
        message = import_error(write(tmp_path, "- a\n- b\n"))
        assert "catalog.yaml:1: 文件顶层应为映射" in message

    def test_no_files(self, tmp_path):
        with pytest.raises(ValidationFailed, match="没有找到"):
            catalog_import(path=tmp_path)


class TestImport:
    def test_imports_items_materials_relations_and_themes(self, valid_file):
        report = catalog_import(path=valid_file)
        assert (report.items_created, report.themes_created) == (2, 1)
        card = ServiceItem.objects.get(implementation_code=CARD).current_version
        assert card.status == VersionStatus.PUBLISHED and card.visits_required == "0"
        assert [m.key for m in card.materials.all()] == ["id_card", "photo"]
        assert [i.implementation_code for i in card.related_items.all()] == [ALLOWANCE]
        assert card.keyword_list == ["优待证", "老人证"]
        theme = Theme.objects.get(code="elderly")
        assert [ti.item.implementation_code for ti in theme.theme_items.all()] == [CARD, ALLOWANCE]
        assert Entry.objects.filter(kind="catalog.item_version.published").count() == 2

    def test_reimport_is_a_no_op(self, valid_file):
        catalog_import(path=valid_file)
        entries = Entry.objects.count()
        report = catalog_import(path=valid_file)
        assert (report.items_unchanged, report.themes_unchanged, report.changed) == (2, 1, False)
        assert ItemVersion.objects.count() == 2
        assert Entry.objects.count() == entries

    def test_changed_content_publishes_a_new_version(self, tmp_path, valid_file):
        catalog_import(path=valid_file)
        changed = write(
            tmp_path, VALID.replace("promised_limit_days: 10", "promised_limit_days: 5"), "v2.yaml"
        )
        report = catalog_import(path=changed)
        assert (report.items_updated, report.items_unchanged) == (1, 1)
        versions = ItemVersion.objects.filter(item__implementation_code=ALLOWANCE).order_by("number")
        assert [(v.number, v.status, v.promised_limit_days) for v in versions] == [
            (1, "retired", 10),
            (2, "published", 5),
        ]

    def test_a_directory_imports_all_its_files(self, tmp_path, mzj):
        folder = tmp_path / "catalog"
        folder.mkdir()
        items, themes = VALID.split("themes:\n")
        write(folder, items, "1-items.yaml")
        write(folder, "themes:\n" + themes, "2-themes.yaml")
        report = catalog_import(path=folder)
        assert (report.items_created, report.themes_created) == (2, 1)


class TestExport:
    def test_round_trip(self, tmp_path, valid_file):
        catalog_import(path=valid_file)
        first = tmp_path / "export1.yaml"
        report = catalog_export(path=first)
        assert (report.items, report.themes) == (2, 1)

        exported = yaml.safe_load(first.read_text())
        original = yaml.safe_load(VALID)
        assert [comparable(clean_item(i).value) for i in exported["items"]] == sorted(
            (comparable(clean_item(i).value) for i in original["items"]),
            key=lambda v: v["implementation_code"],
        )
        assert exported["themes"][0]["items"] == original["themes"][0]["items"]

        reimport = catalog_import(path=first)
        assert reimport.changed is False
        second = tmp_path / "export2.yaml"
        catalog_export(path=second)
        strip = lambda p: p.read_text().split("\n", 2)[2]  # noqa: E731 (the header has a timestamp)
        assert strip(first) == strip(second)

    def test_drafts_are_not_exported(self, tmp_path, valid_file, data_admin):
        catalog_import(path=valid_file)
        item = ServiceItem.objects.get(implementation_code=CARD)
        draft = services.item_version_create_draft(item=item, actor=data_admin)
        services.item_version_update(version=draft, data={"name": "草稿名称"}, actor=data_admin)
        path = tmp_path / "out.yaml"
        catalog_export(path=path)
        assert "草稿名称" not in path.read_text()
