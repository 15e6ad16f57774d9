"""RFC 9162 Merkle trees in pure Python (no Django): hashing, proof verification, and proof planning.

    leaf hash  = SHA-256(0x00 || entry bytes)
    node hash  = SHA-256(0x01 || left || right)
    empty root = SHA-256("")

The verifiers follow RFC 9162 section 2.1.3.2 (inclusion) and 2.1.4.2 (consistency) step by step, so a
receipt can be checked anywhere with this file and `hashlib` alone. `inclusion_path` and
`consistency_path` are the recursive definitions of sections 2.1.3.1 and 2.1.4.1 over a list of leaf
hashes: the independent reference the stored tree is tested against.

A stored tree keeps the hash of every perfect subtree, keyed by (level, index): level 0 holds the leaf
hashes, node (l, i) covers leaves [i * 2^l, (i + 1) * 2^l). Every hash a proof needs is either such a node
or the right-border hash of an unbalanced range, which folds from O(log n) of them. `inclusion_plan`,
`consistency_plan` and `root_plan` say which nodes; `fold` combines them. `Frontier` is the right border
of a growing tree: appending a leaf touches O(log n) hashes and says which new nodes to store.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Coord = tuple[int, int]  # (level, index) of a perfect subtree


class ProofError(ValueError):
    """A proof, root or hash that does not verify. The message says which check failed."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly smaller than `size` (size > 1): where RFC 9162 splits a tree."""
    return 1 << ((size - 1).bit_length() - 1)


def _same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(bytes(a), bytes(b))


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


# --- Verification (RFC 9162 2.1.3.2 and 2.1.4.2) -------------------------------------------------------


def verify_inclusion(*, index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise ProofError unless `proof` shows the leaf hash `leaf` at `index` in the tree `root` of `tree_size`."""
    if not 0 <= index < tree_size:
        raise ProofError(f"index {index} is outside a tree of size {tree_size}")
    if len(leaf) != HASH_SIZE:
        raise ProofError(f"leaf hash has {len(leaf)} bytes, not {HASH_SIZE}")
    _check_hash_sizes(proof)
    fn, sn = index, tree_size - 1
    r = bytes(leaf)
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    if not _same(r, root):
        raise ProofError("inclusion proof does not lead to the root hash")


def verify_consistency(*, size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """Raise ProofError unless `proof` shows the tree (size2, root2) extends the tree (size1, root1)."""
    if size1 < 0 or size2 < size1:
        raise ProofError(f"size2 ({size2}) is smaller than size1 ({size1})")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise ProofError("sizes are equal, so the proof must be empty")
        if not _same(root1, root2):
            raise ProofError("sizes are equal but the roots differ")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    _check_hash_sizes(proof)
    path = list(proof)
    if _is_power_of_two(size1):
        path.insert(0, bytes(root1))
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the tree is deep")
    if not _same(fr, root1):
        raise ProofError("consistency proof does not lead to the first root")
    if not _same(sr, root2):
        raise ProofError("consistency proof does not lead to the second root")


def _check_hash_sizes(hashes: Iterable[bytes]) -> None:
    for i, h in enumerate(hashes):
        if len(h) != HASH_SIZE:
            raise ProofError(f"proof hash {i} has {len(h)} bytes, not {HASH_SIZE}")


# --- Reference definitions over all leaf hashes (RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1) ----------------------


def root_from_leaves(leaves: Iterable[bytes]) -> bytes:
    """MTH over the leaf hashes, streaming: O(n) time, O(log n) memory."""
    frontier = Frontier()
    for h in leaves:
        frontier.append(h)
    return frontier.root()


def _mth(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf `index`, bottom up."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"index {index} is outside a tree of size {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_path(index, leaves[:k]), _mth(leaves[k:])]
    return [*inclusion_path(index - k, leaves[k:]), _mth(leaves[:k])]


def consistency_path(size1: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) for 0 < m <= n."""
    if not 0 < size1 <= len(leaves):
        raise ValueError(f"size1 {size1} is outside 1..{len(leaves)}")
    return _subproof(size1, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [_mth(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), _mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), _mth(leaves[:k])]


# --- Planning proofs over stored perfect subtrees ------------------------------------------------------


def perfect_subtrees(start: int, end: int) -> list[Coord]:
    """The perfect subtrees that make up leaves [start, end), largest (leftmost) first.

    `start` must be aligned the way RFC 9162 splits leave it: a multiple of the largest subtree.
    """
    out: list[Coord] = []
    pos, width = start, end - start
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            if pos % (1 << level):
                raise ValueError(f"range [{start}, {end}) is not aligned at level {level}")
            out.append((level, pos >> level))
            pos += 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine the hashes of `perfect_subtrees(...)` into the hash of the whole range (right to left)."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_plan(size: int) -> list[Coord]:
    return perfect_subtrees(0, size)


def inclusion_plan(index: int, size: int) -> list[list[Coord]]:
    """For each hash of PATH(index, D[size]) in order, the stored subtrees that fold into it."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    return [perfect_subtrees(a, b) for a, b in reversed(ranges)]


def consistency_plan(size1: int, size2: int) -> list[list[Coord]]:
    """For each hash of PROOF(size1, D[size2]) in order, the stored subtrees that fold into it."""
    if not 0 < size1 <= size2:
        raise ValueError(f"need 0 < size1 <= size2, got {size1}, {size2}")
    ranges: list[tuple[int, int]] = []
    lo, hi, complete = 0, size2, True
    while True:
        if size1 - lo == hi - lo:
            if not complete:
                ranges.append((lo, hi))
            break
        k = _split(hi - lo)
        if size1 - lo <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            complete = False
    return [perfect_subtrees(a, b) for a, b in reversed(ranges)]


@dataclass
class Frontier:
    """The right border of a tree: one perfect-subtree hash per set bit of `size`, largest first."""

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the perfect subtrees it completes as (level, index, hash), leaf first."""
        index = self.size
        created = [(0, index, leaf)]
        h, level = leaf, 0
        while index >> level & 1:
            h = node_hash(self.hashes.pop(), h)
            level += 1
            created.append((level, index >> level, h))
        self.hashes.append(h)
        self.size += 1
        return created

    def root(self) -> bytes:
        return fold(self.hashes)

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size: int, raw: bytes) -> Frontier:
        count = size.bit_count()
        if len(raw) != count * HASH_SIZE:
            raise ValueError(f"frontier of a tree of size {size} needs {count} hashes, got {len(raw)} bytes")
        return cls(size=size, hashes=[bytes(raw[i : i + HASH_SIZE]) for i in range(0, len(raw), HASH_SIZE)])
