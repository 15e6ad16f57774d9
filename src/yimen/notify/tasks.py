"""Background work through Django's tasks API (django-tasks; the database backend by default).

Services never send anything themselves: after their transaction commits they call `sending_schedule`
(deliveries due now: `deliveries_send` at once; later ones, at the end of quiet hours or after a retry
backoff: `deliveries_send` deferred to that time, where the backend can defer) and `campaign_fan_out`
(one `campaign_chunk` task per chunk of recipients). `yimen notify send` sweeps for anything due, for
backends that cannot defer and after an outage.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

BATCH = 1000
_MAX_DEFERRED = 24  # distinct wake-up times enqueued per call


@task()
def deliveries_send(budget_seconds: float = 30.0) -> int:
    """Send due deliveries in batches until none is due; past the budget, hand over to a new task."""
    from yimen.notify.services import deliveries_process

    started, total = time.monotonic(), 0
    while True:
        claimed = deliveries_process(limit=BATCH)
        total += claimed
        if claimed < BATCH:
            return total
        if time.monotonic() - started > budget_seconds:
            deliveries_send.enqueue(budget_seconds)
            return total


@task()
def campaign_chunk(campaign_id: int, first: int, last: int) -> int:
    from yimen.notify.services import campaign_chunk_send

    return campaign_chunk_send(campaign_id=campaign_id, first=first, last=last)


def _minute_up(when: dt.datetime) -> dt.datetime:
    floor = when.replace(second=0, microsecond=0)
    return floor if floor == when else floor + dt.timedelta(minutes=1)


def sending_schedule(due: list[dt.datetime]) -> None:
    """On commit: wake a sender for deliveries due now, and (deferred) for each later due time."""
    now = timezone.now()
    if any(when <= now for when in due):
        deliveries_send.enqueue()
    if not deliveries_send.get_backend().supports_defer:
        return  # e.g. the immediate backend of the tests: `yimen notify send` picks later ones up
    later = sorted({_minute_up(when) for when in due if when > now})
    for when in later[:_MAX_DEFERRED]:
        deliveries_send.using(run_after=when).enqueue()
    if len(later) > _MAX_DEFERRED:
        logger.info(
            "notify: %d wake-up times, %d deferred; the sweep sends the rest", len(later), _MAX_DEFERRED
        )


def campaign_fan_out(campaign_id: int, chunks: list[tuple[int, int]]) -> None:
    """On commit of campaign_start: one task per chunk."""
    for first, last in chunks:
        campaign_chunk.enqueue(campaign_id, first, last)
