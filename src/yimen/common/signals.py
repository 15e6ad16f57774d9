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


# `life_event`: something happened in a person's or an enterprise's life that services may follow up
# (推送办): a case completed, a person registered (a birth), a death, an enterprise established. Keyword
# arguments: `kind` (a proactive TriggerKind value), `person_id`, `enterprise_id`, `case_id` (ints or
# None). Date events (birthdays, expiring certificates) are found by the proactive daily scan instead.
life_event = Signal()


def life_event_on_commit(
    *, kind: str, person_id: int | None = None, enterprise_id: int | None = None, case_id: int | None = None
) -> None:
    """Send `life_event` once the current transaction commits (never if it rolls back)."""
    if not (person_id or enterprise_id or case_id):
        return
    transaction.on_commit(
        lambda: life_event.send_robust(
            sender=kind, kind=kind, person_id=person_id, enterprise_id=enterprise_id, case_id=case_id
        ),
        robust=True,
    )
