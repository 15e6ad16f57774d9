"""The intake's writes and its idempotency look-up in plain SQL, for `services.intake.case_submit`.

Every submission runs these; through the ORM each statement cost about 0.4 ms of Python (compiling the
query, preparing each field's value) - most of a submission's CPU. On PostgreSQL:

- the idempotency look-up is one prepared statement reading the id alone;
- the case and its materials are one statement: the id is drawn from the table's sequence inside it,
  so the case number (district code, local date, id zero-padded to at least 7 digits, as the ORM path
  writes it) is written with the row instead of by a second UPDATE;
- the first history row (which needs the ledger index, so comes after the audit append) is one more.

Elsewhere (SQLite) the same functions use the ORM. The models stay the schema's definition: the columns
and each value's database form come from their fields (`pre_save`, `get_db_prep_save`), as the ORM's
insert takes them. These inserts send no `pre_save`/`post_save` signals; nothing in Yimen listens for
these models' (a test says so), and services are the only writers.
"""

from __future__ import annotations

import functools

from django.db import DEFAULT_DB_ALIAS, connections

from yimen.cases.models import Case, CaseMaterial, StatusChange
from yimen.common import prepared

_KEY_SELECT = 'SELECT "id" FROM "cases_case" WHERE "submitted_by_id" = %s AND "idempotency_key" = %s LIMIT 1'


def _postgresql() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def case_id_for_key(*, user_id: int, key: str) -> int | None:
    """The id of the case this user filed under the (non-empty) Idempotency-Key `key`, or None."""
    if _postgresql():
        rows = prepared.fetch(_KEY_SELECT, [user_id, key])
        return rows[0][0] if rows else None
    ids = Case.objects.filter(submitted_by_id=user_id, idempotency_key=key).order_by()
    return next(iter(ids.values_list("pk", flat=True)[:1]), None)


def case_create(case: Case, materials: list[CaseMaterial], *, number_prefix: str) -> None:
    """Insert a new `case` numbered `number_prefix` + its id (at least 7 digits) and its `materials`;
    sets their ids, the number and the materials' case, as saving them would."""
    if not _postgresql():
        case.save()
        case.number = f"{number_prefix}{case.pk:07d}"
        case.save(update_fields=["number"])
        CaseMaterial.objects.bulk_create(materials)
        return
    case_fields, material_fields = _case_fields(), _material_fields()
    params = [number_prefix, *_values(case, case_fields)]
    for row in materials:
        params.extend(_values(row, material_fields))
    rows = prepared.fetch(_case_insert_sql(len(materials)), params)
    case.pk, case.number = rows[0][0], rows[0][1]
    _saved(case)
    ids = {key: pk for _case, _number, pk, key in rows if pk is not None}
    for row in materials:
        row.case = case
        row.pk = ids[row.key]
        _saved(row)


def status_change_create(change: StatusChange) -> None:
    """Insert a new history row (append-only: never an update); sets its id."""
    if not _postgresql():
        change.save()
        return
    fields = _change_fields()
    change.pk = prepared.fetch(_change_insert_sql(), _values(change, fields))[0][0]
    _saved(change)


def _saved(obj) -> None:
    obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS


def _values(obj, fields) -> list:
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: `django.db.connection` is a proxy
    return [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]


def _insertable(model, *skip: str) -> tuple:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skip)


@functools.cache
def _case_fields() -> tuple:
    return _insertable(Case, "number")


@functools.cache
def _material_fields() -> tuple:
    return _insertable(CaseMaterial, "case_id")  # the case's id comes from the statement


@functools.cache
def _change_fields() -> tuple:
    return _insertable(StatusChange)


def _columns(fields) -> str:
    return ", ".join(f'"{f.column}"' for f in fields)


def _placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


@functools.cache
def _case_insert_sql(materials: int) -> str:
    """One statement per number of materials: the id from the sequence, the case with its number, the
    materials; answers (case id, number, material id, material key), one row per material (or one row).
    Values stand in VALUES lists, where PostgreSQL types each placeholder by its column."""
    case_fields, material_fields = _case_fields(), _material_fields()
    case_id = '(SELECT "id" FROM n)'
    number = f"%s || lpad({case_id}::text, greatest(7, length({case_id}::text)), '0')"
    sql = (
        "WITH n AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence('\"cases_case\"', 'id')) AS \"id\"), "
        f'c AS (INSERT INTO "cases_case" ("id", "number", {_columns(case_fields)}) '
        f'VALUES ({case_id}, {number}, {_placeholders(len(case_fields))}) RETURNING "id", "number")'
    )
    if not materials:
        return sql + ' SELECT c."id", c."number", NULL, NULL FROM c'
    row = f'((SELECT "id" FROM c), {_placeholders(len(material_fields))})'
    return sql + (
        f', m AS (INSERT INTO "cases_casematerial" ("case_id", {_columns(material_fields)}) '
        f'VALUES {", ".join([row] * materials)} RETURNING "id", "key") '
        'SELECT c."id", c."number", m."id", m."key" FROM c, m'
    )


@functools.cache
def _change_insert_sql() -> str:
    fields = _change_fields()
    return (
        f'INSERT INTO "cases_statuschange" ({_columns(fields)}) '
        f'VALUES ({_placeholders(len(fields))}) RETURNING "id"'
    )
