"""The ledger's two hot paths in plain SQL: the append (lock, write) and fetching a proof's nodes.

Every service that changes state appends, and every receipt asks for a proof, so these run constantly.
Measured with bench/ledger.py on PostgreSQL, the ORM spent about three quarters of an append and of a
proof building queries. Here, on PostgreSQL, a single entry is one call of the server-side function of
migration 0002 (`append_one`); a few entries are the head row lock and then one statement that writes
entries, nodes and head; a batch is the lock, two binary COPYs and the head update. A proof is one query.
The models stay the schema's definition. Identifiers are double-quoted as SQL and both supported
databases (SQLite, PostgreSQL) want.

On PostgreSQL these statements run as server-side prepared statements on the request's own connection
(and so in its transaction): Django's default client-side binding would quote the values into the SQL
text and have the server parse and plan it again on every append, which was half of an append's time.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

import psycopg
from django.db import connection

from yimen.common import prepared

_HEAD_SELECT = 'SELECT "size", "frontier" FROM "ledger_head" WHERE "id" = 1'
_HEAD_UPDATE = 'UPDATE "ledger_head" SET "size" = %s, "frontier" = %s, "root" = %s WHERE "id" = 1'
_ENTRY_INSERT = 'INSERT INTO "ledger_entry" ("index", "kind", "subject", "actor", "time", "digest") VALUES '
_NODE_INSERT = 'INSERT INTO "ledger_node" ("level", "index", "hash") VALUES '
_NODE_SELECT_PG = (
    'SELECT n."level", n."index", n."hash" FROM "ledger_node" n '
    'JOIN unnest(%s::smallint[], %s::bigint[]) AS k(l, i) ON n."level" = k.l AND n."index" = k.i'
)
# PostgreSQL, a few entries (an intake's deferred entries): one statement, one value per placeholder.
# Larger batches (imports, back-fills): COPY in binary, C code in psycopg end to end; from 8 entries up it
# was as fast as one statement with the rows as arrays, whose dumping is Python per element, and at 32
# a quarter faster, so the array form is not kept.
_SCALAR_UP_TO = 4
_ENTRY_COPY = (
    'COPY "ledger_entry" ("index", "kind", "subject", "actor", "time", "digest") FROM STDIN (FORMAT BINARY)'
)
_NODE_COPY = 'COPY "ledger_node" ("level", "index", "hash") FROM STDIN (FORMAT BINARY)'
# SQLite: the wanted keys as a constant table joined to the primary key (an IN over row values scans).
_NODE_SELECT = (
    'SELECT n."level", n."index", n."hash" FROM k JOIN "ledger_node" n ON n."level" = k.l AND n."index" = k.i'
)


def _flat(rows: Sequence[tuple]) -> list:
    return [v for row in rows for v in row]


@functools.cache
def _append_scalar_sql(entries: int, nodes: int) -> str:
    """The append as one statement with a placeholder per value: for a few entries, cheaper than arrays
    (psycopg dumps scalars in C, arrays element by element in Python). One text per (entries, nodes)."""
    return (
        f"WITH e AS ({_ENTRY_INSERT}{', '.join(['(%s, %s, %s, %s, %s, %s)'] * entries)}), "
        f"n AS ({_NODE_INSERT}{', '.join(['(%s, %s, %s)'] * nodes)}) {_HEAD_UPDATE}"
    )


def append_one(
    leaf: bytes, kind: str, subject: str, actor: str, time: dt.datetime, digest: str
) -> int | None:
    """PostgreSQL: append one entry whose leaf hash is `leaf` with the server-side function of migration
    0002 (lock, entry, nodes, head in one round trip); its index, or None when there is no head row yet."""
    rows = prepared.fetch(
        "SELECT ledger_append_one(%s, %s, %s, %s, %s, %s)", [leaf, kind, subject, actor, time, digest]
    )
    return None if rows[0][0] is None else int(rows[0][0])


def head_lock() -> tuple[int, bytes] | None:
    """(size, frontier) of the head row, locked until the transaction ends (SQLite's IMMEDIATE
    transaction already holds the database's write lock); None when there is no head row yet."""
    rows = prepared.fetch(_HEAD_SELECT + (" FOR UPDATE" if connection.vendor == "postgresql" else ""))
    row = rows[0] if rows else None
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
    the head: one statement or two COPYs and an update on PostgreSQL, a few statements on SQLite (which
    is in-process: no round trips)."""
    head = [size, frontier, root]
    if connection.vendor == "postgresql":
        if len(entries) <= _SCALAR_UP_TO:
            prepared.fetch(
                _append_scalar_sql(len(entries), len(nodes)), [*_flat(entries), *_flat(nodes), *head]
            )
            return
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            with cursor.copy(_ENTRY_COPY) as copy:
                copy.set_types(["int8", "varchar", "varchar", "varchar", "timestamptz", "varchar"])
                for row in entries:
                    copy.write_row(row)
            with cursor.copy(_NODE_COPY) as copy:
                copy.set_types(["int2", "int8", "bytea"])
                for row in nodes:
                    copy.write_row(row)
            cursor.execute(_HEAD_UPDATE, head, prepare=True)
        return
    with connection.cursor() as cursor:
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
    if connection.vendor == "postgresql":
        rows = prepared.fetch(_NODE_SELECT_PG, [[c[0] for c in coords], [c[1] for c in coords]])
    else:
        values = ", ".join(["(%s, %s)"] * len(coords))
        rows = prepared.fetch(
            f"WITH k(l, i) AS (VALUES {values}) {_NODE_SELECT}", [v for c in coords for v in c]
        )
    return [(int(lv), int(ix), bytes(h)) for lv, ix, h in rows]


def node_rows_from_level(level: int) -> list[tuple[int, int, bytes]]:
    """Every stored node at `level` and above (a range scan of the primary key): what warms the cache."""
    sql = 'SELECT "level", "index", "hash" FROM "ledger_node" WHERE "level" >= %s'
    rows = prepared.fetch(sql, [level])
    return [(int(lv), int(ix), bytes(h)) for lv, ix, h in rows]


def size_and_first_leaf() -> tuple[int, bytes | None]:
    """The committed tree size and the first leaf hash, in one query: what tells a process whether the
    log it has cached is still the one in the database."""
    rows = prepared.fetch(
        'SELECT h."size", (SELECT n."hash" FROM "ledger_node" n WHERE n."level" = 0 AND n."index" = 0) '
        'FROM "ledger_head" h WHERE h."id" = 1'
    )
    if not rows:
        return 0, None
    size, first = rows[0]
    return int(size), None if first is None else bytes(first)


def leaf_range(start: int, end: int) -> list[bytes]:
    """The stored leaf hashes of entries [start, end), in order (a range scan of the primary key)."""
    rows = prepared.fetch(
        'SELECT "hash" FROM "ledger_node" WHERE "level" = 0 AND "index" >= %s AND "index" < %s ORDER BY "index"',
        [start, end],
    )
    return [bytes(h) for (h,) in rows]


def node_rows_at_level(level: int, start: int, end: int) -> list[tuple[int, bytes]]:
    """(index, hash) of the stored nodes (level, start..end-1), in order."""
    rows = prepared.fetch(
        'SELECT "index", "hash" FROM "ledger_node" WHERE "level" = %s AND "index" >= %s AND "index" < %s '
        'ORDER BY "index"',
        [level, start, end],
    )
    return [(int(ix), bytes(h)) for ix, h in rows]
