r"""The life of a policy match as one table: for each state, the verbs allowed and where each leads.

    eligible --notify--> notified
    eligible / notified --apply--> applied       (one-click application, a case is filed)
    eligible / notified --grant--> granted       (免申即享: the benefit is given without applying)
    eligible / notified --dismiss--> dismissed   (the enterprise does not need it)
    eligible / notified --expire--> expired      (no longer eligible, or the policy ended)
    expired --reinstate--> eligible              (eligible again; not notified twice)

Applied, granted and dismissed are final: a later data change does not take a granted benefit or a
filed application back. Services call `check_transition` (one match) or `sources` (set-based updates).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from yimen.common.errors import Conflict
from yimen.policies.models import MatchState

ELIGIBLE, NOTIFIED, APPLIED = MatchState.ELIGIBLE, MatchState.NOTIFIED, MatchState.APPLIED
GRANTED, DISMISSED, EXPIRED = MatchState.GRANTED, MatchState.DISMISSED, MatchState.EXPIRED

ALLOWED_TRANSITIONS: dict[str, dict[str, str]] = {
    ELIGIBLE: {
        "notify": NOTIFIED,
        "apply": APPLIED,
        "grant": GRANTED,
        "dismiss": DISMISSED,
        "expire": EXPIRED,
    },
    NOTIFIED: {"apply": APPLIED, "grant": GRANTED, "dismiss": DISMISSED, "expire": EXPIRED},
    EXPIRED: {"reinstate": ELIGIBLE},
    APPLIED: {},
    GRANTED: {},
    DISMISSED: {},
}
OPEN = (ELIGIBLE, NOTIFIED)  # offered, nothing decided yet


def check_transition(state: str, verb: str) -> str:
    """The state `verb` leads to from `state`; Conflict when it is not allowed."""
    target = ALLOWED_TRANSITIONS.get(state, {}).get(verb)
    if target is None:
        raise Conflict(
            _("当前状态“%(state)s”不能执行该操作") % {"state": MatchState(state).label}, field="state"
        )
    return target


def sources(verb: str) -> list[str]:
    """The states `verb` may start from (for set-based updates)."""
    return [state for state, verbs in ALLOWED_TRANSITIONS.items() if verb in verbs]
