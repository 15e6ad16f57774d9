"""Complete tiles of 256 leaf hashes in a local file: most proofs without a database round trip.

At 10 million entries an inclusion proof needs about 24 perfect-subtree hashes. The upper ones (level 8
and up) are in every process's memory (`nodecache`); the lowest eight come from the 256 leaves around the
entry. Fetched from the database they cost one round trip, which on a busy 2-core VM is what a proof's
tail latency is made of. So every complete block of 256 leaves (a level-0 tile, as C2SP tlog-tiles
names it) is also kept in a flat file: tile t is 8,192 bytes at offset t * 8,192, the leaf hashes of
entries [256 t, 256 t + 256). Any hash of levels 0-7 inside the block is computed from it (255 SHA-256
calls, ~0.2 ms).

The file is a cache and is never trusted: a tile is used only when the root computed from it equals node
(8, t) from the process's cache of committed nodes, which came from the database. A tile that is missing
(the file is short, or has a hole of zeros where another process wrote a later tile first) or stale (a
database restored under it) fails that check, the proof is answered from the database, and the tile is
written afterwards from the leaves stored there. Tiles are written with `pwrite` at their own
offset, so processes writing the same tile at once write the same bytes. `yimen ledger tiles` fills
the file up to the log's last complete tile; the scheduler runs it every minute, and after its first
run (which checks every tile: ~7 s at 10 million entries) it looks only at the tiles added since.

A process answers from tiles only for tree sizes it knows are committed (`UpperNodes.known_size`), and
re-reads the log's size and first leaf at most every `YIMEN_LEDGER_TILE_RECHECK_SECONDS` (1 s; 0 in the
tests, whose databases are emptied between tests), so a database replaced under a running process is
noticed as it is by `nodecache`. Hashes of the last, incomplete block change as the log grows and are
not in the file; the few that proofs at a given size need are kept in memory (`UpperNodes.edge`).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections

from yimen.ledger import merkle
from yimen.ledger.merkle import Coord
from yimen.ledger.nodecache import UpperNodes

HEIGHT = 8  # levels per tile: a level-0 tile holds 2^8 leaf hashes and its root is node (8, t)
WIDTH = 1 << HEIGHT
TILE_BYTES = WIDTH * merkle.HASH_SIZE


def tile_of(coord: Coord) -> int:
    """The level-0 tile a node below level 8 lies in."""
    level, index = coord
    return index >> (HEIGHT - level)


def levels(raw: bytes) -> list[list[bytes]]:
    """Every perfect-subtree hash inside one tile: levels[l][j] is node (l, 256 t / 2^l + j) of tile t,
    and levels[8][0] is the tile's root. Siblings lie side by side in the buffer, so each node hashes one
    64-byte slice (a quarter faster than joining two hashes)."""
    size, sha256 = merkle.HASH_SIZE, hashlib.sha256
    out = [[raw[i : i + size] for i in range(0, len(raw), size)]]
    buffer = raw
    while len(buffer) > size:
        level = [sha256(b"\x01" + buffer[i : i + 2 * size]).digest() for i in range(0, len(buffer), 2 * size)]
        out.append(level)
        buffer = b"".join(level)
    return out


class TileFile:
    """One database's level-0 tiles, read and written at fixed offsets by any number of processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.checked = 0  # tiles [0, checked) were found or written correct by this process's last fill
        self._fd: int | None = None
        self._lock = threading.Lock()

    def _open(self) -> int:
        if self._fd is None:
            with self._lock:
                if self._fd is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        return self._fd

    def count(self) -> int:
        """How many tiles the file has room for (some may be holes or stale: reads are checked)."""
        return os.fstat(self._open()).st_size // TILE_BYTES

    def read(self, tile: int) -> bytes | None:
        raw = os.pread(self._open(), TILE_BYTES, tile * TILE_BYTES)
        return raw if len(raw) == TILE_BYTES else None

    def verified(self, tile: int, root: bytes | None) -> list[list[bytes]] | None:
        """The tile's hashes (`levels`) if the file has it and it hashes to `root`, node (8, t) as stored
        in the database; None otherwise (missing, a hole, stale, or no root to check against)."""
        raw = self.read(tile) if root is not None else None
        if raw is None:
            return None
        hashes = levels(raw)
        return hashes if hashes[HEIGHT][0] == root else None

    def write(self, tile: int, raw: bytes) -> None:
        if len(raw) != TILE_BYTES:
            raise ValueError(f"a tile is {TILE_BYTES} bytes, got {len(raw)}")
        os.pwrite(self._open(), raw, tile * TILE_BYTES)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


