"""Reads of cases, always through the caller's scope.

Applicants see their own cases (as the person, the enterprise, or the submitter); approvers the cases
routed to their department; window clerks the cases taken in within their division (all when they sit
at the district centre); `cases.case.view_all` everything. A case outside the scope is not found (404),
so its existence does not leak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Subquery

from yimen.accounts import roles
from yimen.accounts.scope import division_q
from yimen.cases import deadlines
from yimen.cases.models import Case, Certificate, Rating, Reminder, Status, StatusChange, ThemeApplication
from yimen.catalog.theme_merge import theme_detail_build
from yimen.common.errors import DomainError, NotFound
from yimen.ledger import selectors as ledger

_RELATED = (
    "item",  # the API's `item` field: without it every serialized case costs one more query
    "version",
    "version__item",
    "department",
    "applicant_person",
    "applicant_enterprise",
    "submitted_by",
)


def cases_visible(user) -> QuerySet[Case]:
    qs = Case.objects.select_related(*_RELATED)
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.can(roles.CASE_VIEW_ALL):
        return qs
    own = Q(submitted_by=user) if user.is_citizen_side else Q(pk__in=[])
    if user.person_id:
        own |= Q(applicant_person_id=user.person_id)
    if user.enterprise_id:
        own |= Q(applicant_enterprise_id=user.enterprise_id)
    if user.can(roles.CASE_DECIDE) and user.department_id:
        own |= Q(department_id=user.department_id)
    if user.can(roles.CASE_INTAKE):
        if user.division_id is None:  # the district centre's general windows take in every case
            return qs
        own |= division_q(user, via="intake_division")
    return qs.filter(own)


def case_get(*, user, pk: int) -> Case:
    case = cases_visible(user).filter(pk=pk).first()
    if case is None:
        raise NotFound("办件不存在 (case not found)")
    return case


def case_by_number(*, user, number: str) -> Case:
    case = cases_visible(user).filter(number=number).first()
    if case is None:
        raise NotFound("办件不存在 (case not found)")
    return case


def cases_mine(user) -> QuerySet[Case]:
    """The applicant's own cases, newest first (staff get their own applications only)."""
    q = Q(submitted_by=user)
    if user.person_id:
        q |= Q(applicant_person_id=user.person_id)
    if user.enterprise_id:
        q |= Q(applicant_enterprise_id=user.enterprise_id)
    return Case.objects.select_related(*_RELATED).filter(q).order_by("-submitted_at", "-id")


@dataclass
class QueueRow:
    case: Case
    flags: deadlines.Flags


def approver_queue(user, *, today: dt.date) -> list[QueueRow]:
    """The department's running and held cases, earliest due date first, with due-soon/overdue flags."""
    if not (user.can(roles.CASE_DECIDE) and user.department_id):
        return []
    qs = (
        Case.objects.select_related(*_RELATED)
        .filter(department_id=user.department_id, status__in=[Status.ACCEPTED, Status.SUSPENDED])
        .order_by("due_date", "accepted_at", "id")
    )
    seen: dict[tuple, deadlines.Flags] = {}  # cases share due dates: count working days once per date
    rows = []
    for case in qs:
        key = (case.status, case.due_date, case.limit_day_type)
        if key not in seen:
            seen[key] = deadlines.flags(case, today)
        rows.append(QueueRow(case=case, flags=seen[key]))
    return rows


def intake_queue(user) -> QuerySet[Case]:
    """Applications waiting for a window decision (online ones and resubmitted corrections)."""
    if not user.can(roles.CASE_INTAKE):
        return Case.objects.none()
    return cases_visible(user).filter(status=Status.SUBMITTED).order_by("submitted_at", "id")


def reminders_for(user, *, unread_only: bool = True) -> QuerySet[Reminder]:
    qs = Reminder.objects.filter(user=user).select_related("case", "case__version")
    return qs.filter(read=False) if unread_only else qs


def certificate_by_token(token: str) -> Certificate:
    cert = (
        Certificate.objects.select_related("issuer", "holder_person", "holder_enterprise", "case")
        .filter(verify_token=token)
        .first()
    )
    if cert is None:
        raise NotFound("证照不存在 (certificate not found)")
    return cert


def result_document_by_number(number: str) -> Case:
    """A decided case whose item gives a document (not a certificate), for its public verification."""
    case = (
        Case.objects.select_related("version", "department", "applicant_person", "applicant_enterprise")
        .filter(
            number=number, status__in=(Status.APPROVED, Status.DELIVERED), version__result_type="document"
        )
        .first()
    )
    if case is None:
        raise NotFound("办理结果不存在 (result document not found)")
    return case


def certificates_mine(user) -> QuerySet[Certificate]:
    q = Q(pk__in=[])
    if user.person_id:
        q |= Q(holder_person_id=user.person_id)
    if user.enterprise_id:
        q |= Q(holder_enterprise_id=user.enterprise_id)
    return Certificate.objects.select_related("issuer").filter(q)


