"""Who carries which tag: recomputed in full (nightly) or for a few persons when their data changed.

Membership lives in `PersonTag` / `EnterpriseTag` rows (with the day it started) and, for person tags,
in the tag's bitmap; both are written in the same transaction, one tag at a time in a full run (so an
interrupted run leaves whole tags and re-running it writes only what differs).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from pyroaring import BitMap

from yimen.proactive import bitmaps
from yimen.proactive.models import Bitmap, EnterpriseTag, PersonTag, TagDefinition
from yimen.proactive.tags import rules
from yimen.proactive.tags.definitions import db_lookup, tag_tree
from yimen.proactive.tags.query import tag_q

Progress = Callable[[str, int, int], None]
_CHUNK = 2_000


def _models(kind: str):
    from yimen.registry.models import Enterprise, Person

    if kind == rules.PERSON:
        return Person, PersonTag, "person_id"
    return Enterprise, EnterpriseTag, "enterprise_id"


def enabled_tags(kind: str) -> list[tuple[TagDefinition, object]]:
    lookup = db_lookup()
    return [(t, tag_tree(t, lookup=lookup)) for t in TagDefinition.objects.filter(kind=kind, enabled=True)]


def tag_q_for(tag: TagDefinition, tree, today: dt.date) -> Q:
    return tag_q(tree, kind=tag.kind, alive_only=tag.alive_only, today=today)


def _members_write(tag: TagDefinition, add: BitMap, remove: BitMap, since: dt.date) -> None:
    _model, link, column = _models(tag.kind)
    table = link._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for start in range(0, len(remove), 100_000):
                cursor.execute(
                    f"DELETE FROM {table} WHERE tag_id = %s AND {column} = ANY(%s)",
                    [tag.pk, list(remove[start : start + 100_000])],
                )
            for start in range(0, len(add), 100_000):
                cursor.execute(
                    f"INSERT INTO {table} ({column}, tag_id, since) SELECT unnest(%s::bigint[]), %s, %s "
                    "ON CONFLICT DO NOTHING",
                    [list(add[start : start + 100_000]), tag.pk, since],
                )
        return
    removed = list(remove)
    for start in range(0, len(removed), 900):
        link.objects.filter(tag=tag, **{f"{column}__in": removed[start : start + 900]}).delete()
    link.objects.bulk_create(
        (link(**{column: pk}, tag_id=tag.pk, since=since) for pk in add),
        batch_size=2_000,
        ignore_conflicts=True,
    )


def _current_members(tag: TagDefinition) -> BitMap:
    if tag.kind == rules.PERSON:
        row = Bitmap.objects.filter(key=bitmaps.tag_key(tag.code)).values_list("data", flat=True).first()
        if row is not None:
            return bitmaps.deserialize(row)
    _model, link, column = _models(tag.kind)
    return BitMap(link.objects.filter(tag=tag).values_list(column, flat=True))


def tag_recompute(tag: TagDefinition, *, today: dt.date | None = None, tree=None) -> dict:
    """Recompute one tag over the whole registry; returns what changed and how long it took."""
    today = today or timezone.localdate()
    tree = tree if tree is not None else tag_tree(tag)
    model, _link, _column = _models(tag.kind)
    started = time.perf_counter()
    if tag.enabled:
        # A plain fetch, not .iterator(): PostgreSQL plans a server-side cursor for its first rows
        # (nested loops), which made a semi-join over 1.2M persons take minutes instead of a second.
        new = BitMap(model.objects.filter(tag_q_for(tag, tree, today)).values_list("id", flat=True))
    else:
        new = BitMap()
    queried = time.perf_counter() - started
    with transaction.atomic():
        bitmaps.lock_state()  # serialises with incremental refreshes: `old` is what they left
        old = _current_members(tag)
        add, remove = new - old, old - new
        _members_write(tag, add, remove, today)
        if tag.kind == rules.PERSON:
            bitmaps.bitmaps_store({bitmaps.tag_key(tag.code): new})
        TagDefinition.objects.filter(pk=tag.pk).update(member_count=len(new), computed_at=timezone.now())
    return {
        "tag": tag.code,
        "members": len(new),
        "added": len(add),
        "removed": len(remove),
        "query_s": round(queried, 3),
        "total_s": round(time.perf_counter() - started, 3),
    }


def tags_recompute_all(*, today: dt.date | None = None, progress: Progress | None = None) -> dict:
    """Every tag over the whole registry, then the division and universe bitmaps. Loads the YAML fixture
    first when no tag is defined yet (a fresh installation)."""
    from yimen.proactive.services import tags_load

    today = today or timezone.localdate()
    progress = progress or (lambda stage, done, total: None)
    started = time.perf_counter()
    if not TagDefinition.objects.exists():
        tags_load(actor="system")
    lookup = db_lookup()
    tags = list(TagDefinition.objects.all())
    results = []
    for i, tag in enumerate(tags):
        tree = tag_tree(tag, lookup=lookup) if tag.enabled else None
        results.append(tag_recompute(tag, today=today, tree=tree))
        progress("tags", i + 1, len(tags))
    progress("divisions", 0, 1)
    t0 = time.perf_counter()
    maps = bitmaps.division_maps()
    maps[bitmaps.UNIVERSE] = bitmaps.universe_map()
    known = set(maps) | {bitmaps.tag_key(t.code) for t in tags if t.kind == rules.PERSON}
    stale = set(Bitmap.objects.exclude(key__in=known).values_list("key", flat=True))
    bitmaps.bitmaps_store(maps, delete=stale)
    progress("divisions", 1, 1)
    return {
        "tags": results,
        "divisions": len(maps) - 1,
        "universe": len(maps[bitmaps.UNIVERSE]),
        "divisions_s": round(time.perf_counter() - t0, 3),
        "total_s": round(time.perf_counter() - started, 3),
    }


# ------------------------------------------------------------------------------------------------ incremental


def _affected_persons(person_ids: Iterable[int], household_ids: Iterable[int]) -> list[int]:
    """The persons whose tags may change: those named, everyone in their households (living alone, family
    tags) and their relatives (a child's birth makes a parent a new parent)."""
    from yimen.registry.models import Person, Relation

    ids = set(person_ids)
    households = set(household_ids)
    households |= set(
        Person.objects.filter(pk__in=ids, household__isnull=False).values_list("household_id", flat=True)
    )
    if households:
        ids |= set(Person.objects.filter(household_id__in=households).values_list("id", flat=True))
    if ids:
        named = list(ids)
        ids |= set(Relation.objects.filter(person_id__in=named).values_list("relative_id", flat=True))
        ids |= set(Relation.objects.filter(relative_id__in=named).values_list("person_id", flat=True))
    return sorted(ids)


def _refresh_persons(ids: list[int], today: dt.date) -> dict:
    from yimen.registry.models import Person

    tags = enabled_tags(rules.PERSON)
    changes: dict[str, tuple[BitMap, BitMap]] = {}
    summary: dict[str, dict[str, int]] = {}
    current: dict[int, BitMap] = defaultdict(BitMap)
    for start in range(0, len(ids), _CHUNK):
        for person_id, tag_id in PersonTag.objects.filter(
            person_id__in=ids[start : start + _CHUNK]
        ).values_list("person_id", "tag_id"):
            current[tag_id].add(person_id)
    for tag, tree in tags:
        now = BitMap()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            now |= BitMap(
                Person.objects.filter(tag_q_for(tag, tree, today), pk__in=chunk).values_list("id", flat=True)
            )
        before = current.pop(tag.pk, BitMap())
        add, remove = now - before, before - now
        if add or remove:
            _members_write(tag, add, remove, today)
            changes[bitmaps.tag_key(tag.code)] = (add, remove)
            summary[tag.code] = {"added": len(add), "removed": len(remove)}
    # The universe and the division bitmaps follow status and residence.
    everyone = BitMap(ids)
    present = bitmaps.division_keys_of(ids)
    alive = BitMap(Person.objects.filter(pk__in=ids, status="alive").values_list("id", flat=True))
    bitmaps.cache.sync()
    living = bitmaps.cache.get(bitmaps.UNIVERSE) & everyone
    changes[bitmaps.UNIVERSE] = (alive - living, living - alive)
    wanted: dict[str, BitMap] = defaultdict(BitMap)
    for pk, keys in present.items():
        for key in keys:
            wanted[key].add(pk)
    for key in set(wanted) | {k for k in bitmaps.cache.maps if k.startswith("div:")}:
        cached = bitmaps.cache.get(key) & everyone
        add, remove = wanted.get(key, BitMap()) - cached, cached - wanted.get(key, BitMap())
        if add or remove:
            changes[key] = (add, remove)
    bitmaps.bitmaps_apply(changes)
    for key in changes:
        if key.startswith("tag:"):
            card = Bitmap.objects.filter(key=key).values_list("cardinality", flat=True).first() or 0
            TagDefinition.objects.filter(code=key[4:]).update(member_count=card)
    return summary


def _refresh_enterprises(ids: list[int], today: dt.date) -> dict:
    from yimen.registry.models import Enterprise

    summary = {}
    for tag, tree in enabled_tags(rules.ENTERPRISE):
        now = BitMap(
            Enterprise.objects.filter(tag_q_for(tag, tree, today), pk__in=ids).values_list("id", flat=True)
        )
        before = BitMap(
            EnterpriseTag.objects.filter(tag=tag, enterprise_id__in=ids).values_list(
                "enterprise_id", flat=True
            )
        )
        add, remove = now - before, before - now
        if add or remove:
            _members_write(tag, add, remove, today)
            TagDefinition.objects.filter(pk=tag.pk).update(
                member_count=EnterpriseTag.objects.filter(tag=tag).count()
            )
            summary[tag.code] = {"added": len(add), "removed": len(remove)}
    return summary


def tags_refresh_for(
    person_ids: Iterable[int] = (),
    *,
    household_ids: Iterable[int] = (),
    enterprise_ids: Iterable[int] = (),
    today: dt.date | None = None,
) -> dict:
    """Re-evaluate every enabled tag for these persons (and their household members and relatives, and
    everyone in `household_ids`, e.g. a household someone just left) and these enterprises; write the
    differences to the membership rows and the bitmaps in one transaction."""
    today = today or timezone.localdate()
    ids = _affected_persons(person_ids, household_ids)
    enterprises = sorted(set(enterprise_ids))
    with transaction.atomic():
        bitmaps.lock_state()  # one refresh at a time: each reads the rows and bitmaps the last one wrote
        persons = _refresh_persons(ids, today) if ids else {}
        firms = _refresh_enterprises(enterprises, today) if enterprises else {}
    return {"persons": len(ids), "enterprises": len(enterprises), "changed": {**persons, **firms}}
