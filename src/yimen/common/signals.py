"""Signals between apps (STYLE habit 6): sent by services after their transaction commits; receivers
only enqueue work.

`subjects_changed`: registry or case data about some persons, households or enterprises changed (a person
registered or deceased, a case decided, a certificate revoked). Keyword arguments: `person_ids`,
`household_ids`, `enterprise_ids` (lists of ints) and `reason` (the audit kind of the change). The
proactive app refreshes those subjects' tags.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

subjects_changed = Signal()


def subjects_changed_on_commit(
    *,
    reason: str,
    person_ids: Iterable[int | None] = (),
    household_ids: Iterable[int | None] = (),
    enterprise_ids: Iterable[int | None] = (),
) -> None:
    """Send `subjects_changed` once the current transaction commits (never if it rolls back); a failing
    receiver is logged, never undoes or breaks the change."""
    persons = sorted({i for i in person_ids if i})
    households = sorted({i for i in household_ids if i})
    enterprises = sorted({i for i in enterprise_ids if i})
    if not (persons or households or enterprises):
        return
    transaction.on_commit(
        lambda: subjects_changed.send_robust(
            sender=reason,
            reason=reason,
            person_ids=persons,
            household_ids=households,
            enterprise_ids=enterprises,
        ),
        robust=True,
    )
