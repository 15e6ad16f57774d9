"""The rule language: a definition that does not parse or names an unknown field, operator, item, tag or
division is refused with the exact path and problem; nothing is written."""

import pytest
from django.utils import translation

from yimen.common.errors import ValidationFailed
from yimen.proactive.models import TagDefinition
from yimen.proactive.services import tag_save, tags_load
from yimen.proactive.tags.definitions import TagSpec
from yimen.proactive.tags.rules import rule_parse

AGE = {"field": "birth_date", "op": "age_gte", "value": 80}

REFUSED = [
    (
        {"all": [AGE, {"field": "birth_date", "op": "age_gt", "value": 80}]},
        "rule.all[1].op: 未知运算符 “age_gt”（可用：age_gte, age_lt, age_between, within_days, before_days, is_null）",
        'rule.all[1].op: unknown operator "age_gt" (available: age_gte, age_lt, age_between, within_days, before_days, is_null)',
    ),
    (
        {"any": [{"field": "disability", "op": "eq", "value": True}]},
        "rule.any[0].field: 未知字段 “disability”（可用：birth_date, gender, status, is_migrant, household_role, hukou_region, death_date, residence_division）",
        'rule.any[0].field: unknown field "disability" (available: birth_date, gender, status, is_migrant, household_role, hukou_region, death_date, residence_division)',
    ),
    (
        {"case": {"item": "11440604000000000X0000000000000", "status": "completed"}},
        "rule.case.item: 未知事项 “11440604000000000X0000000000000”",
        'rule.case.item: unknown item "11440604000000000X0000000000000"',
    ),
    (
        {"not": {"tag": "nobody"}},
        "rule.not.tag: 未知标签 “nobody”",
        'rule.not.tag: unknown tag "nobody"',
    ),
    (
        {"all": [AGE, {"relation": "cousin"}]},
        "rule.all[1].relation: 未知关系 “cousin”（可用：spouse, parent, child, sibling, guardian）",
        'rule.all[1].relation: unknown relation "cousin" (available: spouse, parent, child, sibling, guardian)',
    ),
    (
        {"field": "birth_date", "op": "age_between", "value": [60, 50]},
        "rule.value: 下限 60 大于上限 50",
        "rule.value: lower bound 60 is above upper bound 50",
    ),
    (
        {"field": "gender", "op": "eq", "value": "X"},
        "rule.value: 未知取值 “X”（可用：M, F）",
        'rule.value: unknown value "X" (available: M, F)',
    ),
    (
        {"household_size": {"op": "about", "value": 1}},
        "rule.household_size.op: 未知运算符 “about”",
        'rule.household_size.op: unknown operator "about"',
    ),
    (
        {"case": {"item": "11440604007523103C4040107001000", "status": "finished"}},
        "rule.case.status: 未知办件状态 “finished”（可用：any, completed, decided, open, submitted, correction, refused, accepted, suspended, approved, rejected, delivered, withdrawn）",
        'rule.case.status: unknown case status "finished" (available: any, completed, decided, open, submitted, correction, refused, accepted, suspended, approved, rejected, delivered, withdrawn)',
    ),
    (
        {"relation": "child", "where": {"household_size": 1}},
        "rule.where: 亲属条件中只能使用字段条件（field）和 all/any/not",
        "rule.where: conditions on a relative may only use fields (field) and all/any/not",
    ),
    (
        {"all": []},
        "rule.all: 应为非空列表",
        "rule.all: must be a non-empty list",
    ),
    (
        {"field": "birth_date", "op": "age_gte", "value": "80"},
        "rule.value: 应为整数，实为 '80'",
        "rule.value: must be an integer, not '80'",
    ),
    (
        {"field": "birth_date", "op": "age_gte", "value": 80, "unit": "years"},
        "rule.unit: 未知键 “unit”（可用：field, op, value）",
        'rule.unit: unknown key "unit" (available: field, op, value)',
    ),
]


