import datetime as dt

import pytest

from yimen.common.errors import Conflict, PermissionDenied, ValidationFailed
from yimen.events import services
from yimen.events.locate import place_resolve
from yimen.events.models import Category, Channel, Event, JointTask, RoutingRule, Subcategory
from yimen.events.tests.conftest import JPEG, ZUMIAO
from yimen.places import selectors as places
from yimen.places.models import Division

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]


def report(people, now, text="后门油烟直排扰民"):
    return services.event_report(
        channel=Channel.CITIZEN, text=text, lat=ZUMIAO[0], lng=ZUMIAO[1], reporter=people["citizen"], now=now
    )


def test_the_taxonomy_has_17_categories_and_61_subcategories_with_limits():
    assert Category.objects.count() == 17 and Subcategory.objects.count() == 61
    oil = Subcategory.objects.get(code="0301")
    assert (oil.department.code, oil.respond_hours, oil.resolve_days) == ("HBJ", 8, 5)
    assert services.taxonomy_load()["changed"] == 0  # loading again changes nothing


def test_every_grid_centroid_locates_back_to_its_grid():
    for code, lat, lng in places.grids().values_list("code", "centroid_lat", "centroid_lng"):
        assert place_resolve(lat=lat, lng=lng).location.grid_code == code


# --- routing rules -----------------------------------------------------------------------------------


def test_without_rules_the_taxonomy_department_is_responsible(people):
    grid = places.grids().first()
    department, rule = services.route(subcategory=Subcategory.objects.get(code="0301"), grid=grid)
    assert department.code == "HBJ" and rule is None


def test_the_first_matching_rule_wins_in_position_order(people, now):
    zumiao = "440604012"
    services.routing_rule_create(
        actor=people["command"],
        category="03",
        division=zumiao,
        department=f"JD{zumiao}",
        note="祖庙街道环境类先由街道处置",
    )
    services.routing_rule_create(actor=people["command"], subcategory="0301", department="SCJ")
    grid = Division.objects.get(pk=report(people, now).event.grid_id)
    oil = Subcategory.objects.get(code="0301")
    assert services.route(subcategory=oil, grid=grid)[0].code == f"JD{zumiao}"
    second = RoutingRule.objects.get(department__code="SCJ")
    services.routing_rule_move(actor=people["command"], rule_id=second.pk, position=1)
    assert list(RoutingRule.objects.values_list("department__code", "position")) == [
        ("SCJ", 1),
        (f"JD{zumiao}", 2),
    ]
    assert services.route(subcategory=oil, grid=grid)[0].code == "SCJ"
    # a grid in another street does not match the area rule
    other = places.grids().exclude(path__startswith=grid.path[: grid.path.index(zumiao) + 10]).first()
    services.routing_rule_delete(actor=people["command"], rule_id=second.pk)
    assert services.route(subcategory=oil, grid=other)[0].code == "HBJ"
    assert services.route(subcategory=oil, grid=grid)[0].code == f"JD{zumiao}"


def test_dispatch_uses_the_rules_and_notes_which_one(people, now):
    services.routing_rule_create(actor=people["command"], subcategory="0301", department="CGJ")
    event = report(people, now).event
    assert event.department.code == "CGJ"
    assert "#1" in event.history.get(action="dispatched").note


def test_rules_are_edited_by_the_command_centre_only_and_checked(people):
    with pytest.raises(PermissionDenied):
        services.routing_rule_create(actor=people["hb"], department="HBJ")
    with pytest.raises(ValidationFailed) as caught:
        services.routing_rule_create(actor=people["command"], department="NOPE", category="99")
    assert {"category", "department"} <= set(caught.value.errors)
    with pytest.raises(ValidationFailed) as caught:
        services.routing_rule_create(
            actor=people["command"], department="HBJ", category="01", subcategory="0301"
        )
    assert "subcategory" in caught.value.errors
    assert not RoutingRule.objects.exists()
    rule = services.routing_rule_create(actor=people["command"], department="HBJ", category="03")
    services.routing_rule_update(
        actor=people["command"], rule_id=rule.pk, department="CGJ", category="03", active=False
    )
    rule.refresh_from_db()
    assert rule.department.code == "CGJ" and not rule.active


# --- joint enforcement -------------------------------------------------------------------------------


