"""Bulk writes of plain rows for the fusion loader: COPY on PostgreSQL, executemany elsewhere (SQLite).

Loading a million persons with seven lineage rows each through `bulk_create`/`bulk_update` spends most
of its time building model instances and `CASE WHEN` updates; tuples through COPY (psycopg formats them in C) take a fraction of it.
Rows are tuples in the order of `columns` (attnames); `update` rows start with the primary key. Values
are what the field holds in Python (a date, an aware datetime, a bool); nothing here runs model code,
so the caller supplies every non-null column (`defaults()` gives the model's defaults).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


class TableWriter:
    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.table = model._meta.db_table
        self.columns = list(columns)
        self.pk = model._meta.pk.attname
        self._postgres = connection.vendor == "postgresql"
        ops = connection.ops
        adapt = {
            "DateField": ops.adapt_datefield_value,
            "DateTimeField": ops.adapt_datetimefield_value,
        }
        self._adapters = [adapt.get(fields[c].get_internal_type()) for c in self.columns]

    @staticmethod
    def defaults(model: type[models.Model], now) -> dict[str, object]:
        """Each concrete column's default as the ORM would fill it (auto_now/auto_now_add: `now`)."""
        out = {}
        for f in model._meta.concrete_fields:
            if f.primary_key:
                continue
            out[f.attname] = (
                now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
            )
        return out

    def _q(self, name: str) -> str:
        return connection.ops.quote_name(name)

    def _adapted(self, rows, adapters):
        if self._postgres or not any(adapters):
            return rows
        return [
            tuple(a(v) if a and v is not None else v for a, v in zip(adapters, row, strict=True))
            for row in rows
        ]

    def insert(self, rows: Sequence[tuple]) -> None:
        if not rows:
            return
        cols = ", ".join(self._q(c) for c in self.columns)
        with connection.cursor() as cursor:
            if self._postgres:
                with cursor.cursor.copy(f"COPY {self._q(self.table)} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {self._q(self.table)} ({cols}) VALUES ({marks})",
                    self._adapted(rows, self._adapters),
                )

    def update(self, rows: Sequence[tuple]) -> None:
        """Set `columns` of the rows whose primary key is each tuple's first value."""
        if not rows:
            return
        table = self._q(self.table)
        with connection.cursor() as cursor:
            if self._postgres:
                stage = self._q(f"_upd_{self.table}")
                cols = [self._q(c) for c in (self.pk, *self.columns)]
                cursor.execute(f"DROP TABLE IF EXISTS {stage}")
                cursor.execute(
                    f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {', '.join(cols)} FROM {table} WITH NO DATA"
                )
                with cursor.cursor.copy(f"COPY {stage} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                sets = ", ".join(f"{c} = s.{c}" for c in cols[1:])
                cursor.execute(
                    f"UPDATE {table} AS t SET {sets} FROM {stage} AS s WHERE t.{cols[0]} = s.{cols[0]}"
                )
                cursor.execute(f"DROP TABLE {stage}")
            else:
                sets = ", ".join(f"{self._q(c)} = %s" for c in self.columns)
                adapted = self._adapted(rows, [None, *self._adapters])
                cursor.executemany(
                    f"UPDATE {table} SET {sets} WHERE {self._q(self.pk)} = %s",
                    [(*row[1:], row[0]) for row in adapted],
                )
