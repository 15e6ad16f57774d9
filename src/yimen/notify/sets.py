"""Set-based SQL for batches of thousands (a campaign's notifications, deliveries, recipients, attempts).

`ids_in(field, ids)` filters on a list of ids. On PostgreSQL the list travels as one array parameter
(`field IN (SELECT unnest(%s::bigint[]))`) instead of thousands of placeholders that Django builds and
PostgreSQL parses one by one; elsewhere it is a plain `__in` (callers keep SQLite's lists short).

`insert_rows(model, fields, rows)`:
On PostgreSQL rows go in with COPY, and when the caller needs the new ids they are taken from the
table's sequence first (one `nextval` over generate_series), so a batch of thousands of rows costs two
round trips and no per-value SQL quoting. Small batches, and SQLite, take the ORM's bulk_create. Rows are
plain tuples in the order of `fields` (attribute names, `person_id` for a foreign key); nothing here
runs model code, so only models without save() logic or signals may use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from psycopg import sql

COPY_FROM = 50  # fewer rows: one INSERT ... RETURNING is as quick as the two round trips of COPY


ARRAY_FROM = 100  # fewer ids: a plain IN list
SQLITE_IN = 5000  # ids per IN (...) list on SQLite, well under its parameter limit


def id_batches(ids: Sequence[int]) -> Iterable[list[int]]:
    """The ids in one batch on PostgreSQL (they travel as one array), in lists of SQLITE_IN elsewhere."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        if ids:
            yield ids
        return
    for i in range(0, len(ids), SQLITE_IN):
        yield ids[i : i + SQLITE_IN]


def ids_in(field: str, ids: Iterable[int]) -> Q:
    values = list(ids)
    if connection.vendor == "postgresql" and len(values) >= ARRAY_FROM:
        return Q(**{f"{field}__in": RawSQL("SELECT unnest(%s::bigint[])", (values,))})
    return Q(**{f"{field}__in": values})


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple], *, returning_ids: bool = False
) -> list[int]:
    """Insert `rows`; returns their new primary keys when asked (in row order), else []."""
    if not rows:
        return []
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM:
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=500)
        return [obj.pk for obj in objs] if returning_ids else []
    opts = model._meta
    columns = [opts.get_field(name).column for name in fields]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [opts.db_table, opts.pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            columns = [opts.pk.column, *columns]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(opts.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        # COPY is not run through Django's execute(): map psycopg's errors to django.db's here.
        with connection.wrap_database_errors, cursor.copy(statement) as copy:
            if returning_ids:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row((pk, *row))
            else:
                for row in rows:
                    copy.write_row(row)
    return ids
