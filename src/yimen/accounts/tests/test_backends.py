"""The authentication backend (`yimen.accounts.backends.AccountBackend`) is Django's ModelBackend with a
faster `get_user`: the same user, the same refusals; sessions that name Django's backend still work."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, authenticate
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.signals import user_login_failed
from django.forms.models import model_to_dict
from django.test import Client

from yimen.accounts.backends import AccountBackend
from yimen.accounts.models import Role, User
from yimen.registry.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BACKEND = "yimen.accounts.backends.AccountBackend"


def test_get_user_is_the_stored_user():
    clerk = UserFactory(role=Role.WINDOW_CLERK, full_name="王小明")
    found = AccountBackend().get_user(clerk.pk)
    stored = User.objects.get(pk=clerk.pk)
    assert model_to_dict(found) == model_to_dict(stored) and found.password == stored.password
    assert (found.last_login, found.date_joined) == (stored.last_login, stored.date_joined)
    assert not found._state.adding and found.get_session_auth_hash() == stored.get_session_auth_hash()
    assert AccountBackend().get_user(clerk.pk + 1000) is None


def test_an_inactive_user_is_nobody():
    user = UserFactory(is_active=False)
    assert AccountBackend().get_user(user.pk) is None
    assert ModelBackend().get_user(user.pk) is None


def test_sign_in_names_this_backend_and_an_older_session_still_works():
    clerk = UserFactory(role=Role.WINDOW_CLERK)
    client = Client()
    assert client.login(username=clerk.username, password="pw")
    assert client.session[BACKEND_SESSION_KEY] == BACKEND
    assert client.get("/api/cases/").status_code == 200
    older = Client()
    older.force_login(clerk, backend="django.contrib.auth.backends.ModelBackend")
    assert older.session[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"
    assert older.get("/api/cases/").status_code == 200


def test_a_failed_sign_in_checks_the_password_once(monkeypatch):
    user = UserFactory()
    checks, failures = [], []
    real = MD5PasswordHasher.verify
    monkeypatch.setattr(MD5PasswordHasher, "verify", lambda self, *a: checks.append(1) or real(self, *a))

    def failed(**kwargs):
        failures.append(kwargs)

    user_login_failed.connect(failed)
    try:
        assert authenticate(None, username=user.username, password="wrong") is None
    finally:
        user_login_failed.disconnect(failed)
    assert len(checks) == 1 and len(failures) == 1
    assert authenticate(None, username=user.username, password="pw") == user


def test_user_columns_need_no_conversion_from_the_database():
    """`get_user` builds the user from the raw row (`from_db`): a field with its own conversion (a JSON
    field, say) would come back unconverted, so adding one must change `get_user` too."""
    assert not [f.name for f in User._meta.concrete_fields if hasattr(f, "from_db_value")]
