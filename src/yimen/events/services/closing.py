"""Closing the loop: the handler's action with a photo, verification on site, the reporters' outcome and
rating, and reopening within 7 days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.common import audit
from yimen.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yimen.events.models import Event, Photo, Report
from yimen.events.photos import photos_check
from yimen.events.services._base import is_user, lock, now_or, require, require_department, transition
from yimen.events.services.dispatch import _reason, dispatch_locked
from yimen.events.services.intake import _save_photos
from yimen.events.services.rollup import event_save, event_transaction, report_rated
from yimen.events.workflow import Status
from yimen.places.models import Division

REOPEN_DAYS = 7


@event_transaction
def event_resolve(
    *, event: Event, actor: Any, action: str, photos=(), now: dt.datetime | None = None
) -> Event:
    """The handler records what was done, with at least one photo; waits for verification."""
    action = _reason(action, field="action")
    checked = photos_check(photos, field="photos")
    if not checked:
        raise ValidationFailed(
            _("请上传处置后的现场照片 (a photo of the result is required)"), field="photos"
        )
    event = lock(event)
    require_department(actor, event)
    if event.joint_tasks.filter(done_at__isnull=True).exists():
        raise Conflict(_("联合执法任务尚未全部完成 (joint enforcement tasks still open)"), field="status")
    when = now_or(now)
    event.handler_action = action
    event.resolved_at = when
    transition(
        event,
        Status.RESOLVED,
        action="resolved",
        actor=actor,
        when=when,
        note=action,
        fields=("handler_action", "resolved_at"),
        content={"photos": [p.sha256 for p in checked]},
    )
    _save_photos(event, None, checked, Photo.Kind.ACTION)
    return event


def _may_verify(actor: Any, event: Event) -> None:
    require(actor, roles.EVENT_VERIFY)
    if is_user(actor) and actor.division_id:
        grid = Division.objects.only("path").get(pk=event.grid_id)
        if not grid.path.startswith(actor.division.path):
            raise PermissionDenied(_("该事件不在您的管辖范围 (outside your area)"))


@event_transaction
def event_verify(
    *, event: Event, actor: Any, passed: bool, note: str = "", now: dt.datetime | None = None
) -> Event:
    """A grid worker or the command centre checks on site: passed closes the event and notifies every
    reporter; failed sends it back to the department with a note."""
    _may_verify(actor, event)
    event = lock(event)
    when = now_or(now)
    if not passed:
        note = _reason(note, field="note")
        return transition(event, Status.ACKNOWLEDGED, action="rework", actor=actor, when=when, note=note)
    event.closed_at = when
    transition(
        event,
        Status.CLOSED,
        action="closed",
        actor=actor,
        when=when,
        note=(note or "").strip()[:500],
        fields=("closed_at",),
    )
    notified = event.reports.filter(outcome_notified_at__isnull=True).update(outcome_notified_at=when)
    audit.record(
        kind="events.event.outcome_notified",
        subject=event,
        actor=actor,
        content={"number": event.number, "reports": notified},
    )
    return event


def _own_report(actor: Any, report: Report, token: str) -> None:
    if token and token == report.token:
        return
    if is_user(actor) and report.reporter_id == actor.pk:
        return
    raise PermissionDenied(_("只有反映人本人可以评价 (only the reporter may do this)"))


@event_transaction
def report_rate(
    *,
    report: Report,
    actor: Any,
    score: int,
    comment: str = "",
    token: str = "",
    now: dt.datetime | None = None,
) -> Report:
    """The reporter rates the outcome (1-5) once the event is closed; once per report."""
    _own_report(actor, report, token)
    report = Report.objects.select_for_update().select_related("event").get(pk=report.pk)
    if report.event.status != Status.CLOSED:
        raise Conflict(_("事件尚未办结，暂不能评价 (the event is not closed yet)"), field="status")
    if report.rating is not None:
        raise Conflict(_("已评价 (already rated)"), field="rating")
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationFailed(_("评分应为 1 到 5 (score must be 1-5)"), field="score")
    report.rating, report.rating_comment = score, (comment or "").strip()[:200]
    report.save(update_fields=["rating", "rating_comment"])
    report_rated(report)
    audit.record(
        kind="events.report.rated",
        subject=report,
        actor=actor or "reporter",
        content={"number": report.number, "score": score, "comment": report.rating_comment},
    )
    return report


@event_transaction
def event_reopen(
    *,
    event: Event,
    actor: Any,
    reason: str,
    report: Report | None = None,
    token: str = "",
    now: dt.datetime | None = None,
) -> Event:
    """Not fixed: a reporter (their report/receipt) or the command centre reopens a closed event within
    7 days; it goes back to the same department, with fresh deadlines."""
    reason = _reason(reason)
    if report is not None:
        _own_report(actor, report, token)
        if report.event_id != event.pk:
            raise NotFound(_("未找到上报 (report not found)"), field="report")
    else:
        require(actor, roles.EVENT_COMMAND)
    event = lock(event)
    when = now_or(now)
    if (
        event.status == Status.CLOSED
        and event.closed_at
        and when - event.closed_at > dt.timedelta(days=REOPEN_DAYS)
    ):
        raise Conflict(
            _("结案已超过 %(d)d 天，不能重新打开 (closed more than 7 days ago)") % {"d": REOPEN_DAYS},
            field="status",
        )
    department = event.department
    if department is None or event.status != Status.CLOSED:
        from yimen.events.workflow import check_transition

        check_transition(event.status, Status.DISPATCHED)
    event.reopen_count += 1
    event.closed_at = None
    event.resolved_at = None
    event_save(event, fields=["reopen_count", "closed_at", "resolved_at"])
    Report.objects.filter(event=event).update(outcome_notified_at=None)
    actor_for_log = actor if actor is not None else "reporter"
    return dispatch_locked(
        event,
        actor=actor_for_log,
        when=when,
        department=department,
        note=_("重新打开: %(r)s") % {"r": reason},
    )
