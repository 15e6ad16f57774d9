"""Where the classifier gets labelled rows from closed events.

The events app owns its models; the classifier must not reach into them. It asks for one selector,
`yimen.events.selectors.closed_event_samples() -> Iterable[tuple[str, str]]` yielding (report text,
confirmed subcategory code) of closed events. Until that selector exists (or while its tables are not
migrated) there are no rows, and retraining falls back to the corpus alone.
"""

from __future__ import annotations

import importlib
import logging

from django.db.utils import DatabaseError

log = logging.getLogger(__name__)


def closed_event_samples() -> list[tuple[str, str]]:
    try:
        selectors = importlib.import_module("yimen.events.selectors")
    except ModuleNotFoundError as exc:
        if exc.name != "yimen.events.selectors":
            raise
        return []
    source = getattr(selectors, "closed_event_samples", None)
    if not callable(source):
        return []
    try:
        return [(str(text), str(code)) for text, code in source()]
    except DatabaseError as exc:
        log.warning("events classifier: closed events unavailable (%s)", exc)
        return []
