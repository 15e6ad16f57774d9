"""The live inbox's cross-process wake-up: a NOTIFY from another connection (another worker process's
dispatch) wakes the streams of this process through its listening connection (PostgreSQL)."""

import psycopg
from django.db import connection

from yimen.events import live


def test_no_listener_when_switched_off(settings, db):
    settings.YIMEN_EVENTS_LISTEN = False
    assert live.listener_ensure() is None


def test_a_dispatch_wakes_this_process_and_on_postgresql_the_others(settings, db):
    """Every database: an announcement wakes this process's streams at once. PostgreSQL: a NOTIFY from
    another connection (a dispatch in another worker process) wakes them through the listener."""
    seen = live.generation()
    live.announce()
    assert live.wait(seen, timeout=0) > seen
    settings.YIMEN_EVENTS_LISTEN = True
    if connection.vendor != "postgresql":
        assert live.listener_ensure() is None  # one process, one database file: the local wake-up suffices
        return
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
