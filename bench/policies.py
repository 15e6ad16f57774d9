"""Enterprise policy matching (扶持通) at district size: 160,000 enterprises, the shipped policies.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yimen_policies_bench .venv/bin/python bench/policies.py

Uses the database in DATABASE_URL (created if missing, migrated). When it holds fewer enterprises than
--enterprises, it adds synthetic ones (deterministic seed: kinds, the demo's industry mix, establishment
dates over 25 years, capital, one legal representative each, some representing two) straight into the
registry tables; no other data is touched. Loads the tags, message templates and policies if missing.

Prints JSON lines: the eligibility query of each policy (seconds, eligible count); the first full
`policies_match` (matches written, grants, offers sent through notify); a second run (nothing to do);
and a run after 1% of the enterprises changed industry (expiries). Target: matching in a few seconds on
PostgreSQL.
"""

import argparse
import datetime as dt
import random
import time
from decimal import Decimal

from _setup import emit, ensure_database


def places_and_catalog() -> None:
    from yimen.catalog.models import ServiceItem
    from yimen.catalog.services import catalog_load_sample
    from yimen.places.models import Division
    from yimen.places.services import reference_load

    if not Division.objects.filter(level=Division.Level.VILLAGE).exists():
        reference_load(grids="small")
    if not ServiceItem.objects.exists():
        catalog_load_sample()


def _surname(entry) -> str:
    return entry[0] if isinstance(entry, tuple | list) else entry


def synthetic_enterprises(target: int, seed: int) -> int:
    from django.db import transaction

    from yimen.common.identity import make_id_number, make_uscc
    from yimen.demo import pools
    from yimen.places.models import Division
    from yimen.registry.models import Enterprise, Person

    have = Enterprise.objects.count()
    if have >= target:
        return 0
    rng = random.Random(seed)
    villages = list(Division.objects.filter(level=Division.Level.VILLAGE).values_list("pk", flat=True))
    industries = [name for name, _, _ in pools.INDUSTRIES]
    weights = [w for _, _, w in pools.INDUSTRIES]
    kinds = ["individual"] * 55 + ["limited"] * 35 + ["sole"] * 4 + ["partnership"] * 2 + ["branch"] * 3
    kinds += ["joint_stock", "cooperative"]
    today = dt.date.today()
    persons, enterprises = [], []
    for n in range(have, target):
        if n % 12 == 0 and persons:
            rep_index = len(persons) - 1  # every 12th enterprise shares the previous representative
        else:
            # (birth day, sequence) distinct for every n: a valid, unique ID number
            birth = dt.date(1960, 1, 1) + dt.timedelta(days=(n // 1000) * 97)
            persons.append(
                Person(
                    id_number=make_id_number("440604", birth, n % 1000),
                    name=_surname(rng.choice(pools.SURNAMES))
                    + rng.choice(pools.MALE_CHARS)
                    + rng.choice(pools.FEMALE_CHARS),
                    gender="M" if n % 2 else "F",
                    birth_date=birth,
                    hukou_region="440604",
                    phone=f"139{n:08d}",
                )
            )
            rep_index = len(persons) - 1
        kind = rng.choice(kinds)
        capital = None if kind == "individual" else Decimal(str(round(rng.lognormvariate(4.5, 1.3), 2)))
        enterprises.append(
            (
                rep_index,
                Enterprise(
                    uscc=make_uscc("9", "2", "440604", f"PB{n:06d}"),
                    name=f"佛山市禅城区基准{n}号{kind}",
                    kind=kind,
                    industry=rng.choices(industries, weights)[0],
                    registered_address=f"佛山市禅城区基准路{n}号",
                    division_id=rng.choice(villages),
                    registered_capital=capital,
                    status="active" if rng.random() < 0.9 else rng.choice(["cancelled", "revoked"]),
                    established_date=today - dt.timedelta(days=int(rng.expovariate(1 / 2500)) % 9000),
                ),
            )
        )
    with transaction.atomic():
        Person.objects.bulk_create(persons, batch_size=5000)
        for rep_index, ent in enterprises:
            ent.legal_representative = persons[rep_index]
        Enterprise.objects.bulk_create([e for _, e in enterprises], batch_size=5000)
    return len(enterprises)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=160_000)
    parser.add_argument("--seed", type=int, default=4406)
    parser.add_argument(
        "--reset",
        action="store_true",
        help="first delete the policy matches and the policy notifications of an earlier run (bench DB only)",
    )
    args = parser.parse_args()

    import django

    ensure_database()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

    from yimen.notify.models import Notification
    from yimen.notify.services import templates_load
    from yimen.policies import services
    from yimen.policies.matching import eligible_ids
    from yimen.policies.models import Policy, PolicyMatch
    from yimen.proactive.services import tags_load
    from yimen.registry.models import Enterprise

    places_and_catalog()
    t0 = time.perf_counter()
    added = synthetic_enterprises(args.enterprises, args.seed)
    if added:
        emit("policies", "synthetic_enterprises_insert", time.perf_counter() - t0, "s", enterprises=added)
    tags_load(actor="system", only_missing=True)
    templates_load(only_missing=True)
    services.policies_load(actor="system")
    total = Enterprise.objects.count()
    today = dt.date.today()

    for policy in Policy.objects.all():
        t0 = time.perf_counter()
        n = len(eligible_ids(policy, today=today))
        emit(
            "policies",
            f"eligible_query_{policy.code}",
            time.perf_counter() - t0,
            "s",
            eligible=n,
            enterprises=total,
        )

    if args.reset:
        from yimen.notify.models import Delivery

        Delivery.objects.filter(notification__dedupe_key__startswith="policy:").delete()
        Notification.objects.filter(dedupe_key__startswith="policy:").delete()
        PolicyMatch.objects.all().delete()
    notes = Notification.objects.count()
    t0 = time.perf_counter()
    first = services.policies_match(today=today, actor="system")
    emit(
        "policies",
        "policies_match_first_run",
        time.perf_counter() - t0,
        "s",
        enterprises=total,
        policies=len(first),
        created=sum(c["created"] for c in first.values()),
        granted=sum(c["granted"] for c in first.values()),
        notified=sum(c["notified"] for c in first.values()),
        notifications=Notification.objects.count() - notes,
    )
    t0 = time.perf_counter()
    again = services.policies_match(today=today, actor="system")
    emit(
        "policies",
        "policies_match_rerun",
        time.perf_counter() - t0,
        "s",
        enterprises=total,
        changed=sum(c["created"] + c["expired"] + c["notified"] for c in again.values()),
    )
    ids = list(
        PolicyMatch.objects.filter(policy__code="catering_consumption_support", state="notified").values_list(
            "enterprise_id", flat=True
        )[: max(1, total // 100)]
    )
    Enterprise.objects.filter(pk__in=ids, industry="餐饮").update(industry="零售")
    t0 = time.perf_counter()
    changed = services.policies_match(today=today, actor="system")
    emit(
        "policies",
        "policies_match_after_changes",
        time.perf_counter() - t0,
        "s",
        enterprises=total,
        changed_enterprises=len(ids),
        expired=sum(c["expired"] for c in changed.values()),
    )


if __name__ == "__main__":
    main()
