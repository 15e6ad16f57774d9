"""Appending, signing and witnessing, with the tamper, concurrency and crash behaviour issue 4 asks for."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection, transaction

from yimen.common import audit
from yimen.common.errors import Conflict, ValidationFailed
from yimen.ledger import auditor, bundle, canonical, keys, merkle, note, selectors, services, witness
from yimen.ledger.models import Checkpoint, Entry, Head, Node
from yimen.ledger.tests.conftest import append, leaves_from_entries

pytestmark = pytest.mark.django_db


def rebuild_tree_from_entries() -> None:
    """What an attacker with database access would do after editing an entry: recompute every hash."""
    Node.objects.all().delete()
    frontier = merkle.Frontier()
    nodes = []
    for h in leaves_from_entries():
        nodes += [Node(level=lv, index=ix, hash=x) for lv, ix, x in frontier.append(h)]
    Node.objects.bulk_create(nodes)
    Head.objects.filter(pk=1).update(size=frontier.size, frontier=frontier.to_bytes(), root=frontier.root())


# --- appending -----------------------------------------------------------------------------------------


def test_appends_get_consecutive_indexes_and_canonical_content(log):
    entry = services.entry_append(
        kind="case.accepted", subject="cases.case:42", actor="user:7", digest="ab" * 32
    )
    assert entry.index == log
    raw = Entry.objects.get(index=entry.index).canonical()
    fields = json.loads(raw)
    assert list(fields) == ["actor", "digest", "kind", "subject", "time"]
    assert fields["subject"] == "cases.case:42" and fields["time"].endswith("Z")
    assert b" " not in raw and canonical.entry_parse(raw) == fields


def test_audit_record_appends_through_the_ledger():
    before = selectors.log_size()
    entry = audit.record(
        kind="test.recorded", subject="registry.person:5", actor=None, content={"field": "phone"}
    )
    assert entry.index == before
    assert entry.digest == hashlib.sha256(b'{"field":"phone"}').hexdigest()
    assert entry.actor == "system"


def test_stored_root_equals_an_independent_recomputation(log):
    head = Head.objects.get()
    assert head.size == log == Entry.objects.count()
    assert bytes(head.root) == merkle.root_from_leaves(leaves_from_entries())
    assert selectors.root_at(size=7) == merkle.root_from_leaves(leaves_from_entries()[:7])


def test_an_append_is_a_few_small_writes(log, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # lock the head; write entry, nodes and head (one statement on PG)
        services.entry_append(kind="test.recorded", subject="s:1", actor="system", digest="")


def test_a_rolled_back_change_takes_its_entry_with_it(log):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.entry_append(kind="test.recorded", subject="s:1", actor="system", digest="")
        raise RuntimeError("the case change failed")
    assert services.entry_append(kind="test.recorded", subject="s:2", actor="system", digest="").index == log


@pytest.mark.parametrize(
    "field,value",
    [
        ("kind", "Bad Kind"),
        ("kind", ""),
        ("subject", ""),
        ("subject", "person 440604199001011234"),
        ("actor", "phone:13800138000"),
        ("digest", "not a digest!"),
        ("subject", "x" * 201),
    ],
)
def test_bad_or_personal_entries_are_refused_and_nothing_is_written(log, field, value):
    args = {"kind": "test.recorded", "subject": "s:1", "actor": "system", "digest": ""} | {field: value}
    with pytest.raises(ValidationFailed) as exc:
        services.entry_append(**args)
    assert exc.value.field == field
    assert selectors.log_size() == log == Entry.objects.count()


def test_single_appends_store_the_tree_the_reference_computes(log):
    """On PostgreSQL a single append is the server-side function of migration 0002: its entries, nodes,
    frontier and root must be exactly what the Python frontier computes from the entries."""
    append(70, subject="single.append:{i}")
    frontier = merkle.Frontier()
    for leaf in leaves_from_entries():
        frontier.append(leaf)
    head = Head.objects.get()
    assert (head.size, bytes(head.frontier), bytes(head.root)) == (
        frontier.size,
        frontier.to_bytes(),
        frontier.root(),
    )
    assert auditor.tree_audit().ok  # every stored node is the recomputed one


def test_a_batch_append_is_all_or_nothing(log):
    good = {"kind": "test.recorded", "subject": "s:1", "actor": "system", "digest": ""}
    with pytest.raises(ValidationFailed):
        services.entries_append(entries=[good, good | {"kind": "BAD"}])
    assert selectors.log_size() == log
    rows = services.entries_append(entries=[good] * 300)
    assert [r.index for r in rows] == list(range(log, log + 300))
    assert bytes(Head.objects.get().root) == merkle.root_from_leaves(leaves_from_entries())
    assert auditor.tree_audit().ok  # every node the batch wrote (COPY on PostgreSQL) is the recomputed one


# --- checkpoints ---------------------------------------------------------------------------------------


def test_a_checkpoint_is_signed_with_a_key_kept_outside_the_database(log, ledger_keys):
    checkpoint = services.checkpoint_sign()
    cp, opened = note.checkpoint_open(checkpoint.note(), keys.log_verifier())
    assert (cp.size, cp.root, cp.origin) == (log, bytes(Head.objects.get().root), keys.log_origin())
    key_file = ledger_keys / "keys" / "log.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_text().startswith(f"PRIVATE+KEY+{keys.log_origin()}+")
    assert services.checkpoint_sign() == checkpoint  # unchanged tree: no second signature
    append(1)
    assert services.checkpoint_sign().size == log + 1


def test_a_different_root_is_never_signed_at_a_signed_size(log):
    services.checkpoint_sign()
    Entry.objects.filter(index=3).update(subject="test.thing:rewritten")
    rebuild_tree_from_entries()
    with pytest.raises(Conflict, match="同一大小"):
        services.checkpoint_sign()
    assert Checkpoint.objects.count() == 1


def test_a_rewritten_history_is_not_signed_at_a_larger_size(log):
    services.checkpoint_sign()
    Entry.objects.filter(index=3).update(subject="test.thing:rewritten")
    append(2)
    rebuild_tree_from_entries()
    with pytest.raises(Conflict, match="不一致"):
        services.checkpoint_sign()


def test_stored_nodes_that_disagree_with_the_head_are_not_signed(log):
    level, index = merkle.root_plan(log)[0]
    Node.objects.filter(level=level, index=index).update(hash=b"\x00" * 32)
    with pytest.raises(Conflict, match="head root"):
        services.checkpoint_sign()


def test_a_key_file_for_another_log_is_refused(log, settings):
    services.checkpoint_sign()
    settings.YIMEN_LEDGER_ORIGIN = "other.example/log"
    with pytest.raises(RuntimeError, match="holds a key for"):
        keys.log_signer()


# --- the witness ---------------------------------------------------------------------------------------


def test_the_witness_cosigns_after_checking_consistency(log, settings):
    settings.YIMEN_LEDGER_WITNESS = True
    first = services.checkpoint_sign()
    append(5)
    second = services.checkpoint_sign()
    for cp in (first, second):
        log_key, witness_key = (note.Verifier.from_vkey(v) for v in selectors.public_keys())
        _, opened = note.checkpoint_open(cp.note(), log_key, witnesses=(witness_key,))
        assert opened.verified_by == (keys.log_origin(), keys.witness_name())
    assert witness.last_seen() == (second.size, bytes(second.root))


def _signed(size: int, root: bytes) -> str:
    body = note.Checkpoint(origin=keys.log_origin(), size=size, root=root).text()
    return body + "\n" + keys.log_signer().signature_line(body)


def test_the_witness_refuses_forks_rollbacks_and_bad_proofs(log, settings):
    settings.YIMEN_LEDGER_WITNESS = True
    cp = services.checkpoint_sign()
    log_key = keys.log_verifier()
    with pytest.raises(witness.WitnessRefused, match="fork"):
        witness.cosign(signed_note=_signed(cp.size, b"\x01" * 32), proof=[], log=log_key)
    with pytest.raises(witness.WitnessRefused, match="larger tree"):
        witness.cosign(
            signed_note=_signed(cp.size - 1, selectors.root_at(size=cp.size - 1)), proof=[], log=log_key
        )
    append(3)
    new_root = bytes(Head.objects.get().root)
    with pytest.raises(witness.WitnessRefused, match="consistency"):
        witness.cosign(signed_note=_signed(cp.size + 3, new_root), proof=[b"\x02" * 32] * 3, log=log_key)
    stranger = note.Signer.generate(keys.log_origin())
    body = note.Checkpoint(origin=keys.log_origin(), size=cp.size + 3, root=new_root).text()
    with pytest.raises(witness.WitnessRefused, match="log signature"):
        witness.cosign(signed_note=body + "\n" + stranger.signature_line(body), proof=[], log=log_key)
    assert witness.last_seen() == (cp.size, bytes(cp.root))


# --- receipts ------------------------------------------------------------------------------------------


def test_an_inclusion_bundle_verifies_offline_and_catches_changes(log):
    data = json.loads(json.dumps(selectors.inclusion_bundle(5)))
    check = bundle.bundle_verify(data, note.Verifier.from_vkey(data["public_keys"][0]))
    assert check.index == 5 and check.tree_size == log
    forged = data | {"entry": data["entry"].replace('"subject":"', '"subject":"x')}
    with pytest.raises(ValueError):
        bundle.bundle_verify(forged, keys.log_verifier())
    with pytest.raises(ValueError):
        bundle.bundle_verify(data | {"index": 6}, keys.log_verifier())


def test_a_bundle_cannot_be_signed_inside_an_open_transaction(log):
    with transaction.atomic():
        entry = services.entry_append(kind="test.recorded", subject="s:1", actor="system", digest="")
        with pytest.raises(Conflict, match="事务提交后"):
            selectors.inclusion_bundle(entry.index)


# --- tamper detection ----------------------------------------------------------------------------------


def test_the_audit_passes_on_an_untouched_log(log):
    services.checkpoint_sign()
    append(3)
    report = auditor.tree_audit(batch_size=7)
    assert report.ok, report.problem
    assert report.checked == log + 3 and report.checkpoints == 1


def test_an_entry_edited_in_the_database_is_named_by_its_index(log):
    with connection.cursor() as cursor:
        table = connection.ops.quote_name("ledger_entry")
        cursor.execute(
            f"UPDATE {table} SET actor = %s WHERE {connection.ops.quote_name('index')} = %s", ["user:99", 11]
        )
    report = auditor.tree_audit(batch_size=4)
    assert not report.ok
    assert report.first_bad_index == 11
    assert "leaf hash" in report.problem


def test_a_deleted_entry_and_an_edited_node_are_found(log):
    Node.objects.filter(level=2, index=1).update(hash=b"\x07" * 32)
    report = auditor.tree_audit()
    assert (report.first_bad_index, "(2, 1)" in report.problem) == (4, True)
    rebuild_tree_from_entries()
    Entry.objects.filter(index=9).delete()
    assert auditor.tree_audit().first_bad_index == 9


def test_a_fully_recomputed_forgery_is_caught_by_the_signed_checkpoint(log):
    services.checkpoint_sign()
    append(10)
    services.checkpoint_sign()
    Entry.objects.filter(index=log + 4).update(subject="test.thing:forged")
    rebuild_tree_from_entries()  # every stored hash now agrees with the forged entry
    report = auditor.tree_audit(batch_size=8)
    assert not report.ok
    assert report.first_bad_index == log  # somewhere after the last checkpoint that still matches
    assert f"size {log + 10}" in report.problem


# --- concurrency and crashes (real transactions) -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_or_leave_gaps():
    start = selectors.log_size()
    errors = []

    def worker(n: int) -> None:
        try:
            for i in range(15):
                try:
                    with transaction.atomic():
                        services.entry_append(
                            kind="test.recorded", subject=f"t{n}:{i}", actor="system", digest=""
                        )
                        if i % 5 == 4:
                            raise ValueError("this case change fails and rolls back")
                except ValueError:
                    pass
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    indexes = list(Entry.objects.order_by("index").values_list("index", flat=True))
    assert indexes == list(range(start + 4 * 12))  # 3 of every 15 rolled back, no gaps, no duplicates
    assert bytes(Head.objects.get().root) == merkle.root_from_leaves(leaves_from_entries())
    assert auditor.tree_audit().ok


CHILD = """
import os, sys, time
import django
django.setup()
from django.db import transaction
from yimen.ledger import services
print("ready", flush=True)
while True:
    with transaction.atomic():
        e = services.entry_append(kind="test.crash", subject="crash:1", actor="system", digest="")
        time.sleep(0.005)  # most of the time is spent inside an open transaction
    print(e.index, flush=True)
"""


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_mid_append_leaves_a_log_that_verifies_and_continues(tmp_path):
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "yimen.config.settings.base",
        "DATABASE_URL": _database_url(),
        "YIMEN_LEDGER_KEY_DIR": str(tmp_path / "child-keys"),
    }
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        committed = [int(child.stdout.readline()) for _ in range(25)]
        time.sleep(0.0237)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert committed == list(range(committed[0], committed[0] + 25))
    size = selectors.log_size()
    assert size >= committed[-1] + 1
    report = auditor.tree_audit()
    assert report.ok, report.problem
    entry = services.entry_append(kind="test.after_crash", subject="crash:2", actor="system", digest="")
    assert entry.index == size
    assert services.checkpoint_sign().size == size + 1
    assert auditor.tree_audit().ok
