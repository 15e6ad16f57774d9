"""Pushing dispatched events to the departments' open inboxes (server-sent events).

A dispatch appends a `HistoryEntry` (action "dispatched") for the department; after the transaction
commits, `announce()` wakes every stream waiting in this process at once. Streams in other processes
(several workers) see the committed row on their next look at the table, at most `WAKE_SECONDS` later:
the browser never polls, the stream does a cheap indexed read.
"""

from __future__ import annotations

import threading

WAKE_SECONDS = 0.25
_condition = threading.Condition()
_generation = 0


def announce() -> None:
    global _generation
    with _condition:
        _generation += 1
        _condition.notify_all()


def generation() -> int:
    return _generation


def wait(seen: int, timeout: float = WAKE_SECONDS) -> int:
    """Block until something is announced after `seen` or the timeout passes; returns the generation."""
    with _condition:
        if _generation == seen:
            _condition.wait(timeout)
        return _generation
