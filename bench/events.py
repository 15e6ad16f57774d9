"""City governance events: report -> department live inbox latency, point-to-grid lookup, classification.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yimen .venv/bin/python bench/events.py --scale small

Dispatch latency: reports go in through `event_report` (locate, classify, route, dispatch, ledger) at
--rate per second for --seconds, filed by --workers processes (as a production server's workers would:
one Python process is one core at most); a thread of the main process holds the environment
department's real inbox stream (the server-sent events view) open, and the latency of a report is from
its slot in the schedule to the moment its row arrives on that stream. Targets: p99 <= 1 s at 50 reports/s for 60 s;
point-to-grid <= 50 us per lookup. Prints JSON lines.

Statistics at Chancheng scale (a database of its own: places with the full ~2,000 grids, the demo
accounts and the demo's 400,000 historical events; no persons, so it loads in minutes):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yimen_bench_events_stats \
        .venv/bin/python bench/events.py --stats-only --samples 30

For the last 30/90/365 days and three viewers (command centre, a street's grid worker, a department
handler) it times, sample by sample in alternation, the statistics read from the roll-up and the same
statistics computed from the events table (the old path), checks they are equal, and times the whole
statistics page (view + template) on the roll-up. Target: page p95 <= 500 ms on PostgreSQL.
"""

import argparse
import contextlib
import random
import threading
import time

from _setup import django_ready, emit, ensure_database, percentiles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="small", choices=["small", "full"])
    parser.add_argument("--rate", type=float, default=50.0, help="reports per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--lookups", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=3, help="intake processes (like gunicorn's workers)")
    parser.add_argument("--skip-micro", action="store_true", help="only the dispatch latency")
    parser.add_argument("--stats-only", action="store_true", help="only the statistics (own database)")
    parser.add_argument("--samples", type=int, default=30, help="statistics samples per case")
    parser.add_argument(
        "--locate-only", action="store_true", help="only point-to-grid, on the --scale grids (no demo people)"
    )
    args = parser.parse_args()
    if args.stats_only:
        bench_statistics(args.samples)
        return
    if args.locate_only:
        places_ready(grids=args.scale)
    else:
        django_ready(scale=args.scale)

    from yimen.places import locator, selectors

    grids = list(selectors.grids().values_list("centroid_lat", "centroid_lng"))
    from yimen.events.models import Event

    # A new seed per run (the events already stored): a rerun must not report the same spots again, or
    # its reports would be linked as duplicates of the last run's open events instead of dispatched.
    rng = random.Random(Event.objects.count())
    # Uniform over the district (points outside are dropped): duplicates within 50 m stay rare.
    lats, lngs = [g[0] for g in grids], [g[1] for g in grids]
    box = [
        (rng.uniform(min(lats), max(lats)), rng.uniform(min(lngs), max(lngs))) for _ in range(args.lookups)
    ]
    points = [p for p, where in zip(box, locator.locate_many(box), strict=True) if where is not None]
    if not args.skip_micro:
        bench_locate(locator, points, len(grids))
    if args.locate_only:
        return
    texts = bench_classify(skip=args.skip_micro)
    bench_dispatch(args, points, texts)


def bench_locate(locator, points, grid_count: int) -> None:
    def one(lat, lng):
        # a jittered point just outside the district: a refusal is also a lookup
        with contextlib.suppress(Exception):
            locator.locate(lat, lng)

    for lat, lng in points[:1000]:
        one(lat, lng)
    t0 = time.perf_counter()
    for lat, lng in points:
        one(lat, lng)
    single = (time.perf_counter() - t0) / len(points) * 1e6
    emit("events", "locate_us_per_point", single, "us", grids=grid_count, lookups=len(points))
    # The previous method on the same points, for comparison: an STRtree query per point.
    import shapely

    tree = locator._current().tree
    t0 = time.perf_counter()
    for lat, lng in points:
        locator._coordinates(lat, lng)
        tree.query(shapely.Point(lng, lat), predicate="intersects").min()
    strtree = (time.perf_counter() - t0) / len(points) * 1e6
    emit("events", "locate_strtree_us_per_point", strtree, "us", grids=grid_count, lookups=len(points))
    t0 = time.perf_counter()
    locator.locate_many(points)
    many = len(points) / (time.perf_counter() - t0)
    emit("events", "locate_many_points_per_s", many, "points/s", grids=grid_count, lookups=len(points))