@pytest.mark.parametrize(
    ("rule", "zh", "en"), REFUSED, ids=[r[1].split(":")[0] + str(i) for i, r in enumerate(REFUSED)]
)
def test_a_bad_rule_is_refused_with_its_path(population, rule, zh, en):
    spec = TagSpec(code="bad_tag", name="坏标签", kind="person", rule=rule)
    with pytest.raises(ValidationFailed) as caught:
        tag_save(spec=spec, actor="system")
    assert caught.value.message == zh
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        tag_save(spec=spec, actor="system")
    assert caught.value.message == en
    assert not TagDefinition.objects.filter(code="bad_tag").exists()


def test_enterprise_tags_cannot_use_household_or_relations(population):
    with pytest.raises(ValidationFailed) as caught:
        rule_parse({"all": [{"household_size": 1}]}, kind="enterprise")
    assert caught.value.message == "rule.all[0].household_size: 法人标签不能使用 household_size"


def test_a_reference_must_not_form_a_cycle(population):
    tag_save(
        spec=TagSpec(code="a_tag", name="甲", kind="person", rule={"tag": "age_80_plus"}), actor="system"
    )
    tag_save(spec=TagSpec(code="b_tag", name="乙", kind="person", rule={"tag": "a_tag"}), actor="system")
    a = TagDefinition.objects.get(code="a_tag")
    with pytest.raises(ValidationFailed) as caught:
        tag_save(
            spec=TagSpec(code="a_tag", name="甲", kind="person", rule={"tag": "b_tag"}), actor="system", tag=a
        )
    assert caught.value.message == "rule.tag(b_tag).tag: 标签循环引用：a_tag → b_tag → a_tag"
    assert TagDefinition.objects.get(code="a_tag").rule == {"tag": "age_80_plus"}


def test_a_reference_to_a_tag_of_the_other_kind_is_refused(population):
    with pytest.raises(ValidationFailed, match=r"^rule.tag: 标签 “food_business” 的对象类型不同$"):
        tag_save(
            spec=TagSpec(code="c_tag", name="丙", kind="person", rule={"tag": "food_business"}),
            actor="system",
        )


def test_names_must_be_usable_in_expressions(population):
    with pytest.raises(ValidationFailed, match="标签名称不能含空格"):
        tag_save(spec=TagSpec(code="d_tag", name="高龄 独居", kind="person", rule=AGE), actor="system")
    with pytest.raises(ValidationFailed, match="标签名称“独居”已被使用"):
        tag_save(spec=TagSpec(code="e_tag", name="独居", kind="person", rule=AGE), actor="system")


def test_a_bad_fixture_changes_nothing(population, tmp_path):
    bad = tmp_path / "tags.yaml"
    bad.write_text(
        "format: yimen-tags/1\ntags:\n"
        "  - {code: age_80_plus, name: 八十岁以上, rule: {field: birth_date, op: age_gte, value: 81}}\n"
        "  - {code: broken, name: 坏, rule: {field: birth_date, op: older_than, value: 1}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as caught:
        tags_load(path=bad, actor="system")
    assert caught.value.message.startswith("broken: rule.op: 未知运算符 “older_than”")
    assert TagDefinition.objects.get(code="age_80_plus").rule["value"] == 80


def test_saving_a_tag_is_audited_and_recomputes_it(population, django_capture_on_commit_callbacks):
    from yimen.ledger.models import Entry

    before = Entry.objects.filter(kind="proactive.tag.save").count()
    with django_capture_on_commit_callbacks(execute=True):
        tag = tag_save(
            spec=TagSpec(
                code="age_90_plus",
                name="90岁及以上",
                kind="person",
                rule={"field": "birth_date", "op": "age_gte", "value": 85},
            ),
            actor="system",
        )
    assert Entry.objects.filter(kind="proactive.tag.save").count() == before + 1
    tag.refresh_from_db()
    assert tag.member_count == 1  # the 85-year-old, computed on commit (today's date: she is older still)
