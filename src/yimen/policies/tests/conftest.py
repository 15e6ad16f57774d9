import pytest

from yimen.common.testing import ledger_settings
from yimen.policies.tests.factories import world_build


@pytest.fixture(autouse=True)
def ledger_keys(settings, tmp_path):
    """Fresh ledger keys per test (policy saves, matches and applications are audited)."""
    for name, value in ledger_settings(tmp_path).items():
        setattr(settings, name, value)
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def world(db):
    return world_build()


@pytest.fixture
def shipped(world):
    """The world with the shipped policies.yaml loaded."""
    from yimen.policies.services import policies_load

    policies_load(actor="system")
    return world
