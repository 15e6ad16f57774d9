"""Use cases that write the ledger: append entries, sign checkpoints, have the witness cosign them.

An append locks the single `Head` row (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's IMMEDIATE
transactions already hold the write lock), so the next index is handed out to one transaction at a time
and the tree never forks; the lock is held until the caller's transaction ends, and a rollback takes the
entry back with the change it recorded, leaving no gap. The work under the lock is O(log n): one entry row,
the leaf and the perfect subtrees it completes (one on average, at most log2 n), one head update.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from yimen.common.errors import Conflict, NotFound, ValidationFailed
from yimen.ledger import canonical, keys, merkle, note, selectors, store, tiles, witness
from yimen.ledger.models import Checkpoint, Cosignature, Entry, Head

_KIND = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")
_DIGEST = re.compile(r"[0-9A-Za-z:+/=_-]{0,128}")
# Resident ID numbers and mobile numbers: personal data that must never be written into an entry.
_PERSONAL = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx]|1[3-9][0-9]{9})(?![0-9])")


def _check(*, kind: str, subject: str, actor: str, digest: str) -> None:
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise ValidationFailed(
            f"留痕类型无效 {kind!r} (kind: lower-case dotted name, at most 64 chars)", field="kind"
        )
    for name, value, limit in (("subject", subject, 200), ("actor", actor, 64)):
        if not isinstance(value, str) or not value or len(value) > limit or not value.isprintable():
            raise ValidationFailed(f"{name} 无效 (1..{limit} printable chars)", field=name)
        if _PERSONAL.search(value):
            raise ValidationFailed(
                f"{name} 不得包含个人信息 (no ID or phone numbers in a ledger entry)", field=name
            )
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise ValidationFailed("内容摘要无效 (digest: hex or base64, at most 128 chars)", field="digest")


def _head_for_update() -> tuple[int, bytes]:
    """Lock the head row; returns (size, frontier)."""
    head = store.head_lock()
    if head is None:
        if Entry.objects.exists():
            raise Conflict("账本头记录缺失 (the ledger head row is missing while entries exist; restore it)")
        Head.objects.bulk_create([Head(pk=1)], ignore_conflicts=True)  # two first appends: one row
        head = store.head_lock()
    return head


def entry_append(*, kind: str, subject: str, actor: str, digest: str) -> Entry:
    """Append one entry in the caller's transaction; the returned entry carries its `.index`."""
    return entries_append(entries=[{"kind": kind, "subject": subject, "actor": actor, "digest": digest}])[0]


def entries_append(*, entries: Iterable[Mapping[str, str]]) -> list[Entry]:
    """Append several entries under one lock (imports, batch jobs). Each mapping has kind, subject, actor,
    digest. All or nothing: one invalid entry rejects the batch, before anything is written, so the
    caller's transaction stays usable."""
    items = [
        {"kind": e["kind"], "subject": e["subject"], "actor": e["actor"], "digest": e.get("digest") or ""}
        for e in entries
    ]
    for item in items:
        _check(**item)
    return _append(items) if items else []


# savepoint=False: nested in the caller's transaction, a failed write must fail the change it records.
@transaction.atomic(savepoint=False)
def _append(items: list[dict[str, str]]) -> list[Entry]:
    # Leaf hashes do not depend on the index: computed before the lock, so it is held for less time.
    # An entry's time is when it was recorded, before any wait for the lock; the index orders the log.
    now = timezone.now()
    stamp = canonical.format_time(now)  # one time for the batch: formatted once, not per entry
    leaves = [merkle.leaf_hash(canonical.entry_bytes(time=stamp, **item)) for item in items]
    db = transaction.get_connection()
    alias = db.alias
    if len(items) == 1 and db.vendor == "postgresql":
        item = items[0]
        index = store.append_one(leaves[0], item["kind"], item["subject"], item["actor"], now, item["digest"])
        if index is not None:
            entry = Entry(index, item["kind"], item["subject"], item["actor"], now, item["digest"])
            entry._state.adding, entry._state.db = False, alias
            return [entry]
    size, raw_frontier = _head_for_update()
    frontier = merkle.Frontier.from_bytes(size, raw_frontier)
    values, nodes = [], []
    for item, leaf in zip(items, leaves, strict=True):
        values.append((frontier.size, item["kind"], item["subject"], item["actor"], now, item["digest"]))
        nodes.extend(frontier.append(leaf))
    store.append_write(values, nodes, size=frontier.size, frontier=frontier.to_bytes(), root=frontier.root())
    rows = [Entry(*value) for value in values]  # positional: the model's field order, and faster
    for entry in rows:
        entry._state.adding, entry._state.db = False, alias
    return rows


