"""The one path every status change takes: lock the row, check the table, write history and audit."""

from __future__ import annotations

from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.cases import deadlines, workflow
from yimen.cases.models import Case, StatusChange
from yimen.common import audit
from yimen.common.errors import PermissionDenied, ValidationFailed
from yimen.common.signals import life_event_on_commit, subjects_changed_on_commit

_MIN_REASON = 2


def case_lock(case: Case | int) -> Case:
    """The case row re-read under SELECT ... FOR UPDATE (SQLite: the IMMEDIATE transaction's write lock),
    so the status checked is the status written against; a concurrent decision waits, then sees it."""
    pk = case.pk if isinstance(case, Case) else case
    return (
        Case.objects.select_for_update().select_related("version", "version__item", "department").get(pk=pk)
    )


def case_transition(
    case: Case, *, action: str, actor, note: str = "", content: dict | None = None
) -> StatusChange:
    """Move a locked case along `action`; append the history row and the ledger entry. The caller saves
    any other fields it changed on `case` (status is saved here)."""
    before = case.status
    target = workflow.check_transition(before, action)
    case.status = target
    case.save(update_fields=["status"])
    entry = audit.record(
        kind=f"cases.case.{action}",
        subject=case,
        actor=actor,
        content={"number": case.number, "from": before, "to": target, "note": note, **(content or {})},
    )
    subjects_changed_on_commit(
        reason=f"cases.case.{action}",
        person_ids=[case.applicant_person_id],
        enterprise_ids=[case.applicant_enterprise_id],
    )
    if action == "approve":  # 办结: the applicant may be offered what usually follows (推送办)
        life_event_on_commit(kind="case_completed", case_id=case.pk)
    return StatusChange.objects.create(
        case=case,
        from_status=before,
        to_status=target,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
        at=deadlines.now(),
        ledger_index=entry.index,
    )


def is_applicant(user, case: Case) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if case.applicant_person_id and user.person_id == case.applicant_person_id:
        return True
    if case.applicant_enterprise_id and user.enterprise_id == case.applicant_enterprise_id:
        return True
    return case.submitted_by_id == user.pk and user.is_citizen_side


def require_intake(actor) -> None:
    if not actor.can(roles.CASE_INTAKE):
        raise PermissionDenied(_("只有综合窗口人员可以受理"))


def require_decider(actor, case: Case) -> None:
    if not (actor.can(roles.CASE_DECIDE) and actor.department_id == case.department_id):
        raise PermissionDenied(_("只有实施部门的审批人员可以办理该环节"))


def reason_clean(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if len(reason) < _MIN_REASON:
        raise ValidationFailed(_("请填写理由"), field=field)
    if len(reason) > 1000:
        raise ValidationFailed(_("理由不能超过1000字"), field=field)
    return reason
