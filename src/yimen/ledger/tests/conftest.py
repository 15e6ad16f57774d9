import pytest

from yimen.common.testing import ledger_settings
from yimen.ledger import merkle, selectors, services
from yimen.ledger.models import Entry


@pytest.fixture(autouse=True)
def ledger_keys(settings, tmp_path):
    """Each test signs with fresh keys in its own directory, and checkpoints are never held back."""
    for name, value in ledger_settings(tmp_path).items():
        setattr(settings, name, value)
    return tmp_path


def append(n: int, *, kind: str = "test.recorded", subject: str = "test.thing:{i}") -> list[Entry]:
    return [
        services.entry_append(kind=kind, subject=subject.format(i=i), actor="user:1", digest=f"{i:064x}")
        for i in range(n)
    ]


def leaves_from_entries() -> list[bytes]:
    """Leaf hashes recomputed from the stored entries alone, independent of the stored tree."""
    return [merkle.leaf_hash(e.canonical()) for e in Entry.objects.order_by("index")]


@pytest.fixture
def log(db):
    """A log with at least 20 entries beyond whatever migrations wrote; returns the size."""
    append(20)
    return selectors.log_size()
