"""Fixtures for the events tests.

`world` loads places (small grids) and the event taxonomy once per test module inside a transaction
that is rolled back at the end of the module; each test runs in a savepoint on top of it. The text
classifier is replaced by a deterministic keyword classifier (`KEYWORDS`) so tests do not depend on a
trained model; the real one is tested in test_classifier.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from yimen.accounts.models import Role, User
from yimen.events import taxonomy
from yimen.places import locator
from yimen.places import services as places_services
from yimen.places.models import Department, Division

# 祖庙街道, inside a grid (places tests use the same point).
ZUMIAO = (23.03, 113.11)
OUTSIDE = (23.1291, 113.2644)  # Guangzhou
KEYWORDS = [
    ("油烟", "0301", 0.91),
    ("井盖", "0502", 0.88),
    ("垃圾", "0101", 0.85),
    ("摊贩", "0201", 0.8),
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def keyword_classify(text: str) -> list[tuple[str, float]]:
    for word, code, p in KEYWORDS:
        if word in text:
            return [(code, p), ("0102", round((1 - p) / 2, 3)), ("0202", round((1 - p) / 3, 3))]
    return [("0102", 0.21), ("0202", 0.2), ("1403", 0.1)]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            places_services.reference_load(grids="small")
            taxonomy.taxonomy_load()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path, monkeypatch):
    settings.YIMEN_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.YIMEN_LEDGER_WITNESS = False
    settings.MEDIA_ROOT = tmp_path / "media"
    from yimen.events.services import intake

    monkeypatch.setattr(intake, "classify_text", keyword_classify)
    locator.invalidate()
    yield
    locator.invalidate()


@pytest.fixture
def now():
    """A Wednesday morning, 2026-03-04 10:00 Beijing time."""
    return timezone.make_aware(dt.datetime(2026, 3, 4, 10, 0))


def make_user(
    username: str, role: str, *, department: str | None = None, division: str | None = None
) -> User:
    return User.objects.create_user(
        username=username,
        password="x",
        role=role,
        full_name=f"测试{username}",
        department=Department.objects.get(code=department) if department else None,
        division=Division.objects.get(code=division) if division else None,
    )


@pytest.fixture
def people(db, world):
    return {
        "citizen": make_user("c1", Role.CITIZEN),
        "citizen2": make_user("c2", Role.CITIZEN),
        "grid": make_user("g1", Role.GRID_WORKER, department="JD440604012", division="440604012"),
        "grid_other": make_user("g2", Role.GRID_WORKER, department="JD440604010", division="440604010"),
        "hotline": make_user("h1", Role.HOTLINE_OPERATOR, department="ZSJ"),
        "command": make_user("cc", Role.COMMAND_CENTRE, department="ZSJ"),
        "hb": make_user("hb", Role.DEPARTMENT_HANDLER, department="HBJ"),
        "cg": make_user("cg", Role.DEPARTMENT_HANDLER, department="CGJ"),
        "sc": make_user("sc", Role.DEPARTMENT_HANDLER, department="SCJ"),
        "zj": make_user("zj", Role.DEPARTMENT_HANDLER, department="ZJJ"),
    }
