"""The session engine (`yimen.accounts.sessions`) is Django's database sessions with a faster read: the
same rows, the same expiry, logout still ends the session everywhere."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from yimen.accounts.models import Role
from yimen.accounts.sessions import SessionStore
from yimen.registry.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_is_the_configured_engine():
    assert settings.SESSION_ENGINE == "yimen.accounts.sessions"


def test_what_is_saved_is_loaded():
    store = SessionStore()
    store["case"] = 42
    store.save()
    again = SessionStore(store.session_key)
    assert again.load() == {"case": 42} and again.session_key == store.session_key
    assert Session.objects.get(session_key=store.session_key).get_decoded() == {"case": 42}


def test_an_expired_or_unknown_session_is_empty_and_forgotten():
    store = SessionStore()
    store["case"] = 42
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_login_then_logout_over_http():
    clerk = UserFactory(role=Role.WINDOW_CLERK)
    client = Client()
    client.force_login(clerk)
    assert client.get("/api/cases/").status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=cookie).exists()
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = cookie  # the old cookie no longer signs anyone in
    assert stale.get("/api/cases/").status_code == 403
