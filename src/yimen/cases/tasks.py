"""Background work through Django's tasks API (django-tasks backport; the database backend by default).

`deadline_reminders` runs once a day: `yimen cases remind` enqueues it (from cron or a systemd timer),
and `manage.py db_worker` executes it.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def deadline_reminders(day: str | None = None) -> dict[str, int]:
    """Remind handlers of due-soon and overdue cases; `day` is an ISO date (default: today)."""
    from yimen.cases.services import reminders_send

    return reminders_send(today=dt.date.fromisoformat(day) if day else None)
