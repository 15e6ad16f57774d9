"""Back office: the implementing department's approvers work the item's steps in order; the last step
approves or rejects. Two approvers deciding at once: the row lock serialises them and the second gets
409 from the transition table."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from yimen.cases import deadlines, workflow
from yimen.cases.models import Case, CaseStep, Status
from yimen.cases.services.results import certificate_issue
from yimen.cases.services.transition import case_lock, case_transition, reason_clean, require_decider
from yimen.catalog.models.item import ResultType
from yimen.common import audit
from yimen.common.errors import Conflict, ValidationFailed

MAX_EXTENSION_DAYS = 30


def _current_step(case: Case, step: int | None) -> tuple[CaseStep, bool]:
    steps = list(case.steps.order_by("order"))
    if step is not None and step != case.current_step:
        raise Conflict(
            _("该环节已由他人办理，请刷新 (step %(step)s is no longer current)") % {"step": step},
            field="step",
        )
    if case.current_step >= len(steps):
        raise Conflict(_("办件没有待办环节"), field="step")
    return steps[case.current_step], case.current_step == len(steps) - 1


def _opinion(opinion: str) -> str:
    opinion = (opinion or "").strip()
    if len(opinion) > 1000:
        raise ValidationFailed(_("意见不能超过1000字"), field="opinion")
    return opinion


@transaction.atomic
def case_step_complete(*, case: Case, actor, opinion: str = "", step: int | None = None) -> Case:
    """Finish a step that is not the last one (审查, 审核) with the approver's opinion."""
    require_decider(actor, case)
    opinion = _opinion(opinion)
    case = case_lock(case)
    if case.status != Status.ACCEPTED:
        raise Conflict(
            _("办件状态为“%(s)s”，不能办理审批环节") % {"s": workflow.status_label(case.status)},
            field="status",
        )
    current, last = _current_step(case, step)
    if last:
        raise Conflict(_("这是最后一个环节，请作出准予或不予办理的决定"), field="step")
    current.done_by, current.done_at, current.opinion, current.outcome = (
        actor,
        deadlines.now(),
        opinion,
        "pass",
    )
    current.save(update_fields=["done_by", "done_at", "opinion", "outcome"])
    case.current_step += 1
    case.save(update_fields=["current_step"])
    audit.record(
        kind="cases.case.step",
        subject=case,
        actor=actor,
        content={"number": case.number, "step": current.code, "order": current.order, "opinion": opinion},
    )
    return case


def _decide(case: Case, *, actor, action: str, text: str, step: int | None) -> Case:
    require_decider(actor, case)
    case = case_lock(case)
    workflow.check_transition(case.status, action)
    current, last = _current_step(case, step)
    if not last:
        raise Conflict(_("还有环节未完成：%(name)s") % {"name": current.name}, field="step")
    now = deadlines.now()
    current.done_by, current.done_at, current.opinion, current.outcome = actor, now, text, action
    current.save(update_fields=["done_by", "done_at", "opinion", "outcome"])
    case.current_step += 1
    case.decided_at = now
    if action == "reject":
        case.reason = text
    case.save(update_fields=["current_step", "decided_at", "reason"])
    case_transition(case, action=action, actor=actor, note=text)
    if action == "approve" and case.version.result_type == ResultType.CERTIFICATE:
        certificate_issue(case=case, actor=actor)
    return case


@transaction.atomic
def case_approve(*, case: Case, actor, opinion: str = "", step: int | None = None) -> Case:
    """准予办理; an item whose result is a certificate issues the electronic certificate in the same
    transaction."""
    return _decide(case, actor=actor, action="approve", text=_opinion(opinion), step=step)


@transaction.atomic
def case_reject(*, case: Case, actor, reason: str, step: int | None = None) -> Case:
    """不予办理, with the reason."""
    return _decide(case, actor=actor, action="reject", text=reason_clean(reason), step=step)


@transaction.atomic
def case_extend(*, case: Case, actor, days: int, reason: str) -> Case:
    """Extend the promised limit once, by 1..30 days of the item's kind, with a reason."""
    require_decider(actor, case)
    reason = reason_clean(reason)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationFailed(_("延期天数应为1至%(n)d天") % {"n": MAX_EXTENSION_DAYS}, field="days")
    case = case_lock(case)
    if case.status not in (Status.ACCEPTED, Status.SUSPENDED):
        raise Conflict(
            _("办件状态为“%(s)s”，不能延期") % {"s": workflow.status_label(case.status)}, field="status"
        )
    if case.extended_days:
        raise Conflict(_("该办件已延期一次"), field="days")
    before = case.due_date
    deadlines.clock_extend(case, days)
    case.extension_reason = reason
    case.save(update_fields=["due_date", "extended_days", "extension_reason"])
    audit.record(
        kind="cases.case.extend",
        subject=case,
        actor=actor,
        content={
            "number": case.number,
            "days": days,
            "from": str(before),
            "to": str(case.due_date),
            "reason": reason,
        },
    )
    return case
