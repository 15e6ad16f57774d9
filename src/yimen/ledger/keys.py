"""Signing keys, kept in files outside the database and created on first use (mode 0600).

    <YIMEN_LEDGER_KEY_DIR>/log.key                  the log's key; its name is YIMEN_LEDGER_ORIGIN
    <YIMEN_LEDGER_WITNESS_DIR>/witness.key          the witness's key (the discipline office), optional
    <YIMEN_LEDGER_WITNESS_DIR>/witness.state        the last checkpoint the witness cosigned

Files hold golang.org/x/mod/sumdb/note key strings. A key appears atomically: it is written to a private
temporary file and hard-linked into place, so two processes starting at once agree on one key.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from django.conf import settings

from yimen.ledger.note import ALG_COSIGNATURE_V1, ALG_ED25519, Signer, Verifier

DEFAULT_WITNESS_NAME = "jiwei.chancheng.gov.cn/ledger-witness"


def log_origin() -> str:
    return settings.YIMEN_LEDGER_ORIGIN


def key_dir() -> Path:
    return Path(settings.YIMEN_LEDGER_KEY_DIR)


def witness_dir() -> Path:
    return Path(getattr(settings, "YIMEN_LEDGER_WITNESS_DIR", None) or key_dir() / "witness")


def witness_enabled() -> bool:
    return bool(getattr(settings, "YIMEN_LEDGER_WITNESS", False))


def witness_name() -> str:
    return getattr(settings, "YIMEN_LEDGER_WITNESS_NAME", None) or DEFAULT_WITNESS_NAME


def _write_private(path: Path, text: str) -> bool:
    """Create `path` with `text`, mode 0600, unless it exists. True if this call created it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mkstemp creates files 0600
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)


def _load_or_create(path: Path, name: str, alg: int) -> Signer:
    if not path.exists():
        _write_private(path, Signer.generate(name, alg).to_string() + "\n")
    signer = Signer.from_string(path.read_text())
    if signer.name != name:
        raise RuntimeError(f"{path} holds a key for {signer.name!r}, but this log is {name!r}")
    return signer


def log_signer() -> Signer:
    return _load_or_create(key_dir() / "log.key", log_origin(), ALG_ED25519)


def log_verifier() -> Verifier:
    return log_signer().verifier()


def witness_signer() -> Signer:
    return _load_or_create(witness_dir() / "witness.key", witness_name(), ALG_COSIGNATURE_V1)


def witness_state() -> dict | None:
    """{"size": n, "root": base64} of the last checkpoint the witness cosigned, or None."""
    path = witness_dir() / "witness.state"
    return json.loads(path.read_text()) if path.exists() else None


def witness_state_save(*, size: int, root_b64: str) -> None:
    path = witness_dir() / "witness.state"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w") as fh:
        json.dump({"size": size, "root": root_b64}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