def test_joint_enforcement_request_approve_tasks_and_results(people, now):
    event = report(people, now).event
    with pytest.raises(Conflict):  # not acknowledged yet
        services.joint_request(event=event, actor=people["hb"], departments=["SCJ"], reason="无证经营")
    services.event_acknowledge(event=event, actor=people["hb"])
    with pytest.raises(PermissionDenied):
        services.joint_request(event=event, actor=people["cg"], departments=["SCJ"], reason="x")
    with pytest.raises(ValidationFailed):
        services.joint_request(event=event, actor=people["hb"], departments=["NOPE"], reason="x")
    request = services.joint_request(
        event=event, actor=people["hb"], departments=["SCJ", "CGJ"], reason="油烟直排且无证经营、占道"
    )
    with pytest.raises(Conflict):
        services.joint_request(event=event, actor=people["hb"], departments=["SCJ"], reason="again")
    with pytest.raises(PermissionDenied):
        services.joint_decide(request=request, actor=people["hb"], approve=True)
    services.joint_decide(request=request, actor=people["command"], approve=True)
    tasks = {t.department.code: t for t in JointTask.objects.filter(event=event)}
    assert set(tasks) == {"HBJ", "SCJ", "CGJ"} and tasks["HBJ"].is_lead
    with pytest.raises(Conflict):  # resolve waits for every party
        services.event_resolve(event=event, actor=people["hb"], action="已整改", photos=[JPEG])
    with pytest.raises(PermissionDenied):
        services.joint_task_complete(task=tasks["SCJ"], actor=people["hb"], result="x")
    for code, who in (("HBJ", "hb"), ("SCJ", "sc"), ("CGJ", "cg")):
        services.joint_task_complete(task=tasks[code], actor=people[who], result=f"{code} 已完成执法")
    with pytest.raises(Conflict):
        services.joint_task_complete(task=tasks["SCJ"], actor=people["sc"], result="again")
    services.event_resolve(event=event, actor=people["hb"], action="联合执法完成", photos=[JPEG])
    results = list(event.history.filter(action="joint_result").values_list("note", flat=True))
    assert len(results) == 3 and any("SCJ 已完成执法" in n for n in results)


def test_a_rejected_joint_request_needs_a_note_and_creates_no_tasks(people, now):
    event = report(people, now).event
    services.event_acknowledge(event=event, actor=people["hb"])
    request = services.joint_request(event=event, actor=people["hb"], departments=["SCJ"], reason="需要协助")
    with pytest.raises(ValidationFailed):
        services.joint_decide(request=request, actor=people["command"], approve=False)
    services.joint_decide(request=request, actor=people["command"], approve=False, note="本部门职责范围内")
    assert not JointTask.objects.filter(event=event).exists()
    request.refresh_from_db()
    assert request.state == "rejected"


# --- escalation --------------------------------------------------------------------------------------


def chain(event):
    grid = Division.objects.get(pk=event.grid_id)
    return [d.code for d in reversed(grid.ancestors())]  # grid, village, area, street, district


def test_an_unacknowledged_event_escalates_up_the_chain_every_respond_period(people, now):
    event = report(people, now).event  # 0301: respond in 8 h
    codes = chain(event)
    assert services.events_escalate_overdue(now=now + dt.timedelta(hours=7)) == 0
    seen = []
    t = now + dt.timedelta(hours=8)
    for _ in range(len(codes) + 1):
        services.events_escalate_overdue(now=t)
        event.refresh_from_db()
        seen.append(event.escalated_to.code)
        t += dt.timedelta(hours=8)
    assert seen == [*codes, codes[-1]]  # stops at the district
    assert event.history.filter(action="escalated").count() == len(codes)


def test_an_acknowledged_event_escalates_after_its_working_day_deadline(people, now):
    event = report(people, now).event  # Wednesday 2026-03-04, 5 working days -> Wednesday 03-11
    services.event_acknowledge(event=event, actor=people["hb"], now=now + dt.timedelta(hours=1))
    end = dt.datetime.combine(dt.date(2026, 3, 11), dt.time(23, 0))
    from django.utils import timezone

    assert services.events_escalate_overdue(now=timezone.make_aware(end)) == 0
    friday_after = timezone.make_aware(dt.datetime(2026, 3, 12, 9, 0))
    assert services.events_escalate_overdue(now=friday_after) == 1
    event.refresh_from_db()
    assert event.escalated_to.level == Division.Level.GRID
    # next step one working day later: Thursday 12th -> Friday 13th end of day
    assert timezone.localtime(event.next_escalation_at).date() == dt.date(2026, 3, 13)


def test_resolve_due_skips_holidays(people):
    from django.utils import timezone

    from yimen.common.models import CalendarDay, CalendarYear

    CalendarYear.objects.get_or_create(year=2026)
    CalendarDay.objects.update_or_create(
        date=dt.date(2026, 3, 5), defaults={"kind": CalendarDay.Kind.HOLIDAY}
    )
    event = report(people, timezone.make_aware(dt.datetime(2026, 3, 4, 10, 0))).event
    assert event.resolve_due == dt.date(2026, 3, 12)  # one day later than without the holiday


def test_closed_and_returned_events_do_not_escalate(people, now):
    event = report(people, now).event
    services.event_return(event=event, actor=people["hb"], reason="不属本部门")
    assert services.events_escalate_overdue(now=now + dt.timedelta(days=30)) == 0
    assert Event.objects.get(pk=event.pk).escalated_to is None
