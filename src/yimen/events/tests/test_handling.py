"""Acknowledge, return, resolve, verify, rate, reopen; illegal transitions change nothing."""

import datetime as dt

import pytest

from yimen.common.errors import Conflict, PermissionDenied, ValidationFailed
from yimen.events import services
from yimen.events.models import Channel, Event, HistoryEntry
from yimen.events.tests.conftest import JPEG, ZUMIAO
from yimen.ledger.models import Entry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]


def dispatched(people, now, text="后门油烟直排扰民"):
    return services.event_report(
        channel=Channel.CITIZEN, text=text, lat=ZUMIAO[0], lng=ZUMIAO[1], reporter=people["citizen"], now=now
    )


def test_the_whole_life_of_an_event(people, now):
    report = dispatched(people, now)
    event = report.event
    services.event_acknowledge(event=event, actor=people["hb"], now=now + dt.timedelta(hours=1))
    services.event_resolve(
        event=event,
        actor=people["hb"],
        action="责令安装油烟净化器并复查",
        photos=[JPEG],
        now=now + dt.timedelta(days=1),
    )
    services.event_verify(event=event, actor=people["grid"], passed=True, now=now + dt.timedelta(days=2))
    event.refresh_from_db()
    report.refresh_from_db()
    assert event.status == "closed" and event.closed_at and report.outcome_notified_at
    assert event.photos.filter(kind="action").count() == 1
    services.report_rate(report=report, actor=people["citizen"], score=5, comment="很快")
    report.refresh_from_db()
    assert report.rating == 5
    assert [h.to_status for h in event.history.all() if h.to_status] == [
        "reported",
        "dispatched",
        "acknowledged",
        "resolved",
        "closed",
    ]


def test_only_the_responsible_department_acknowledges(people, now):
    event = dispatched(people, now).event
    with pytest.raises(PermissionDenied):
        services.event_acknowledge(event=event, actor=people["cg"])
    with pytest.raises(PermissionDenied):
        services.event_acknowledge(event=event, actor=people["citizen"])
    event.refresh_from_db()
    assert event.status == "dispatched"


def test_an_illegal_transition_is_a_conflict_and_changes_nothing(people, now):
    event = dispatched(people, now).event
    history, entries = HistoryEntry.objects.count(), Entry.objects.count()
    with pytest.raises(Conflict) as caught:
        services.event_resolve(event=event, actor=people["hb"], action="处理了", photos=[JPEG])
    assert caught.value.status == 409
    with pytest.raises(Conflict):
        services.event_verify(event=event, actor=people["command"], passed=True)
    event.refresh_from_db()
    assert event.status == "dispatched" and not event.photos.filter(kind="action").exists()
    assert (HistoryEntry.objects.count(), Entry.objects.count()) == (history, entries)


def test_resolve_needs_a_photo_and_an_action(people, now):
    event = dispatched(people, now).event
    services.event_acknowledge(event=event, actor=people["hb"])
    with pytest.raises(ValidationFailed) as caught:
        services.event_resolve(event=event, actor=people["hb"], action="已处理", photos=[])
    assert "photos" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        services.event_resolve(event=event, actor=people["hb"], action=" ", photos=[JPEG])
    assert "action" in caught.value.errors


def test_a_misrouted_event_is_returned_with_a_reason_and_redispatched(people, now):
    event = dispatched(people, now).event
    with pytest.raises(ValidationFailed):
        services.event_return(event=event, actor=people["hb"], reason="")
    services.event_return(event=event, actor=people["hb"], reason="属无证餐饮，应由市场监管处理")
    event.refresh_from_db()
    assert event.status == "returned" and event.department is None
    assert "属无证餐饮" in event.history.last().note
    services.event_dispatch(event=event, actor=people["command"], subcategory="1001")
    event.refresh_from_db()
    assert event.status == "dispatched" and event.department.code == "SCJ"
    assert event.subcategory.code == "1001"


def test_the_triage_queue_is_classified_and_dispatched_by_the_command_centre(people, now):
    event = dispatched(people, now, text="说不清是什么问题").event
    assert event.status == "triage"
    with pytest.raises(PermissionDenied):
        services.event_dispatch(event=event, actor=people["hb"], subcategory="0301")
    with pytest.raises(ValidationFailed):
        services.event_dispatch(event=event, actor=people["command"], subcategory="9999")
    assert event.subcategory.code == "0102"  # the classifier's best guess stays as a suggestion
    services.event_dispatch(event=event, actor=people["command"], subcategory="0502", department="ZJJ")
    event.refresh_from_db()
    assert event.status == "dispatched" and event.department.code == "ZJJ" and event.urgent


