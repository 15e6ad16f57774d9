"""The scheduler's due logic with an injected clock: intervals, daily slots in Asia/Shanghai, catch-up
once after downtime, no re-run after a restart, retry after a failure, `--once`."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from yimen.common import schedule
from yimen.common.schedule import SHANGHAI, Job, StateStore, due_jobs, run_due


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def calls():
    return []


@pytest.fixture
def jobs(calls):
    def fail():
        raise RuntimeError("boom")

    return {
        "tick": Job(
            name="tick", description="", every=dt.timedelta(minutes=5), func=lambda: calls.append("tick")
        ),
        "daily": Job(
            name="daily", description="", daily_at=dt.time(8, 0), func=lambda: calls.append("daily")
        ),
        "broken": Job(name="broken", description="", daily_at=dt.time(2, 0), func=fail),
    }


@pytest.fixture
def store(tmp_path):
    return StateStore(tmp_path / "state.json")


def run(now, store, jobs):
    lines = []
    results = run_due(now=now, store=store, jobs=jobs, log=lines.append)
    return {r.job: r.ok for r in results}, lines


def test_interval_and_daily_due_then_not_again(store, jobs, calls):
    ran, lines = run(at(4, 9), store, jobs)
    assert ran == {"tick": True, "daily": True, "broken": False}
    assert calls == ["tick", "daily"] and len(lines) == 3 and "FAILED" in lines[2] and "boom" in lines[2]
    # A restart a minute later (state read back from the file): nothing is due again.
    ran, _ = run(at(4, 9, 1), StateStore(store.path), jobs)
    assert ran == {}
    ran, _ = run(at(4, 9, 5), store, jobs)
    assert ran == {"tick": True}


def test_daily_job_waits_for_its_slot(store, jobs, calls):
    run(at(4, 9), store, jobs)
    calls.clear()
    # The loop sleeps until the earliest due moment: the interval job, before the failed job's retry.
    assert schedule.next_wakeup(at(4, 9, 1), store.load(), jobs) == at(4, 9, 5)
    assert "daily" not in {j.name for j in due_jobs(at(5, 7, 59), store.load(), jobs)}
    assert "daily" in {j.name for j in due_jobs(at(5, 8, 0), store.load(), jobs)}


def test_missed_slots_caught_up_once(store, jobs, calls):
    run(at(4, 9), store, jobs)
    calls.clear()
    # Down for three days: the daily job runs once, not three times, then waits for tomorrow's slot.
    run(at(7, 12), store, jobs)
    assert calls.count("daily") == 1
    run(at(7, 13), store, jobs)
    assert calls.count("daily") == 1
    run(at(8, 8, 1), store, jobs)
    assert calls.count("daily") == 2


def test_failed_job_retried_after_backoff(store, jobs):
    run(at(4, 9), store, jobs)
    assert "broken" not in {j.name for j in due_jobs(at(4, 9, 5), store.load(), jobs)}
    assert "broken" in {j.name for j in due_jobs(at(4, 9, 11), store.load(), jobs)}
    assert store.load()["broken"]["error"] == "RuntimeError: boom"


def test_job_needs_one_schedule_and_one_action():
    with pytest.raises(ValueError):
        Job(name="x", description="", every=dt.timedelta(minutes=1), daily_at=dt.time(1), command=("a",))
    with pytest.raises(ValueError):
        Job(name="x", description="", every=dt.timedelta(minutes=1))


def test_registered_jobs_name_real_commands():
    from django.core.management import get_commands, load_command_class

    commands = get_commands()
    for job in schedule.JOBS.values():
        name, sub, *options = job.command
        parser = load_command_class(commands[name], name).create_parser("yimen", name)
        parser.parse_args([sub, *options])  # exits on an unknown subcommand or option
    assert schedule.JOBS["events-escalate"].every == dt.timedelta(minutes=5)
    assert schedule.JOBS["cases-remind"].daily_at == dt.time(8, 0)


@pytest.mark.django_db
def test_once_command_runs_due_jobs_and_records_them(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(
        schedule,
        "JOBS",
        {
            "only": Job(
                name="only", description="", every=dt.timedelta(minutes=5), command=("events", "escalate")
            )
        },
    )
    out = io.StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert " only ok " in out.getvalue()
    assert StateStore.default().load()["only"]["last_run"]
    out = io.StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert out.getvalue() == ""
