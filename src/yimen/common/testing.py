"""Reusable checks for API tests: authentication, masking, scope (404), pagination; and the settings
that give a test its own ledger keys (`ledger_settings`).

assert_masked(response.json(), person, fields=PERSON_PERSONAL_FIELDS)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.test import APIClient


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _walk_strings(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk_strings(v)
    elif value is not None:
        yield str(value)


def assert_masked(payload: Any, secrets: Iterable[str]) -> None:
    """No full personal value may appear anywhere in the payload (in any field, at any depth)."""
    texts = list(_walk_strings(payload))
    for secret in secrets:
        if not secret or len(secret) < 2:
            continue
        leaked = [t for t in texts if secret in t]
        assert not leaked, f"unmasked personal value {secret!r} in {leaked!r}"


def assert_requires_login(path: str, method: str = "get") -> None:
    response = getattr(client_for(None), method)(path)
    assert response.status_code in (401, 403), response.status_code


def assert_paginated(payload: dict) -> None:
    assert {"count", "results"} <= set(payload), payload.keys()


def ledger_settings(directory) -> dict:
    """Settings for tests that write the ledger: fresh keys, witness state and proof tiles under
    `directory`, no witness, checkpoints signed on demand (apply to pytest-django's `settings` or `override_settings`)."""
    return {
        "YIMEN_LEDGER_KEY_DIR": directory / "keys",
        "YIMEN_LEDGER_WITNESS_DIR": directory / "witness",
        "YIMEN_LEDGER_WITNESS": False,
        "YIMEN_LEDGER_CHECKPOINT_INTERVAL": 0,
        "YIMEN_LEDGER_TILE_DIR": directory / "tiles",
    }
