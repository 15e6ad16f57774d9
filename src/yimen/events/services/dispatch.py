"""Dispatch, triage decisions, acknowledgement, return, escalation of overdue events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.common import audit
from yimen.common.errors import NotFound, ValidationFailed
from yimen.common.workdays import add_working_days
from yimen.events.models import Event, Subcategory
from yimen.events.services._base import history, lock, now_or, require, require_department, transition
from yimen.events.services.rollup import event_save, event_transaction
from yimen.events.workflow import Status
from yimen.places.models import Department, Division

REASON_MAX = 500


def _reason(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("请填写原因 (a reason is required)"), field=field)
    if len(text) > REASON_MAX:
        raise ValidationFailed(_("内容过长 (too long)"), field=field)
    return text


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _deadlines(event: Event, when: dt.datetime) -> None:
    sub = event.subcategory
    event.dispatched_at = when
    event.respond_due = when + dt.timedelta(hours=sub.respond_hours)
    event.resolve_due = add_working_days(timezone.localtime(when).date(), sub.resolve_days)
    event.acknowledged_at = None
    event.escalated_to = None
    event.next_escalation_at = event.respond_due


def dispatch_locked(
    event: Event, *, actor: Any, when: dt.datetime, department: Department | None = None, note: str = ""
) -> Event:
    """Dispatch an event the caller has locked: routing rules pick the department unless one is given."""
    from yimen.events.services.routing import route

    if event.subcategory_id is None:
        raise ValidationFailed(_("请先选择事件小类 (choose a subcategory first)"), field="subcategory")
    rule = None
    if department is None:
        grid = Division.objects.only("id", "path").get(pk=event.grid_id)
        department, rule = route(subcategory=event.subcategory, grid=grid)
    event.department = department
    _deadlines(event, when)
    fields = (
        "department",
        "dispatched_at",
        "respond_due",
        "resolve_due",
        "acknowledged_at",
        "escalated_to",
        "next_escalation_at",
    )
    routed = f" [{_('规则')} #{rule.position}]" if rule else ""
    return transition(
        event,
        Status.DISPATCHED,
        action="dispatched",
        actor=actor,
        when=when,
        note=f"{department.name}{routed} {note}".strip(),
        fields=fields,
        content={"department": department.code, "rule": rule.pk if rule else None},
    )


@event_transaction
def event_dispatch(
    *,
    event: Event,
    actor: Any,
    subcategory: str = "",
    department: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> Event:
    """The command centre dispatches from the triage queue or after a return; it may set the subcategory
    (manual classification) and the department (otherwise the routing rules decide)."""
    require(actor, roles.EVENT_COMMAND)
    when = now_or(now)
    event = lock(event)
    fields = []
    if subcategory:
        found = Subcategory.objects.filter(code=str(subcategory).strip()).first()
        if found is None:
            raise ValidationFailed(_("未知的事件小类 (unknown subcategory)"), field="subcategory")
        event.subcategory, event.urgent = found, found.urgent
        fields = ["subcategory", "urgent"]
    chosen = None
    if department:
        chosen = Department.objects.filter(code=str(department).strip()).first()
        if chosen is None:
            raise ValidationFailed(_("未知的部门 (unknown department)"), field="department")
    if fields:
        from yimen.events.workflow import check_transition

        check_transition(event.status, Status.DISPATCHED)
        event_save(event, fields=fields)
    return dispatch_locked(event, actor=actor, when=when, department=chosen, note=note.strip()[:200])


@event_transaction
def event_reject(*, event: Event, actor: Any, reason: str, now: dt.datetime | None = None) -> Event:
    """Not an event for the platform (不予立案): from triage or after a return, with a reason."""
    require(actor, roles.EVENT_COMMAND)
    reason = _reason(reason)
    event = lock(event)
    return transition(event, Status.REJECTED, action="rejected", actor=actor, when=now_or(now), note=reason)


@event_transaction
def event_acknowledge(*, event: Event, actor: Any, now: dt.datetime | None = None) -> Event:
    """The responsible department signs for the event (签收); late if after respond_due."""
    event = lock(event)
    require_department(actor, event)
    when = now_or(now)
    late = event.respond_due is not None and when > event.respond_due
    event.acknowledged_at = when
    event.next_escalation_at = end_of_day(event.resolve_due) if event.resolve_due else None
    return transition(
        event,
        Status.ACKNOWLEDGED,
        action="acknowledged",
        actor=actor,
        when=when,
        note=_("超时签收") if late else "",
        fields=("acknowledged_at", "next_escalation_at"),
        content={"late": late},
    )


@event_transaction
def event_return(*, event: Event, actor: Any, reason: str, now: dt.datetime | None = None) -> Event:
    """A department sends back a misrouted event with a reason; the command centre re-dispatches it."""
    reason = _reason(reason)
    event = lock(event)
    require_department(actor, event)
    returned_by = event.department
    event.department = None
    event.next_escalation_at = None
    event.escalated_to = None
    transition(
        event,
        Status.RETURNED,
        action="returned",
        actor=actor,
        when=now_or(now),
        note=f"{returned_by.name}: {reason}",
        fields=("department", "next_escalation_at", "escalated_to"),
        content={"department": returned_by.code},
    )
    return event


ESCALATION_CHAIN_TOP = Division.Level.DISTRICT


@transaction.atomic
def events_escalate_overdue(*, now: dt.datetime | None = None, actor: Any = "escalation") -> int:
    """Overdue events move one level up the supervision chain (grid -> village -> area -> street ->
    district): not acknowledged by respond_due, or not resolved by the end of resolve_due (working days).
    The next step comes after another respond period (for acknowledgement) or one more working day."""
    when = now_or(now)
    due = (
        Event.objects.select_for_update()
        .filter(status__in=[Status.DISPATCHED, Status.ACKNOWLEDGED], next_escalation_at__lte=when)
        .order_by("id")
    )
    count = 0
    for event in due:
        current = Division.objects.get(pk=event.escalated_to_id) if event.escalated_to_id else None
        if current is None:
            target = Division.objects.get(pk=event.grid_id)
        elif current.level > ESCALATION_CHAIN_TOP and current.parent_id:
            target = Division.objects.get(pk=current.parent_id)
        else:
            event.next_escalation_at = None
            event.save(update_fields=["next_escalation_at"])
            continue
        if event.status == Status.DISPATCHED:
            step_due = when + dt.timedelta(hours=event.subcategory.respond_hours)
            why = _("超时未签收")
        else:
            step_due = end_of_day(add_working_days(timezone.localtime(when).date(), 1))
            why = _("超期未办结")
        event.escalated_to = target
        event.next_escalation_at = step_due
        event.save(update_fields=["escalated_to", "next_escalation_at"])
        note = f"{why}，{_('升级至')} {target.get_level_display()} {target.name}"
        history(event, action="escalated", actor=actor, when=when, note=note, department=event.department)
        audit.record(
            kind="events.event.escalated",
            subject=event,
            actor=actor,
            content={"number": event.number, "to": target.code, "reason": str(why)},
        )
        count += 1
    return count


def event_by_number(number: str) -> Event:
    try:
        return Event.objects.select_related("subcategory", "department").get(number=str(number).strip())
    except Event.DoesNotExist:
        raise NotFound(_("未找到事件 %(n)s (event not found)") % {"n": number}, field="event") from None
