"""Target-group counts over the bitmap index and the full tag recompute, on the demo world.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yimen .venv/bin/python bench/proactive.py

Uses the database in DATABASE_URL as it is when it already holds persons (the full demo: 1.2M persons);
applies only the proactive app's migrations (its own tables) and changes no existing row. An empty
database gets the demo world first (places, catalog, persons, enterprises, cases; not the 400k events).

Prints JSON lines: the full recompute (every tag, then the division and universe bitmaps) in seconds,
per tag; segment count p50/p95/p99 in milliseconds over --queries counts of a mix of expressions (as the
API computes them: version check, parse, bitmap algebra, scope); the first count of a fresh process (the
bitmaps loaded from the database); a masked list page; an incremental refresh of one household; and the
same counts through the ORM for comparison. Target: count p95 <= 100 ms at 1.2M persons on PostgreSQL.
"""

import argparse
import random
import time

from _setup import emit, ensure_database, percentiles


def demo_if_empty(scale: str) -> None:
    from yimen.registry.models import Person

    if Person.objects.exists():
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from yimen.catalog.services import catalog_load_sample
    from yimen.demo.accounts import demo_accounts_ensure
    from yimen.demo.cases import demo_cases_load
    from yimen.demo.loader import demo_load
    from yimen.places.services import reference_load

    reference_load(grids=scale)
    catalog_load_sample()
    demo_load(scale=scale)
    demo_accounts_ensure()
    demo_cases_load(scale=scale)


def expressions(rng: random.Random) -> list[str]:
    from yimen.places.models import Division

    villages = list(Division.objects.filter(level=Division.Level.VILLAGE).values_list("code", flat=True))
    streets = list(Division.objects.filter(level=Division.Level.STREET).values_list("code", flat=True))
    fixed = [
        "80岁及以上 且 独居 且 祖庙街道培德社区",
        "tag:age_60_plus AND NOT tag:living_alone",
        "NOT tag:migrant AND div:440604",
        "tag:student OR tag:age_0_6 OR tag:age_7_17",
        "(tag:retiree OR tag:disabled) AND NOT tag:low_income_household",
    ]
    out = []
    for i in range(200):
        v, s = rng.choice(villages), rng.choice(streets)
        out += [
            f"tag:age_80_plus AND tag:living_alone AND div:{v} AND NOT tag:deceased",
            f"(tag:new_parent OR tag:pregnant) AND div:{s}",
            f"tag:elderly_living_alone AND (div:{v} OR div:{rng.choice(villages)})",
            f"tag:age_18_34 AND tag:migrant AND NOT div:{s}",
            fixed[i % len(fixed)],
        ]
    rng.shuffle(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="full", choices=["small", "full"])
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--skip-recompute", action="store_true", help="reuse the stored tags and bitmaps")
    args = parser.parse_args()

    import django

    ensure_database()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", "proactive", verbosity=0, interactive=False)
    demo_if_empty(args.scale)

    from yimen.accounts.models import User
    from yimen.proactive import bitmaps, segment_names, segments, selectors
    from yimen.proactive.models import Bitmap, TagDefinition
    from yimen.proactive.services import tags_load, tags_recompute_all, tags_refresh_for
    from yimen.registry.models import Household, Person

    persons = Person.objects.count()
    tags_load(actor="system", only_missing=True)
    if not args.skip_recompute or not Bitmap.objects.exists():
        result = tags_recompute_all()
        emit(
            "proactive",
            "tags_recompute_all",
            result["total_s"],
            "s",
            persons=persons,
            tags=len(result["tags"]),
        )
        emit("proactive", "division_bitmaps_build", result["divisions_s"], "s", divisions=result["divisions"])
        for row in result["tags"]:
            emit(
                "proactive",
                f"tag_recompute_{row['tag']}",
                row["total_s"],
                "s",
                query_s=row["query_s"],
                members=row["members"],
                added=row["added"],
                removed=row["removed"],
            )
    sizes = Bitmap.objects.values_list("key", "cardinality")
    stored = sum(len(bytes(d)) for d in Bitmap.objects.values_list("data", flat=True).iterator())
    emit("proactive", "bitmap_bytes", stored, "bytes", bitmaps=len(sizes), persons=persons)

    clerk = User.objects.select_related("division").get(username="clerk")
    rng = random.Random(7)
    exprs = expressions(rng)

    bitmaps.cache.clear()
    segment_names.reset()
    t0 = time.perf_counter_ns()
    selectors.segment_count(user=clerk, expression=exprs[0])
    emit("proactive", "segment_count_cold_first", (time.perf_counter_ns() - t0) / 1e6, "ms", persons=persons)

    for text in exprs[:100]:  # warm
        selectors.segment_count(user=clerk, expression=text)
    samples, counts = [], []
    for i in range(args.queries):
        text = exprs[i % len(exprs)]
        t0 = time.perf_counter_ns()
        result = selectors.segment_count(user=clerk, expression=text)
        samples.append(time.perf_counter_ns() - t0)
        counts.append(result.count)
    for k, v in percentiles(samples).items():
        emit("proactive", f"segment_count_{k}", v, "ms", persons=persons, queries=len(samples))
    emit("proactive", "segment_count_mean_members", sum(counts) / len(counts), "persons")

    pages = []
    for text in exprs[:200]:
        t0 = time.perf_counter_ns()
        selectors.segment_page(user=clerk, expression=text, page=1)
        pages.append(time.perf_counter_ns() - t0)
    for k, v in percentiles(pages).items():
        emit("proactive", f"segment_list_page_{k}", v, "ms", queries=len(pages))

    households = list(Household.objects.order_by("?").values_list("id", flat=True)[:60])
    refresh = []
    for hh in households:
        ids = list(Person.objects.filter(household_id=hh).values_list("id", flat=True))
        t0 = time.perf_counter_ns()
        tags_refresh_for(ids)
        refresh.append(time.perf_counter_ns() - t0)
    for k, v in percentiles(refresh).items():
        emit("proactive", f"tags_refresh_household_{k}", v, "ms", refreshes=len(refresh))

    for text in [
        "tag:age_80_plus AND tag:living_alone AND div:440604012013 AND NOT tag:deceased",
        "(tag:new_parent OR tag:pregnant) AND div:440604011",
    ]:
        tree = segments.parse(text)
        t0 = time.perf_counter_ns()
        n = Person.objects.filter(segments.segment_q(tree)).count()
        ms = (time.perf_counter_ns() - t0) / 1e6
        emit(
            "proactive",
            "orm_count_reference",
            ms,
            "ms",
            expression=text,
            count=n,
            bitmap_count=segments.segment_evaluate(text).count,
        )
    emit("proactive", "tags_defined", TagDefinition.objects.count(), "tags")


if __name__ == "__main__":
    main()