def checkpoint_current(*, covering: int = 0) -> Checkpoint:
    """The latest signed checkpoint, or a new one when the latest does not cover `covering` entries, or
    when the log has grown and the latest is older than YIMEN_LEDGER_CHECKPOINT_INTERVAL seconds (default
    10: readers polling a busy log do not add a checkpoint per request). Signing runs in its own
    transaction (see `checkpoint_sign`), so this is not wrapped in one."""
    interval = float(getattr(settings, "YIMEN_LEDGER_CHECKPOINT_INTERVAL", 10))
    latest = selectors.checkpoint_latest()
    if latest is not None and latest.size >= covering:
        age = (timezone.now() - latest.created_at).total_seconds()
        if age < interval or selectors.log_size() == latest.size:
            return latest
    if covering > selectors.log_size():
        raise NotFound(gettext("账本只有 %(size)d 条记录") % {"size": selectors.log_size()})
    return checkpoint_sign()


@transaction.atomic(durable=True)
def checkpoint_sign() -> Checkpoint:
    """Sign the current tree head, or return the latest checkpoint if the tree has not grown.

    Durable: it runs in a transaction of its own, so what it signs is committed before the signature
    leaves this function (a rolled-back append can never be under a published signature). Before signing
    it checks the stored tree against the last signed checkpoint (consistency proof) and its own nodes;
    a tree that was rewritten is refused, and a root different from one already signed at the same size
    is never signed.
    """
    size, raw_frontier = _head_for_update()  # appends wait a moment; the tree cannot move while we sign
    root = merkle.Frontier.from_bytes(size, raw_frontier).root()
    if size and merkle.fold(selectors.node_hashes(merkle.root_plan(size), ordered=True)) != root:
        raise Conflict(f"存储的树与头记录不一致 (stored nodes do not give the head root at size {size})")
    latest = Checkpoint.objects.order_by("-size").first()
    if latest is not None:
        if size < latest.size:
            raise Conflict(f"账本比已签名检查点短 (tree size {size} < signed size {latest.size})")
        if size == latest.size:
            if bytes(latest.root) != root:
                raise Conflict(
                    f"拒绝在同一大小 {size} 签署不同的根 (a different root was signed at this size)"
                )
            return latest
        if latest.size > 0:
            try:
                merkle.verify_consistency(
                    size1=latest.size,
                    size2=size,
                    root1=bytes(latest.root),
                    root2=root,
                    proof=selectors.consistency_proof(size1=latest.size, size2=size),
                )
            except merkle.ProofError as exc:
                raise Conflict(
                    f"账本与上一个签名检查点不一致 (not consistent with checkpoint {latest.size}: {exc})"
                ) from exc
    signer = keys.log_signer()
    body = note.Checkpoint(origin=signer.name, size=size, root=root).text()
    checkpoint = Checkpoint.objects.create(
        size=size, root=root, body=body, signature=signer.signature_line(body)
    )
    if keys.witness_enabled():
        checkpoint_cosign(checkpoint=checkpoint)
    return checkpoint


@transaction.atomic
def checkpoint_cosign(*, checkpoint: Checkpoint) -> Cosignature:
    """Ask the witness to cosign `checkpoint`. It first checks the log's signature and a consistency
    proof from the last checkpoint it cosigned; anything else raises Conflict and nothing is stored."""
    existing = checkpoint.cosignatures.filter(witness=keys.witness_name()).first()
    if existing is not None:
        return existing
    seen = witness.last_seen()
    proof: list[bytes] = []
    if seen is not None and 0 < seen[0] < checkpoint.size:
        proof = selectors.consistency_proof(size1=seen[0], size2=checkpoint.size)
    try:
        line = witness.cosign(signed_note=checkpoint.note(), proof=proof, log=keys.log_verifier())
    except witness.WitnessRefused as exc:
        raise Conflict(f"见证方拒绝联署 (witness refused to cosign: {exc})") from exc
    return Cosignature.objects.create(checkpoint=checkpoint, witness=keys.witness_name(), line=line)


def tiles_fill(*, full: bool = False) -> tuple[int, int]:
    """Write every complete tile the tile file lacks or has wrong, from the stored leaves (see `tiles`);
    returns (tiles written, complete tiles in the log). Reads the leaves of 64 tiles per query, and only
    where a tile is missing. A process checks each tile once: later calls start where its last one
    ended, unless `full` (after a restore, say; proofs never use a wrong tile either way)."""
    tile_file = tiles.for_alias(connection.alias)
    if tile_file is None:
        raise Conflict(gettext("未配置账本瓦片目录 (YIMEN_LEDGER_TILE_DIR)"))
    if connection.in_atomic_block:
        raise RuntimeError("tiles are filled from committed nodes: call this outside a transaction")
    complete = selectors.log_size() // tiles.WIDTH
    written, chunk = 0, 64
    for first in range(0 if full else min(tile_file.checked, complete), complete, chunk):
        last = min(first + chunk, complete)
        roots = dict(store.node_rows_at_level(tiles.HEIGHT, first, last))
        leaves: list[bytes] | None = None
        for tile in range(first, last):
            if tile_file.verified(tile, roots.get(tile)) is not None:
                continue
            if leaves is None:
                leaves = store.leaf_range(first * tiles.WIDTH, last * tiles.WIDTH)
            part = leaves[(tile - first) * tiles.WIDTH : (tile - first + 1) * tiles.WIDTH]
            if tile in roots and tiles.build(tile_file, tile, part, roots[tile]):
                written += 1
        tile_file.checked = last
    return written, complete
