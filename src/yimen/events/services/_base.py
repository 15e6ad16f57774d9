"""Pieces every event service uses: the clock, numbers, permission checks, locking, and one function that
moves an event through the transition table with its history row and ledger entry."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.common import audit
from yimen.common.errors import NotFound, PermissionDenied
from yimen.events import live
from yimen.events.models import Event, HistoryEntry, Sequence
from yimen.events.services import rollup
from yimen.events.workflow import check_transition


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def next_number(prefix: str, when: dt.datetime) -> str:
    """SJ20261125000001: a per-day counter, incremented in one statement (the row stays locked until the
    caller's transaction ends, so numbers are handed out once and a rollback takes its number back)."""
    day = timezone.localtime(when).strftime("%Y%m%d")
    key = f"{prefix}{day}"
    table = connection.ops.quote_name(Sequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE {table} SET "value" = "value" + 1 WHERE "key" = %s RETURNING "value"', [key])
        row = cursor.fetchone()
    if row is None:
        Sequence.objects.bulk_create([Sequence(key=key, value=0)], ignore_conflicts=True)
        return next_number(prefix, when)
    return f"{key}{row[0]:06d}"


_deferred = threading.local()


@contextlib.contextmanager
def audit_deferred():
    """Inside the caller's transaction: hold this use case's ledger entries and append them, in order,
    at the end of the block. The ledger serialises appends on its head row until commit, so appending
    last keeps that lock short when many reports arrive at once."""
    if getattr(_deferred, "entries", None) is not None:
        yield
        return
    _deferred.entries = []
    try:
        yield
        entries, _deferred.entries = _deferred.entries, None
        for entry in entries:
            audit.record(**entry)
    finally:
        _deferred.entries = None


def audit_record(**entry) -> None:
    """audit.record now, or at the end of the enclosing `audit_deferred()` block (same transaction)."""
    pending = getattr(_deferred, "entries", None)
    if pending is None:
        audit.record(**entry)
    else:
        pending.append(entry)


def actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor[:64]
    return (getattr(actor, "full_name", "") or getattr(actor, "username", "") or "user")[:64]


def is_user(actor: Any) -> bool:
    return getattr(actor, "is_authenticated", False) and hasattr(actor, "can")


def require(actor: Any, capability: str) -> None:
    """Users need the capability; system actors (strings: the loader, the escalation job) pass."""
    if actor is None or isinstance(actor, str):
        return
    if not is_user(actor) or not actor.can(capability):
        raise PermissionDenied(_("您没有权限执行此操作 (permission denied)"))


def require_department(actor: Any, event: Event) -> None:
    """A handler acts only on events of their own department."""
    require(actor, roles.EVENT_HANDLE)
    if is_user(actor) and actor.department_id != event.department_id:
        raise PermissionDenied(_("该事件不属于您的部门 (the event is not your department's)"))


def lock(event: Event) -> Event:
    try:
        return Event.objects.select_for_update().get(pk=event.pk)
    except Event.DoesNotExist:
        raise NotFound(_("未找到事件 (event not found)"), field="event") from None


def history(
    event: Event,
    *,
    action: str,
    actor: Any,
    when: dt.datetime,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    department=None,
) -> HistoryEntry:
    return HistoryEntry.objects.create(
        event=event,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor if is_user(actor) else None,
        actor_label=actor_label(actor),
        department=department,
        note=note,
        created_at=when,
    )


def transition(
    event: Event,
    target: str,
    *,
    action: str,
    actor: Any,
    when: dt.datetime,
    note: str = "",
    fields: tuple[str, ...] = (),
    content: dict | None = None,
) -> Event:
    """Check the table, change the status (and `fields` already set on `event`), append the history row
    and the ledger entry. The caller holds the row lock and runs inside one transaction."""
    current = event.status
    check_transition(current, target)
    event.status = target
    rollup.event_save(event, fields=["status", *fields])
    history(
        event,
        action=action,
        actor=actor,
        when=when,
        note=note,
        from_status=current,
        to_status=target,
        department=event.department,
    )
    audit_record(
        kind=f"events.event.{action}",
        subject=event,
        actor=actor,
        content={"number": event.number, "from": current, "to": target, "note": note, **(content or {})},
    )
    if target == "dispatched":
        transaction.on_commit(live.announce)
    return event
