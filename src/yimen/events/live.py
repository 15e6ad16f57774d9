"""Pushing dispatched events to the departments' open inboxes (server-sent events).

A dispatch appends a `HistoryEntry` (action "dispatched") for the department; after the transaction
commits, `announce()` wakes every stream waiting in this process at once and, on PostgreSQL, sends a
`NOTIFY` on `CHANNEL`. Each process that serves a stream keeps one listening connection (`listener_ensure`,
a daemon thread) that turns those notifications into the same local wake-up, so a stream in another
worker process than the dispatch reads the row at once instead of at its next look. The look every
`WAKE_SECONDS` stays as the fallback (SQLite, or a listener reconnecting): the browser never polls, the
stream does a cheap indexed read.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, connection

log = logging.getLogger(__name__)

CHANNEL = "yimen_events_dispatch"
WAKE_SECONDS = 0.25
_condition = threading.Condition()
_generation = 0


def wake() -> None:
    """Wake the streams waiting in this process."""
    global _generation
    with _condition:
        _generation += 1
        _condition.notify_all()


def announce() -> None:
    """After a dispatch has committed: wake this process's streams and tell the other processes."""
    wake()
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")
    except DatabaseError:  # the dispatch stands; other processes' streams see it at their next look
        log.warning("events: NOTIFY %s failed", CHANNEL, exc_info=True)


def generation() -> int:
    return _generation


def wait(seen: int, timeout: float = WAKE_SECONDS) -> int:
    """Block until something is announced after `seen` or the timeout passes; returns the generation."""
    with _condition:
        if _generation == seen:
            _condition.wait(timeout)
        return _generation


class Listener(threading.Thread):
    """LISTEN on its own autocommit connection and wake this process's streams on every notification;
    reconnects after an error. `stop()` ends it within a second and closes the connection."""

    def __init__(self, params: dict) -> None:
        super().__init__(name="events-live-listener", daemon=True)
        self.params = params
        self.stopping = threading.Event()
        self.listening = threading.Event()

    def run(self) -> None:
        import psycopg

        while not self.stopping.is_set():
            try:
                with psycopg.connect(**self.params, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    while not self.stopping.is_set():
                        for _notify in conn.notifies(timeout=1.0):
                            wake()
            except Exception:  # any failure: wait and reconnect; the streams still look on their own
                self.listening.clear()
                log.warning("events: live listener lost its connection; reconnecting", exc_info=True)
                self.stopping.wait(2.0)
        self.listening.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)


_listener: Listener | None = None
_listener_lock = threading.Lock()


def listener_params() -> dict:
    """Connection parameters of the default database, for the listening connection."""
    db = connection.settings_dict
    params = {"dbname": db["NAME"], "user": db.get("USER") or None, "password": db.get("PASSWORD") or None}
    params |= {"host": db.get("HOST") or None, "port": db.get("PORT") or None}
    return {k: v for k, v in params.items() if v is not None}


def listener_ensure() -> Listener | None:
    """Start this process's listener once (PostgreSQL, unless YIMEN_EVENTS_LISTEN is off)."""
    global _listener
    if connection.vendor != "postgresql" or not getattr(settings, "YIMEN_EVENTS_LISTEN", True):
        return None
    with _listener_lock:
        if _listener is None or not _listener.is_alive():
            _listener = Listener(listener_params())
            _listener.start()
        return _listener


def listener_stop() -> None:
    global _listener
    with _listener_lock:
        if _listener is not None:
            _listener.stop()
            _listener = None
