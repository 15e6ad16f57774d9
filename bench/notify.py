"""Notifications benchmark: campaign fan-out (notifications queued per second) and the delivery worker
(text messages delivered per second through the file provider). One JSON object per line.

    .venv/bin/python bench/notify.py                                   # PostgreSQL, database yimen_notify_bench
    .venv/bin/python bench/notify.py --notifications 200000 --workers 2
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yimen .venv/bin/python bench/notify.py

It never writes to the configured database: it uses a sibling named `<name>_notify_bench` (created and
migrated if needed; YIMEN_BENCH_DATABASE_URL overrides) with the bench settings (PostgreSQL, DEBUG off).
The first run adds --notifications synthetic residents; every run empties the notify tables first, so
runs are comparable (frequency caps and dedupe keys start clean).

Figures, for a campaign of --notifications recipients on the inbox and text channels:
  queued_per_s     notifications (each with its inbox and text deliveries) created per second by the
                   campaign's chunk tasks, i.e. `notifications_send_bulk`; campaign_create is timed apart;
  delivered_per_s  text deliveries claimed, sent through the file provider (JSON lines) and settled per
                   second by `deliveries_process` batches (--workers processes, SKIP LOCKED);
  end_to_end_per_s notifications from campaign_create to the last delivery settled;
  single_send_ms   p50/p99 of `notification_send` for one person, one transaction each.
The tasks are collected with the dummy backend and their functions called in this process, so the
figures are the services' own cost without a task queue in between.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yimen"


def bench_url(configured: str) -> str:
    parts = urlsplit(configured)
    name = parts.path.lstrip("/") or "yimen"
    if not name.endswith("_notify_bench"):
        name += "_notify_bench"
    return urlunsplit(parts._replace(path="/" + name))


def ensure_postgres_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(url: str, outbox: Path) -> None:
    if not url.startswith("postgres"):
        sys.exit("bench/notify.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    ensure_postgres_database(url)
    var = REPO / "var" / "bench"
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "yimen.config.settings.bench",
            "YIMEN_TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "YIMEN_SMS_PROVIDER": "file",
            "YIMEN_SMS_OUTBOX": str(outbox),
            "YIMEN_NOTIFY_QUIET_HOURS": "",  # the figures must not depend on the hour the bench runs at
            "YIMEN_LEDGER_KEY_DIR": str(var / "notify-ledger-keys"),
            "YIMEN_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }
    )
    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(REPO / "bench"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def residents(n: int) -> list[int]:
    """At least n living residents (synthetic, valid ID numbers, mobile numbers); returns n ids."""
    from yimen.common.identity import make_id_number
    from yimen.registry.models import Person

    have = Person.objects.filter(id_number__startswith="440604", status="alive").count()
    if have < n:
        start = Person.objects.count()
        surnames, given = "陈李黄梁张何吴林罗郑谭麦冯邓", "志明丽芳伟强嘉欣国栋婉琳永康振东慧敏"
        rows = []
        for i in range(start, start + (n - have)):
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=i // 1000)
            rows.append(
                Person(
                    id_number=make_id_number("440604", birth, i % 1000),
                    name=surnames[i % len(surnames)] + given[i % 7 * 2 : i % 7 * 2 + 2],
                    gender="M" if i % 2 else "F",
                    birth_date=birth,
                    hukou_region="440604",
                    phone=f"13{i % 7 + 3}{i:08d}"[-11:],
                )
            )
        Person.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    return list(Person.objects.filter(status="alive").order_by("id").values_list("id", flat=True)[:n])


def reset_notify_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notify_deliveryattempt, notify_delivery, notify_notification, "
            "notify_campaignrecipient, notify_campaign, notify_preference RESTART IDENTITY CASCADE"
        )


def staff_user():
    from yimen.accounts.models import Role, User

    user, _ = User.objects.get_or_create(
        username="bench-notify", defaults={"role": Role.DATA_ADMIN, "full_name": "推送压测"}
    )
    return user


def worker(limit: int, queue) -> None:
    """A delivery worker in its own process: batches until nothing is due."""
    import django
    from django.db import connections

    connections.close_all()
    django.setup()
    from yimen.notify.services import deliveries_process

    total = 0
    while claimed := deliveries_process(limit=limit):
        total += claimed
    queue.put(total)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notifications", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1000, help="deliveries per worker batch")
    parser.add_argument("--chunk", type=int, default=2000, help="recipients per campaign chunk task")
    parser.add_argument("--workers", type=int, default=1, help="delivery worker processes")
    parser.add_argument("--singles", type=int, default=1000, help="one-person sends timed one by one")
    args = parser.parse_args()

    configured = os.environ.get("YIMEN_BENCH_DATABASE_URL") or bench_url(
        os.environ.get("DATABASE_URL", DEFAULT_URL)
    )
    outbox = REPO / "var" / "bench" / "sms-outbox.jsonl"
    outbox.parent.mkdir(parents=True, exist_ok=True)
    os.environ["YIMEN_NOTIFY_CHUNK_SIZE"] = str(args.chunk)
    setup(configured, outbox)

    from _setup import emit, percentiles
    from django_tasks import default_task_backend

    from yimen.notify import services
    from yimen.notify.models import Delivery, Notification

    ids = residents(args.notifications + args.singles)
    campaign_ids, single_ids = ids[: args.notifications], ids[args.notifications :]
    reset_notify_tables()
    outbox.write_text("")
    actor = staff_user()
    common = {"n": len(campaign_ids), "chunk": args.chunk, "batch": args.batch, "workers": args.workers}

    t0 = time.perf_counter()
    campaign = services.campaign_create(
        name="压测：养老服务政策推送",
        template_code="campaign_elderly_care",
        person_ids=campaign_ids,
        context={"year": 2026, "age": 80},
        channels=["inbox", "sms"],
        actor=actor,
        confirm=True,
    )
    t_created = time.perf_counter()
    default_task_backend.results.clear()
    services.campaign_start(campaign=campaign, actor=actor)
    chunks = [r for r in default_task_backend.results if r.task.name == "campaign_chunk"]
    for result in chunks:
        result.task.call(*result.args, **result.kwargs)
    t_queued = time.perf_counter()
    notifications = Notification.objects.filter(campaign=campaign).count()
    due = Delivery.objects.filter(campaign=campaign, channel="sms", state="created").count()
    emit("notify", "campaign_create_s", t_created - t0, "s", **common)
    emit("notify", "queued_per_s", notifications / (t_queued - t_created), "notifications/s", **common)

    if args.workers == 1:
        delivered = 0
        while claimed := services.deliveries_process(limit=args.batch):
            delivered += claimed
    else:
        from django.db import connections

        connections.close_all()
        queue = multiprocessing.get_context("fork").Queue()
        procs = [
            multiprocessing.get_context("fork").Process(target=worker, args=(args.batch, queue))
            for _ in range(args.workers)
        ]
        for p in procs:
            p.start()
        delivered = sum(queue.get() for _ in procs)
        for p in procs:
            p.join()
    t_delivered = time.perf_counter()
    settled = Delivery.objects.filter(campaign=campaign, channel="sms", state="delivered").count()
    lines = sum(1 for _ in outbox.open(encoding="utf-8"))
    if settled != due or lines != due:
        sys.exit(f"delivery check failed: {due} due, {settled} delivered, {lines} lines in the outbox")
    emit("notify", "delivered_per_s", delivered / (t_delivered - t_queued), "deliveries/s", **common)
    emit("notify", "end_to_end_per_s", notifications / (t_delivered - t0), "notifications/s", **common)

    samples = []
    for pid in single_ids:
        start = time.perf_counter_ns()
        services.notification_send(
            person=pid,
            template_code="life_stage_offer",
            context={"item": "老年人优待证", "offers": ["高龄津贴", "居家养老服务"]},
            dedupe_key="offer:bench",
        )
        samples.append(time.perf_counter_ns() - start)
    if samples:
        for k, v in percentiles(samples).items():
            emit("notify", f"single_send_ms_{k}", v, "ms", n=len(samples))


if __name__ == "__main__":
    main()
