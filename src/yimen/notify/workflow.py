r"""The life of a delivery (one notification on one channel) as one table.

    created --claim--> sending --succeed--> delivered
       |                  |  \--fail--> failed
       |                  \--retry--> retrying --claim--> sending ...
       \--cancel--> cancelled <--cancel-- retrying / sending (opted out before the provider was called)

An inbox delivery is born `delivered`: storing the notification is delivering it. Text and email
deliveries are born `created` with a `due_at` (now, or the end of the person's quiet hours); the worker
claims due ones, calls the provider and records every call as an append-only `DeliveryAttempt`.
A retryable failure waits (exponential backoff) in `retrying`; the last allowed attempt, or a
permanent failure, ends in `failed`.

Every action leads to exactly one state, so the worker moves whole batches with one
`UPDATE ... WHERE state IN sources(action)`: the table below is the only place the rule is written.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yimen.common.errors import Conflict


class State(models.TextChoices):
    CREATED = "created", _("待发送")
    SENDING = "sending", _("发送中")
    RETRYING = "retrying", _("等待重试")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")
    CANCELLED = "cancelled", _("已取消")


CREATED, SENDING, RETRYING = State.CREATED, State.SENDING, State.RETRYING
DELIVERED, FAILED, CANCELLED = State.DELIVERED, State.FAILED, State.CANCELLED

ACTIONS: dict[str, object] = {
    "claim": _("开始发送"),
    "succeed": _("送达"),
    "retry": _("稍后重试"),
    "fail": _("发送失败"),
    "cancel": _("取消发送"),
}

ALLOWED_TRANSITIONS: dict[str, dict[str, str]] = {
    CREATED: {"claim": SENDING, "cancel": CANCELLED},
    SENDING: {"succeed": DELIVERED, "retry": RETRYING, "fail": FAILED, "cancel": CANCELLED},
    RETRYING: {"claim": SENDING, "cancel": CANCELLED},
    DELIVERED: {},
    FAILED: {},
    CANCELLED: {},
}

FINAL = frozenset(s for s, actions in ALLOWED_TRANSITIONS.items() if not actions)
WAITING = frozenset({CREATED, SENDING, RETRYING})  # "queued": not yet settled


def _targets() -> dict[str, str]:
    out: dict[str, str] = {}
    for actions in ALLOWED_TRANSITIONS.values():
        for action, target in actions.items():
            if out.setdefault(action, target) != target:
                raise AssertionError(f"action {action} leads to two states")
    return out


TARGET = _targets()


def state_label(state: str) -> str:
    return str(dict(State.choices).get(state, state))


def check_transition(state: str, action: str) -> str:
    """The state `action` leads to from `state`; Conflict (HTTP 409) when the table does not allow it."""
    target = ALLOWED_TRANSITIONS.get(state, {}).get(action)
    if target is None:
        raise Conflict(
            gettext("发送状态为“%(state)s”，不能%(action)s")
            % {"state": state_label(state), "action": ACTIONS.get(action, action)},
            field="state",
        )
    return target


def sources(action: str) -> frozenset[str]:
    """The states `action` may start from: the WHERE clause of a batch transition."""
    return frozenset(s for s, actions in ALLOWED_TRANSITIONS.items() if action in actions)


def target(action: str) -> str:
    return TARGET[action]


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    RUNNING = "running", _("发送中")
    COMPLETED = "completed", _("已完成")


# A campaign: created as a draft, started once (fan-out runs in background chunks), completed when every
# recipient has been handled. Deliveries go on settling after that; the statistics show them.
CAMPAIGN_TRANSITIONS: dict[str, dict[str, str]] = {
    CampaignState.DRAFT: {"start": CampaignState.RUNNING},
    CampaignState.RUNNING: {"complete": CampaignState.COMPLETED},
    CampaignState.COMPLETED: {},
}

CAMPAIGN_ACTIONS: dict[str, object] = {"start": _("开始发送"), "complete": _("完成")}


def check_campaign_transition(state: str, action: str) -> str:
    target_state = CAMPAIGN_TRANSITIONS.get(state, {}).get(action)
    if target_state is None:
        raise Conflict(
            gettext("活动状态为“%(state)s”，不能%(action)s")
            % {
                "state": dict(CampaignState.choices).get(state, state),
                "action": CAMPAIGN_ACTIONS.get(action, action),
            },
            field="state",
        )
    return target_state
