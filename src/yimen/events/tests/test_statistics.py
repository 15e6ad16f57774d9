"""Statistics: the roll-up kept by the services gives the same answer as the events table, for every scope
and filter, across the day boundary of `since`, through reclassification, returns, reopening, duplicates,
joint tasks and ratings; the rebuild gives the same rows as the services kept."""

import datetime as dt

import pytest
from django.utils import timezone

from yimen.accounts.models import Role
from yimen.events import services
from yimen.events.models import Channel, DailyGridTally, DailyTally, Event, Report, RollupState
from yimen.events.services import rollup
from yimen.events.statistics import statistics
from yimen.events.tests.conftest import JPEG, make_user
from yimen.events.tests.test_views import login
from yimen.places.models import Division

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]

ZUMIAO_STREET, ZHANGCHA_STREET = "440604012", "440604010"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 3, day, hour, minute))


def spot(street: str, n: int) -> tuple[float, float]:
    """The centroid of the n-th grid of a street: far enough apart that reports are not duplicates."""
    path = Division.objects.get(code=street).path
    grids = Division.objects.filter(level=Division.Level.GRID, path__startswith=path).order_by("code")
    grid = grids[n * 7]
    return grid.centroid_lat, grid.centroid_lng


def report(people, text, where, when, who="citizen"):
    return services.event_report(
        channel=Channel.CITIZEN, text=text, lat=where[0], lng=where[1], reporter=people[who], now=when
    )


def close(people, event, handler, when, *, resolve_after=dt.timedelta(hours=3)):
    services.event_acknowledge(event=event, actor=people[handler], now=when)
    services.event_resolve(
        event=event, actor=people[handler], action="已处置", photos=[JPEG], now=when + resolve_after
    )
    services.event_verify(
        event=event, actor=people["command"], passed=True, now=when + resolve_after + dt.timedelta(hours=1)
    )


@pytest.fixture
def history(people):
    """A few days of events that went through every kind of change, around `since` = 2 March 15:00."""
    people["street_zm"] = make_user("jd", Role.DEPARTMENT_HANDLER, department="JD440604012")
    services.routing_rule_create(
        actor=people["command"], subcategory="0201", division=ZUMIAO_STREET, department="JD440604012"
    )
    # Before the day of `since`: out of the period; its report is rated inside the period (still out).
    old = report(people, "餐馆油烟很大", spot(ZUMIAO_STREET, 0), at(1, 10))
    close(people, old.event, "hb", at(1, 12))
    services.report_rate(report=old, actor=people["citizen"], score=2, now=at(3, 9))
    # The day of `since`, before it: out.
    report(people, "垃圾没人清运", spot(ZHANGCHA_STREET, 0), at(2, 9))
    # The day of `since`, after it: triaged, then classified and dispatched by the command centre.
    late = report(people, "这里有点问题", spot(ZHANGCHA_STREET, 1), at(2, 18)).event
    services.event_dispatch(event=late, actor=people["command"], subcategory="0502", now=at(2, 19))
    # A duplicate report while it is open; closed on time; both reports rated.
    first = report(people, "后门油烟直排", spot(ZUMIAO_STREET, 1), at(3, 9))
    again = report(people, "油烟又来了", spot(ZUMIAO_STREET, 1), at(3, 9, 30), who="citizen2")
    assert again.duplicate
    close(people, first.event, "hb", at(3, 10))
    services.report_rate(report=first, actor=people["citizen"], score=5, now=at(3, 20))
    services.report_rate(report=again, actor=people["citizen2"], score=4, now=at(4, 9))
    # Closed late (resolve_days 1 for 0101), reopened, then a joint task for the environment bureau.
    slow = report(people, "垃圾堆了一周", spot(ZHANGCHA_STREET, 2), at(3, 11))
    close(people, slow.event, "cg", at(3, 12), resolve_after=dt.timedelta(days=6))
    services.report_rate(report=slow, actor=people["citizen"], score=1, now=at(10, 9))
    services.event_reopen(event=slow.event, actor=people["command"], reason="仍有垃圾", now=at(10, 10))
    services.event_acknowledge(event=slow.event, actor=people["cg"], now=at(10, 11))
    ask = services.joint_request(
        event=slow.event, actor=people["cg"], departments=["HBJ"], reason="焚烧垃圾", now=at(10, 12)
    )
    services.joint_decide(request=ask, actor=people["command"], approve=True, now=at(10, 13))
    # Routed to the street office, returned, reclassified and sent to the urban management bureau.
    stall = report(people, "流动摊贩占道", spot(ZUMIAO_STREET, 2), at(4, 8)).event
    services.event_return(event=stall, actor=people["street_zm"], reason="非本单位", now=at(4, 9))
    services.event_dispatch(
        event=stall, actor=people["command"], subcategory="0202", department="CGJ", now=at(4, 10)
    )
    # Rated, then reopened, returned and reclassified to another department: its rating moves along.
    moved = report(people, "油烟扰民", spot(ZHANGCHA_STREET, 3), at(4, 9))
    close(people, moved.event, "hb", at(4, 10))
    services.report_rate(report=moved, actor=people["citizen"], score=3, now=at(4, 20))
    services.event_reopen(event=moved.event, actor=people["command"], reason="复发", now=at(5, 8))
    services.event_return(event=moved.event, actor=people["hb"], reason="属施工噪声", now=at(5, 9))
    services.event_dispatch(event=moved.event, actor=people["command"], subcategory="0101", now=at(5, 10))
    # Not an event.
    rejected = report(people, "随便说说", spot(ZUMIAO_STREET, 3), at(5, 11)).event
    services.event_reject(event=rejected, actor=people["command"], reason="非城市管理事项", now=at(5, 12))
    return people


