"""Fixtures for the places tests.

`reference` loads the reference data with small grids once per test module, inside a transaction that
is rolled back when the module ends (the way Django's TestCase.setUpTestData works): each test runs in
a savepoint on top of it, and nothing is ever committed, so other apps' tests never see these rows.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from yimen.places import locator, services
from yimen.places.models import Department, Division, GridGeneration


@pytest.fixture(scope="module")
def reference(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield services.reference_load(grids="small")
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def fresh_locator():
    """A rolled-back test may leave the process index built from grids that no longer exist."""
    locator.invalidate()
    yield
    locator.invalidate()


@pytest.fixture
def empty_places(db):
    """No divisions, departments or grids (removed inside the test's transaction, so restored after)."""
    Department.objects.all().delete()
    GridGeneration.objects.all().delete()
    for level in sorted(Division.Level.values, reverse=True):
        Division.objects.filter(level=level).delete()


def village(code: str) -> Division:
    return Division.objects.select_related("parent").get(code=code)
