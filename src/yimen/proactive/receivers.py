"""Receivers of other apps' signals: they only enqueue work (tasks.py)."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def subjects_changed(sender, *, person_ids=(), household_ids=(), enterprise_ids=(), reason="", **kwargs):
    """Registry or case data changed: refresh the tags of those persons, households and enterprises."""
    from yimen.proactive.tasks import tags_refresh

    result = tags_refresh.enqueue(list(person_ids), list(household_ids), list(enterprise_ids))
    logger.debug("tags refresh for %s enqueued: %s", reason, result.id)
    return result


def life_event(sender, *, kind="", person_id=None, enterprise_id=None, case_id=None, **kwargs):
    """A life event committed (a case completed, a birth, a death, an enterprise established): fire the
    life-event rules of that kind in the background."""
    from yimen.proactive.tasks import triggers_fire

    result = triggers_fire.enqueue(kind, person_id, enterprise_id, case_id)
    logger.debug("life event %s enqueued: %s", kind, result.id)
    return result
