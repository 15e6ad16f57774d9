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