def bench_classify(*, skip: bool = False) -> list[str]:
    from yimen.events.models import Subcategory
    from yimen.events.services import classify_text

    codes = list(Subcategory.objects.filter(department__code="HBJ").values_list("code", flat=True))
    try:
        from yimen.events.classifier import corpus_read

        corpus = corpus_read()
    except Exception:
        corpus = {}
    texts = [t for c in codes for t in corpus.get(c, [])] or ["祖庙路首层某汤粉店,后门窗口油烟直排扰民"]
    if skip:
        return texts
    sample = (texts * (2000 // len(texts) + 1))[:2000]
    classify_text(sample[0])  # load the model
    t0 = time.perf_counter()
    for text in sample:
        classify_text(text)
    emit(
        "events",
        "classify_texts_per_s",
        len(sample) / (time.perf_counter() - t0),
        "texts/s",
        texts=len(sample),
    )
    return texts


def _intake_worker(jobs, started_ns: int, interval_ns: int, out) -> None:
    """One intake process (as one gunicorn worker): files its share of the reports, each at its slot in
    the schedule, and sends back {number: slot} for those dispatched to the environment department."""
    from django.db import connection

    from yimen.accounts.models import User
    from yimen.common.errors import ValidationFailed
    from yimen.events.models import Channel
    from yimen.events.services import event_report

    citizen = User.objects.get(username="citizen")
    sent, counts, service = {}, {"other": 0, "refused": 0}, []
    try:
        for i, ((lat, lng), text) in jobs:
            slot = started_ns + i * interval_ns
            delay = (slot - time.monotonic_ns()) / 1e9
            if delay > 0:
                time.sleep(delay)
            begun = time.monotonic_ns()
            try:
                report = event_report(channel=Channel.CITIZEN, text=text, lat=lat, lng=lng, reporter=citizen)
            except ValidationFailed:  # a jittered point outside the district
                counts["refused"] += 1
                continue
            service.append(time.monotonic_ns() - begun)
            event = report.event
            if report.duplicate or event.status != "dispatched" or event.department.code != "HBJ":
                counts["other"] += 1
                continue
            sent[event.number] = slot  # latency counts any wait behind this worker's earlier reports
    finally:
        connection.close()
    out.put((sent, counts, service))


def bench_dispatch(args, points, texts) -> None:
    """Reports filed by --workers processes at --rate for --seconds; the environment department's real
    inbox stream (the server-sent events view) held open in this process. A report's latency runs from
    its slot in the schedule (on the shared monotonic clock) to its row's arrival on the stream."""
    import multiprocessing

    from django.conf import settings
    from django.db import connection, connections
    from django.test import RequestFactory

    from yimen.accounts.models import User
    from yimen.events import selectors
    from yimen.events.views import inbox_stream

    settings.YIMEN_EVENTS_STREAM_SECONDS = 3600
    handler = User.objects.select_related("department").get(username="handler_hb")
    arrived: dict[str, int] = {}
    stop = threading.Event()
    ready = threading.Event()
    cursor = selectors.last_history_id()

    def consume():
        after = cursor
        while not stop.is_set():
            request = RequestFactory().get("/events/inbox/stream/", {"after": after})
            request.user = handler
            ready.set()
            for chunk in inbox_stream(request).streaming_content:
                now = time.monotonic_ns()
                text = chunk.decode() if isinstance(chunk, bytes) else chunk
                if text.startswith("id: "):
                    after = int(text[4 : text.index("\n")])
                for part in text.split('id="ev-')[1:]:
                    arrived.setdefault(part.split('"', 1)[0], now)
                if stop.is_set():
                    break
        connection.close()

    total = int(args.rate * args.seconds)
    rng = random.Random(len(points))
    jobs = list(enumerate((points[rng.randrange(len(points))], rng.choice(texts)) for _ in range(total)))
    from yimen.events.services import classify_text

    classify_text(texts[0])  # the model is loaded before the fork, as a preloading server would
    connections.close_all()  # the forked workers open their own connections
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    interval_ns = int(1e9 / args.rate)
    started_ns = time.monotonic_ns() + int(1.5e9)  # the workers start and the stream opens meanwhile
    workers = [
        context.Process(target=_intake_worker, args=(jobs[w :: args.workers], started_ns, interval_ns, out))
        for w in range(args.workers)
    ]
    for worker in workers:
        worker.start()
    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    ready.wait(10)
    sent: dict[str, int] = {}
    counts = {"other": 0, "refused": 0}
    service: list[int] = []
    for _ in workers:
        part, part_counts, part_service = out.get(timeout=args.seconds + 600)
        sent.update(part)
        service.extend(part_service)
        for key, value in part_counts.items():
            counts[key] += value
    for worker in workers:
        worker.join()
    elapsed = (time.monotonic_ns() - started_ns) / 1e9
    if any(worker.exitcode for worker in workers):
        raise SystemExit("an intake worker failed")
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and not set(sent) <= set(arrived):
        time.sleep(0.05)
    stop.set()
    latencies = [arrived[n] - t for n, t in sent.items() if n in arrived]
    extra = {
        "reports": total,
        "dispatched_to_hbj": len(sent),
        "triage_duplicate_or_other_department": counts["other"],
        "refused_outside": counts["refused"],
        "missing": len(sent) - len(latencies),
        "offered_rate": args.rate,
        "achieved_rate": round(total / elapsed, 1),
        "seconds": round(elapsed, 1),
        "workers": args.workers,
    }
    if len(latencies) < 2:
        emit("events", "report_to_inbox_measured", len(latencies), "reports", **extra)
        return
    for k, v in percentiles(latencies).items():
        emit("events", f"report_to_inbox_{k}", v, "ms", **extra)
    for k, v in percentiles(service).items():  # the intake call alone, inside a worker
        emit("events", f"event_report_call_{k}", v, "ms", workers=args.workers)


def places_ready(*, grids: str) -> None:
    """Migrate and load the districts' divisions with the small (~600) or full (~2,000) grids."""
    import django
    from django.core.management import call_command

    ensure_database()
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from yimen.places.services import reference_load

    reference_load(grids=grids)


def stats_ready() -> None:
    """Migrate; load places with the full grids, the demo accounts and the full demo event history (the
    loader does nothing when events exist); build the roll-up if it has not been built."""
    places_ready(grids="full")
    from yimen.demo.accounts import demo_accounts_ensure
    from yimen.demo.events import demo_events_load
    from yimen.events.models import RollupState
    from yimen.events.services import statistics_rollup_rebuild

    demo_accounts_ensure()
    demo_events_load(scale="full")
    if not RollupState.objects.exists():
        t0 = time.perf_counter()
        done = statistics_rollup_rebuild(actor="bench")
        emit(
            "events",
            "statistics_rollup_rebuild_s",
            time.perf_counter() - t0,
            "s",
            events=done["events"],
            tally_rows=done["tally_rows"],
            grid_rows=done["grid_rows"],
        )


def bench_statistics(samples: int) -> None:
    import datetime as dt

    stats_ready()
    from django.db import connection
    from django.test import RequestFactory
    from django.utils import timezone

    from yimen.accounts.models import User
    from yimen.events.models import DailyGridTally, DailyTally, Event
    from yimen.events.statistics import statistics
    from yimen.events.views import stats

    users = {u.username: u for u in User.objects.filter(username__in=["command", "grid_zm", "handler_hb"])}
    size = {
        "events": Event.objects.count(),
        "tally_rows": DailyTally.objects.count(),
        "grid_rows": DailyGridTally.objects.count(),
    }
    for days in (30, 90, 365):
        for who in ("command", "grid_zm", "handler_hb"):
            user = users[who]
            since = timezone.now() - dt.timedelta(days=days)
            period = Event.objects.filter(created_at__gte=since).count()
            timings = {"rollup": [], "direct": []}
            answers = {}
            for i in range(samples + 2):  # two warm-up rounds, not counted
                for source in ("rollup", "direct") if i % 2 else ("direct", "rollup"):
                    t0 = time.perf_counter_ns()
                    answers[source] = statistics(user, since=since, source=source)
                    if i >= 2:
                        timings[source].append(time.perf_counter_ns() - t0)
            equal = answers["rollup"] == answers["direct"]
            for source, times in timings.items():
                q = percentiles(times)
                emit(
                    "events",
                    f"statistics_{source}_ms",
                    q["p50"],
                    "ms",
                    p95=round(q["p95"], 2),
                    max=round(q["max"], 2),
                    days=days,
                    viewer=who,
                    events_in_period=period,
                    samples=samples,
                    rollup_equals_direct=equal,
                    **size,
                )
            if who == "command":
                page = []
                for i in range(samples + 2):
                    request = RequestFactory().get("/events/stats/", {"days": str(days)})
                    request.user = user
                    t0 = time.perf_counter_ns()
                    response = stats(request)
                    assert response.status_code == 200
                    if i >= 2:
                        page.append(time.perf_counter_ns() - t0)
                q = percentiles(page)
                emit(
                    "events",
                    "statistics_page_ms",
                    q["p50"],
                    "ms",
                    p95=round(q["p95"], 2),
                    max=round(q["max"], 2),
                    days=days,
                    viewer=who,
                    events_in_period=period,
                    samples=samples,
                    source="rollup",
                    **size,
                )
    connection.close()


if __name__ == "__main__":
    main()
