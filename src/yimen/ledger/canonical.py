"""The canonical bytes of a ledger entry, in pure Python (no Django): what its leaf hash is taken over.

    {"actor":"user:7","digest":"9f86…","kind":"case.accepted","subject":"cases.case:42","time":"2026-05-01T02:03:04.000005Z"}

JSON with sorted keys, no insignificant whitespace, UTF-8 (not \\u-escaped), the same rules as
`yimen.common.audit.canonical_json`. Time is UTC with microseconds, so the stored row gives back the exact
bytes that were hashed.
"""

from __future__ import annotations

import datetime as dt
import json

FIELDS = ("actor", "digest", "kind", "subject", "time")


def format_time(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_bytes(*, kind: str, subject: str, actor: str, time: dt.datetime | str, digest: str) -> bytes:
    stamp = time if isinstance(time, str) else format_time(time)
    fields = {"actor": actor, "digest": digest, "kind": kind, "subject": subject, "time": stamp}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_parse(raw: bytes | str) -> dict[str, str]:
    """Read canonical entry bytes back; anything that is not exactly canonical is refused."""
    data = raw.encode() if isinstance(raw, str) else bytes(raw)
    try:
        fields = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("entry is not JSON") from exc
    if not isinstance(fields, dict) or tuple(sorted(fields)) != FIELDS:
        raise ValueError(f"entry must have exactly the fields {', '.join(FIELDS)}")
    if not all(isinstance(v, str) for v in fields.values()):
        raise ValueError("entry fields must be strings")
    if entry_bytes(**fields) != data:
        raise ValueError("entry is not in canonical form")
    return fields
