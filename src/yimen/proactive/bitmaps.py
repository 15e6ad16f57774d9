"""The bitmap index of persons: one Roaring bitmap (pyroaring) of person ids per person tag
(`tag:<code>`), per division (`div:<code>`: residents of the division and of everything below it, for
the district, streets, areas and villages), and the living persons (`universe:alive`).

Bitmaps are stored serialized in `Bitmap` rows and cached in each process. Every write increments
`BitmapState.version` under that row's lock and stamps the rows it wrote with the new version; a reader
compares one integer (a primary-key read) with its cache and reloads only the rows written since.
Writers hold the state row's lock for the whole write, so two writers never lose each other's changes.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from pyroaring import BitMap

from yimen.proactive.models import Bitmap, BitmapState

UNIVERSE = "universe:alive"


def tag_key(code: str) -> str:
    return f"tag:{code}"


def division_key(code: str) -> str:
    return f"div:{code}"


def serialize(bm: BitMap) -> bytes:
    bm = BitMap(bm)
    bm.run_optimize()
    return bm.serialize()


def deserialize(data) -> BitMap:
    return BitMap.deserialize(bytes(data)) if data else BitMap()


# ------------------------------------------------------------------------------------------------ writes


def lock_state() -> BitmapState:
    BitmapState.objects.get_or_create(pk=1)
    return BitmapState.objects.select_for_update().get(pk=1)


def state_bump() -> int:
    """Increment the version without writing a bitmap (a tag definition changed: names, rules)."""
    with transaction.atomic():
        state = lock_state()
        state.version += 1
        state.save(update_fields=["version"])
        return state.version


def bitmaps_store(maps: dict[str, BitMap], *, delete: Iterable[str] = ()) -> int:
    """Replace the bitmaps named in `maps` (and delete those in `delete`) in one write; returns the version."""
    with transaction.atomic():
        state = lock_state()
        version = state.version + 1
        existing = {b.key: b for b in Bitmap.objects.filter(key__in=list(maps)).only("id", "key")}
        new, changed = [], []
        for key, bm in maps.items():
            row = existing.get(key) or Bitmap(key=key)
            row.data, row.cardinality, row.version = serialize(bm), len(bm), version
            (changed if row.pk else new).append(row)
        Bitmap.objects.bulk_create(new, batch_size=200)
        for row in changed:
            row.save(update_fields=["data", "cardinality", "version", "computed_at"])
        gone = list(delete)
        if gone:
            Bitmap.objects.filter(key__in=gone).delete()
        state.version = version
        state.save(update_fields=["version"])
    return version


def bitmaps_apply(changes: dict[str, tuple[BitMap, BitMap]]) -> int | None:
    """Add and remove ids in stored bitmaps: {key: (add, remove)}, read and written under the state lock
    (an incremental refresh). Missing bitmaps start empty."""
    changes = {k: (a, r) for k, (a, r) in changes.items() if a or r}
    if not changes:
        return None
    with transaction.atomic():
        lock_state()
        current = {row.key: deserialize(row.data) for row in Bitmap.objects.filter(key__in=list(changes))}
        maps = {}
        for key, (add, remove) in changes.items():
            bm = current.get(key, BitMap())
            bm |= add
            bm -= remove
            maps[key] = bm
        return bitmaps_store(maps)


# ------------------------------------------------------------------------------------------------ reads


class BitmapCache:
    """Process-local copies of the stored bitmaps, current as of the state version last checked."""

    def __init__(self):
        self._lock = threading.Lock()
        self.version = -1
        self.maps: dict[str, BitMap] = {}
        self.versions: dict[str, int] = {}

    def sync(self) -> int:
        """Reload whatever was written since the last check (one indexed read when nothing was)."""
        current = BitmapState.objects.filter(pk=1).values_list("version", flat=True).first() or 0
        if current == self.version:
            return current
        with self._lock:
            if current == self.version:
                return current
            listed = dict(Bitmap.objects.values_list("key", "version"))
            stale = [k for k, v in listed.items() if self.versions.get(k) != v]
            for key in set(self.maps) - set(listed):
                self.maps.pop(key, None)
                self.versions.pop(key, None)
            for start in range(0, len(stale), 50):
                for key, data, version in Bitmap.objects.filter(
                    key__in=stale[start : start + 50]
                ).values_list("key", "data", "version"):
                    self.maps[key] = deserialize(data)
                    self.versions[key] = version
            self.version = current
        return current

    def get(self, key: str) -> BitMap:
        return self.maps.get(key, _EMPTY)

    def clear(self) -> None:
        with self._lock:
            self.version, self.maps, self.versions = -1, {}, {}


_EMPTY = BitMap()
cache = BitmapCache()


# ------------------------------------------------------------------------------------------------ builds


def division_maps() -> dict[str, BitMap]:
    """Residents per division: each person under their residence village and all its ancestors (district,
    street, area). Deceased persons are included; the universe bitmap filters them out."""
    from yimen.places.models import Division
    from yimen.registry.models import Person

    by_division: dict[int, BitMap] = defaultdict(BitMap)
    rows = Person.objects.filter(residence_division__isnull=False).values_list("residence_division_id", "id")
    for division_id, person_id in rows:
        by_division[division_id].add(person_id)
    paths = dict(Division.objects.filter(level__lte=Division.Level.VILLAGE).values_list("id", "path"))
    codes = dict(Division.objects.filter(level__lte=Division.Level.VILLAGE).values_list("path", "code"))
    out: dict[str, BitMap] = {division_key(code): BitMap() for code in codes.values()}
    for division_id, bm in by_division.items():
        path = paths.get(division_id)
        if path is None:
            continue
        parts = [p for p in path.strip("/").split("/") if p]
        for depth in range(1, len(parts) + 1):
            code = codes.get("/" + "/".join(parts[:depth]) + "/")
            if code:
                out[division_key(code)] |= bm
    return out


def division_keys_of(person_ids: Iterable[int]) -> dict[int, set[str]]:
    """The division bitmap keys each person belongs in now (from their residence division's path)."""
    from yimen.registry.models import Person

    out: dict[int, set[str]] = {}
    for pk, path in Person.objects.filter(pk__in=list(person_ids)).values_list(
        "pk", "residence_division__path"
    ):
        codes = [p for p in (path or "").strip("/").split("/") if p]
        out[pk] = {division_key(c) for c in codes}
    return out


def universe_map() -> BitMap:
    from yimen.registry.models import Person

    return BitMap(Person.objects.filter(status="alive").values_list("id", flat=True))
