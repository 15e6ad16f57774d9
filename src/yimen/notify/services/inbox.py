"""The citizen's side: mark notifications read, change preferences (channels, quiet hours).

A citizen reaches their notifications through their account's link to the person library; an account
without one (not yet verified, staff) has no inbox and no preferences.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from yimen.common import audit
from yimen.common.errors import NotFound, ValidationFailed
from yimen.notify.models import Notification, Preference


def person_id_of(actor) -> int:
    pid = getattr(actor, "person_id", None) if getattr(actor, "is_authenticated", False) else None
    if not pid:
        raise ValidationFailed(gettext("账号尚未关联本人信息，请先完成实名认证"), field="person")
    return pid


@transaction.atomic
def notification_mark_read(*, notification_id: int, actor) -> Notification:
    """Mark one of the actor's own notifications read (again: no change). Someone else's is 404."""
    pid = person_id_of(actor)
    try:
        note = Notification.objects.select_for_update().get(pk=notification_id, person_id=pid)
    except Notification.DoesNotExist:
        raise NotFound(gettext("未找到该提醒"), field="id") from None
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    pid = person_id_of(actor)
    return Notification.objects.filter(person_id=pid, read_at__isnull=True).update(read_at=timezone.now())


def _time(value, field: str) -> dt.time | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    try:
        return dt.time.fromisoformat(str(value)).replace(second=0, microsecond=0)
    except ValueError:
        raise ValidationFailed(gettext("时间格式应为 时:分，如 21:00"), field=field) from None


def preference_get(*, actor) -> Preference:
    """The actor's preference (unsaved defaults when they never changed it)."""
    pid = person_id_of(actor)
    return Preference.objects.filter(person_id=pid).first() or Preference(person_id=pid)


@transaction.atomic
def preference_update(
    *,
    actor,
    sms_enabled: bool,
    email_enabled: bool,
    quiet_enabled: bool,
    quiet_start: dt.time | str | None = None,
    quiet_end: dt.time | str | None = None,
) -> Preference:
    """Switch text and email on or off, set quiet hours (both times, or neither for the district's
    default window). The inbox cannot be switched off: it is where every message is kept."""
    pid = person_id_of(actor)
    start, end = _time(quiet_start, "quiet_start"), _time(quiet_end, "quiet_end")
    if (start is None) != (end is None):
        raise ValidationFailed(
            gettext("请同时填写免打扰的开始和结束时间"), field="quiet_end" if end is None else "quiet_start"
        )
    if start is not None and start == end:
        raise ValidationFailed(gettext("免打扰的开始和结束时间不能相同"), field="quiet_end")
    pref, _created = Preference.objects.select_for_update().get_or_create(person_id=pid)
    pref.sms_enabled, pref.email_enabled = bool(sms_enabled), bool(email_enabled)
    pref.quiet_enabled, pref.quiet_start, pref.quiet_end = bool(quiet_enabled), start, end
    pref.save()
    audit.record(
        kind="notify.preference.update",
        subject=pref,
        actor=actor,
        content={
            "sms": pref.sms_enabled,
            "email": pref.email_enabled,
            "quiet": pref.quiet_enabled,
            "quiet_start": str(start or ""),
            "quiet_end": str(end or ""),
        },
    )
    return pref
