"""`yimen scheduler [--once] [--list] [--tick SECONDS]`: run the periodic jobs of `yimen.common.schedule`.

    yimen scheduler            loop: run what is due, sleep until the next job is due (at most --tick)
    yimen scheduler --once     run what is due now and exit (for cron: `* * * * * yimen scheduler --once`)
    yimen scheduler --list     each job, its schedule, last run and next due time

One log line per run on stdout (`make run` writes them to var/scheduler.log).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yimen.common import schedule


class Command(BaseCommand):
    help = "定时任务调度 / Run the periodic jobs (escalation, reminders, daily scans) when they are due"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is due now and exit")
        parser.add_argument("--list", action="store_true", help="list the jobs and when they are next due")
        parser.add_argument(
            "--tick", type=float, default=30.0, help="longest sleep between checks, seconds (default 30)"
        )

    def handle(self, *args, once: bool, list: bool, tick: float, **opts):
        if tick <= 0:
            raise CommandError("--tick 须大于 0 (must be positive)")
        store = schedule.StateStore.default()
        try:
            if list:
                return self._list(store)
            if once:
                return self._once(store)
            self._loop(store, tick)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc

    def _log(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _list(self, store: schedule.StateStore) -> None:
        now, state = timezone.now(), store.load()
        for job in schedule.JOBS.values():
            row = state.get(job.name, {})
            last_run = schedule.moment(row.get("last_run"))
            last = f"{last_run.astimezone(schedule.SHANGHAI):%Y-%m-%d %H:%M}" if last_run else "-"
            nxt = job.next_due(last_run, now).astimezone(schedule.SHANGHAI)
            failed = f" failed {row['failed_at']}: {row.get('error', '')}" if row.get("failed_at") else ""
            self.stdout.write(
                f"{job.name}\t{job.schedule_label()}\tlast {last}\tnext {nxt:%Y-%m-%d %H:%M}{failed}"
                f"\t{job.description}"
            )

    def _once(self, store: schedule.StateStore) -> None:
        with store.locked() as mine:
            if not mine:
                self.stderr.write("另一个调度进程正在运行，本次跳过 (another scheduler holds the lock)")
                return
            schedule.run_due(now=timezone.now(), store=store, log=self._log)

    def _loop(self, store: schedule.StateStore, tick: float) -> None:
        self._log(f"scheduler started: {len(schedule.JOBS)} jobs, state {store.path}")
        while True:
            with store.locked() as mine:
                if mine:
                    schedule.run_due(
                        now=timezone.now(), store=store, log=self._log, between=schedule.fresh_connections
                    )
            now = timezone.now()
            wait = (schedule.next_wakeup(now, store.load()) - now).total_seconds()
            try:
                time.sleep(min(max(wait, 1.0), tick))
            except KeyboardInterrupt:
                self._log("scheduler stopped")
                return
