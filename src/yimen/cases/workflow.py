r"""The life of a case as one table: for each status, the actions allowed and the status each leads to.

    submitted --accept--> accepted --approve--> approved --deliver--> delivered
        |  \--refuse--> refused        |  \--reject--> rejected
        |                              \--request_correction--> suspended --resubmit--> accepted
        \--request_correction--> correction --resubmit--> submitted
    submitted / correction / accepted / suspended --withdraw--> withdrawn

`correction` is a correction request at intake (the clock has not started); `suspended` is one from the
back office (the clock stops until the applicant resubmits). Services call `check_transition` after
locking the case row; it is the only place the rule is written. Refused, rejected, delivered and
withdrawn cases are final.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yimen.cases.models.case import Status
from yimen.common.errors import Conflict

SUBMITTED, CORRECTION, REFUSED = Status.SUBMITTED, Status.CORRECTION, Status.REFUSED
ACCEPTED, SUSPENDED = Status.ACCEPTED, Status.SUSPENDED
APPROVED, REJECTED, DELIVERED, WITHDRAWN = (
    Status.APPROVED,
    Status.REJECTED,
    Status.DELIVERED,
    Status.WITHDRAWN,
)

ACTIONS: dict[str, object] = {
    "accept": _("受理"),
    "request_correction": _("一次性告知补正"),
    "resubmit": _("补正材料"),
    "refuse": _("不予受理"),
    "approve": _("准予办理"),
    "reject": _("不予办理"),
    "deliver": _("出件"),
    "withdraw": _("撤回申请"),
}

ALLOWED_TRANSITIONS: dict[str, dict[str, str]] = {
    SUBMITTED: {
        "accept": ACCEPTED,
        "request_correction": CORRECTION,
        "refuse": REFUSED,
        "withdraw": WITHDRAWN,
    },
    CORRECTION: {"resubmit": SUBMITTED, "withdraw": WITHDRAWN},
    ACCEPTED: {
        "approve": APPROVED,
        "reject": REJECTED,
        "request_correction": SUSPENDED,
        "withdraw": WITHDRAWN,
    },
    SUSPENDED: {"resubmit": ACCEPTED, "withdraw": WITHDRAWN},
    APPROVED: {"deliver": DELIVERED},
    REFUSED: {},
    REJECTED: {},
    DELIVERED: {},
    WITHDRAWN: {},
}

FINAL = frozenset(s for s, actions in ALLOWED_TRANSITIONS.items() if not actions)
CLOCK_RUNNING = frozenset({ACCEPTED})


def status_label(status: str) -> str:
    return str(dict(Status.choices).get(status, status))


def check_transition(status: str, action: str) -> str:
    """The status `action` leads to from `status`; Conflict (HTTP 409) when the table does not allow it."""
    target = ALLOWED_TRANSITIONS.get(status, {}).get(action)
    if target is None:
        raise Conflict(
            f"办件状态为“{status_label(status)}”，不能执行“{ACTIONS.get(action, action)}” "
            f"(a {status} case cannot be {action})",
            field="status",
        )
    return target


def allowed_actions(status: str) -> list[str]:
    return list(ALLOWED_TRANSITIONS.get(status, {}))
