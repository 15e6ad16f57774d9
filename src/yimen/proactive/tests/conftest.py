import pytest

from yimen.common.testing import ledger_settings
from yimen.proactive import bitmaps, segment_names
from yimen.proactive.tests.factories import TODAY, population_build


@pytest.fixture(autouse=True)
def ledger_keys(settings, tmp_path):
    """Fresh ledger keys per test (exports and tag saves are audited); no witness, no checkpoints."""
    for name, value in ledger_settings(tmp_path).items():
        setattr(settings, name, value)
    return tmp_path


@pytest.fixture(autouse=True)
def fresh_caches():
    """Each test has its own database content: drop the process caches keyed by the bitmap version."""
    bitmaps.cache.clear()
    segment_names.reset()
    yield
    bitmaps.cache.clear()
    segment_names.reset()


@pytest.fixture
def population(db):
    from yimen.proactive.services import tags_load

    pop = population_build()
    tags_load(actor="system")
    return pop


@pytest.fixture
def computed(population):
    """The population with every tag and bitmap computed as of TODAY."""
    from yimen.proactive.services import tags_recompute_all

    tags_recompute_all(today=TODAY)
    return population
