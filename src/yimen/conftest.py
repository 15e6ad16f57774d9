"""Fixtures for every test under src/yimen."""

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's default language (zh-Hans). A test request with another
    Accept-Language leaves that language active in the thread (LocaleMiddleware does not reset it), which
    made a later test's expected zh-Hans message come out in English, depending on test order."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def ledger_caches():
    """Each test starts with empty ledger caches: its database is not the one the last test cached."""
    from yimen.ledger import nodecache

    nodecache.clear_all()
    yield
