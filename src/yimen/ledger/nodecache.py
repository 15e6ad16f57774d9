"""The upper levels of the stored tree, kept in process memory: a proof reads only its lowest levels.

A proof at tree size n needs about log2(n) perfect-subtree hashes. Fetched from the database they are
log2(n) index probes scattered over a node table that, at 10 million entries, is 20 million rows; the
probes for the upper levels are the ones that miss the database's buffers. But a stored node never changes
once its transaction has committed (the tree is append-only: node (l, i) is the hash of leaves
[i * 2^l, (i + 1) * 2^l), all of them already in the log), so every process can keep what it has read.
Levels from `YIMEN_LEDGER_NODE_CACHE_LEVEL` up (default 8: one node per 256 leaves, about n / 128 nodes in
all, ~12 MB at 10 million entries) are cached; the lower levels, which grow with every append, are not.

Only committed nodes may enter: a node read inside a transaction may be that transaction's own
uncommitted write and could be rolled back, so reads inside an atomic block are not cached. A node table
that was replaced under a running process (a test database flushed and refilled, a restore from backup) is
noticed through the first leaf, which every lookup reads with its misses: when it differs from the one the
cache was filled against, the cache starts over.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from django.conf import settings

from yimen.ledger.merkle import Coord

FIRST_LEAF: Coord = (0, 0)
MAX_NODES = 400_000  # ~60 MB; a log of ~50 million entries fits, a larger one starts over when full
MAX_EDGE = 4096  # lower-level nodes of incomplete tiles (see `tiles`): a few per tree size proofs ask for


class UpperNodes:
    """One database's committed upper-level nodes: {(level, index): hash}."""

    def __init__(self, min_level: int) -> None:
        self.min_level = min_level
        self.nodes: dict[Coord, bytes] = {}
        self.first_leaf: bytes | None = None
        self.warm_from: int | None = None  # levels loaded whole, when the cache was warmed
        self.known_size = 0  # a tree size known to be committed: proofs up to it may skip the database
        self.checked_at = float("-inf")  # monotonic time of the last `recheck`
        self.edge: dict[Coord, bytes] = {}  # committed nodes below `min_level` that tiles can't give
        self._lock = threading.Lock()

    def warm(
        self,
        size: int,
        load: Callable[[int], dict[Coord, bytes]],
        fetch: Callable[[list[Coord]], dict[Coord, bytes]],
    ) -> None:
        """Load every stored node from the lowest level that fits (`min_level` unless the log is too
        large for MAX_NODES): random proofs then find all their upper levels in memory at once, instead
        of each missing a different node until the cache has filled itself."""
        level = self.min_level
        while (size >> level) * 2 > MAX_NODES:
            level += 1
        loaded = load(level)
        first = fetch([FIRST_LEAF]).get(FIRST_LEAF)
        with self._lock:
            self.nodes.clear()
            self.edge.clear()
            self.nodes.update(loaded)
            self.first_leaf, self.warm_from, self.known_size = first, level, size

    def lookup(
        self,
        coords: Sequence[Coord],
        fetch: Callable[[list[Coord]], dict[Coord, bytes]],
        *,
        committed: bool,
    ) -> dict[Coord, bytes]:
        """Hashes of `coords`: cached ones from memory, the rest (and the first leaf) in one `fetch`.
        `committed` says whether what `fetch` returns is committed (read outside any transaction)."""
        found = {c: self.nodes[c] for c in coords if c in self.nodes}
        missing = [c for c in dict.fromkeys(coords) if c not in found]
        fetched = fetch(list(dict.fromkeys([*missing, FIRST_LEAF])))
        first = fetched.get(FIRST_LEAF)
        if first != self.first_leaf and (self.nodes or found):  # not the tree cached: start over
            self.clear()
            if found:
                return self.lookup(coords, fetch, committed=committed)
        if committed and first is not None:
            with self._lock:
                if len(self.nodes) > MAX_NODES:
                    self.nodes.clear()
                self.first_leaf = first
                self.nodes.update((c, h) for c, h in fetched.items() if c[0] >= self.min_level)
        wanted = set(missing)
        found.update((c, h) for c, h in fetched.items() if c in wanted)
        return found

    def recheck(self, size: int, first: bytes | None, now: float) -> None:
        """The log's committed size and first leaf, just read: start over if the log is not the one
        cached (another first leaf, or fewer entries than already seen: a restore), else note the size."""
        if (first != self.first_leaf and self.first_leaf is not None) or size < self.known_size:
            self.clear()
        with self._lock:
            self.first_leaf = first
            self.known_size, self.checked_at = size, now

    def saw(self, size: int, edge: dict[Coord, bytes]) -> None:
        """A proof at `size` was read outside any transaction: that size is committed, and the nodes
        below `min_level` it used from the incomplete right edge may be kept."""
        with self._lock:
            self.known_size = max(self.known_size, size)
            if len(self.edge) + len(edge) > MAX_EDGE:
                self.edge.clear()
            self.edge.update(edge)

    def clear(self) -> None:
        with self._lock:
            self.nodes.clear()
            self.edge.clear()
            self.first_leaf, self.warm_from = None, None
            self.known_size, self.checked_at = 0, float("-inf")


_caches: dict[str, UpperNodes] = {}


def for_alias(alias: str) -> UpperNodes:
    cache = _caches.get(alias)
    if cache is None:
        level = int(getattr(settings, "YIMEN_LEDGER_NODE_CACHE_LEVEL", 8))
        cache = _caches.setdefault(alias, UpperNodes(level))
    return cache


def clear_all() -> None:
    for cache in _caches.values():
        cache.clear()
