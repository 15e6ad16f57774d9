"""Property tests: for random sizes and indexes, proofs from the store verify against roots computed
independently from the leaves, and a one-bit change anywhere (entry, proof, root, checkpoint) is caught."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yimen.ledger import canonical, keys, merkle, note, selectors, services
from yimen.ledger.models import Entry

PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def flip(value: bytes, bit: int) -> bytes:
    bit %= len(value) * 8
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def tree(n: int) -> tuple[list[bytes], dict]:
    leaves = [merkle.leaf_hash(b"leaf %d" % i) for i in range(n)]
    frontier, nodes = merkle.Frontier(), {}
    for h in leaves:
        nodes.update({(lv, ix): x for lv, ix, x in frontier.append(h)})
    return leaves, nodes


@st.composite
def size_and_index(draw, max_size=600):
    size = draw(st.integers(1, max_size))
    return size, draw(st.integers(0, size - 1))


@PROPERTY
@given(size_and_index(), st.integers(0, 2**16))
def test_inclusion_from_stored_subtrees_verifies_and_every_bit_matters(case, bit):
    size, index = case
    leaves, nodes = tree(size)
    proof = [merkle.fold([nodes[c] for c in part]) for part in merkle.inclusion_plan(index, size)]
    root = merkle.root_from_leaves(leaves)
    merkle.verify_inclusion(index=index, tree_size=size, leaf=leaves[index], proof=proof, root=root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(
            index=index, tree_size=size, leaf=flip(leaves[index], bit), proof=proof, root=root
        )
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(
            index=index, tree_size=size, leaf=leaves[index], proof=proof, root=flip(root, bit)
        )
    if proof:
        i = bit % len(proof)
        bad = [*proof[:i], flip(proof[i], bit // len(proof)), *proof[i + 1 :]]
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index=index, tree_size=size, leaf=leaves[index], proof=bad, root=root)


@PROPERTY
@given(size_and_index(), st.integers(1, 600), st.integers(0, 2**16))
def test_consistency_from_stored_subtrees_verifies_and_every_bit_matters(case, extra, bit):
    size1, _ = case
    size2 = size1 + extra
    leaves, nodes = tree(size2)
    proof = [merkle.fold([nodes[c] for c in part]) for part in merkle.consistency_plan(size1, size2)]
    assert proof == merkle.consistency_path(size1, leaves)
    root1, root2 = merkle.root_from_leaves(leaves[:size1]), merkle.root_from_leaves(leaves)
    merkle.verify_consistency(size1=size1, size2=size2, root1=root1, root2=root2, proof=proof)
    for r1, r2 in ((flip(root1, bit), root2), (root1, flip(root2, bit))):
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(size1=size1, size2=size2, root1=r1, root2=r2, proof=proof)
    i = bit % len(proof)
    bad = [*proof[:i], flip(proof[i], bit // len(proof)), *proof[i + 1 :]]
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(size1=size1, size2=size2, root1=root1, root2=root2, proof=bad)


@pytest.mark.django_db
def test_proofs_from_the_database_verify_against_roots_recomputed_from_the_entries():
    services.entries_append(
        entries=[
            {"kind": "test.recorded", "subject": f"s:{i}", "actor": "system", "digest": ""}
            for i in range(150)
        ]
    )
    entries = [e.canonical() for e in Entry.objects.order_by("index")]
    leaves = [merkle.leaf_hash(raw) for raw in entries]
    size = len(leaves)

    @PROPERTY
    @given(st.integers(1, size), st.data(), st.integers(0, 2**16))
    def check(tree_size, data, bit):
        index = data.draw(st.integers(0, tree_size - 1))
        root = merkle.root_from_leaves(leaves[:tree_size])  # independent of the stored tree
        assert selectors.root_at(size=tree_size) == root
        proof = selectors.inclusion_proof(index=index, tree_size=tree_size)
        merkle.verify_inclusion(index=index, tree_size=tree_size, leaf=leaves[index], proof=proof, root=root)
        tampered = merkle.leaf_hash(flip(entries[index], bit))
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index=index, tree_size=tree_size, leaf=tampered, proof=proof, root=root)
        size1 = data.draw(st.integers(1, tree_size))
        merkle.verify_consistency(
            size1=size1,
            size2=tree_size,
            root1=merkle.root_from_leaves(leaves[:size1]),
            root2=root,
            proof=selectors.consistency_proof(size1=size1, size2=tree_size),
        )

    check()


@pytest.mark.django_db
def test_every_one_bit_change_in_a_signed_checkpoint_is_caught():
    services.entries_append(
        entries=[{"kind": "test.recorded", "subject": "s:1", "actor": "system", "digest": ""}]
    )
    signed = services.checkpoint_sign().note().encode()
    verifier = keys.log_verifier()
    note.checkpoint_open(signed.decode(), verifier)
    for bit in range(len(signed) * 8):  # exhaustive: every bit of the note
        try:
            changed = flip(signed, bit).decode()
        except UnicodeDecodeError:
            continue  # no longer text at all
        with pytest.raises(note.NoteError):
            note.checkpoint_open(changed, verifier)


@PROPERTY
@given(st.text(max_size=40), st.text(max_size=40), st.datetimes(timezones=st.just(dt.UTC)))
def test_canonical_entries_round_trip(subject, actor, time):
    raw = canonical.entry_bytes(kind="k", subject=subject, actor=actor, time=time, digest="")
    assert canonical.entry_parse(raw)["subject"] == subject
