"""The verifier against every RFC 6962/9162 vector from transparency-dev/merkle (tests/vectors/SOURCE.md),
and the proof planning over stored subtrees against the recursive definitions of RFC 9162."""

import ast
import base64
import json
from pathlib import Path

import pytest

from yimen.ledger import merkle

VECTORS = Path(__file__).parent / "vectors"
INCLUSION = sorted(VECTORS.glob("inclusion/**/*.json"))
CONSISTENCY = sorted(VECTORS.glob("consistency/**/*.json"))
# The eight classic RFC 6962 test leaves (transparency-dev/merkle cmd/proofgen).
CLASSIC = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
CLASSIC_LEAVES = [merkle.leaf_hash(x) for x in CLASSIC]


def _b(value: str) -> bytes:
    return base64.b64decode(value)


def _name(path: Path) -> str:
    return str(path.relative_to(VECTORS))


def test_every_vector_folder_is_there():
    assert len(INCLUSION) == 98 and len(CONSISTENCY) == 98
    assert (
        sum(json.loads(p.read_text())["wantErr"] for p in INCLUSION + CONSISTENCY) == 184
    )  # and 12 that must verify


@pytest.mark.parametrize("path", INCLUSION, ids=_name)
def test_inclusion_vector(path):
    v = json.loads(path.read_text())

    def check():
        merkle.verify_inclusion(
            index=v["leafIdx"],
            tree_size=v["treeSize"],
            leaf=_b(v["leafHash"]),
            proof=[_b(p) for p in v["proof"] or []],
            root=_b(v["root"]),
        )

    if v["wantErr"]:
        with pytest.raises(merkle.ProofError):
            check()
    else:
        check()


@pytest.mark.parametrize("path", CONSISTENCY, ids=_name)
def test_consistency_vector(path):
    v = json.loads(path.read_text())

    def check():
        merkle.verify_consistency(
            size1=v["size1"],
            size2=v["size2"],
            root1=_b(v["root1"]),
            root2=_b(v["root2"]),
            proof=[_b(p) for p in v["proof"] or []],
        )

    if v["wantErr"]:
        with pytest.raises(merkle.ProofError):
            check()
    else:
        check()


@pytest.mark.parametrize("folder", ["1", "2", "3", "4"])
def test_reference_paths_reproduce_the_happy_path_vectors(folder):
    inc = json.loads((VECTORS / "inclusion" / folder / "happy-path.json").read_text())
    leaves = CLASSIC_LEAVES[: inc["treeSize"]]
    assert merkle.root_from_leaves(leaves) == _b(inc["root"])
    assert leaves[inc["leafIdx"]] == _b(inc["leafHash"])
    assert merkle.inclusion_path(inc["leafIdx"], leaves) == [_b(p) for p in inc["proof"]]
    con = json.loads((VECTORS / "consistency" / folder / "happy-path.json").read_text())
    assert merkle.consistency_path(con["size1"], CLASSIC_LEAVES[: con["size2"]]) == [
        _b(p) for p in con["proof"]
    ]


def test_empty_tree_root_is_the_hash_of_nothing():
    assert (
        merkle.root_from_leaves([]).hex()
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_stored_subtree_plans_give_the_rfc_proofs_for_every_index_and_size():
    leaves = [merkle.leaf_hash(b"entry %d" % i) for i in range(45)]
    frontier, nodes = merkle.Frontier(), {}
    for n, h in enumerate(leaves, start=1):
        nodes.update({(lv, ix): x for lv, ix, x in frontier.append(h)})
        root = merkle.root_from_leaves(leaves[:n])
        assert frontier.root() == root
        assert merkle.fold([nodes[c] for c in merkle.root_plan(n)]) == root
        for i in range(n):
            proof = [merkle.fold([nodes[c] for c in part]) for part in merkle.inclusion_plan(i, n)]
            assert proof == merkle.inclusion_path(i, leaves[:n])
        for m in range(1, n + 1):
            proof = [merkle.fold([nodes[c] for c in part]) for part in merkle.consistency_plan(m, n)]
            assert proof == merkle.consistency_path(m, leaves[:n])


def test_a_frontier_survives_serialisation():
    frontier = merkle.Frontier()
    for i in range(11):
        frontier.append(merkle.leaf_hash(bytes([i])))
    again = merkle.Frontier.from_bytes(11, frontier.to_bytes())
    assert again.root() == frontier.root()
    with pytest.raises(ValueError):
        merkle.Frontier.from_bytes(12, frontier.to_bytes())


def test_an_unaligned_range_is_refused():
    with pytest.raises(ValueError):
        merkle.perfect_subtrees(1, 5)


@pytest.mark.parametrize("module", ["merkle", "note", "canonical", "bundle"])
def test_the_offline_verifier_modules_import_no_django(module):
    tree = ast.parse((Path(merkle.__file__).parent / f"{module}.py").read_text())
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.startswith("django")]
