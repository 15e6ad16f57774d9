"""Each shipped tag on the crafted population: the expected members, the ORM evaluation and `explain`
agree; the full recompute stores rows and bitmaps and re-running it writes nothing."""

import pytest

from yimen.proactive import bitmaps
from yimen.proactive.models import EnterpriseTag, PersonTag, TagDefinition
from yimen.proactive.tags.definitions import fixture_read, tag_tree
from yimen.proactive.tags.explain import explain
from yimen.proactive.tags.refresh import tag_q_for
from yimen.proactive.tests.factories import EXPECTED_ENTERPRISES, EXPECTED_PERSONS, TODAY
from yimen.registry.models import Enterprise, Person


def test_the_fixture_defines_every_tag_the_population_expects(population):
    codes = {s.code for s in fixture_read()}
    assert codes == set(EXPECTED_PERSONS) | set(EXPECTED_ENTERPRISES)
    assert TagDefinition.objects.count() == len(codes)


@pytest.mark.parametrize("code", sorted(EXPECTED_PERSONS))
def test_person_tag_members(population, code):
    tag = TagDefinition.objects.get(code=code)
    tree = tag_tree(tag)
    members = set(Person.objects.filter(tag_q_for(tag, tree, TODAY)).values_list("id", flat=True))
    assert members == population.ids(*EXPECTED_PERSONS[code])
    for person in Person.objects.all():
        assert explain(tag, person, today=TODAY, tree=tree).matched == (person.pk in members), (
            code,
            person.pk,
        )


@pytest.mark.parametrize("code", sorted(EXPECTED_ENTERPRISES))
def test_enterprise_tag_members(population, code):
    tag = TagDefinition.objects.get(code=code)
    tree = tag_tree(tag)
    members = set(Enterprise.objects.filter(tag_q_for(tag, tree, TODAY)).values_list("id", flat=True))
    assert members == population.eids(*EXPECTED_ENTERPRISES[code])
    for enterprise in Enterprise.objects.all():
        assert explain(tag, enterprise, today=TODAY, tree=tree).matched == (enterprise.pk in members)


def test_full_recompute_stores_rows_and_bitmaps_and_a_rerun_writes_nothing(population):
    from yimen.proactive.services import tags_recompute_all

    first = tags_recompute_all(today=TODAY)
    assert sum(r["added"] for r in first["tags"]) == PersonTag.objects.count() + EnterpriseTag.objects.count()
    tag = TagDefinition.objects.get(code="age_80_plus")
    assert tag.member_count == 1 and tag.computed_at is not None
    assert set(PersonTag.objects.filter(tag=tag).values_list("person_id", flat=True)) == population.ids(
        "alone85"
    )
    assert PersonTag.objects.get(tag=tag).since == TODAY
    bitmaps.cache.sync()
    assert set(bitmaps.cache.get("tag:living_alone")) == population.ids(*EXPECTED_PERSONS["living_alone"])
    living = set(Person.objects.filter(status="alive").values_list("id", flat=True))
    assert set(bitmaps.cache.get(bitmaps.UNIVERSE)) == living
    peide = set(
        Person.objects.filter(residence_division=population.places["peide"]).values_list("id", flat=True)
    )
    assert set(bitmaps.cache.get("div:440604012013")) == peide
    zumiao = set(
        Person.objects.filter(
            residence_division__path__startswith=population.places["zumiao"].path
        ).values_list("id", flat=True)
    )
    assert set(bitmaps.cache.get("div:440604012")) == zumiao > peide
    assert set(
        EnterpriseTag.objects.filter(tag__code="food_business").values_list("enterprise_id", flat=True)
    ) == (population.eids("old_restaurant", "licensed_kitchen"))
    again = tags_recompute_all(today=TODAY)
    assert all(r["added"] == 0 and r["removed"] == 0 for r in again["tags"])


def test_explain_gives_the_facts(population):
    alone = population.p["alone85"]
    why = explain(TagDefinition.objects.get(code="age_80_plus"), alone, today=TODAY)
    assert why.matched
    assert why.reason.text == f"出生日期 {alone.birth_date.year}-**-** → 85岁 ≥ 80"
    living = explain(TagDefinition.objects.get(code="living_alone"), alone, today=TODAY)
    assert living.reason.text == "户内在世人数 1（要求 = 1）" and living.matched
    lines = [
        text
        for _depth, text, _ok in explain(
            TagDefinition.objects.get(code="elderly_living_alone"), alone, today=TODAY
        ).reason.lines()
    ]
    assert "户内在世人数 1（要求 = 1）" in lines and any("85岁 ≥ 60" in line for line in lines)
    # The full birth date never appears: the registry shows the year only.
    assert alone.birth_date.isoformat() not in " ".join(lines)


def test_explain_names_cases_and_the_missing_condition(population):
    pregnant = explain(TagDefinition.objects.get(code="pregnant"), population.p["pregnant29"], today=TODAY)
    lines = [text for _d, text, _ok in pregnant.reason.lines()]
    assert pregnant.matched
    assert "相关办件（准予办理、已出件，近 300 天内）1 件（要求 ≥ 1）" in lines
    assert any(
        line.startswith("办件 T") and "生育登记（计划生育服务证办理）：已出件" in line for line in lines
    )
    old = explain(
        TagDefinition.objects.get(code="pregnant"), population.p["registered_long_ago"], today=TODAY
    )
    assert not old.matched
    assert "相关办件（准予办理、已出件，近 300 天内）0 件（要求 ≥ 1）" in [
        t for _d, t, _o in old.reason.lines()
    ]


def test_explain_for_a_deceased_person_says_the_tag_is_for_the_living(population):
    why = explain(TagDefinition.objects.get(code="age_80_plus"), population.p["dead90"], today=TODAY)
    assert not why.matched
    assert any("标签只适用于在世/存续对象" in t and not ok for _d, t, ok in why.reason.lines())


def test_explain_in_english(population):
    from django.utils import translation

    with translation.override("en"):
        why = explain(TagDefinition.objects.get(code="living_alone"), population.p["alone85"], today=TODAY)
    assert why.reason.text == "Living members of the household: 1 (required = 1)"