SINCE = at(2, 15)


@pytest.mark.parametrize("viewer", ["command", "grid", "hb", "cg", "street_zm"])
@pytest.mark.parametrize("street", ["", ZUMIAO_STREET, ZHANGCHA_STREET, "nope"])
def test_the_roll_up_answers_like_the_events_table(history, viewer, street):
    user = history[viewer]
    direct = statistics(user, since=SINCE, street=street, source="direct")
    assert statistics(user, since=SINCE, street=street, source="rollup") == direct
    # and across other boundaries: before every event, at a midnight, after the last one
    for since in (at(1, 0), at(4, 0), at(4, 8, 30), at(20, 0)):
        assert statistics(user, since=since, street=street, source="rollup") == statistics(
            user, since=since, street=street, source="direct"
        )


def test_the_figures_themselves(history):
    figures = statistics(history["command"], since=SINCE, source="rollup")
    overall = figures["overall"]
    # late, first (+ its duplicate: one event), slow, stall, moved, rejected
    assert overall["total"] == 6 and overall["closed"] == 1 and overall["on_time"] == 1
    assert overall["to_close_minutes"] == 300.0  # first: reported 9:00, closed 14:00
    # ratings on reports received since: first 5, its duplicate 4, slow 1, moved 3; not old's 2
    assert figures["satisfaction"] == {"avg": 3.25, "n": 4}
    by_department = {row["key"]: row["total"] for row in figures["by_department"]}
    assert sum(by_department.values()) == 6 and by_department[None] == 1  # the rejected one
    assert figures["hot_spots"][0]["total"] == 1


def test_a_handler_sees_the_events_of_its_joint_tasks(history):
    hb = statistics(history["hb"], since=SINCE, source="rollup")
    assert hb["overall"]["total"] == 2  # first (closed) and slow (urban management's, joint task)
    assert {row["name"] for row in hb["by_department"]} == {
        "佛山市生态环境局禅城分局",
        "禅城区城市管理和综合执法局",
    }
    # an event with two joint tasks counts once (the lead's own view too)
    for source in ("direct", "rollup"):
        assert statistics(history["cg"], since=SINCE, source=source)["overall"]["total"] == 3


def test_the_rebuild_writes_the_rows_the_services_kept(history):
    def stored():
        tally = {
            (r.day, r.subcategory_key, r.department_key, r.street_key): [
                getattr(r, f) for f in rollup.TALLY_FIELDS
            ]
            for r in DailyTally.objects.all()
            if any(getattr(r, f) for f in rollup.TALLY_FIELDS)
        }
        grid = {
            (r.day, r.grid_key, r.department_key, r.street_key): r.total
            for r in DailyGridTally.objects.all()
            if r.total
        }
        return tally, grid

    kept = stored()
    assert kept == rollup.rollup_rows_from_events() and kept[0]
    done = services.statistics_rollup_rebuild(actor="test")
    assert stored() == kept and done["events"] == Event.objects.count()


def bulk_event(like: Event, *, number: str, created: dt.datetime) -> Event:
    """An event written straight to the tables, as the demo history loader does (no services)."""
    event = Event.objects.get(pk=like.pk)
    event.pk, event.number, event.created_at = None, number, created
    event.dispatched_at = created + dt.timedelta(minutes=2)
    event.respond_due = created + dt.timedelta(hours=1)
    event.save()
    Report.objects.create(
        number="SB" + number[2:],
        token=number.ljust(32, "0"),
        event=event,
        channel="grid",
        text="井盖",
        lat=event.lat,
        lng=event.lng,
        created_at=created,
    )
    return event


def test_the_page_reads_the_roll_up_once_built_and_the_rebuild_takes_in_bulk_loaded_history(history):
    command = login(history["command"])
    recent = timezone.now() - dt.timedelta(days=1)
    like = Event.objects.get(reports__text="这里有点问题")  # dispatched to the roads bureau
    loaded = bulk_event(like, number="SJ20260101999991", created=recent)
    assert not RollupState.objects.exists()
    page = command.get("/events/stats/?days=30").context
    assert page["overall"]["total"] == 1 and page["overall"]["to_dispatch_minutes"] == 2.0  # events table
    services.statistics_rollup_rebuild(actor="test")
    assert command.get("/events/stats/?days=30").context["overall"] == page["overall"]
    # Built: the page reads the roll-up, which only the services and the rebuild write.
    bulk_event(like, number="SJ20260101999992", created=recent)
    assert command.get("/events/stats/?days=30").context["overall"]["total"] == 1
    services.event_acknowledge(event=loaded, actor=history["zj"], now=recent + dt.timedelta(minutes=32))
    page = command.get("/events/stats/?days=30").context
    assert page["overall"]["total"] == 1 and page["overall"]["to_acknowledge_minutes"] == 30.0
    services.statistics_rollup_rebuild(actor="test")
    assert command.get("/events/stats/?days=30").context["overall"]["total"] == 2
