"""The intake's hand-written SQL (yimen.cases.store) writes what the ORM wrote: the same rows, the same
case number, the same errors. On SQLite the store is the ORM itself; on PostgreSQL these tests hold the
two paths equal."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save, pre_save
from django.forms.models import model_to_dict

from yimen.cases import store
from yimen.cases.models import Case, CaseMaterial, StatusChange
from yimen.cases.tests.factories import submit_elder

# What differs between two submissions of the same application: ids, times, keys, the number's id part.
_VOLATILE = {"id", "number", "submitted_at", "idempotency_key", "case", "at", "ledger_index"}


def _row(obj) -> dict:
    return {k: v for k, v in model_to_dict(obj).items() if k not in _VOLATILE}


def _orm_only(monkeypatch):
    monkeypatch.setattr(store, "_postgresql", lambda: False)


def _bump_case_ids(to: int) -> None:
    """The next case id will be `to` + 1."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence('\"cases_case\"', 'id'), %s)", [to])
        else:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = 'cases_case'", [to])


def test_the_store_writes_what_the_orm_writes(world, monkeypatch):
    fast = submit_elder(world, idempotency_key="fast")
    with monkeypatch.context() as m:
        _orm_only(m)
        slow = submit_elder(world, idempotency_key="slow")
    for case in (fast, slow):  # as read back, not as the service left them in memory
        again = Case.objects.get(pk=case.pk)
        assert again.number.endswith(f"{case.pk:07d}") and again.number == case.number
    assert _row(Case.objects.get(pk=fast.pk)) == _row(Case.objects.get(pk=slow.pk))
    fast_rows = [_row(m) for m in CaseMaterial.objects.filter(case=fast).order_by("key")]
    assert fast_rows == [_row(m) for m in CaseMaterial.objects.filter(case=slow).order_by("key")]
    assert len(fast_rows) == 2
    assert [_row(h) for h in fast.history.all()] == [_row(h) for h in slow.history.all()]


def test_the_case_and_its_rows_come_back_as_saved(world):
    case = submit_elder(world)
    assert not case._state.adding and case._state.db == connection.alias
    stored = {m.key: m.pk for m in CaseMaterial.objects.filter(case=case)}
    assert {m.key: m.pk for m in case.materials.all()} == stored
    assert all(not m._state.adding and m.case_id == case.pk for m in case.materials.all())
    (change,) = case.history.all()
    assert change.pk == StatusChange.objects.get(case=case).pk and not change._state.adding


def test_a_number_past_seven_digits_is_not_cut(world):
    _bump_case_ids(12_345_677)
    case = submit_elder(world)
    assert case.pk == 12_345_678
    assert case.number.endswith("12345678") and Case.objects.get(pk=case.pk).number == case.number


def test_the_idempotency_look_up(world):
    clerk = world.users["clerk"]
    case = submit_elder(world, idempotency_key="k-1")
    assert store.case_id_for_key(user_id=clerk.pk, key="k-1") == case.pk
    assert store.case_id_for_key(user_id=clerk.pk, key="k-2") is None
    assert store.case_id_for_key(user_id=world.users["clerk_zm"].pk, key="k-1") is None


def test_a_duplicate_key_is_an_integrity_error_and_writes_nothing(world):
    first = submit_elder(world, idempotency_key="dup")
    twin = Case.objects.get(pk=first.pk)
    twin.pk, twin.number = None, None
    twin._state.adding = True
    before = (Case.objects.count(), CaseMaterial.objects.count())
    with pytest.raises(IntegrityError), transaction.atomic():
        store.case_create(
            twin, [CaseMaterial(case=twin, key="x", name="x", source="s", state="missing")], number_prefix="P"
        )
    assert (Case.objects.count(), CaseMaterial.objects.count()) == before


def test_no_model_signals_are_missed():
    """The store's inserts send no pre_save/post_save: nothing may listen for these models'."""
    for model in (Case, CaseMaterial, StatusChange):
        assert not pre_save.has_listeners(model) and not post_save.has_listeners(model), model


def test_a_case_without_materials(world):
    first = submit_elder(world)
    bare = Case.objects.get(pk=first.pk)
    bare.pk, bare.number, bare.idempotency_key = None, None, "bare"
    bare._state.adding = True
    store.case_create(bare, [], number_prefix="P")
    assert bare.pk and bare.number == f"P{bare.pk:07d}" and not bare._state.adding
    assert Case.objects.get(pk=bare.pk).number == bare.number
    assert not CaseMaterial.objects.filter(case=bare).exists()
