import pytest

from yimen.cases.tests.factories import world_build
from yimen.common.testing import ledger_settings


@pytest.fixture(autouse=True)
def ledger_keys(settings, tmp_path):
    """Fresh ledger keys per test; checkpoints are signed on demand (receipts embed proofs)."""
    for name, value in ledger_settings(tmp_path).items():
        setattr(settings, name, value)
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def world(db):
    return world_build()
