"""The event state machine: the states, one table of allowed transitions, one function that checks it.

    reported ──> triage ──> dispatched ──> acknowledged ──> resolved ──> closed
        │          │  ▲         │  ▲             │             │  ▲        │
        │          │  └ returned┘  └─── rework ──┴─────────────┘  │        │
        │          └──> rejected                                   │        │
        └──> dispatched                        reopened (≤ 7 days) ┴────────┘

A `reported` event is classified and located in the same transaction that creates it; it leaves that
state at once, either for the manual triage queue (confidence below 0.4, or no department) or dispatched.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yimen.common.errors import Conflict


class Status(models.TextChoices):
    REPORTED = "reported", _("已上报")
    TRIAGE = "triage", _("待分拣")
    DISPATCHED = "dispatched", _("已派遣")
    ACKNOWLEDGED = "acknowledged", _("处置中")
    RETURNED = "returned", _("已退回")
    RESOLVED = "resolved", _("待核查")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("不予立案")


S = Status

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.REPORTED: frozenset({S.TRIAGE, S.DISPATCHED}),
    S.TRIAGE: frozenset({S.DISPATCHED, S.REJECTED}),
    S.DISPATCHED: frozenset({S.ACKNOWLEDGED, S.RETURNED}),
    S.ACKNOWLEDGED: frozenset({S.RESOLVED, S.RETURNED}),
    S.RETURNED: frozenset({S.DISPATCHED, S.REJECTED}),
    S.RESOLVED: frozenset({S.CLOSED, S.ACKNOWLEDGED}),  # verified, or sent back for rework
    S.CLOSED: frozenset({S.DISPATCHED}),  # reopened within 7 days
    S.REJECTED: frozenset(),
}

OPEN_STATES = frozenset({S.REPORTED, S.TRIAGE, S.DISPATCHED, S.ACKNOWLEDGED, S.RETURNED, S.RESOLVED})
# Events whose department has them (the live inbox).
INBOX_STATES = frozenset({S.DISPATCHED, S.ACKNOWLEDGED, S.RESOLVED})
# Open311 speaks only open/closed.
OPEN311_CLOSED = frozenset({S.CLOSED, S.REJECTED})


# Timeline entries that are not a change of status.
ACTION_LABELS = {
    "duplicate_linked": _("重复上报，已并入本事件"),
    "escalated": _("超期升级督办"),
    "joint_requested": _("申请联合执法"),
    "joint_approved": _("批准联合执法"),
    "joint_rejected": _("驳回联合执法"),
    "joint_task": _("联合执法任务"),
    "joint_result": _("联合执法结果"),
}


def is_allowed(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())


def check_transition(current: str, target: str) -> None:
    """Raise Conflict (HTTP 409) unless `current -> target` is in the table."""
    if not is_allowed(current, target):
        raise Conflict(
            f"事件当前状态为“{Status(current).label}”，不能变为“{Status(target).label}” "
            f"(illegal transition {current} -> {target})",
            field="status",
        )
