"""Loads the demo world into the database in batches: one transaction and one audit entry per batch,
so an interrupted load leaves whole batches only, and `DemoLoad` marks a finished scale."""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import islice

from django.db import transaction

from yimen.common import audit
from yimen.common.errors import Conflict, ValidationFailed
from yimen.demo.models import DemoLoad
from yimen.demo.world import SCALES, WorldGenerator
from yimen.places.models import Division
from yimen.registry.models import Enterprise, Household, Person, Relation

BATCH_HOUSEHOLDS = 2_000
BATCH_ENTERPRISES = 5_000

Progress = Callable[[str, int, int], None]


def _villages() -> tuple[dict[str, list[tuple[str, str]]], dict[str, int]]:
    villages: dict[str, list[tuple[str, str]]] = {}
    ids: dict[str, int] = {}
    for d in (
        Division.objects.filter(level=Division.Level.VILLAGE)
        .select_related("parent__parent")
        .order_by("code")
    ):
        street = d.code[:9]
        villages.setdefault(street, []).append((d.code, d.short_name))
        ids[d.code] = d.pk
    if not villages:
        raise ValidationFailed("没有村居区划，请先导入区划 (no villages: run `yimen places import` first)")
    return villages, ids


def demo_load(
    *, scale: str = "small", seed: int = 4406, progress: Progress | None = None, actor=None
) -> dict:
    if scale not in SCALES:
        raise ValidationFailed(f"未知规模 {scale!r}，可选 small 或 full (unknown scale)", field="scale")
    done = DemoLoad.objects.filter(scale=scale, seed=seed).first()
    if done:
        return {"already": True, "persons": done.persons, "enterprises": done.enterprises, "seconds": 0.0}
    if Person.objects.exists():
        other = DemoLoad.objects.first()
        raise Conflict(
            f"数据库中已有演示数据(规模 {other.scale if other else '未知'})，如需重建请删除数据库 "
            f"(the registry already holds data; use a fresh database, e.g. `make clean`)"
        )
    started = time.monotonic()
    progress = progress or (lambda stage, done, total: None)
    villages, village_ids = _villages()
    gen = WorldGenerator(villages=villages, seed=seed)
    target = SCALES[scale]
    persons_made = 0
    households = gen.households(target["persons"])
    while True:
        batch = list(islice(households, BATCH_HOUSEHOLDS))
        if not batch:
            break
        persons_made += _load_households(batch, village_ids, actor)
        progress("persons", min(persons_made, target["persons"]), target["persons"])
    # Legal representatives: adults of the generated population, resolved to primary keys once.
    adult_ids = dict(
        Person.objects.filter(id_number__in=[p.id_number for p in gen.adults]).values_list("id_number", "pk")
    )
    adult_pks = [
        adult_ids[p.id_number] for p in gen.adults if p.status == "alive" and p.id_number in adult_ids
    ]
    made = 0
    enterprises = gen.enterprises(target["enterprises"])
    while True:
        batch = list(islice(enterprises, BATCH_ENTERPRISES))
        if not batch:
            break
        made += _load_enterprises(batch, village_ids, adult_pks, actor)
        progress("enterprises", made, target["enterprises"])
    seconds = time.monotonic() - started
    DemoLoad.objects.create(scale=scale, seed=seed, persons=persons_made, enterprises=made, seconds=seconds)
    return {"already": False, "persons": persons_made, "enterprises": made, "seconds": seconds}


@transaction.atomic
def _load_households(batch, village_ids: dict[str, int], actor) -> int:
    households = Household.objects.bulk_create(
        [Household(number=h.number, division_id=village_ids[h.village], address=h.address) for h in batch]
    )
    people = []
    for hh, row in zip(households, batch, strict=True):
        for p in row.members:
            people.append(
                Person(
                    id_number=p.id_number,
                    name=p.name,
                    gender=p.gender,
                    birth_date=p.birth_date,
                    hukou_division_id=village_ids[p.hukou_village] if p.hukou_village else None,
                    hukou_region=p.hukou_region,
                    is_migrant=p.hukou_village is None,
                    residence_division_id=village_ids[p.residence_village],
                    residence_address=p.residence_address,
                    phone=p.phone,
                    household=hh,
                    household_role=p.household_role,
                    status=p.status,
                    death_date=p.death_date,
                )
            )
    people = Person.objects.bulk_create(people, batch_size=2_000)
    relations = []
    offset = 0
    for row in batch:
        for a, b, kind in row.relations:
            relations.append(
                Relation(person_id=people[offset + a].pk, relative_id=people[offset + b].pk, kind=kind)
            )
        offset += len(row.members)
    Relation.objects.bulk_create(relations, batch_size=5_000)
    audit.record(
        kind="registry.persons.bulk_loaded",
        subject="registry.person",
        actor=actor or "demo-loader",
        content=sorted(p.id_number for p in people),
    )
    return len(people)


@transaction.atomic
def _load_enterprises(batch, village_ids: dict[str, int], adult_pks: list[int], actor) -> int:
    rows = [
        Enterprise(
            uscc=e.uscc,
            name=e.name,
            kind=e.kind,
            industry=e.industry,
            legal_representative_id=adult_pks[e.legal_rep_index % len(adult_pks)] if adult_pks else None,
            registered_address=e.registered_address,
            division_id=village_ids[e.village],
            registered_capital=e.registered_capital,
            status=e.status,
            established_date=e.established_date,
        )
        for e in batch
    ]
    Enterprise.objects.bulk_create(rows, batch_size=2_000)
    audit.record(
        kind="registry.enterprises.bulk_loaded",
        subject="registry.enterprise",
        actor=actor or "demo-loader",
        content=sorted(e.uscc for e in batch),
    )
    return len(rows)
