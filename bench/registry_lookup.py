"""Person lookup by ID number and by name + division, and catalog search, on the demo world.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yimen .venv/bin/python bench/registry_lookup.py --scale full

Prints JSON lines: p50/p95/p99 in milliseconds over --queries lookups each (default 10,000). Target:
ID lookup p99 <= 5 ms on PostgreSQL with 1.2M persons.
"""

import argparse
import random
import time

from _setup import django_ready, emit, percentiles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="full", choices=["small", "full"])
    parser.add_argument("--queries", type=int, default=10_000)
    args = parser.parse_args()
    django_ready(scale=args.scale)

    from yimen.accounts.models import User
    from yimen.catalog import selectors as catalog
    from yimen.registry import selectors
    from yimen.registry.models import Person

    clerk = User.objects.select_related("department", "division").get(username="clerk")
    rng = random.Random(11)
    total = Person.objects.count()
    max_id = Person.objects.order_by("-id").values_list("id", flat=True).first()
    sample_ids = [rng.randint(1, max_id) for _ in range(args.queries * 2)]
    people = list(
        Person.objects.filter(id__in=sample_ids).values_list("id_number", "name", "residence_division__code")[
            : args.queries
        ]
    )
    rng.shuffle(people)

    def timed(fn, items) -> list[int]:
        out = []
        for item in items:
            t0 = time.perf_counter_ns()
            fn(item)
            out.append(time.perf_counter_ns() - t0)
        return out

    for item in people[:200]:  # warm caches and connections
        selectors.person_identify(user=clerk, id_number=item[0])

    by_id = timed(lambda p: selectors.person_identify(user=clerk, id_number=p[0]), people)
    for k, v in percentiles(by_id).items():
        emit("registry_lookup", f"id_lookup_{k}", v, "ms", persons=total, queries=len(by_id))

    by_name = timed(
        lambda p: list(selectors.persons_search(user=clerk, name=p[1], division_code=p[2])[:20]), people
    )
    for k, v in percentiles(by_name).items():
        emit("registry_lookup", f"name_division_lookup_{k}", v, "ms", persons=total, queries=len(by_name))

    words = [
        "优待证",
        "营业执照",
        "生育登记",
        "参保证明",
        "身份证",
        "低保",
        "餐饮",
        "退休",
        "户籍",
        "犬只",
        "高龄",
        "残疾",
        "纳税",
        "居住证",
        "毕业生",
        "食品",
        "公积金",
        "不动产",
        "养老金",
        "出生",
    ]
    searches = [words[i % len(words)] for i in range(max(args.queries // 10, 200))]
    by_search = timed(lambda q: catalog.items_search(q, limit=20), searches)
    for k, v in percentiles(by_search).items():
        emit("registry_lookup", f"catalog_search_{k}", v, "ms", queries=len(by_search))


if __name__ == "__main__":
    main()
