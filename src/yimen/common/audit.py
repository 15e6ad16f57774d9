"""The audit interface every service calls, in the same transaction as the change it records.

    audit.record(kind="registry.person.full_read", subject=person, actor=user, content={...})

An entry holds references and a digest only, never personal data itself. The ledger app backs it with
a tamper-evident Merkle log (see yimen.ledger).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import models


def canonical_json(value: Any) -> bytes:
    """Stable key order, no insignificant whitespace, UTF-8: the same content always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def content_digest(content: Any) -> str:
    if content is None:
        return ""
    raw = content if isinstance(content, bytes) else canonical_json(content)
    return hashlib.sha256(raw).hexdigest()


def subject_ref(subject: Any) -> str:
    """`registry.person:123` for a model instance; strings pass through."""
    if isinstance(subject, models.Model):
        return f"{subject._meta.label_lower}:{subject.pk}"
    return str(subject)


def actor_ref(actor: Any) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    if getattr(actor, "is_authenticated", False):
        return f"user:{actor.pk}"
    return "anonymous"


def record(*, kind: str, subject: Any, actor: Any = None, content: Any = None):
    """Append one audit entry; returns the ledger entry (with its index)."""
    from yimen.ledger import services as ledger_services

    return ledger_services.entry_append(
        kind=kind,
        subject=subject_ref(subject),
        actor=actor_ref(actor),
        digest=content_digest(content),
    )
