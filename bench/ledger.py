"""Ledger benchmark: appends per second, proof latency, full-audit throughput. One JSON object per line.

    .venv/bin/python bench/ledger.py                                   # PostgreSQL, database yimen_bench
    DATABASE_URL=sqlite:///var/yimen.sqlite3 .venv/bin/python bench/ledger.py   # SQLite, var/yimen_bench.sqlite3
    .venv/bin/python bench/ledger.py --entries 1000000 --skip-audit    # proofs at 1M entries

It never writes to the configured database itself: it uses a sibling named `<name>_bench` (created and
migrated if needed; YIMEN_BENCH_DATABASE_URL overrides), fills the log up to --entries with batched
appends the first time, and reuses it on later runs. The default run takes well under two minutes.

Figures: appends/s with one append per transaction (and its p50/p99 latency), the cost an append adds
inside an open transaction (what a case submission pays), appends/s with 4 and 8 concurrent writer processes,
batched appends/s, inclusion and consistency proof latency p50/p99 at the log's size (from the database
alone, then with the proof tiles filled: `path`), the time to fill the tiles, audit rows/s.
`--proofs-only` skips the appends, so a large log is measured again without growing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yimen"


def bench_url(configured: str) -> str:
    """The configured database URL with `_bench` added to the database name."""
    parts = urlsplit(configured)
    if parts.scheme.startswith("sqlite"):
        # sqlite:///var/x.sqlite3 is the relative path var/x.sqlite3; sqlite:////abs/x.sqlite3 is absolute.
        path = Path(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path.stem.endswith("_bench"):
            path = path.with_name(f"{path.stem}_bench{path.suffix}")
        return f"sqlite:///{path}"
    name = parts.path.lstrip("/") or "yimen"
    if not name.endswith("_bench"):
        name += "_bench"
    return urlunsplit(parts._replace(path="/" + name))


def ensure_postgres_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(url: str) -> str:
    if url.startswith("postgres"):
        ensure_postgres_database(url)
    else:
        Path(urlsplit(url).path).parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "yimen.config.settings.base"  # DEBUG off: no query log
    # The key that signs the bench log's checkpoints stays with it across runs.
    key_dir = REPO / "var" / "bench" / f"ledger-keys-{hashlib.sha256(url.encode()).hexdigest()[:12]}"
    os.environ.setdefault("YIMEN_LEDGER_KEY_DIR", str(key_dir))
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


def emit(figure: str, value: float, unit: str, **extra) -> None:
    print(
        json.dumps({"bench": "ledger", "figure": figure, "value": round(value, 3), "unit": unit, **extra}),
        flush=True,
    )


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _entry(i: int) -> dict:
    return {"kind": "bench.recorded", "subject": f"bench.case:{i}", "actor": "user:1", "digest": f"{i:064x}"}


def bench_single(n: int, db: str) -> None:
    from django.db import transaction

    from yimen.ledger import selectors, services

    latencies = []
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        with transaction.atomic():
            services.entry_append(**_entry(i))
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    emit("appends_per_s", n / elapsed, "entries/s", mode="one_per_transaction", db=db, n=n)
    emit("append_commit_ms_p50", percentile(latencies, 0.5) * 1000, "ms", db=db)
    emit("append_commit_ms_p99", percentile(latencies, 0.99) * 1000, "ms", db=db)
    inside = []
    for i in range(n // 2):
        with transaction.atomic():
            selectors.log_size()  # the case's own statements have begun the transaction already
            t0 = time.perf_counter()
            services.entry_append(**_entry(i))
            inside.append(time.perf_counter() - t0)
    emit(
        "append_in_open_transaction_ms_p50",
        percentile(inside, 0.5) * 1000,
        "ms",
        db=db,
        note="the cost an append adds to a case submission, before its commit",
    )


def bench_floor(n: int, db: str) -> None:
    """What one transaction that inserts one row and commits costs on this disk, without the ledger: the
    ceiling for one-append-per-transaction, since an append holds the head row until its commit."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor_row (id integer PRIMARY KEY, note varchar(64))"
        )
        cursor.execute("DELETE FROM bench_floor_row")
    start = time.perf_counter()
    for i in range(n):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_floor_row (id, note) VALUES (%s, %s)", [i, "floor"])
    emit("floor_insert_commit_per_s", n / (time.perf_counter() - start), "transactions/s", db=db, n=n)


def _writer(count: int, seed: int) -> None:
    from django.db import connection, transaction

    from yimen.ledger import services

    try:
        for i in range(count):
            with transaction.atomic():
                services.entry_append(**_entry(seed * 1_000_000 + i))
    finally:
        connection.close()


