"""Open311 API keys: one per client, only the SHA-256 stored; a forged or revoked key is refused."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yimen.common import audit
from yimen.common.errors import Conflict, PermissionDenied, ValidationFailed
from yimen.events.models import Open311Client


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def open311_client_create(
    *, name: str, actor: Any = None, key: str | None = None
) -> tuple[Open311Client, str]:
    """A new client and its key (shown once)."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ValidationFailed(_("客户端名称为空或过长 (name required, at most 64 chars)"), field="name")
    if Open311Client.objects.filter(name=name).exists():
        raise Conflict(_("客户端已存在 (client exists)"), field="name")
    key = key or secrets.token_urlsafe(24)
    client = Open311Client.objects.create(name=name, key_sha256=_digest(key))
    audit.record(kind="events.open311_client.created", subject=client, actor=actor, content={"name": name})
    return client, key


def open311_client_for_key(key: str) -> Open311Client:
    client = Open311Client.objects.filter(key_sha256=_digest(key or ""), active=True).first() if key else None
    if client is None:
        raise PermissionDenied(_("api_key 无效 (invalid api_key)"), field="api_key")
    return client


@transaction.atomic
def open311_client_set_active(*, client: Open311Client, active: bool, actor: Any) -> Open311Client:
    """Revoke (or restore) a client's key; its sensors' readings are refused while it is inactive."""
    client = Open311Client.objects.select_for_update().get(pk=client.pk)
    if client.active != active:
        client.active = active
        client.save(update_fields=["active"])
        audit.record(
            kind="events.open311_client.activated" if active else "events.open311_client.revoked",
            subject=client,
            actor=actor,
            content={"name": client.name},
        )
    return client
