"""Incremental refresh: a birthday crossing 80, a household member moving out, and the hooks from the
registry and case services (sent on commit through `common.signals.subjects_changed`)."""

import datetime as dt

from yimen.proactive import bitmaps, segments
from yimen.proactive.models import PersonTag
from yimen.proactive.services import tags_refresh_for
from yimen.proactive.tests.factories import LOW_INCOME, TODAY, household
from yimen.registry.models import Person


def members(code: str) -> set[int]:
    return set(PersonTag.objects.filter(tag__code=code).values_list("person_id", flat=True))


def test_a_birthday_crossing_80(computed):
    almost = computed.p["almost80"]
    assert almost.pk not in members("age_80_plus")
    tags_refresh_for([almost.pk], today=TODAY)  # the day before: nothing changes
    assert almost.pk not in members("age_80_plus")
    birthday = TODAY + dt.timedelta(days=1)
    result = tags_refresh_for([almost.pk], today=birthday)
    assert result["changed"]["age_80_plus"] == {"added": 1, "removed": 0}
    assert PersonTag.objects.get(person=almost, tag__code="age_80_plus").since == birthday
    assert segments.segment_evaluate("80岁及以上 且 独居").count == 2
    assert almost.pk in set(segments.segment_evaluate("tag:age_80_plus").ids)


def test_a_member_moving_out_leaves_the_other_living_alone(computed):
    grandpa, grandma = computed.p["grandpa72"], computed.p["grandma68"]
    old = grandpa.household
    assert grandma.pk not in members("living_alone")
    new = household(computed.places["lanshi"], "L0099")
    Person.objects.filter(pk=grandpa.pk).update(household=new, residence_division=new.division)
    result = tags_refresh_for([grandpa.pk], household_ids=[old.pk], today=TODAY)
    assert {grandpa.pk, grandma.pk} <= members("living_alone")
    assert result["changed"]["living_alone"] == {"added": 2, "removed": 0}
    assert result["changed"]["elderly_living_alone"] == {"added": 2, "removed": 0}
    # The division bitmaps follow the move: grandpa now lives in 澜石, no longer in 培德 or 祖庙.
    bitmaps.cache.sync()
    assert grandpa.pk in bitmaps.cache.get("div:440604010001")
    assert grandpa.pk not in bitmaps.cache.get("div:440604012013")
    assert grandpa.pk not in bitmaps.cache.get("div:440604012")
    assert grandpa.pk in bitmaps.cache.get("div:440604")
    assert set(segments.segment_evaluate("独居老人 且 div:澜石社区").ids) == {grandpa.pk}
    expr = segments.segment_evaluate("独居老人 且 div:440604012")
    orm = Person.objects.filter(segments.segment_q(expr.tree, today=TODAY)).values_list("id", flat=True)
    assert set(expr.ids) == set(orm)


def test_a_death_through_the_registry_service_refreshes_on_commit(
    computed, django_capture_on_commit_callbacks
):
    from yimen.registry.services import person_record_death

    alone = computed.p["alone85"]
    assert segments.segment_evaluate("80岁及以上").count == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        person_record_death(person=alone, death_date=dt.date.today() - dt.timedelta(days=1))
    assert len(callbacks) == 2  # the tag refresh and the life event (身后事 offers to the family)
    assert alone.pk in members("deceased")
    assert alone.pk not in members("age_80_plus") and alone.pk not in members("living_alone")
    assert segments.segment_evaluate("80岁及以上").count == 0
    assert alone.pk not in bitmaps.cache.get(bitmaps.UNIVERSE)


def test_a_rolled_back_change_refreshes_nothing(computed, django_capture_on_commit_callbacks):
    from django.db import transaction

    from yimen.registry.services import person_record_death

    alone = computed.p["alone85"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                person_record_death(person=alone, death_date=dt.date.today() - dt.timedelta(days=1))
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert alone.pk not in members("deceased")


def test_a_case_decision_through_the_case_services_refreshes_the_household(
    computed, django_capture_on_commit_callbacks
):
    """Approving a 低保 case (the real intake and back-office services) makes the applicant's household
    a low-income household at once."""
    from yimen.accounts.models import Role
    from yimen.cases import services as cases
    from yimen.registry.tests.factories import UserFactory

    mother = computed.p["old_dibao"]  # his previous 低保 is too old to count
    assert mother.pk not in members("low_income_household")
    version = computed.items[LOW_INCOME]
    clerk = UserFactory(role=Role.WINDOW_CLERK, department=version.department)
    approver = UserFactory(role=Role.APPROVER, department=version.department)
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_submit(actor=clerk, item=LOW_INCOME, channel="window", id_number=mother.id_number)
        case = cases.case_accept(case=case, actor=clerk, paper=[m.key for m in case.materials.all()])
        while case.current_step < case.steps.count() - 1:
            case = cases.case_step_complete(case=case, actor=approver, opinion="符合条件")
        cases.case_approve(case=case, actor=approver, opinion="同意")
    assert mother.pk in members("low_income_household")