_files: dict[tuple, TileFile] = {}


def for_alias(alias: str) -> TileFile | None:
    """The tile file of a database connection, or None when tiles are switched off (no directory set)."""
    folder = getattr(settings, "YIMEN_LEDGER_TILE_DIR", None)
    if not folder:
        return None
    conn = connections[alias]
    params = conn.settings_dict
    key = (
        str(folder),
        conn.vendor,
        str(params.get("HOST") or ""),
        str(params.get("PORT") or ""),
        str(params["NAME"]),
    )
    tiles = _files.get(key)
    if tiles is None:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(key[4]).stem)[:40]
        digest = hashlib.sha256("|".join(key[1:]).encode()).hexdigest()[:10]
        tiles = _files.setdefault(key, TileFile(Path(folder) / f"{conn.vendor}-{name}-{digest}.tiles"))
    return tiles


@dataclass
class Lookup:
    """What memory and the tile file give for a proof's nodes, and what the database must."""

    found: dict[Coord, bytes] = field(default_factory=dict)
    complete: bool = False  # every node found
    edge: set[Coord] = field(default_factory=set)  # missing nodes of tiles incomplete at this size
    stale: list[int] = field(default_factory=list)  # complete tiles the file lacks or has wrong
    unrooted: list[int] = field(default_factory=list)  # complete tiles whose node (8, t) is not cached


def lookup(cache: UpperNodes, tiles: TileFile, coords: Sequence[Coord], size: int, *, read: bool) -> Lookup:
    """The hashes of `coords` (nodes of the tree at `size`) from memory, and from the tile file when
    `read` (the caller knows `size` is committed); each tile is read and checked once."""
    out = Lookup()
    checked: dict[int, list[list[bytes]] | None] = {}
    for coord in coords:
        level, index = coord
        known = (cache.nodes if level >= cache.min_level else cache.edge).get(coord)
        if known is not None:
            out.found[coord] = known
            continue
        if level >= HEIGHT or cache.min_level > HEIGHT:
            continue
        tile = tile_of(coord)
        if (tile + 1) * WIDTH > size:
            out.edge.add(coord)
            continue
        if tile not in checked:
            root = cache.nodes.get((HEIGHT, tile))
            checked[tile] = tiles.verified(tile, root) if read else None
            if root is None:
                out.unrooted.append(tile)
            elif read and checked[tile] is None:
                out.stale.append(tile)
        hashes = checked[tile]
        if hashes is not None:
            out.found[coord] = hashes[level][index - (tile << (HEIGHT - level))]
    out.complete = len(out.found) == len(set(coords))
    return out


def build(tiles: TileFile, tile: int, leaves: Sequence[bytes], root: bytes) -> bool:
    """Write tile `tile` from its 256 stored leaf hashes if they hash to `root`; whether it was written.
    Leaves that don't match their stored node are the audit's business (`yimen ledger verify --audit`):
    the tile is then not written and proofs keep coming from the database."""
    raw = b"".join(bytes(h) for h in leaves)
    if len(leaves) != WIDTH or levels(raw)[HEIGHT][0] != root:
        return False
    tiles.write(tile, raw)
    return True


# --- C2SP tlog-tiles paths: /tile/<L>/<N>[.p/<W>] and /tile/entries/<N>[.p/<W>] ------------------------

_TILE_INDEX = re.compile(r"(?P<index>(?:x[0-9]{3}/)*[0-9]{3})(?:\.p/(?P<width>[1-9][0-9]{0,2}))?")


def parse_tile_path(text: str) -> tuple[int, int]:
    """`x001/234.p/17` -> (1234, 17); a full tile has width 256. ValueError for anything else."""
    match = _TILE_INDEX.fullmatch(text)
    if match is None:
        raise ValueError(
            "tile index must be 3-digit groups, all but the last prefixed with x, then .p/<width>"
        )
    width = int(match["width"] or WIDTH)
    if width > WIDTH or (match["width"] and width == WIDTH):
        raise ValueError(f"a partial tile has 1..{WIDTH - 1} hashes")
    index = int(match["index"].replace("x", "").replace("/", ""))
    if tile_path(index, width) != text:
        raise ValueError(f"the tile index is written {tile_path(index, width)!r}")
    return index, width


def tile_path(index: int, width: int = WIDTH) -> str:
    """The inverse of `parse_tile_path`: 1234 -> `x001/234`, with `.p/<width>` for a partial tile."""
    digits = f"{index:03d}"
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    path = "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])
    return path if width == WIDTH else f"{path}.p/{width}"
