"""The life of an item version: draft -> published -> retired, nothing else.

A draft is edited freely and may be discarded; publishing it retires the version it replaces. Published
and retired versions never change again (cases point at them). Services call `check_transition` before
every status change; the table below is the only place the rule is written.
"""

from __future__ import annotations

from django.utils.translation import gettext

from yimen.catalog.models.item import VersionStatus
from yimen.common.errors import Conflict

DRAFT, PUBLISHED, RETIRED = VersionStatus.DRAFT, VersionStatus.PUBLISHED, VersionStatus.RETIRED

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({PUBLISHED}),
    PUBLISHED: frozenset({RETIRED}),
    RETIRED: frozenset(),
}

_LABELS = dict(VersionStatus.choices)


def check_transition(current: str, target: str) -> None:
    """Raise Conflict (HTTP 409) unless `current -> target` is allowed."""
    if target not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        raise Conflict(
            gettext("事项版本状态不能从“%(current)s”变为“%(target)s”。")
            % {"current": _LABELS.get(current, current), "target": _LABELS.get(target, target)},
            field="status",
        )


def check_editable(status: str) -> None:
    """Only drafts may change; a published version is edited by copying it into a new draft."""
    if status != DRAFT:
        raise Conflict(
            gettext("%(status)s的事项版本不可修改，请基于它新建草稿。")
            % {"status": _LABELS.get(status, status)},
            field="status",
        )
