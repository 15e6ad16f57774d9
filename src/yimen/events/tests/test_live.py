"""The live inbox's cross-process wake-up: a NOTIFY from another connection (another worker process's
dispatch) wakes the streams of this process through its listening connection (PostgreSQL)."""

import psycopg
import pytest
from django.db import connection

from yimen.events import live


def test_no_listener_when_switched_off_or_on_sqlite(settings, db):
    settings.YIMEN_EVENTS_LISTEN = False
    assert live.listener_ensure() is None
    settings.YIMEN_EVENTS_LISTEN = True
    if connection.vendor == "sqlite":
        assert live.listener_ensure() is None  # one process, one database file: the local wake-up suffices


def test_a_notify_from_another_connection_wakes_this_process(settings, db):
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite runs the look-every-0.25-s fallback only")
    settings.YIMEN_EVENTS_LISTEN = True
    listener = live.listener_ensure()
    try:
        assert listener is not None and listener.listening.wait(10)
        assert live.listener_ensure() is listener  # one per process
        seen = live.generation()
        with psycopg.connect(**live.listener_params(), autocommit=True) as other:
            other.execute(f"NOTIFY {live.CHANNEL}")
        assert live.wait(seen, timeout=5) > seen
    finally:
        live.listener_stop()
    assert not listener.is_alive()