def test_triage_can_reject_with_a_reason(people, now):
    event = dispatched(people, now, text="咨询一下政策").event
    services.event_reject(event=event, actor=people["command"], reason="政策咨询，转12345知识库答复")
    event.refresh_from_db()
    assert event.status == "rejected"
    with pytest.raises(Conflict):
        services.event_dispatch(event=event, actor=people["command"], subcategory="0101")


def test_verification_can_send_the_event_back_for_rework(people, now):
    event = dispatched(people, now).event
    services.event_acknowledge(event=event, actor=people["hb"])
    services.event_resolve(event=event, actor=people["hb"], action="已整改", photos=[JPEG])
    with pytest.raises(ValidationFailed):
        services.event_verify(event=event, actor=people["command"], passed=False, note="")
    with pytest.raises(PermissionDenied):  # a grid worker of another street
        services.event_verify(event=event, actor=people["grid_other"], passed=True)
    services.event_verify(event=event, actor=people["command"], passed=False, note="现场仍有油烟")
    event.refresh_from_db()
    assert event.status == "acknowledged"


def closed(people, now):
    report = dispatched(people, now)
    event = report.event
    services.event_acknowledge(event=event, actor=people["hb"], now=now)
    services.event_resolve(event=event, actor=people["hb"], action="已整改", photos=[JPEG], now=now)
    services.event_verify(event=event, actor=people["command"], passed=True, now=now)
    return report


def test_the_reporter_reopens_within_seven_days(people, now):
    report = closed(people, now)
    with pytest.raises(PermissionDenied):
        services.event_reopen(event=report.event, actor=people["citizen2"], report=report, reason="还有油烟")
    services.event_reopen(
        event=report.event,
        actor=people["citizen"],
        report=report,
        reason="还有油烟",
        now=now + dt.timedelta(days=6),
    )
    event = Event.objects.get(pk=report.event_id)
    assert event.status == "dispatched" and event.department.code == "HBJ" and event.reopen_count == 1
    assert event.respond_due == now + dt.timedelta(days=6, hours=8)


def test_reopening_after_seven_days_is_refused(people, now):
    report = closed(people, now)
    with pytest.raises(Conflict):
        services.event_reopen(
            event=report.event,
            actor=None,
            report=report,
            token=report.token,
            reason="还有油烟",
            now=now + dt.timedelta(days=8),
        )
    assert Event.objects.get(pk=report.event_id).status == "closed"


def test_rating_only_once_only_when_closed_only_by_the_reporter(people, now):
    report = dispatched(people, now)
    with pytest.raises(Conflict):
        services.report_rate(report=report, actor=people["citizen"], score=4)
    report = closed(people, now + dt.timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        services.report_rate(report=report, actor=people["citizen2"], score=1)
    with pytest.raises(ValidationFailed):
        services.report_rate(report=report, actor=people["citizen"], score=9)
    services.report_rate(report=report, actor=None, token=report.token, score=4)
    with pytest.raises(Conflict):
        services.report_rate(report=report, actor=people["citizen"], score=5)


def test_duplicate_reporters_all_get_the_outcome(people, now):
    first = dispatched(people, now)
    second = services.event_report(
        channel=Channel.CITIZEN,
        text="又是油烟",
        lat=ZUMIAO[0],
        lng=ZUMIAO[1],
        reporter=people["citizen2"],
        now=now + dt.timedelta(hours=2),
    )
    assert second.event_id == first.event_id
    event = first.event
    services.event_acknowledge(event=event, actor=people["hb"])
    services.event_resolve(event=event, actor=people["hb"], action="已整改", photos=[JPEG])
    services.event_verify(event=event, actor=people["grid"], passed=True)
    assert event.reports.filter(outcome_notified_at__isnull=False).count() == 2


def test_history_is_append_only(people, now):
    entry = dispatched(people, now).event.history.first()
    entry.note = "changed"
    with pytest.raises(Conflict):
        entry.save()
    with pytest.raises(Conflict):
        entry.delete()


def test_closed_events_feed_the_classifier_retraining(people, now):
    from yimen.events.selectors import closed_event_samples

    report = closed(people, now)
    dispatched(people, now, text="井盖丢了")  # still open: not a training sample
    assert list(closed_event_samples()) == [(report.text, "0301")]
