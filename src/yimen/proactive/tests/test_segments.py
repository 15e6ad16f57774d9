"""Target-group expressions: precedence, parentheses, NOT, Chinese names and operators, errors with their
position; bitmap evaluation equals the ORM evaluation of the same expression."""

import pytest
from django.utils import translation

from yimen.common.errors import ValidationFailed
from yimen.proactive import segment_names, segments
from yimen.proactive.segments import And, Not, Term
from yimen.proactive.tests.factories import EXPECTED_PERSONS, TODAY
from yimen.registry.models import Person


def T(code):
    return ("tag", code)


def shape(node):
    """A tree as nested tuples of (kind, key) terms, for readable comparisons."""
    if isinstance(node, Term):
        return (node.kind, node.key)
    if isinstance(node, Not):
        return ("NOT", shape(node.child))
    return ("AND" if isinstance(node, And) else "OR", *[shape(c) for c in node.children])


@pytest.fixture
def parse(population):
    return lambda text: shape(segments.parse(text))


class TestGrammar:
    def test_and_binds_tighter_than_or(self, parse):
        assert parse("tag:age_80_plus OR tag:living_alone AND tag:migrant") == (
            "OR",
            T("age_80_plus"),
            ("AND", T("living_alone"), T("migrant")),
        )

    def test_parentheses_group(self, parse):
        assert parse("(tag:age_80_plus OR tag:living_alone) AND tag:migrant") == (
            "AND",
            ("OR", T("age_80_plus"), T("living_alone")),
            T("migrant"),
        )

    def test_not_binds_tightest_and_nests(self, parse):
        assert parse("NOT tag:migrant AND tag:living_alone") == (
            "AND",
            ("NOT", T("migrant")),
            T("living_alone"),
        )
        assert parse("not not tag:migrant") == ("NOT", ("NOT", T("migrant")))
        assert parse("NOT (tag:migrant OR tag:deceased)") == ("NOT", ("OR", T("migrant"), T("deceased")))

    def test_chinese_names_operators_and_divisions(self, parse):
        assert parse("80岁及以上 且 独居 且 祖庙街道培德社区") == (
            "AND",
            T("age_80_plus"),
            T("living_alone"),
            ("div", "440604012013"),
        )
        assert parse("（新手父母 或 孕期） 且 非 流动人口 且 div:培德社区") == (
            "AND",
            ("OR", T("new_parent"), T("pregnant")),
            ("NOT", T("migrant")),
            ("div", "440604012013"),
        )
        assert parse('tag:"独居" and div:440604012 AND div:培德社区居委会') == (
            "AND",
            T("living_alone"),
            ("div", "440604012"),
            ("div", "440604012013"),
        )

    def test_the_canonical_form_uses_codes(self, population):
        tree = segments.parse("80岁及以上 且 (独居 或 非 流动人口)")
        assert segments.to_text(tree) == "(tag:age_80_plus AND (tag:living_alone OR NOT tag:migrant))"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "位置 1：表达式为空"),
            ("tag:age_80_plus AND", "位置 20：表达式不完整：缺少条件"),
            ("tag:age_80_plus AND tag:age_81_plus", "位置 21：未知标签 “age_81_plus”"),
            ("(tag:age_80_plus OR 独居", "位置 1：括号没有闭合"),
            ("tag:age_80_plus)", "位置 16：多余的右括号"),
            ("tag:age_80_plus 独居", "位置 17：“独居” 前缺少 AND 或 OR"),
            ("AND 独居", "位置 1：“AND” 前缺少条件"),
            ("独居 AND ()", "位置 9：括号内缺少条件"),
            ("grid:440604012013001", "位置 1：未知前缀 “grid:”（可用 tag: 或 div:）"),
            ("独居 AND div:火星村", "位置 8：未知区划 “火星村”"),
            ("独居 AND 火星村", "位置 8：未知标签或区划 “火星村”"),
            ("食品经营", "位置 1：“食品经营” 是法人标签，目标人群只能使用自然人标签"),
            ('tag:"独居', "位置 5：引号没有闭合"),
            ("(" * 60 + "独居" + ")" * 60, "位置 51：括号嵌套过深（不超过 50 层）"),
        ],
    )
    def test_errors_name_the_position(self, population, text, message):
        with pytest.raises(ValidationFailed) as caught:
            segments.parse(text)
        assert caught.value.message == message
        assert caught.value.errors == {"expression": [message]}

    def test_errors_in_english(self, population):
        with translation.override("en"), pytest.raises(ValidationFailed) as caught:
            segments.parse("tag:age_80_plus AND tag:age_81_plus")
        assert caught.value.message == 'position 21: unknown tag "age_81_plus"'

    def test_an_ambiguous_division_name_asks_for_the_code(self, population):
        from yimen.registry.tests.factories import division

        division(
            "440604010099", "培德社区居委会", 4, population.places["shiwan"]
        )  # a namesake in another street
        segment_names.reset()
        with pytest.raises(ValidationFailed, match="“培德社区” 对应多个区划：.*请使用区划代码"):
            segments.parse("div:培德社区")
        assert shape(segments.parse("祖庙街道培德社区")) == ("div", "440604012013")


EXPRESSIONS = [
    "tag:age_80_plus AND tag:living_alone AND div:440604012013 AND NOT tag:deceased",
    "tag:age_60_plus AND NOT tag:living_alone",
    "NOT tag:age_60_plus",
    "(tag:new_parent OR tag:pregnant) AND div:440604010",
    "tag:living_alone OR tag:low_income_household OR tag:disabled",
    "div:440604012 AND NOT (tag:retiree OR tag:student)",
    "tag:deceased",
    "NOT div:440604",
    "tag:childless_elderly AND tag:elderly_living_alone AND NOT div:440604012005",
]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_bitmaps_equal_the_orm(computed, text):
    result = segments.segment_evaluate(text)
    orm = set(
        Person.objects.filter(segments.segment_q(result.tree, today=TODAY)).values_list("id", flat=True)
    )
    assert set(result.ids) == orm
    assert result.count == len(orm)


def test_counts_on_the_population(computed):
    count = lambda text: segments.segment_evaluate(text).count  # noqa: E731
    assert count("80岁及以上 且 独居 且 祖庙街道培德社区") == 1
    assert count("60岁及以上 且 独居") == len(EXPECTED_PERSONS["elderly_living_alone"])
    assert count("tag:deceased") == 0  # the universe is the living
    assert count("NOT tag:deceased") == Person.objects.filter(status="alive").count()


def test_a_user_with_a_division_counts_inside_it(computed):
    from yimen.accounts.models import Role
    from yimen.registry.tests.factories import UserFactory

    grid = UserFactory(role=Role.GRID_WORKER, division=computed.places["zumiao"])
    result = segments.segment_evaluate("tag:age_60_plus", user=grid)
    zumiao = computed.ids("alone85", "almost80", "grandpa72", "grandma68", "widow66")
    assert set(result.ids) == zumiao  # all of them live in 祖庙 (培德, 东城)
    lanshi = UserFactory(role=Role.GRID_WORKER, division=computed.places["lanshi"])
    assert segments.segment_evaluate("tag:age_60_plus", user=lanshi).count == 0
    orm = Person.objects.filter(segments.segment_q(result.tree, today=TODAY, user=grid))
    assert set(orm.values_list("id", flat=True)) == zumiao
