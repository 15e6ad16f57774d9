"""`yimen ledger checkpoint | public-key | verify ...` as an operator or outside auditor runs them."""

import base64
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yimen.ledger import selectors, services
from yimen.ledger.models import Entry
from yimen.ledger.tests.conftest import append

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("ledger", *args, stdout=out)
    return out.getvalue()


def fails(*args) -> str:
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert exc.value.returncode == 1
    return str(exc.value)


def test_checkpoint_prints_the_signed_note(log):
    out = run("checkpoint")
    assert out.splitlines()[1] == str(log)
    assert "\n\n\u2014 " in out


def test_public_key_prints_the_verifier_key(log):
    assert run("public-key").strip() == selectors.public_keys()[0]


def test_verify_a_saved_checkpoint_with_the_published_key(log, tmp_path):
    saved = tmp_path / "cp.txt"
    saved.write_text(run("checkpoint"))
    key = tmp_path / "key.txt"
    key.write_text(run("public-key"))
    assert "✓" in run("verify", "--checkpoint", str(saved), "--key", str(key))
    saved.write_text(saved.read_text().replace(f"\n{log}\n", f"\n{log + 1}\n"))
    assert "检查点签名验证失败" in fails("verify", "--checkpoint", str(saved))


def test_verify_consistency_against_an_older_checkpoint(log, tmp_path):
    old = tmp_path / "old.txt"
    old.write_text(run("checkpoint"))
    append(6)
    new = tmp_path / "new.txt"
    new.write_text(run("checkpoint"))
    out = run("verify", "--checkpoint", str(new), "--against", str(old))
    assert f"{log} -> {log + 6}" in out
    assert "一致性已验证" in run("verify", "--against", str(old))  # against the latest signed checkpoint


def test_verify_an_entry_and_a_receipt_bundle(log, tmp_path):
    assert "entry 8 in tree" in run("verify", "--entry", "8")
    data = selectors.inclusion_bundle(8)
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(data))
    assert "✓" in run("verify", "--bundle", str(receipt))
    proof = base64.b64decode(data["proof"][1])
    data["proof"][1] = base64.b64encode(bytes([proof[0] ^ 1]) + proof[1:]).decode()
    receipt.write_text(json.dumps(data))
    assert "包含性验证失败" in fails("verify", "--bundle", str(receipt))
    assert "没有序号为 99999" in fails("verify", "--entry", "99999")


def test_audit_passes_and_then_names_the_tampered_index(log):
    services.checkpoint_sign()
    assert f"{log} entries" in run("verify", "--audit")
    Entry.objects.filter(index=12).update(digest="0" * 64)
    message = fails("verify", "--audit", "--batch-size", "5")
    assert "index 12" in message


def test_verify_without_a_check_or_with_a_missing_file_is_an_error(log):
    with pytest.raises(CommandError):
        run("verify")
    with pytest.raises(CommandError, match="无法读取"):
        run("verify", "--checkpoint", "/nonexistent/cp.txt")
