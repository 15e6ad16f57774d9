"""Offline check of an inclusion bundle (what receipts embed), in pure Python (no Django).

    {"format": "yimen-ledger-bundle/v1", "index": 41, "entry": "{...canonical JSON...}",
     "leaf_hash": "base64", "tree_size": 57, "proof": ["base64", ...], "checkpoint": "signed note"}

The verifier key must come from somewhere the verifier trusts (the published key), not from the bundle.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from yimen.ledger import canonical, merkle
from yimen.ledger.note import Verifier, checkpoint_open

FORMAT = "yimen-ledger-bundle/v1"


@dataclass(frozen=True)
class BundleCheck:
    index: int
    tree_size: int
    entry: dict[str, str]
    verified_by: tuple[str, ...]  # the log, then any witnesses whose cosignatures verified


def _decode(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode() != value:
        raise ValueError(f"{what} is not in canonical base64")
    return raw


def bundle_verify(bundle: dict, log: Verifier, *, witnesses: tuple[Verifier, ...] = ()) -> BundleCheck:
    """Raise ValueError (NoteError, ProofError) unless the entry is in the log under a valid signature."""
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} bundle")
    index, size = bundle.get("index"), bundle.get("tree_size")
    if not isinstance(index, int) or not isinstance(size, int):
        raise ValueError("index and tree_size must be integers")
    checkpoint, note = checkpoint_open(str(bundle.get("checkpoint", "")), log, witnesses=witnesses)
    if checkpoint.size != size:
        raise ValueError(f"bundle says tree_size {size}, its checkpoint says {checkpoint.size}")
    raw = str(bundle.get("entry", "")).encode()
    fields = canonical.entry_parse(raw)
    leaf = merkle.leaf_hash(raw)
    if "leaf_hash" in bundle and _decode(bundle["leaf_hash"], "leaf_hash") != leaf:
        raise ValueError("leaf_hash is not the hash of the entry")
    proof = [_decode(p, "proof hash") for p in bundle.get("proof") or []]
    merkle.verify_inclusion(index=index, tree_size=size, leaf=leaf, proof=proof, root=checkpoint.root)
    return BundleCheck(index=index, tree_size=size, entry=fields, verified_by=note.verified_by)
