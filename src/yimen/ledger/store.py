"""The ledger's two hot paths in plain SQL: the append (lock, write) and fetching a proof's nodes.

Every service that changes state appends, and every receipt asks for a proof, so these run constantly.
Measured with bench/ledger.py on PostgreSQL, the ORM spent about three quarters of an append and of a
proof building queries; here an append is two round trips (the head row lock, then one statement of
constant text that writes the entries, their nodes and the head, rows passed as arrays so psycopg need
not parse thousands of placeholders) and a proof is one. The models stay the schema's definition.
Identifiers are double-quoted as SQL and both supported databases (SQLite, PostgreSQL) want.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection

_HEAD_SELECT = 'SELECT "size", "frontier" FROM "ledger_head" WHERE "id" = 1'
_HEAD_UPDATE = 'UPDATE "ledger_head" SET "size" = %s, "frontier" = %s, "root" = %s WHERE "id" = 1'
_ENTRY_INSERT = 'INSERT INTO "ledger_entry" ("index", "kind", "subject", "actor", "time", "digest") VALUES '
_NODE_INSERT = 'INSERT INTO "ledger_node" ("level", "index", "hash") VALUES '
_NODE_SELECT_PG = (
    'SELECT n."level", n."index", n."hash" FROM "ledger_node" n '
    'JOIN unnest(%s::smallint[], %s::bigint[]) AS k(l, i) ON n."level" = k.l AND n."index" = k.i'
)
# PostgreSQL: one statement of constant text for any batch, with the rows as arrays; up to _SMALL entries
# (a single append, the usual case) the rows go in as literal VALUES, which is cheaper at that size.
_SMALL = 16
_APPEND_PG = (
    'WITH e AS (INSERT INTO "ledger_entry" ("index", "kind", "subject", "actor", "time", "digest") '
    "SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::varchar[], %s::timestamptz[], "
    "%s::varchar[])), "
    'n AS (INSERT INTO "ledger_node" ("level", "index", "hash") '
    "SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::bytea[])) " + _HEAD_UPDATE
)
# SQLite: the wanted keys as a constant table joined to the primary key (an IN over row values scans).
_NODE_SELECT = (
    'SELECT n."level", n."index", n."hash" FROM k JOIN "ledger_node" n ON n."level" = k.l AND n."index" = k.i'
)


def head_lock() -> tuple[int, bytes] | None:
    """(size, frontier) of the head row, locked until the transaction ends (SQLite's IMMEDIATE
    transaction already holds the database's write lock); None when there is no head row yet."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(_HEAD_SELECT + lock)
        row = cursor.fetchone()
    return (int(row[0]), bytes(row[1])) if row else None


def append_write(
    entries: Sequence[tuple[int, str, str, str, dt.datetime, str]],
    nodes: Sequence[tuple[int, int, bytes]],
    *,
    size: int,
    frontier: bytes,
    root: bytes,
) -> None:
    """Insert entries (index, kind, subject, actor, time, digest) and nodes (level, index, hash), and move
    the head: one statement on PostgreSQL, a few on SQLite (which is in-process: no round trips)."""
    head = [size, frontier, root]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [list(c) for c in zip(*entries, strict=True)] + [
                list(c) for c in zip(*nodes, strict=True)
            ]
            cursor.execute(_APPEND_PG, columns + head)
            return
        adapt = connection.ops.adapt_datetimefield_value
        for start in range(0, len(entries), 500):
            chunk = entries[start : start + 500]
            params = [v for (i, k, s, a, t, d) in chunk for v in (i, k, s, a, adapt(t), d)]
            cursor.execute(_ENTRY_INSERT + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk)), params)
        for start in range(0, len(nodes), 1000):
            chunk = nodes[start : start + 1000]
            cursor.execute(
                _NODE_INSERT + ", ".join(["(%s, %s, %s)"] * len(chunk)), [v for n in chunk for v in n]
            )
        cursor.execute(_HEAD_UPDATE, head)


def node_rows(coords: Sequence[tuple[int, int]]) -> list[tuple[int, int, bytes]]:
    """The stored (level, index, hash) of the given perfect subtrees, in one indexed query."""
    if not coords:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_NODE_SELECT_PG, [[c[0] for c in coords], [c[1] for c in coords]])
        else:
            values = ", ".join(["(%s, %s)"] * len(coords))
            cursor.execute(
                f"WITH k(l, i) AS (VALUES {values}) {_NODE_SELECT}", [v for c in coords for v in c]
            )
        return [(int(lv), int(ix), bytes(h)) for lv, ix, h in cursor.fetchall()]
