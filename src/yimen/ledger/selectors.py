"""Reads of the ledger: entries, roots and proofs from the stored tree, checkpoints, receipt bundles.

Every proof is one query for O(log n) perfect-subtree hashes (see `merkle.inclusion_plan`), never a pass
over the leaves.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from django.db import connection
from django.utils.translation import gettext as _

from yimen.common.errors import Conflict, NotFound, ValidationFailed
from yimen.ledger import keys, merkle, nodecache, store
from yimen.ledger.models import Checkpoint, Entry, Head

BUNDLE_FORMAT = "yimen-ledger-bundle/v1"


def b64(value: bytes) -> str:
    return base64.b64encode(bytes(value)).decode()


def log_size() -> int:
    """The current number of entries (committed ones, on PostgreSQL)."""
    head = Head.objects.filter(pk=1).values_list("size", flat=True).first()
    return head or 0


def entry_get(*, index: int) -> Entry:
    entry = Entry.objects.filter(index=index).first() if index >= 0 else None
    if entry is None:
        raise NotFound(_("没有序号为 %(index)d 的留痕记录") % {"index": index}, field="index")
    return entry


def entries_for_subject(*, subject: str, limit: int = 50) -> list[Entry]:
    """The most recent entries about one subject (`cases.case:42`), newest first."""
    return list(Entry.objects.filter(subject=subject).order_by("-index")[:limit])


def entries_recent(*, limit: int = 50) -> list[Entry]:
    return list(Entry.objects.order_by("-index")[:limit])


def _nodes(coords: list[merkle.Coord]) -> dict[merkle.Coord, bytes]:
    return {(lv, ix): h for lv, ix, h in store.node_rows(coords)}


def _nodes_from_level(level: int) -> dict[merkle.Coord, bytes]:
    return {(lv, ix): h for lv, ix, h in store.node_rows_from_level(level)}


def node_hashes(coords: Sequence[merkle.Coord], *, ordered: bool = False):
    """Stored hashes of the given perfect subtrees, a dict or a list in `coords` order: the upper levels
    from the process's cache of committed nodes (`nodecache`), the rest in one query."""
    cache, committed = nodecache.for_alias(connection.alias), not connection.in_atomic_block
    if committed and cache.warm_from is None:
        cache.warm(log_size(), _nodes_from_level, _nodes)
    found = cache.lookup(coords, _nodes, committed=committed)
    if len(found) != len(set(coords)):
        missing = sorted(set(coords) - found.keys())[:3]
        raise Conflict(f"账本树节点缺失 (tree nodes missing: {missing}); run `yimen ledger verify --audit`")
    return [found[c] for c in coords] if ordered else found


def _nodes_for(coords: list[merkle.Coord], size: int, field: str) -> dict[merkle.Coord, bytes]:
    """Nodes for a proof at tree size `size`; the last leaf is fetched too, which proves the log is that
    large without a separate query. Missing nodes are the caller's mistake when `size` exceeds the log."""
    try:
        return node_hashes([*coords, (0, size - 1)])
    except Conflict:
        current = log_size()
        if size > current:
            raise ValidationFailed(
                _("%(field)s 超过当前账本大小 %(size)d") % {"field": field, "size": current}, field=field
            ) from None
        raise


def root_at(*, size: int) -> bytes:
    """The root hash of the tree at an earlier (or the current) size."""
    return merkle.fold(node_hashes(merkle.root_plan(size), ordered=True)) if size else merkle.EMPTY_ROOT


def inclusion_proof_and_leaf(*, index: int, tree_size: int) -> tuple[bytes, list[bytes]]:
    """The leaf hash at `index` and its RFC 9162 inclusion proof in the tree of `tree_size`."""
    if index < 0:
        raise ValidationFailed(_("index 不能为负数"), field="index")
    if tree_size < 1:
        raise ValidationFailed(_("tree_size 必须是正整数"), field="tree_size")
    if index >= tree_size:
        raise ValidationFailed(_("index 必须小于 tree_size %(size)d") % {"size": tree_size}, field="index")
    plan = merkle.inclusion_plan(index, tree_size)
    found = _nodes_for([c for part in plan for c in part] + [(0, index)], tree_size, "tree_size")
    return found[(0, index)], [merkle.fold([found[c] for c in part]) for part in plan]


def inclusion_proof(*, index: int, tree_size: int) -> list[bytes]:
    return inclusion_proof_and_leaf(index=index, tree_size=tree_size)[1]


def consistency_proof(*, size1: int, size2: int) -> list[bytes]:
    """The RFC 9162 proof that the tree of `size2` extends the tree of `size1`."""
    for field, value in (("from", size1), ("to", size2)):
        if value < 1:
            raise ValidationFailed(_("%(field)s 必须是正整数") % {"field": field}, field=field)
    if size1 > size2:
        raise ValidationFailed(_("from 不能大于 to"), field="from")
    plan = merkle.consistency_plan(size1, size2)
    found = _nodes_for([c for part in plan for c in part], size2, "to")
    return [merkle.fold([found[c] for c in part]) for part in plan]


def checkpoint_latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def checkpoint_get(*, size: int) -> Checkpoint:
    checkpoint = Checkpoint.objects.filter(size=size).first()
    if checkpoint is None:
        raise NotFound(_("没有大小为 %(size)d 的签名检查点") % {"size": size}, field="size")
    return checkpoint


def public_keys() -> list[str]:
    """Verifier keys to publish: the log's first, then the witness's when one is configured."""
    out = [keys.log_signer().vkey()]
    if keys.witness_enabled():
        out.append(keys.witness_signer().vkey())
    return out


def entry_view(entry: Entry) -> dict:
    """An entry as the API and bundles show it: the canonical text, its fields and its leaf hash."""
    raw = entry.canonical()
    return {
        "index": entry.index,
        "entry": raw.decode(),
        "fields": {
            "kind": entry.kind,
            "subject": entry.subject,
            "actor": entry.actor,
            "time": entry.time.isoformat(),
            "digest": entry.digest,
        },
        "leaf_hash": b64(merkle.leaf_hash(raw)),
    }


def inclusion_bundle(index: int) -> dict:
    """What a case receipt or a certificate page embeds so anyone can verify the record offline:
    the entry, its inclusion proof, and the signed checkpoint the proof leads to.

    Uses the latest signed checkpoint; if that does not cover `index` yet, a new one is signed, which
    must happen outside a transaction (call this after the change has committed, e.g. from
    `transaction.on_commit` or when rendering the receipt). Check it with `yimen ledger verify --bundle`.
    """
    from yimen.ledger import services

    entry = entry_get(index=index)
    try:
        checkpoint = services.checkpoint_current(covering=index + 1)
    except RuntimeError as exc:  # signing is durable: not possible inside the caller's transaction
        raise Conflict(_("该记录尚未纳入签名检查点，请在事务提交后获取")) from exc
    view = entry_view(entry)
    return {
        "format": BUNDLE_FORMAT,
        "index": index,
        "entry": view["entry"],
        "leaf_hash": view["leaf_hash"],
        "tree_size": checkpoint.size,
        "proof": [b64(h) for h in inclusion_proof(index=index, tree_size=checkpoint.size)],
        "checkpoint": checkpoint.note(),
        "public_keys": public_keys(),
    }
