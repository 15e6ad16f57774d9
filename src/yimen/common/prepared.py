"""Hand-written SQL on the hot paths, run on Django's own connection (so in the caller's transaction).

    rows = prepared.fetch('SELECT "id" FROM "cases_case" WHERE "number" = %s', [number])

On PostgreSQL the statement is a server-side prepared statement: Django binds values on the client and
the server parses and plans the text again on every call, which for the few statements every request
runs is a good part of their cost. Elsewhere (SQLite) it goes through Django's cursor. Either way errors
come out as Django's (`django.db.IntegrityError`, ...), a broken transaction is refused as Django's own
cursor refuses it, and the statement is logged where Django logs queries (`CaptureQueriesContext`,
`connection.queries` under DEBUG), so query-count tests see it. Write identifiers double-quoted and
placeholders as `%s` (a literal percent sign as `%%`); both databases take that.

Used by `yimen.ledger.store` (append, proofs), `yimen.cases.store` and the session and user reads.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections


def fetch(sql: str, params: Sequence = ()) -> list[tuple]:
    """Run one statement on the default database; its rows (an empty list for a statement without a
    result)."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each `connection.x` is a look-up in a context-local
    db.validate_no_broken_transaction()
    if db.vendor != "postgresql":
        with db.cursor() as cursor:  # Django's cursor logs the statement itself
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    import psycopg

    start = time.monotonic() if db.queries_logged else None
    db.ensure_connection()
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        rows = cursor.fetchall() if cursor.description else []
    if start is not None:
        db.queries_log.append(
            {"sql": f"/* prepared */ {sql} {list(params)!r}", "time": f"{time.monotonic() - start:.3f}"}
        )
    return rows
