"""Case submissions under load: gunicorn on PostgreSQL, N concurrent HTTP clients on loopback.

    .venv/bin/python bench/case_submit.py --clients 16 --seconds 60 --workers 3

Uses its own database `yimen_bench_submit` (DATABASE_URL may name another, never `yimen`/`yimen_bench`),
migrates it and loads the small demo, then serves the app with gunicorn (`--workers` sync processes,
`--threads` per worker; `DJANGO_SETTINGS_MODULE=yimen.config.settings.bench`: DEBUG off, persistent
connections, plus the benchmark-only `/bench/floor`). Each client logs in as the demo clerk through the
login form (its own session and CSRF token) and loops for `--seconds`: POST /api/cases/ (a window
application for 老年人优待证 for a random demo resident, unique Idempotency-Key), ledger append included.
Then the same clients hit the floor - an authenticated POST through the same middleware that inserts
one row - for the same time. After the run: cases created == 201 answers, floor rows == floor answers,
and the full ledger audit passes. Prints JSON lines (rates per second, latencies in ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import _submit_env  # noqa: F401  (the database and settings, before Django starts)
from _setup import django_ready, emit, percentiles, submission_inputs

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "Yimen@2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(*, port: int, workers: int, threads: int) -> subprocess.Popen:
    cmd = [
        str(REPO / ".venv" / "bin" / "gunicorn"),
        "yimen.config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--backlog=256",
        "--log-level=warning",
        "--keep-alive=30",
    ]
    if threads > 1:
        cmd += ["--worker-class=gthread", f"--threads={threads}"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # gunicorn's arbiter stops its own workers
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def workers_cpu_seconds(master: int) -> float:
    """User + system CPU the gunicorn workers (children of the arbiter) have used so far: per-request
    CPU cost that stays meaningful when other processes compete for the cores."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


async def wait_ready(base: str, proc: subprocess.Popen) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {proc.returncode}")
            try:
                async with http.get(f"{base}/accounts/login/") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("gunicorn did not answer within 30 s")


class Client:
    """One simulated user: its own connection (keep-alive), cookie jar, session and CSRF token."""

    def __init__(self, base: str):
        import aiohttp

        self.base = base
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for 127.0.0.1
            connector=aiohttp.TCPConnector(limit=1),
        )
        self.csrf = ""

    async def login(self, username: str) -> None:
        async with self.http.get(f"{self.base}/accounts/login/") as r:
            await r.read()
        token = self._cookie("csrftoken")
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        async with self.http.post(f"{self.base}/accounts/login/", data=form, allow_redirects=False) as r:
            await r.read()
            if r.status != 302:
                raise SystemExit(f"login as {username} failed: HTTP {r.status}")
        self.csrf = self._cookie("csrftoken")  # rotated on login

    def _cookie(self, name: str) -> str:
        for cookie in self.http.cookie_jar:
            if cookie.key == name:
                return cookie.value
        raise SystemExit(f"no {name} cookie")

    async def post(self, path: str, body: dict | None, key: str) -> tuple[int, int]:
        headers = {"X-CSRFToken": self.csrf, "Idempotency-Key": key}
        t0 = time.perf_counter_ns()
        async with self.http.post(f"{self.base}{path}", json=body, headers=headers) as r:
            await r.read()
            status = r.status
        return status, time.perf_counter_ns() - t0

    async def close(self) -> None:
        await self.http.close()


async def phase(clients, *, path: str, body_for, seconds: float, warmup: float, run_id: str, tag: str):
    """All clients loop until the deadline; samples during the warm-up are not counted (but their
    writes are, for the correctness check). Returns (latencies of counted 2xx, counted ok, counted
    errors, measured seconds, every 201 including warm-up, error statuses seen, every request sent)."""
    t_start = time.perf_counter()
    t_measure = t_start + warmup
    t_end = t_measure + seconds
    lat: list[int] = []
    counts = {"ok": 0, "err": 0, "created": 0, "answered": 0}
    statuses: dict[int, int] = {}
    rng = random.Random(hash(tag))

    async def loop(client: Client, n: int) -> None:
        i = 0
        while True:
            now = time.perf_counter()
            if now >= t_end:
                return
            i += 1
            key = f"{run_id}-{tag}-{n}-{i}"
            try:
                status, ns = await client.post(path, body_for(rng), key)
            except Exception:
                status, ns = 599, 0
            counted = now >= t_measure
            counts["answered"] += 1
            if status == 201:
                counts["created"] += 1
            if 200 <= status < 300:
                if counted:
                    lat.append(ns)
                    counts["ok"] += 1
            else:
                statuses[status] = statuses.get(status, 0) + 1
                if counted:
                    counts["err"] += 1

    await asyncio.gather(*(loop(c, n) for n, c in enumerate(clients)))
    measured = time.perf_counter() - t_measure
    return lat, counts["ok"], counts["err"], measured, counts["created"], statuses, counts["answered"]


