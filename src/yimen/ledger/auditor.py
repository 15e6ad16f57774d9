"""The full audit: recompute the whole tree from the stored entries and compare it with everything stored.

Streams the log in batches (keyset pages on the index, O(batch) memory) and checks, in index order:
each entry is present (no gaps), its canonical bytes hash to the stored leaf, every perfect subtree the
recomputation completes equals the stored node, every signed checkpoint's signature holds and its root is
the recomputed root at that size, and the head matches at the end. The first mismatch stops the audit and
names the entry index where it starts: an entry edited in the database is found by its own index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from yimen.ledger import canonical, keys, merkle, note
from yimen.ledger.models import Checkpoint, Entry, Head, Node


@dataclass
class AuditReport:
    size: int  # entries the head says there are
    checked: int = 0  # entries recomputed before stopping
    checkpoints: int = 0  # signed checkpoints matched
    first_bad_index: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


class _Stop(Exception):
    def __init__(self, index: int | None, problem: str):
        super().__init__(problem)
        self.index, self.problem = index, problem


def tree_audit(*, batch_size: int = 5000, progress: Callable[[int], None] | None = None) -> AuditReport:
    head = Head.objects.filter(pk=1).first()
    report = AuditReport(size=head.size if head else 0)
    verifier = keys.log_verifier()
    frontier = merkle.Frontier()
    try:
        while frontier.size < report.size:
            start = frontier.size
            end = min(start + batch_size, report.size)
            _audit_batch(frontier, start, end, verifier, report)
            report.checked = frontier.size
            if progress:
                progress(end - start)
        _audit_end(frontier, head, report)
    except _Stop as stop:
        report.first_bad_index, report.problem = stop.index, stop.problem
    return report


def _audit_batch(frontier: merkle.Frontier, start: int, end: int, verifier: note.Verifier, report) -> None:
    rows = Entry.objects.filter(index__gte=start, index__lt=end).order_by("index")
    rows = rows.values_list("index", "kind", "subject", "actor", "time", "digest")
    stored = _stored_nodes(start, end)
    signed = _signed_roots(start, end, verifier)
    expected = start
    for index, kind, subject, actor, time, digest in rows.iterator(chunk_size=2000):
        if index != expected:
            raise _Stop(expected, f"第 {expected} 条记录缺失 (entry {expected} is missing)")
        raw = canonical.entry_bytes(kind=kind, subject=subject, actor=actor, time=time, digest=digest)
        for level, node_index, h in frontier.append(merkle.leaf_hash(raw)):
            if stored.get((level, node_index)) != h:
                first = node_index << level
                if level == 0:
                    raise _Stop(
                        index,
                        f"第 {index} 条记录内容与其叶哈希不符 (entry {index} no longer matches its leaf hash)",
                    )
                raise _Stop(
                    first,
                    f"树节点 ({level}, {node_index}) 与重算结果不符 (stored tree node differs; leaves from {first})",
                )
        expected += 1
        if expected in signed:
            if signed[expected] != frontier.root():
                raise _Stop(
                    _previous_checkpoint(expected),
                    f"大小为 {expected} 的签名检查点与重算的根不符 (signed root at size {expected} differs: "
                    "entries and their hashes were rewritten after signing)",
                )
            report.checkpoints += 1
    if expected != end:
        raise _Stop(expected, f"第 {expected} 条记录缺失 (entry {expected} is missing)")


def _stored_nodes(start: int, end: int) -> dict[merkle.Coord, bytes]:
    """Every stored node that leaves [start, end) complete: at level l, indexes [start >> l, end >> l)."""
    where = Q()
    for level in range(end.bit_length() + 1):
        lo, hi = start >> level, end >> level
        if hi > lo:
            where |= Q(level=level, index__gte=lo, index__lt=hi)
    rows = Node.objects.filter(where).values_list("level", "index", "hash")
    return {(lv, ix): bytes(h) for lv, ix, h in rows.iterator(chunk_size=5000)}


def _signed_roots(start: int, end: int, verifier: note.Verifier) -> dict[int, bytes]:
    """Roots of the checkpoints in (start, end], read from their signed bodies after checking the signature."""
    out = {}
    for cp in Checkpoint.objects.filter(size__gt=start, size__lte=end).order_by("size"):
        try:
            body, _ = note.checkpoint_open(cp.body + "\n" + cp.signature, verifier)
        except note.NoteError as exc:
            raise _Stop(None, f"大小为 {cp.size} 的检查点签名无效 (checkpoint {cp.size}: {exc})") from exc
        if body.size != cp.size:
            raise _Stop(None, f"检查点 {cp.size} 的正文大小为 {body.size} (checkpoint row and body disagree)")
        out[cp.size] = body.root
    return out


def _previous_checkpoint(size: int) -> int:
    prev = Checkpoint.objects.filter(size__lt=size).order_by("-size").values_list("size", flat=True).first()
    return prev or 0


def _audit_end(frontier: merkle.Frontier, head: Head | None, report: AuditReport) -> None:
    extra = (
        Entry.objects.filter(index__gte=report.size).order_by("index").values_list("index", flat=True).first()
    )
    if extra is not None:
        raise _Stop(
            extra, f"第 {extra} 条记录超出账本头 (entry {extra} lies beyond the head size {report.size})"
        )
    stale = head is not None and (bytes(head.frontier), bytes(head.root)) != (
        frontier.to_bytes(),
        frontier.root(),
    )
    if head is not None and head.size and stale:
        raise _Stop(None, "账本头与重算的树不符 (head frontier or root differs from the recomputed tree)")
