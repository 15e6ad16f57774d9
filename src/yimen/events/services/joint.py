"""Joint enforcement (联合执法): the lead department requests assisting departments, the command centre
approves or rejects, each party gets a task, and every result goes back to the event's timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.common import audit
from yimen.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yimen.events.models import Event, JointRequest, JointTask
from yimen.events.services._base import history, is_user, lock, now_or, require, require_department
from yimen.events.services.dispatch import _reason
from yimen.events.workflow import Status
from yimen.places.models import Department


@transaction.atomic
def joint_request(
    *, event: Event, actor: Any, departments: list[str], reason: str, now: dt.datetime | None = None
) -> JointRequest:
    reason = _reason(reason)
    event = lock(event)
    require_department(actor, event)
    if event.status != Status.ACKNOWLEDGED:
        raise Conflict(_("签收后才能申请联合执法 (acknowledge the event first)"), field="status")
    if event.joint_requests.filter(state=JointRequest.State.PENDING).exists():
        raise Conflict(_("已有待审批的联合执法申请 (a request is already pending)"), field="status")
    codes = sorted({str(c).strip() for c in departments if str(c).strip()} - {event.department.code})
    found = list(Department.objects.filter(code__in=codes))
    if not codes or len(found) != len(codes):
        missing = sorted(set(codes) - {d.code for d in found})
        raise ValidationFailed(
            _("请选择协办部门 (choose assisting departments)")
            + (f": {', '.join(missing)}" if missing else ""),
            field="departments",
        )
    when = now_or(now)
    request = JointRequest.objects.create(
        event=event, lead=event.department, reason=reason, requested_by=actor, created_at=when
    )
    request.assisting.set(found)
    history(
        event,
        action="joint_requested",
        actor=actor,
        when=when,
        department=event.department,
        note=f"{'、'.join(d.name for d in found)}: {reason}",
    )
    audit.record(
        kind="events.joint.requested",
        subject=request,
        actor=actor,
        content={"event": event.number, "departments": codes, "reason": reason},
    )
    return request


@transaction.atomic
def joint_decide(
    *, request: JointRequest, actor: Any, approve: bool, note: str = "", now: dt.datetime | None = None
) -> JointRequest:
    require(actor, roles.EVENT_COMMAND)
    request = JointRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != JointRequest.State.PENDING:
        raise Conflict(_("该申请已处理 (already decided)"), field="state")
    if not approve:
        note = _reason(note, field="note")
    when = now_or(now)
    event = lock(request.event)
    request.state = JointRequest.State.APPROVED if approve else JointRequest.State.REJECTED
    request.decided_by, request.decided_at, request.decision_note = actor, when, (note or "").strip()[:200]
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    parties = []
    if approve:
        JointTask.objects.create(request=request, event=event, department=request.lead, is_lead=True)
        parties.append(request.lead.code)
        for department in request.assisting.order_by("code"):
            JointTask.objects.create(request=request, event=event, department=department)
            parties.append(department.code)
            # One row per assisting party: it reaches that department's live inbox like a dispatch.
            history(
                event,
                action="joint_task",
                actor=actor,
                when=when,
                department=department,
                note=f"{department.name}: {request.reason}",
            )
    label = _("批准联合执法") if approve else _("驳回联合执法")
    history(
        event,
        action="joint_approved" if approve else "joint_rejected",
        actor=actor,
        when=when,
        note=f"{label} {note}".strip(),
    )
    audit.record(
        kind=f"events.joint.{'approved' if approve else 'rejected'}",
        subject=request,
        actor=actor,
        content={"event": event.number, "parties": parties, "note": note},
    )
    if approve:
        from yimen.events import live

        transaction.on_commit(live.announce)
    return request


@transaction.atomic
def joint_task_complete(
    *, task: JointTask, actor: Any, result: str, now: dt.datetime | None = None
) -> JointTask:
    result = _reason(result, field="result")
    require(actor, roles.EVENT_HANDLE)
    try:
        task = JointTask.objects.select_for_update().select_related("department").get(pk=task.pk)
    except JointTask.DoesNotExist:
        raise NotFound(_("未找到任务 (task not found)"), field="task") from None
    if is_user(actor) and actor.department_id != task.department_id:
        raise PermissionDenied(_("该任务不属于您的部门 (not your department's task)"))
    if task.done_at is not None:
        raise Conflict(_("任务已完成 (task already done)"), field="task")
    when = now_or(now)
    task.result, task.done_at, task.done_by = result, when, actor if is_user(actor) else None
    task.save(update_fields=["result", "done_at", "done_by"])
    history(
        task.event,
        action="joint_result",
        actor=actor,
        when=when,
        department=task.department,
        note=f"{task.department.name}: {result}",
    )
    audit.record(
        kind="events.joint.task_done",
        subject=task,
        actor=actor,
        content={"event": task.event_id, "department": task.department.code, "result": result},
    )
    return task
