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

import functools
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


def fetch_instance(model, field: str, value):
    """The `model` row whose unique `field` is `value`, or None. On PostgreSQL one prepared statement
    loaded with `Model.from_db` (what `Model.objects.get` reads); elsewhere the ORM, since SQLite returns
    dates and booleans raw and only Django's converters make them Python's."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return model._default_manager.filter(**{field: value}).order_by().first()
    sql, attnames = _instance_select(model, field)
    rows = fetch(sql, [value])
    return model.from_db(DEFAULT_DB_ALIAS, attnames, rows[0]) if rows else None


@functools.cache
def _instance_select(model, field: str) -> tuple[str, tuple[str, ...]]:
    fields = model._meta.concrete_fields
    converted = [f.name for f in fields if hasattr(f, "from_db_value")]
    if converted:  # `from_db` takes the raw values: a field that converts them would come back wrong
        raise TypeError(f"{model.__name__}.{', '.join(converted)} need conversion: load it with the ORM")
    columns = ", ".join(f'"{f.column}"' for f in fields)
    where = (model._meta.pk if field == "pk" else model._meta.get_field(field)).column
    return f'SELECT {columns} FROM "{model._meta.db_table}" WHERE "{where}" = %s', tuple(
        f.attname for f in fields
    )
