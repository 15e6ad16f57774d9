"""The daily life-event scan (推送办 part 3) over the full demo world.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yimen .venv/bin/python bench/triggers.py

Uses the database in DATABASE_URL as it is when it holds persons (the full demo: 1.2M persons; an empty
one gets the demo world first, as bench/proactive.py does). Removes earlier life-event offers, scans and
their notifications (this bench's own rows), then scans three days and prints JSON lines per day and per
rule: an ordinary day (birthdays, retirement ages, expiring licences, the catch-up of births, deaths and
new enterprises), 1 April (the kindergarten and primary-school cohorts, offered to their parents) and
20 June (the year's university graduates, about 1/80 of the population, offered to themselves), and the
same day scanned again (everything already offered). Target: a day's scan <= 2 minutes at 1.2M persons.
"""

import argparse
import datetime as dt
import time

from _setup import emit, ensure_database
from proactive import demo_if_empty


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="full", choices=["small", "full"])
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()

    import django

    ensure_database()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    demo_if_empty(args.scale)

    from yimen.notify.models import Notification
    from yimen.proactive.models import Offer, TriggerScan
    from yimen.proactive.services import triggers_load
    from yimen.proactive.triggers import scan
    from yimen.registry.models import Person

    persons = Person.objects.count()
    triggers_load()
    Offer.objects.all().delete()
    TriggerScan.objects.all().delete()
    Notification.objects.filter(dedupe_key__startswith="trigger:").delete()

    days = {
        "ordinary_day": dt.date(args.year, 11, 25),
        "school_cohorts_day": dt.date(args.year, 4, 1),
        "graduation_day": dt.date(args.year, 6, 20),
    }
    for label, day in [*days.items(), ("graduation_day_again", days["graduation_day"])]:
        t0 = time.perf_counter()
        result = scan.scan_day(day)
        seconds = time.perf_counter() - t0
        emit(
            "triggers",
            f"scan_{label}",
            seconds,
            "s",
            day=day.isoformat(),
            persons=persons,
            hits=sum(r["hits"] for r in result.values()),
            offered=sum(r["new"] for r in result.values()),
            offers=sum(r["offers"] for r in result.values()),
            notified=sum(r["notified"] for r in result.values()),
        )
        for code, r in result.items():
            emit(
                "triggers",
                f"rule_{code}",
                r["seconds"],
                "s",
                day=day.isoformat(),
                **{k: r[k] for k in ("hits", "new", "offers", "notified", "skipped")},
            )


if __name__ == "__main__":
    main()
