"""The periodic jobs and when they are due: what `yimen scheduler` runs (in a loop beside the server, or
once per minute from cron with `--once`).

    JOBS                       name -> Job (an interval, or a daily time in Asia/Shanghai)
    due_jobs(now, state)       the jobs due at `now`, given when each last ran
    run_due(now=..., store=..) run them, record each run, return one RunResult per job

A job runs a management command (`("events", "escalate")`) or a callable. Each run is recorded in a JSON
file under VAR_DIR (`scheduler/state.json`), written atomically, so a restart neither runs a daily job
again the same day nor skips a slot it missed: a daily job is due when its last run is older than its
latest slot, however many slots were missed (catch up once); an interval job is due `every` after its
last run. A failed run is retried after `RETRY_AFTER`, not on every tick. A lock file keeps a cron
`--once` and the `make run` loop from running the same jobs at the same time.

Why a file and not a table: the scheduler must run before and without any migration of its own, and
its state is operational (when did a job last run), not a record anyone audits: each job's own service
writes the ledger entries for what it changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
RETRY_AFTER = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Job:
    """One periodic job: `every` (an interval) or `daily_at` (a local time in Asia/Shanghai), and either
    `command` (a management command's argv) or `func` (a callable without arguments)."""

    name: str
    description: str
    every: dt.timedelta | None = None
    daily_at: dt.time | None = None
    command: tuple[str, ...] = ()
    func: Callable[[], Any] | None = field(default=None, compare=False)

    def __post_init__(self):
        if (self.every is None) == (self.daily_at is None):
            raise ValueError(f"job {self.name}: give exactly one of every / daily_at")
        if bool(self.command) == (self.func is not None):
            raise ValueError(f"job {self.name}: give exactly one of command / func")

    def latest_slot(self, now: dt.datetime) -> dt.datetime:
        """A daily job's most recent scheduled moment at or before `now`."""
        local = now.astimezone(SHANGHAI)
        slot = dt.datetime.combine(local.date(), self.daily_at, tzinfo=SHANGHAI)
        return slot if slot <= local else slot - dt.timedelta(days=1)

    def next_due(self, last_run: dt.datetime | None, now: dt.datetime) -> dt.datetime:
        """When the job is next due (in the past or `now` when it is due already)."""
        if self.every is not None:
            return now if last_run is None else last_run + self.every
        slot = self.latest_slot(now)
        if last_run is None or last_run < slot:
            return slot
        return slot + dt.timedelta(days=1)

    def schedule_label(self) -> str:
        if self.every is not None:
            return f"every {int(self.every.total_seconds() // 60)} min"
        return f"daily {self.daily_at:%H:%M} Asia/Shanghai"

    def run(self) -> str:
        """Run once; returns the output's last line (for the log)."""
        if self.func is not None:
            result = self.func()
            return "" if result is None else str(result)
        from django.core.management import call_command

        out = io.StringIO()
        call_command(*self.command, stdout=out, stderr=out)
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        return lines[-1] if lines else ""


JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    if job.name in JOBS:
        raise ValueError(f"job {job.name} registered twice")
    JOBS[job.name] = job
    return job


# The platform's periodic work. Commands run in the scheduler's process (not enqueued), so "ran" in the
# state file means the work is done, also under cron where no task worker may be running.
register(
    Job(
        name="events-escalate",
        description="一网统管：超期事件升级督办 / escalate overdue events",
        every=dt.timedelta(minutes=5),
        command=("events", "escalate"),
    )
)
register(
    Job(
        name="ledger-checkpoint",
        description="防篡改账本：签名检查点 / sign a checkpoint of the ledger (and have the witness cosign)",
        every=dt.timedelta(minutes=1),
        command=("ledger", "checkpoint"),
    )
)
register(
    Job(
        name="ledger-tiles",
        description="防篡改账本：补齐本地证明瓦片 / fill the ledger's local proof tiles",
        every=dt.timedelta(minutes=1),
        command=("ledger", "tiles"),
    )
)
register(
    Job(
        name="policies-match",
        description="惠企政策匹配 / match enterprises to support policies",
        daily_at=dt.time(2, 0),
        command=("policies", "match"),
    )
)
register(
    Job(
        name="proactive-triggers-scan",
        description="推送办：每日人生事件扫描 / daily life-event scan",
        daily_at=dt.time(6, 30),
        command=("proactive", "triggers", "--scan"),
    )
)
register(
    Job(
        name="cases-remind",
        description="办件时限提醒 / case deadline reminders",
        daily_at=dt.time(8, 0),
        command=("cases", "remind", "--now"),
    )
)


class StateStore:
    """When each job last ran: {name: {"last_run": iso, "failed_at": iso, "error": str, "seconds": s}}."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def default(cls) -> StateStore:
        from django.conf import settings

        return cls(Path(settings.VAR_DIR) / "scheduler" / "state.json")

    def load(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (ValueError, OSError) as exc:
            raise RuntimeError(f"scheduler state unreadable ({self.path}): {exc}") from exc
        return data if isinstance(data, dict) else {}

    def save(self, state: dict[str, dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)

    @contextlib.contextmanager
    def locked(self) -> Iterator[bool]:
        """Yields True when this process holds the scheduler lock, False when another one does."""
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def moment(value: str | None) -> dt.datetime | None:
    """A moment stored in the state file (ISO 8601), or None."""
    return dt.datetime.fromisoformat(value) if value else None


def due_jobs(now: dt.datetime, state: dict[str, dict], jobs: dict[str, Job] | None = None) -> list[Job]:
    """The jobs due at `now` (registration order); a job that failed waits RETRY_AFTER before a retry."""
    due = []
    for job in (JOBS if jobs is None else jobs).values():
        row = state.get(job.name, {})
        failed_at = moment(row.get("failed_at"))
        if failed_at is not None and now < failed_at + RETRY_AFTER:
            continue
        if job.next_due(moment(row.get("last_run")), now) <= now:
            due.append(job)
    return due


def next_wakeup(now: dt.datetime, state: dict[str, dict], jobs: dict[str, Job] | None = None) -> dt.datetime:
    """The earliest moment any job becomes due."""
    moments = []
    for job in (JOBS if jobs is None else jobs).values():
        row = state.get(job.name, {})
        due = job.next_due(moment(row.get("last_run")), now)
        failed_at = moment(row.get("failed_at"))
        if failed_at is not None:
            due = max(due, failed_at + RETRY_AFTER)
        moments.append(due)
    return min(moments, default=now + dt.timedelta(minutes=5))


@dataclass(frozen=True)
class RunResult:
    job: str
    ok: bool
    seconds: float
    output: str

    def log_line(self, started: dt.datetime) -> str:
        outcome = "ok" if self.ok else "FAILED"
        text = " ".join(self.output.split())[:300]
        return f"{started.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S%z} {self.job} {outcome} {self.seconds:.1f}s {text}"


def fresh_connections() -> None:
    """Between jobs of a long-running loop, drop broken or expired database connections (never inside a
    transaction: under a test's atomic block the connection is the test's)."""
    from django.db import close_old_connections, connection

    if not connection.in_atomic_block:
        close_old_connections()


def run_due(
    *,
    now: dt.datetime,
    store: StateStore,
    jobs: dict[str, Job] | None = None,
    log: Callable[[str], None] = print,
    clock: Callable[[], float] = time.monotonic,
    between: Callable[[], None] = lambda: None,
) -> list[RunResult]:
    """Run every job due at `now`, one after another; record each run as it ends (a crash midway keeps
    what already ran); one log line per run. A failing job is logged and recorded, the others still run.
    `between` runs before and after each job (the loop passes `fresh_connections`)."""
    results = []
    for job in due_jobs(now, store.load(), jobs):
        started = clock()
        between()
        try:
            output, ok = job.run(), True
        except (Exception, SystemExit) as exc:  # a command's CommandError exits; the loop must not
            output, ok = f"{type(exc).__name__}: {exc}", False
        finally:
            between()
        result = RunResult(job=job.name, ok=ok, seconds=clock() - started, output=output)
        state = store.load()
        row = state.setdefault(job.name, {})
        row["seconds"] = round(result.seconds, 3)
        if ok:
            row.update(last_run=now.isoformat(), failed_at=None, error="")
        else:
            row.update(failed_at=now.isoformat(), error=output[:500])
        store.save(state)
        log(result.log_line(now))
        results.append(result)
    return results
