"""The logged reveal of a reporter's contact details: names and phones are masked on every page and API;
a department handler (for the events its department handles) or the command centre may see them in
full, giving a reason, and each such read is a ContactRead row and a ledger entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.common import audit
from yimen.common.errors import PermissionDenied, ValidationFailed
from yimen.events import selectors
from yimen.events.models import ContactRead, Report
from yimen.events.services._base import is_user, now_or

REASON_MIN = 4


@transaction.atomic
def report_contact_reveal(*, actor: Any, report: Report, reason: str, now: dt.datetime | None = None) -> dict:
    """The reporter's full name and phone ({"name", "phone"}, the ones the report has), recorded with who
    read them and why. Outside the actor's scope the report does not exist (NotFound)."""
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise ValidationFailed(_("请填写查阅事由(至少4个字)"), field="reason")
    if not is_user(actor) or not (actor.can(roles.EVENT_HANDLE) or actor.can(roles.EVENT_COMMAND)):
        raise PermissionDenied(_("无权查看反映人完整信息 (not allowed to see the reporter's details)"))
    selectors.event_for(actor, report.event.number)  # NotFound outside the actor's scope
    values = {"name": report.reporter_name, "phone": report.reporter_phone}
    values = {field: value for field, value in values.items() if value}
    if not values:
        raise ValidationFailed(_("该上报没有留下联系方式 (no contact details)"), field="report")
    read = ContactRead.objects.create(
        actor=actor, report=report, fields=sorted(values), reason=reason[:200], at=now_or(now)
    )
    entry = audit.record(
        kind="events.report.contact_read",
        subject=report,
        actor=actor,
        content={"fields": sorted(values), "read": read.pk, "reason": read.reason},
    )
    ContactRead.objects.filter(pk=read.pk).update(ledger_index=entry.index)
    return values
