"""`prepared.fetch`: hand-written SQL on Django's connection behaves as Django's cursor does - the
caller's transaction, Django's errors, a broken transaction refused, the statement logged."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext

from yimen.common import prepared
from yimen.common.models import CalendarDay

pytestmark = pytest.mark.django_db

_COUNT = 'SELECT count(*) FROM "common_calendarday" WHERE "name" = %s'


def _insert(name: str, day: str = "2099-01-01") -> None:
    prepared.fetch(
        'INSERT INTO "common_calendarday" ("date", "kind", "name", "source") VALUES (%s, %s, %s, %s)',
        [day, "holiday", name, "admin"],
    )


def test_rows_and_no_rows():
    assert prepared.fetch("SELECT 1, %s", ["a"]) == [(1, "a")]
    assert prepared.fetch(_COUNT, ["none"]) == [(0,)]
    _insert("测试假日")
    assert prepared.fetch(_COUNT, ["测试假日"]) == [(1,)]
    for _ in range(3):  # the same text again: on PostgreSQL the prepared statement is reused
        assert prepared.fetch(_COUNT, ["测试假日"]) == [(1,)]


def test_it_runs_in_the_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        _insert("回滚")
        assert prepared.fetch(_COUNT, ["回滚"]) == [(1,)]
        raise RuntimeError
    assert not CalendarDay.objects.filter(name="回滚").exists()


def test_errors_are_djangos_and_a_broken_transaction_is_refused():
    _insert("唯一", day="2099-05-01")
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic(savepoint=False):
            _insert("重复", day="2099-05-01")
        with pytest.raises(TransactionManagementError):  # as Django's own cursor refuses
            prepared.fetch("SELECT 1")
    with pytest.raises(DatabaseError), transaction.atomic():
        prepared.fetch('SELECT 1 FROM "no_such_table"')


def test_statements_are_logged_where_djangos_are():
    with CaptureQueriesContext(connection) as ctx:
        prepared.fetch(_COUNT, ["x"])
    assert len(ctx.captured_queries) == 1 and '"common_calendarday"' in ctx.captured_queries[0]["sql"]


def test_an_instance_is_loaded_as_the_orm_loads_it_and_converting_fields_are_refused():
    from yimen.registry.models import FusionRun

    _insert("实例", day="2099-06-01")
    stored = CalendarDay.objects.get(name="实例")
    loaded = prepared.fetch_instance(CalendarDay, "name", "实例")
    assert loaded == stored and not loaded._state.adding
    assert [getattr(loaded, f.attname) for f in CalendarDay._meta.concrete_fields] == [
        getattr(stored, f.attname) for f in CalendarDay._meta.concrete_fields
    ]
    assert prepared.fetch_instance(CalendarDay, "name", "没有") is None
    if connection.vendor == "postgresql":
        with pytest.raises(TypeError, match="need conversion"):
            prepared.fetch_instance(FusionRun, "pk", 1)
    else:  # elsewhere the ORM loads it, converters and all
        assert prepared.fetch_instance(FusionRun, "pk", 1) is None
