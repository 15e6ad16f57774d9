"""Signed notes, checkpoints and cosignatures as C2SP and golang.org/x/mod/sumdb/note define them."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yimen.ledger import note

ROOT = hashlib.sha256(b"root").digest()


def test_checkpoint_text_is_origin_size_root():
    cp = note.Checkpoint(origin="example.gov.cn/ledger", size=42, root=ROOT)
    assert cp.text() == f"example.gov.cn/ledger\n42\n{base64.b64encode(ROOT).decode()}\n"
    assert note.checkpoint_parse(cp.text()) == cp


@pytest.mark.parametrize(
    "text",
    [
        "a\n01\n" + base64.b64encode(ROOT).decode() + "\n",
        "a\n1\nAAAA\n",
        "a\n1\n",
        "\n1\nAAAA\n",
        "a\n-1\nx\n",
        "a\n1\n" + base64.b64encode(ROOT).decode(),
    ],
)
def test_malformed_checkpoints_are_refused(text):
    with pytest.raises(note.NoteError):
        note.checkpoint_parse(text)


def test_key_id_follows_the_signed_note_spec():
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    signer = note.Signer(name="example.gov.cn/ledger", key=key)
    public = key.public_key().public_bytes_raw()
    assert signer.key_id == hashlib.sha256(b"example.gov.cn/ledger\n\x01" + public).digest()[:4]
    vkey = signer.vkey()
    data = base64.b64encode(b"\x01" + public).decode()
    assert vkey == f"example.gov.cn/ledger+{signer.key_id.hex()}+{data}"
    assert note.Verifier.from_vkey(vkey).key_id == signer.key_id
    assert note.Signer.from_string(signer.to_string()).public_key == public


def test_a_signed_note_verifies_and_any_change_is_caught():
    signer = note.Signer.generate("example.gov.cn/ledger")
    text = note.Checkpoint(origin=signer.name, size=7, root=ROOT).text()
    signed = note.note_sign(text, [signer])
    assert signed.startswith(text + "\n\u2014 example.gov.cn/ledger ")
    cp, opened = note.checkpoint_open(signed, signer.verifier())
    assert (cp.size, cp.root, opened.verified_by) == (7, ROOT, ("example.gov.cn/ledger",))
    with pytest.raises(note.NoteError):
        note.checkpoint_open(signed.replace("\n7\n", "\n8\n"), signer.verifier())
    with pytest.raises(note.NoteError):  # someone else's key
        note.checkpoint_open(signed, note.Signer.generate("example.gov.cn/ledger").verifier())
    with pytest.raises(note.NoteError):  # a different log
        note.checkpoint_open(signed, signer.verifier(), origin="other.example/log")


def test_a_witness_cosignature_is_timestamped_and_verifies():
    log = note.Signer.generate("example.gov.cn/ledger")
    witness = note.Signer.generate("witness.example/w1", note.ALG_COSIGNATURE_V1)
    text = note.Checkpoint(origin=log.name, size=3, root=ROOT).text()
    signed = text + "\n" + log.signature_line(text) + witness.signature_line(text, timestamp=1700000000)
    cp, opened = note.checkpoint_open(signed, log.verifier(), witnesses=(witness.verifier(),))
    assert opened.verified_by == (log.name, witness.name)
    sig = opened.signatures[1]
    assert sig.key_id == hashlib.sha256(b"witness.example/w1\n\x04" + witness.public_key).digest()[:4]
    assert int.from_bytes(sig.payload[:8], "big") == 1700000000
    assert witness.verifier().verify(text, sig.payload) == 1700000000
    assert witness.verifier().verify(text.replace("3", "4"), sig.payload) is None


def test_a_note_without_the_log_signature_is_refused():
    log = note.Signer.generate("example.gov.cn/ledger")
    witness = note.Signer.generate("witness.example/w1", note.ALG_COSIGNATURE_V1)
    text = note.Checkpoint(origin=log.name, size=3, root=ROOT).text()
    with pytest.raises(note.NoteError):
        note.checkpoint_open(
            text + "\n" + witness.signature_line(text), log.verifier(), witnesses=(witness.verifier(),)
        )


@pytest.mark.parametrize("name", ["", "has space", "a+b"])
def test_bad_key_names_are_refused(name):
    with pytest.raises(note.NoteError):
        note.Signer.generate(name)


# Known answer from the documentation of golang.org/x/mod/sumdb/note, the reference implementation.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_signing_matches_the_go_reference_byte_for_byte():
    signer = note.Signer.from_string(GO_SKEY)
    assert signer.vkey() == GO_VKEY
    assert note.note_sign(GO_TEXT, [signer]) == GO_NOTE
    assert note.note_verify(GO_NOTE, [note.Verifier.from_vkey(GO_VKEY)]).verified_by == ("PeterNeumann",)
