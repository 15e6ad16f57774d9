"""`yimen cases remind [--day YYYY-MM-DD] [--now]`: enqueue (or run) the daily deadline reminders."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "办件时限提醒 / Enqueue the daily deadline reminders (run them with --now)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        remind = sub.add_parser("remind", help="remind handlers of due-soon and overdue cases")
        remind.add_argument("--day", default=None, help="ISO date, default today")
        remind.add_argument("--now", action="store_true", help="run in this process instead of enqueueing")

    def handle(self, *args, action, day=None, now=False, **opts):
        import datetime as dt

        from yimen.cases.tasks import deadline_reminders

        if day:
            try:
                dt.date.fromisoformat(day)
            except ValueError as exc:
                raise CommandError(f"--day: not an ISO date: {day}") from exc
        if now:
            result = deadline_reminders.call(day)
            self.stdout.write(f"reminders: {result}")
        else:
            result = deadline_reminders.enqueue(day)
            self.stdout.write(f"enqueued {result.id} ({result.status})")
