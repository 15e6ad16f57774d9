"""Reads of the ledger: entries, roots and proofs from the stored tree, checkpoints, receipt bundles.

Every proof is one query for O(log n) perfect-subtree hashes (see `merkle.inclusion_plan`), never a pass
over the leaves.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from yimen.common.errors import Conflict, NotFound, ValidationFailed
from yimen.ledger import keys, merkle, nodecache, store, tiles
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


def _tiles_ready(cache: nodecache.UpperNodes, size: int) -> bool:
    """Whether tiles may answer for the tree at `size`: the process's view of the log is fresh enough
    (re-read every YIMEN_LEDGER_TILE_RECHECK_SECONDS) and `size` is known to be committed."""
    now = time.monotonic()
    if now - cache.checked_at >= settings.YIMEN_LEDGER_TILE_RECHECK_SECONDS:
        cache.recheck(*store.size_and_first_leaf(), now)
    if cache.warm_from is None:
        cache.warm(cache.known_size, _nodes_from_level, _nodes)
    return size <= cache.known_size


def _nodes_for(coords: list[merkle.Coord], size: int, field: str) -> dict[merkle.Coord, bytes]:
    """Nodes for a proof at tree size `size`: from memory and tiles when they have them all (see
    `tiles`), else from the database, with the last leaf too, which proves the log is that large without
    a separate query. Missing nodes are the caller's mistake when `size` exceeds the log."""
    tile_file = None if connection.in_atomic_block else tiles.for_alias(connection.alias)
    cache = nodecache.for_alias(connection.alias)
    look = tiles.Lookup()
    if tile_file is not None:
        ready = _tiles_ready(cache, size)
        look = tiles.lookup(cache, tile_file, coords, size, read=ready)
        if ready and look.complete:
            return look.found
    # With the roots of complete tiles not cached yet, so that the next proofs there can use the tiles.
    roots = [(tiles.HEIGHT, tile) for tile in look.unrooted]
    try:
        found = node_hashes([*coords, (0, size - 1), *roots])
    except Conflict:
        current = log_size()
        if size > current:
            raise ValidationFailed(
                _("%(field)s 超过当前账本大小 %(size)d") % {"field": field, "size": current}, field=field
            ) from None
        raise
    if tile_file is not None:
        cache.saw(size, {c: found[c] for c in look.edge})
        # Tiles this proof could not use are written from the stored leaves: at most two per proof,
        # `yimen ledger tiles` does the rest.
        for tile in [*look.stale, *look.unrooted][:2]:
            root = cache.nodes.get((tiles.HEIGHT, tile))
            if root is not None and tile_file.verified(tile, root) is None:
                leaves = store.leaf_range(tile * tiles.WIDTH, (tile + 1) * tiles.WIDTH)
                tiles.build(tile_file, tile, leaves, root)
    return found


def root_at(*, size: int) -> bytes:
    """The root hash of the tree at an earlier (or the current) size."""
    if not size:
        return merkle.EMPTY_ROOT
    plan = merkle.root_plan(size)
    found = _nodes_for(plan, size, "size")
    return merkle.fold([found[c] for c in plan])


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


def tile_hashes(*, level: int, index: int, width: int) -> bytes:
    """C2SP tlog-tiles: the hashes of tree level 8 * `level` from 256 * `index` on, `width` of them
    (256 for a full tile), concatenated. A tile exists once the log has all its hashes."""
    height = tiles.HEIGHT * level
    if not 0 <= height < 64:
        raise NotFound(_("没有第 %(level)d 层瓦片") % {"level": level}, field="level")
    start = index * tiles.WIDTH
    if start + width > log_size() >> height:
        raise NotFound(_("该瓦片尚未完整 (the log does not have this tile yet)"), field="index")
    tile_file = None if connection.in_atomic_block else tiles.for_alias(connection.alias)
    if level == 0 and width == tiles.WIDTH and tile_file is not None:
        cache = nodecache.for_alias(connection.alias)
        if _tiles_ready(cache, start + width):
            hashes = tile_file.verified(index, cache.nodes.get((tiles.HEIGHT, index)))
            if hashes is not None:
                return b"".join(hashes[0])
    rows = store.node_rows_at_level(height, start, start + width)
    if len(rows) != width:
        raise Conflict(
            f"账本树节点缺失 (tree nodes missing at level {height}); run `yimen ledger verify --audit`"
        )
    return b"".join(h for _i, h in rows)


def entry_bundle(*, index: int, width: int) -> bytes:
    """C2SP tlog-tiles entry bundle: entries [256 * index, + width) as their canonical bytes, each after
    its length as a big-endian uint16."""
    start = index * tiles.WIDTH
    if start + width > log_size():
        raise NotFound(_("该瓦片尚未完整 (the log does not have this tile yet)"), field="index")
    entries = list(Entry.objects.filter(index__gte=start, index__lt=start + width).order_by("index"))
    if len(entries) != width:
        raise Conflict("账本记录缺失 (entries missing); run `yimen ledger verify --audit`")
    out = bytearray()
    for entry in entries:
        raw = entry.canonical()
        out += len(raw).to_bytes(2, "big") + raw
    return bytes(out)


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
