"""Signed checkpoints in pure Python over `cryptography` (no Django): anyone can check a receipt with it.

- c2sp.org/tlog-checkpoint: origin line, decimal tree size, base64 root hash, optional extension lines.
- c2sp.org/signed-note: the note text, a blank line, then one line per signature,
  `— <key name> base64(key ID || signature)`; Ed25519 key ID = SHA-256(name || 0x0A || 0x01 || key)[:4].
- c2sp.org/tlog-cosignature: a witness's Ed25519 cosignature/v1 (algorithm byte 0x04), a timestamped
  signature over "cosignature/v1\\ntime <t>\\n" followed by the checkpoint text.
- Keys as strings in the golang.org/x/mod/sumdb/note encoding: verifier key `name+hhhhhhhh+base64(alg||key)`,
  signer key `PRIVATE+KEY+name+hhhhhhhh+base64(alg||seed)`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
_DASH = "\u2014"
_MAX_SIGNATURES = 100
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class NoteError(ValueError):
    """A note, checkpoint or key that is malformed or does not verify."""


def _b64decode(value: str, what: str) -> bytes:
    """Strict standard base64: also refuses non-zero padding bits, so each value has one spelling."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode() != value:
        raise NoteError(f"{what} is not in canonical base64")
    return raw


def _check_name(name: str) -> None:
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Signer:
    """An Ed25519 signing key with its name; `alg` 0x01 signs notes, 0x04 makes witness cosignatures."""

    name: str
    key: Ed25519PrivateKey
    alg: int = ALG_ED25519

    @classmethod
    def generate(cls, name: str, alg: int = ALG_ED25519) -> Signer:
        _check_name(name)
        return cls(name=name, key=Ed25519PrivateKey.generate(), alg=alg)

    @classmethod
    def from_string(cls, value: str) -> Signer:
        parts = value.strip().split("+", 4)  # base64 key data may itself contain "+"
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("signer key must look like PRIVATE+KEY+name+hash+data")
        name, raw = parts[2], _b64decode(parts[4], "signer key data")
        _check_name(name)
        if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("signer key data must be an algorithm byte and a 32-byte Ed25519 seed")
        signer = cls(name=name, key=Ed25519PrivateKey.from_private_bytes(raw[1:]), alg=raw[0])
        if parts[3] != signer.key_id.hex():
            raise NoteError("signer key hash does not match its name and key")
        return signer

    @property
    def public_key(self) -> bytes:
        return self.key.public_key().public_bytes_raw()

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.alg, self.public_key)

    def to_string(self) -> str:
        seed = base64.b64encode(bytes([self.alg]) + self.key.private_bytes_raw()).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{seed}"

    def vkey(self) -> str:
        """The public verifier key string to publish."""
        data = base64.b64encode(bytes([self.alg]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{data}"

    def verifier(self) -> Verifier:
        return Verifier.from_vkey(self.vkey())

    def signature_line(self, text: str, *, timestamp: int | None = None) -> str:
        """One `— name signature` line (with its newline) over the note text."""
        _check_text(text)
        if self.alg == ALG_COSIGNATURE_V1:
            ts = int(time.time()) if timestamp is None else timestamp
            message = f"cosignature/v1\ntime {ts}\n{text}".encode()
            payload = struct.pack(">Q", ts) + self.key.sign(message)
        else:
            payload = self.key.sign(text.encode())
        return f"{_DASH} {self.name} {base64.b64encode(self.key_id + payload).decode()}\n"


@dataclass(frozen=True)
class Verifier:
    name: str
    key_id: bytes
    key: Ed25519PublicKey
    alg: int = ALG_ED25519

    @classmethod
    def from_vkey(cls, value: str) -> Verifier:
        parts = value.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("verifier key must look like name+hash+data")
        name, hash_hex, raw = parts[0], parts[1], _b64decode(parts[2], "verifier key data")
        _check_name(name)
        if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("verifier key data must be an algorithm byte and a 32-byte Ed25519 key")
        kid = key_id(name, raw[0], raw[1:])
        if hash_hex != kid.hex():
            raise NoteError("verifier key hash does not match its name and key")
        return cls(name=name, key_id=kid, key=Ed25519PublicKey.from_public_bytes(raw[1:]), alg=raw[0])

    def verify(self, text: str, payload: bytes) -> int | None:
        """True signature -> its timestamp (cosignatures) or 0; a bad one -> None."""
        try:
            if self.alg == ALG_COSIGNATURE_V1:
                if len(payload) != 8 + 64:
                    return None
                (ts,) = struct.unpack(">Q", payload[:8])
                self.key.verify(payload[8:], f"cosignature/v1\ntime {ts}\n{text}".encode())
                return ts
            self.key.verify(payload, text.encode())
            return 0
        except InvalidSignature:
            return None


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    payload: bytes  # the signature after the 4-byte key ID
    line: str


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]
    verified_by: tuple[str, ...] = ()  # key names whose signatures verified


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if _CONTROL.search(text):
        raise NoteError("note text must not contain control characters other than newline")


def note_parse(signed: str) -> Note:
    """Split a signed note into its text and signature lines (nothing verified yet)."""
    split = signed.rfind("\n\n")
    if split < 0:
        raise NoteError("signed note has no blank line before its signatures")
    text, rest = signed[: split + 1], signed[split + 2 :]
    _check_text(text)
    if not rest.endswith("\n"):
        raise NoteError("signed note must end with a newline")
    signatures = []
    for line in rest[:-1].split("\n"):
        if not line.startswith(_DASH + " "):
            raise NoteError(f"malformed signature line {line[:40]!r}")
        name, _, data = line[2:].partition(" ")
        _check_name(name)
        raw = _b64decode(data, "signature")
        if len(raw) < 5:
            raise NoteError("signature is too short")
        signatures.append(Signature(name=name, key_id=raw[:4], payload=raw[4:], line=line + "\n"))
    if not signatures:
        raise NoteError("signed note has no signatures")
    if len(signatures) > _MAX_SIGNATURES:
        raise NoteError("signed note has too many signatures")
    return Note(text=text, signatures=tuple(signatures))


def note_verify(signed: str, verifiers: list[Verifier]) -> Note:
    """Parse and verify: every signature by a known key must verify, and at least one must be known."""
    note = note_parse(signed)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified = []
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if verifier.verify(note.text, sig.payload) is None:
            raise NoteError(f"signature by {sig.name} does not verify")
        verified.append(sig.name)
    if not verified:
        raise NoteError("no signature by a known key")
    return Note(text=note.text, signatures=note.signatures, verified_by=tuple(verified))


def note_sign(text: str, signers: list[Signer]) -> str:
    return text + "\n" + "".join(s.signature_line(text) for s in signers)


@dataclass(frozen=True)
class Checkpoint:
    """A tlog-checkpoint body: the log's origin, the tree size and its root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "\n".join(lines) + "\n"


def checkpoint_parse(text: str) -> Checkpoint:
    _check_text(text)
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("checkpoint needs an origin, a size and a root hash line")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise NoteError("checkpoint origin line is empty")
    if not re.fullmatch(r"0|[1-9][0-9]*", size_text):
        raise NoteError(f"checkpoint size {size_text[:40]!r} is not a decimal number")
    root = _b64decode(root_text, "checkpoint root hash")
    if len(root) != 32:
        raise NoteError("checkpoint root hash is not 32 bytes")
    if any(not line for line in extensions):
        raise NoteError("checkpoint extension lines must not be empty")
    return Checkpoint(origin=origin, size=int(size_text), root=root, extensions=tuple(extensions))


def checkpoint_open(
    signed: str, log: Verifier, *, witnesses: tuple[Verifier, ...] = (), origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """Verify a signed checkpoint and parse its body. The log's own signature is required; witness
    cosignatures that are present must verify and are listed in `note.verified_by`. With `origin`, the
    checkpoint must claim to be that log."""
    note = note_verify(signed, [log, *witnesses])
    if log.name not in note.verified_by:
        raise NoteError(f"checkpoint is not signed by the log key {log.name}")
    checkpoint = checkpoint_parse(note.text)
    if checkpoint.origin != (origin or log.name):
        raise NoteError(f"checkpoint is for {checkpoint.origin!r}, expected {origin or log.name!r}")
    return checkpoint, note