@dataclass
class Satisfaction:
    key: str
    label: str
    ratings: int
    average: float
    satisfied_rate: float  # share of 4 and 5


def satisfaction(*, by: str = "department") -> list[Satisfaction]:
    """好差评 figures per department (`by="department"`) or per item (`by="item"`)."""
    if by == "item":
        key, label = "case__item__implementation_code", "case__version__name"
    else:
        key, label = "case__department__code", "case__department__name"
    rows = (
        Rating.objects.values(key, label)
        .annotate(n=Count("id"), avg=Avg("score"), good=Count("id", filter=Q(score__gte=4)))
        .order_by("-n", key)
    )
    return [
        Satisfaction(
            key=r[key],
            label=r[label],
            ratings=r["n"],
            average=round(float(r["avg"]), 2),
            satisfied_rate=round(r["good"] / r["n"], 4),
        )
        for r in rows
    ]


def ledger_proof(index: int | None) -> dict | None:
    """The inclusion bundle of a ledger entry (what receipts and certificate pages embed), or None when
    there is no entry or it cannot be proven yet (e.g. the log key is not set up)."""
    if index is None:
        return None
    try:
        return ledger.inclusion_bundle(index)
    except (DomainError, RuntimeError, OSError):
        return None


@dataclass
class Volume:
    key: str
    label: str
    cases: int
    decided: int
    on_time_rate: float | None  # decided by the (moved) promised due date
    average_days: float | None  # acceptance to decision, calendar days
    correction_rate: float  # share of cases that were ever sent back for correction


_GROUPS = {
    "item": ("item__implementation_code", "version__name"),
    "department": ("department__code", "department__name"),
    "channel": ("channel", "channel"),
    "division": ("intake_division__code", "intake_division__name"),
}
_DECIDED = [Status.APPROVED, Status.REJECTED, Status.DELIVERED]


def case_statistics(*, by: str = "department", since: dt.date | None = None) -> list[Volume]:
    """Volumes, on-time rate, average handling days and correction rate per item, department, channel
    or intake division (the window; none = online). Aggregated in the database."""
    key, label = _GROUPS.get(by, _GROUPS["department"])
    qs = Case.objects.all()
    if since is not None:
        qs = qs.filter(submitted_at__date__gte=since)
    corrected = StatusChange.objects.filter(to_status__in=[Status.CORRECTION, Status.SUSPENDED]).values(
        "case_id"
    )
    decided = Q(status__in=_DECIDED)
    rows = (
        qs.values(key, label)
        .annotate(
            n=Count("id"),
            decided=Count("id", filter=decided),
            on_time=Count("id", filter=decided & Q(decided_at__date__lte=F("due_date"))),
            corrected=Count("id", filter=Q(pk__in=Subquery(corrected))),
            handling=Avg(
                ExpressionWrapper(F("decided_at") - F("accepted_at"), output_field=DurationField()),
                filter=decided & Q(accepted_at__isnull=False),
            ),
        )
        .order_by("-n", key)
    )
    channels = dict(Case._meta.get_field("channel").choices)
    out = []
    for r in rows:
        lab = channels.get(r[label], r[label]) if by == "channel" else r[label]
        out.append(
            Volume(
                key=r[key] or "",
                label=str(lab or "网上/区中心"),
                cases=r["n"],
                decided=r["decided"],
                on_time_rate=round(r["on_time"] / r["decided"], 4) if r["decided"] else None,
                average_days=round(r["handling"].total_seconds() / 86400, 2) if r["handling"] else None,
                correction_rate=round(r["corrected"] / r["n"], 4),
            )
        )
    return out


@dataclass
class ThemeProgress:
    application: object
    cases: list[Case]
    done: bool  # every sub-case approved (or delivered)
    finished: bool  # every sub-case final, whatever the outcome
    materials_before: int
    materials_after: int


def theme_application_get(*, user, pk: int) -> ThemeProgress:
    """A theme application with its sub-cases; visible when the user may see any of them (each
    department still only acts on its own sub-case)."""
    visible = cases_visible(user).filter(theme_application_id=pk)
    if not visible.exists():
        raise NotFound("主题办件不存在 (theme application not found)")
    app = ThemeApplication.objects.select_related("theme").get(pk=pk)
    cases = list(Case.objects.select_related(*_RELATED).filter(theme_application=app).order_by("id"))
    detail = theme_detail_build(app.theme)
    ok = {Status.APPROVED, Status.DELIVERED}
    final = ok | {Status.REFUSED, Status.REJECTED, Status.WITHDRAWN}
    return ThemeProgress(
        application=app,
        cases=cases,
        done=all(c.status in ok for c in cases),
        finished=all(c.status in final for c in cases),
        materials_before=detail.materials_before,
        materials_after=detail.materials_after,
    )
