"""Case submission in process: what one `POST /api/cases/` costs in CPU and SQL, without a server.

    .venv/bin/python bench/case_submit_profile.py --requests 200 [--profile]

The same request as bench/case_submit.py (a window application for 老年人优待证 for a random demo resident,
unique Idempotency-Key, ledger append included), sent through Django's test client - the whole middleware
stack, CSRF enforced, the demo clerk logged in through the login form - on the PostgreSQL database
`yimen_bench_submit` under `yimen.config.settings.bench` (never `yimen` / `yimen_bench`). The first
`--warmup` requests (caches, first queries) are not counted. Prints JSON lines: CPU ms per request
(`time.process_time`), wall ms per request, SQL statements per request; with `--profile`, a cProfile
top-30 by cumulative time over the counted requests (on stderr).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import sys
import time
import uuid

import _submit_env  # noqa: F401  (the database and settings, before Django starts)
from _setup import django_ready, emit, submission_inputs

PASSWORD = "Yimen@2026"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--user", default="clerk")
    parser.add_argument("--profile", action="store_true", help="cProfile top-30 by cumulative time")
    parser.add_argument("--top", type=int, default=30, help="rows of the profile to print")
    parser.add_argument("--sort", default="cumulative", help="profile order: cumulative, tottime, ...")
    parser.add_argument("--callees", default="", help="also print the callees of functions matching this")
    parser.add_argument("--no-setup", action="store_true", help="skip migrate + demo load (already done)")
    args = parser.parse_args()

    if args.no_setup:
        import django

        django.setup()
    else:
        django_ready(scale="small")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    code, form, ids = submission_inputs()
    rng = random.Random(7)
    run_id = f"p{uuid.uuid4().hex[:10]}"

    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    client.get("/accounts/login/")
    r = client.post(
        "/accounts/login/",
        {
            "username": args.user,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    if r.status_code != 302:
        sys.exit(f"login as {args.user} failed: HTTP {r.status_code}")
    csrf = client.cookies["csrftoken"].value

    def submit(i: int):
        body = {"item": code, "channel": "window", "id_number": rng.choice(ids), "form_data": form}
        return client.post(
            "/api/cases/",
            body,
            content_type="application/json",
            HTTP_X_CSRFTOKEN=csrf,
            HTTP_IDEMPOTENCY_KEY=f"{run_id}-{i}",
        )

    for i in range(args.warmup):
        r = submit(-1 - i)
        if r.status_code != 201:
            sys.exit(f"warm-up submission: HTTP {r.status_code} {r.content[:500]!r}")

    # Statements at the driver too: code that runs SQL on a raw psycopg cursor (prepared statements)
    # bypasses Django's capture; BEGIN/COMMIT are counted only by Django's.
    import psycopg

    driver = {"n": 0}
    real_execute = psycopg.Cursor.execute

    def counting_execute(self, *a, **kw):
        driver["n"] += 1
        return real_execute(self, *a, **kw)

    psycopg.Cursor.execute = counting_execute

    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
    statuses: dict[int, int] = {}
    queries = 0
    cpu = wall = 0.0
    for i in range(args.requests):
        with CaptureQueriesContext(connection) as ctx:
            c0, w0 = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            r = submit(i)
            if profiler:
                profiler.disable()
            cpu += time.process_time() - c0
            wall += time.perf_counter() - w0
        queries += len(ctx.captured_queries)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

    n = args.requests
    extra = {"requests": n, "statuses": statuses, "profiled": bool(profiler)}
    emit("case_submit_profile", "cpu_per_request", 1000 * cpu / n, "ms", **extra)
    emit("case_submit_profile", "wall_per_request", 1000 * wall / n, "ms", **extra)
    emit("case_submit_profile", "sql_per_request", queries / n, "statements", **extra)
    emit(
        "case_submit_profile",
        "driver_executes_per_request",
        driver["n"] / n,
        "statements",
        note="psycopg Cursor.execute calls: Django's and raw cursors', without BEGIN/COMMIT",
        **extra,
    )
    if args.profile:
        with CaptureQueriesContext(connection) as ctx:
            submit(n + 1)
        for q in ctx.captured_queries:
            print(q["sql"][:300], file=sys.stderr)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(args.sort).print_stats(args.top)
        if args.callees:
            stats.print_callees(args.callees)
        print(out.getvalue(), file=sys.stderr)
    if set(statuses) != {201}:
        sys.exit(1)


if __name__ == "__main__":
    main()