async def run_load(args, base: str, body_for, run_id: str, master: int) -> dict:
    clients = [Client(base) for _ in range(args.clients)]
    try:
        await asyncio.gather(*(c.login(args.user) for c in clients))
        out = {}
        for tag, path, bf in (
            ("submit", "/api/cases/", body_for),
            ("floor", "/bench/floor", lambda _r: None),
        ):
            cpu0 = workers_cpu_seconds(master)
            out[tag] = await phase(
                clients,
                path=path,
                body_for=bf,
                seconds=args.seconds,
                warmup=args.warmup,
                run_id=run_id,
                tag=tag,
            )
            out[tag + "_cpu"] = workers_cpu_seconds(master) - cpu0
        return out
    finally:
        await asyncio.gather(*(c.close() for c in clients))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=5, help="seconds per phase not counted")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help=">1 uses gunicorn's gthread workers")
    parser.add_argument("--user", default="clerk", help="demo account the clients log in as")
    parser.add_argument("--no-audit", action="store_true", help="skip the full ledger audit afterwards")
    args = parser.parse_args()

    django_ready(scale="small")
    from django.db import connection

    from yimen.benchfloor.models import FloorRow
    from yimen.cases.models import Case

    code, form, ids = submission_inputs()

    def body_for(rng: random.Random) -> dict:
        return {"item": code, "channel": "window", "id_number": rng.choice(ids), "form_data": form}

    run_id = f"b{uuid.uuid4().hex[:10]}"
    connection.close()  # the server's workers open their own

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port=port, workers=args.workers, threads=args.threads)
    try:
        asyncio.run(wait_ready(base, server))
        load_before = os.getloadavg()
        results = asyncio.run(run_load(args, base, body_for, run_id, server.pid))
        load_after = os.getloadavg()
    finally:
        stop_server(server)

    extra = {
        "clients": args.clients,
        "seconds": args.seconds,
        "workers": args.workers,
        "threads": args.threads,
        "server": "gunicorn " + ("gthread" if args.threads > 1 else "sync"),
        "loadavg_1m_before": round(load_before[0], 2),
        "loadavg_1m_after": round(load_after[0], 2),
    }
    rates = {}
    for tag, unit in (("submit", "submissions/s"), ("floor", "requests/s")):
        lat, ok, err, measured, _created, statuses, answered = results[tag]
        rates[tag] = ok / measured
        emit("case_submit", f"{tag}_rate", rates[tag], unit, **extra)
        if lat:
            pct = percentiles(lat)
            emit("case_submit", f"{tag}_p50", pct["p50"], "ms", **extra)
            emit("case_submit", f"{tag}_p99", pct["p99"], "ms", **extra)
            emit("case_submit", f"{tag}_max", pct["max"], "ms", **extra)
        emit(
            "case_submit",
            f"{tag}_worker_cpu_per_request",
            1000 * results[tag + "_cpu"] / max(answered, 1),
            "ms",
            note="gunicorn workers' CPU over the whole phase (warm-up included) / requests answered",
            **extra,
        )
        emit("case_submit", f"{tag}_errors", err, "requests", statuses=statuses, **extra)
    emit("case_submit", "floor_over_submit_ratio", rates["floor"] / max(rates["submit"], 1e-9), "x", **extra)

    # Correctness: every 201 made exactly one case (and one floor row); the ledger still audits clean.
    cases = Case.objects.filter(idempotency_key__startswith=f"{run_id}-submit-").count()
    rows = FloorRow.objects.filter(note__startswith=f"{run_id}-floor-").count()
    created_submit, created_floor = results["submit"][4], results["floor"][4]
    emit(
        "case_submit",
        "cases_created",
        cases,
        "cases",
        answered_201=created_submit,
        match=cases == created_submit,
    )
    emit(
        "case_submit",
        "floor_rows_created",
        rows,
        "rows",
        answered_201=created_floor,
        match=rows == created_floor,
    )
    ok = cases == created_submit and rows == created_floor
    if not args.no_audit:
        from yimen.ledger.auditor import tree_audit

        t0 = time.perf_counter()
        report = tree_audit()
        emit(
            "case_submit",
            "ledger_audit_ok",
            report.ok,
            "bool",
            entries=report.checked,
            seconds=round(time.perf_counter() - t0, 1),
            problem=report.problem,
        )
        ok = ok and report.ok
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