def bench_concurrent(n: int, writers: int, db: str) -> None:
    """`writers` processes (as gunicorn's workers are), each appending one entry per transaction."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each forked writer opens its own connection
    context = multiprocessing.get_context("fork")
    pool = [context.Process(target=_writer, args=(n // writers, w)) for w in range(writers)]
    start = time.perf_counter()
    for p in pool:
        p.start()
    for p in pool:
        p.join()
    elapsed = time.perf_counter() - start
    if any(p.exitcode for p in pool):
        raise SystemExit("a concurrent writer failed")
    emit(
        "appends_per_s",
        (n // writers * writers) / elapsed,
        "entries/s",
        mode=f"{writers}_concurrent_writers",
        db=db,
    )


def bench_batched(n: int, batch: int, db: str) -> None:
    from yimen.ledger import services

    start = time.perf_counter()
    for first in range(0, n, batch):
        services.entries_append(entries=[_entry(first + i) for i in range(batch)])
    emit(
        "appends_per_s",
        n // batch * batch / (time.perf_counter() - start),
        "entries/s",
        mode=f"batched_{batch}",
        db=db,
        n=n // batch * batch,
    )


def fill(target: int, batch: int) -> None:
    """Grow the log to `target` entries (only the first run at a given size pays for this)."""
    from yimen.ledger import selectors, services

    have = selectors.log_size()
    while have < target:
        count = min(batch, target - have)
        services.entries_append(entries=[_entry(have + i) for i in range(count)])
        have += count
        if have % (batch * 100) == 0:
            print(f"# filled {have}/{target}", file=sys.stderr, flush=True)


def bench_proofs(samples: int, db: str) -> None:
    """Proof latency at the log's size, first from the database alone (tiles off), then with the tile
    file filled (`yimen ledger tiles`, timed): the same random indexes and sizes in both."""
    from django.test import override_settings

    from yimen.ledger import nodecache, selectors, services

    size = selectors.log_size()
    with override_settings(YIMEN_LEDGER_TILE_DIR=""):
        _proofs(samples, db, size, "database")
    t0 = time.perf_counter()
    written, complete = services.tiles_fill()
    emit("tiles_fill_s", time.perf_counter() - t0, "s", db=db, written=written, complete_tiles=complete)
    nodecache.clear_all()
    _proofs(samples, db, size, "tiles")


def _proofs(samples: int, db: str, size: int, path: str) -> None:
    from yimen.ledger import selectors

    rng = random.Random(4)
    t0 = time.perf_counter()
    selectors.root_at(size=size)  # the first read in a process loads the upper tree levels (nodecache)
    emit("node_cache_warm_ms", (time.perf_counter() - t0) * 1000, "ms", db=db, tree_size=size, path=path)
    inclusion, consistency = [], []
    for _ in range(samples):
        index = rng.randrange(size)
        t0 = time.perf_counter()
        selectors.inclusion_proof(index=index, tree_size=size)
        inclusion.append(time.perf_counter() - t0)
        old = rng.randrange(1, size)
        t0 = time.perf_counter()
        selectors.consistency_proof(size1=old, size2=size)
        consistency.append(time.perf_counter() - t0)
    for name, values in (("inclusion", inclusion), ("consistency", consistency)):
        for q in (0.5, 0.99):
            value = percentile(values, q) * 1000
            emit(f"{name}_proof_ms_p{round(q * 100)}", value, "ms", db=db, tree_size=size, path=path)
    emit(
        "inclusion_proof_ms_mean", statistics.fmean(inclusion) * 1000, "ms", db=db, tree_size=size, path=path
    )


def bench_audit(db: str) -> None:
    from yimen.ledger import auditor, services

    services.checkpoint_sign()
    start = time.perf_counter()
    report = auditor.tree_audit(batch_size=10000)
    elapsed = time.perf_counter() - start
    emit("audit_rows_per_s", report.checked / elapsed, "entries/s", db=db, n=report.checked, ok=report.ok)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000, help="log size for proofs and audit")
    parser.add_argument("--appends", type=int, default=2000, help="single appends to time")
    parser.add_argument("--batch", type=int, default=1000, help="entries per batched append")
    parser.add_argument("--samples", type=int, default=2000, help="proofs to time")
    parser.add_argument("--skip-audit", action="store_true")
    parser.add_argument("--proofs-only", action="store_true", help="no appends: proofs (and audit) only")
    args = parser.parse_args()
    configured = os.environ.get("DATABASE_URL", DEFAULT_URL)
    url = os.environ.get("YIMEN_BENCH_DATABASE_URL") or bench_url(configured)
    db = setup(url)
    print(f"# ledger bench on {db}: {url}", file=sys.stderr, flush=True)
    if not args.proofs_only:
        bench_floor(args.appends, db)
        bench_single(args.appends, db)
        bench_concurrent(args.appends, 4, db)
        bench_concurrent(args.appends, 8, db)
        bench_batched(20 * args.batch, args.batch, db)
    fill(args.entries, args.batch)
    bench_proofs(args.samples, db)
    if not args.skip_audit:
        bench_audit(db)


if __name__ == "__main__":
    main()
