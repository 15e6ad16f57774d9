"""`yimen proactive tags --load [FILE] | --all [--enqueue] [--day YYYY-MM-DD] | --person ID...`
`yimen proactive triggers --load [FILE] | --scan [--enqueue] [--day YYYY-MM-DD] [--force]`

--load     load (create or update) the tag definitions of tags.yaml (or FILE)
--all      recompute every tag over the whole registry and rebuild the bitmaps (nightly); with
           --enqueue, put it on the task queue instead (cron or a systemd timer; `yimen db_worker` runs it)
--person   refresh the tags of these persons (and their households and relatives) now

triggers --load   load the life-event rules of triggers.yaml (or FILE)
triggers --scan   the daily scan: birthdays, retirement age, school cohorts, expiring certificates and a
                  catch-up of births, deaths and new enterprises, for each day since the last scan (at
                  most 7); --force scans --day (default today) again; --enqueue puts it on the queue
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yimen.common.errors import DomainError


class Command(BaseCommand):
    help = "推送办标签 / Proactive service tags: load definitions, recompute, refresh"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        tags = sub.add_parser("tags", help="load, recompute or refresh tags")
        tags.add_argument(
            "--load", nargs="?", const="", default=None, metavar="FILE", help="load tags.yaml or FILE"
        )
        tags.add_argument("--all", action="store_true", help="recompute every tag (nightly)")
        tags.add_argument("--enqueue", action="store_true", help="with --all: enqueue instead of running")
        tags.add_argument("--day", default=None, help="ISO date to compute ages for (default today)")
        tags.add_argument("--person", type=int, nargs="+", default=None, help="refresh these person ids")
        trig = sub.add_parser("triggers", help="load life-event rules or run the daily scan")
        trig.add_argument(
            "--load", nargs="?", const="", default=None, metavar="FILE", help="load triggers.yaml or FILE"
        )
        trig.add_argument("--scan", action="store_true", help="run the daily life-event scan")
        trig.add_argument("--force", action="store_true", help="with --scan: scan --day again")
        trig.add_argument("--enqueue", action="store_true", help="with --scan: enqueue instead of running")
        trig.add_argument("--day", default=None, help="ISO date to scan (default today)")

    def handle(self, *args, action, **opts):
        day = None
        if opts["day"]:
            try:
                day = dt.date.fromisoformat(opts["day"])
            except ValueError as exc:
                raise CommandError(f"--day: not an ISO date: {opts['day']}") from exc
        if action == "triggers":
            return self._triggers(day, opts)
        if opts["load"] is None and not opts["all"] and not opts["person"]:
            raise CommandError("nothing to do: give --load, --all or --person")
        try:
            if opts["load"] is not None:
                from yimen.proactive.services import tags_load

                counts = tags_load(path=opts["load"] or None, actor="system")
                self.stdout.write(f"tags loaded: {counts}")
            if opts["person"]:
                from yimen.proactive.services import tags_refresh_for

                self.stdout.write(json.dumps(tags_refresh_for(opts["person"], today=day), ensure_ascii=False))
            if opts["all"]:
                self._all(day, opts["enqueue"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _triggers(self, day, opts) -> None:
        from yimen.proactive import services

        if opts["load"] is None and not opts["scan"]:
            raise CommandError("nothing to do: give --load or --scan")
        try:
            if opts["load"] is not None:
                counts = services.triggers_load(path=opts["load"] or None, actor=None)
                self.stdout.write(f"triggers loaded: {counts}")
            if opts["scan"] and opts["enqueue"]:
                from yimen.proactive.tasks import triggers_scan_task

                result = triggers_scan_task.enqueue(day.isoformat() if day else None)
                self.stdout.write(f"enqueued {result.id} ({result.status})")
            elif opts["scan"]:
                for scanned, rules in services.triggers_scan(today=day, force=opts["force"]).items():
                    for code, c in rules.items():
                        self.stdout.write(
                            f"{scanned} {code:<28} found {c['hits']:>7,}  offered {c['new']:>7,}  "
                            f"notified {c['notified']:>7,}  {c.get('seconds', 0):>6.2f} s"
                        )
                    if not rules:
                        self.stdout.write(f"{scanned} no enabled rules")
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _all(self, day, enqueue: bool) -> None:
        if enqueue:
            from yimen.proactive.tasks import tags_recompute_all_task

            result = tags_recompute_all_task.enqueue(day.isoformat() if day else None)
            self.stdout.write(f"enqueued {result.id} ({result.status})")
            return
        from yimen.proactive.services import tags_recompute_all

        console = Console(stderr=True)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(
                        {"tags": "标签 tags", "divisions": "区划位图 divisions"}[stage], total=total
                    )
                bar.update(tasks[stage], completed=done)

            result = tags_recompute_all(today=day, progress=progress)
        for row in result["tags"]:
            self.stdout.write(
                f"{row['tag']:<24} {row['members']:>9,}  +{row['added']:<8,} -{row['removed']:<8,} {row['total_s']:>7.2f} s"
            )
        self.stdout.write(
            f"divisions: {result['divisions']} bitmaps, living persons: {result['universe']:,}; "
            f"total {result['total_s']:.1f} s"
        )
