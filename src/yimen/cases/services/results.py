"""What comes out of a case: the electronic certificate, delivery (出件), the rating (好差评), and the
daily deadline reminders to the handlers."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.accounts.models import Role, User
from yimen.cases import deadlines, procedures
from yimen.cases.models import Case, Certificate, Delivery, DeliveryMethod, Rating, Reminder, Status
from yimen.cases.services.transition import case_lock, case_transition, is_applicant, reason_clean
from yimen.common import audit
from yimen.common.dates import years_after
from yimen.common.errors import Conflict, PermissionDenied, ValidationFailed
from yimen.common.signals import subjects_changed_on_commit

# UPU S10 (EA123456789CN) or a 13-digit domestic EMS number.
_TRACKING = re.compile(r"^(?:[A-Z]{2}[0-9]{9}[A-Z]{2}|[0-9]{13})$")


def verify_token_for(number: str) -> str:
    """The token in a certificate's QR URL: keyed by the site secret, so it cannot be guessed from the
    number, and the same for the same certificate (deterministic demo data)."""
    return hmac.new(settings.SECRET_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()[:24]


def certificate_issue(*, case: Case, actor) -> Certificate:
    """Issue the certificate of an approved case; runs inside the decision's transaction."""
    if case.status != Status.APPROVED:
        raise Conflict(_("只有准予办理的办件可以发证"), field="status")
    issued = timezone.localdate(case.decided_at or deadlines.now())
    number = f"{case.department.code}{issued:%Y}{case.pk:08d}"
    years = procedures.procedure_for(case.version).certificate_valid_years
    cert = Certificate.objects.create(
        number=number,
        name=case.version.result_name or case.version.name,
        case=case,
        holder_person_id=case.applicant_person_id,
        holder_enterprise_id=case.applicant_enterprise_id,
        issuer=case.department,
        issued_on=issued,
        valid_until=years_after(issued, years) if years else None,
        verify_token=verify_token_for(number),
    )
    entry = audit.record(
        kind="cases.certificate.issue",
        subject=cert,
        actor=actor,
        content={"number": number, "case": case.number, "valid_until": str(cert.valid_until)},
    )
    cert.ledger_index = entry.index
    cert.save(update_fields=["ledger_index"])
    return cert


@transaction.atomic
def case_deliver(*, case: Case, actor, method: str, tracking_number: str = "") -> Case:
    """出件: handed over at a window, sent by EMS (tracking number recorded) or delivered electronically."""
    if method not in DeliveryMethod.values:
        raise ValidationFailed(_("未知出件方式 %(m)s") % {"m": method}, field="method")
    tracking = (tracking_number or "").strip().upper()
    if method == DeliveryMethod.EMS and not _TRACKING.match(tracking):
        raise ValidationFailed(_("EMS 单号格式不正确(如 EA123456789CN 或13位数字)"), field="tracking_number")
    if method != DeliveryMethod.EMS and tracking:
        raise ValidationFailed(_("只有 EMS 寄递需要填写单号"), field="tracking_number")
    case = case_lock(case)
    if method == DeliveryMethod.PICKUP:
        allowed = actor.can(roles.CASE_INTAKE)
    else:
        allowed = actor.can(roles.CASE_INTAKE) or (
            actor.can(roles.CASE_DECIDE) and actor.department_id == case.department_id
        )
    if not allowed:
        raise PermissionDenied(_("无权为该办件出件"))
    now = deadlines.now()
    case_transition(
        case, action="deliver", actor=actor, note=method, content={"method": method, "tracking": tracking}
    )
    case.delivered_at = now
    case.save(update_fields=["delivered_at"])
    Delivery.objects.create(
        case=case, method=method, tracking_number=tracking, delivered_by=actor, delivered_at=now
    )
    return case


RATEABLE = frozenset({Status.APPROVED, Status.DELIVERED, Status.REJECTED, Status.REFUSED})


@transaction.atomic
def case_rate(*, case: Case, actor, score: int, comment: str = "") -> Rating:
    """好差评 by the applicant, once, after the case is decided."""
    if not is_applicant(actor, case):
        raise PermissionDenied(_("只有申请人可以评价"))
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationFailed(_("评分应为1至5"), field="score")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationFailed(_("评价不能超过500字"), field="comment")
    case = case_lock(case)
    if case.status not in RATEABLE:
        raise Conflict(_("办件办结后才能评价"), field="status")
    if Rating.objects.filter(case=case).exists():
        raise Conflict(_("该办件已评价"), field="score")
    rating = Rating.objects.create(
        case=case, score=score, comment=comment, rated_by=actor, rated_at=deadlines.now()
    )
    audit.record(
        kind="cases.case.rate", subject=case, actor=actor, content={"number": case.number, "score": score}
    )
    return rating


@transaction.atomic
def reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Remind the implementing department's approvers of every running case that is due soon or
    overdue. Re-running on the same day adds nothing (one reminder per case, user, kind and day)."""
    today = today or deadlines.today()
    horizon = deadlines.add_days(today, deadlines.DUE_SOON_DAYS, deadlines.WORKING)
    cases = Case.objects.filter(status=Status.ACCEPTED, due_date__lte=horizon).only(
        "id", "status", "due_date", "limit_day_type", "department_id", "number"
    )
    approvers: dict[int, list[int]] = {}
    for user_id, dept_id in User.objects.filter(
        role=Role.APPROVER, is_active=True, department__isnull=False
    ).values_list("pk", "department_id"):
        approvers.setdefault(dept_id, []).append(user_id)
    rows, counts = [], {"due_soon": 0, "overdue": 0}
    for case in cases:
        f = deadlines.flags(case, today)
        kind = Reminder.Kind.OVERDUE if f.overdue else Reminder.Kind.DUE_SOON if f.due_soon else None
        if kind is None:
            continue
        counts[kind] += 1
        rows.extend(
            Reminder(case=case, user_id=u, kind=kind, on=today) for u in approvers.get(case.department_id, [])
        )
    before = Reminder.objects.filter(on=today).count()
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    created = Reminder.objects.filter(on=today).count() - before
    audit.record(
        kind="cases.reminders.send",
        subject="cases.reminder",
        actor="system",
        content={"on": str(today), **counts},
    )
    return {**counts, "reminders": created}


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, actor, reason: str) -> Certificate:
    """注销: an approver of the issuing department revokes a certificate; its verification page then
    shows it as no longer valid. The revocation is in the ledger next to the issue."""
    reason = reason_clean(reason)
    cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not (actor.can(roles.CASE_DECIDE) and actor.department_id == cert.issuer_id):
        raise PermissionDenied(_("只有发证部门的审批人员可以注销证照"))
    if cert.state != Certificate.State.VALID:
        raise Conflict(_("证照已注销"), field="state")
    cert.state = Certificate.State.REVOKED
    cert.save(update_fields=["state"])
    audit.record(
        kind="cases.certificate.revoke",
        subject=cert,
        actor=actor,
        content={"number": cert.number, "reason": reason},
    )
    subjects_changed_on_commit(
        reason="cases.certificate.revoke",
        person_ids=[cert.holder_person_id],
        enterprise_ids=[cert.holder_enterprise_id],
    )
    return cert
