"""The daily life-event scan: the events that are dates (birthdays, reaching retirement age, the school
cohorts, certificates about to expire) and a catch-up of the recent event kinds whose data may arrive
without a service call (births and deaths loaded from department extracts, enterprises registered).

Each scanned day leaves a `TriggerScan` row; a run scans every day since the last scanned one (at most
`CATCH_UP_DAYS` back), so a night the worker was down is made up and no day is scanned twice. Every query
is on an indexed date column, so a scan over 1.2M persons takes seconds, not a pass over the library.
"""

from __future__ import annotations

import calendar
import datetime as dt
import time

from django.utils import timezone

from yimen.common.dates import years_before
from yimen.proactive.models import LifeEventTrigger, TriggerKind, TriggerScan
from yimen.proactive.triggers import engine
from yimen.proactive.triggers.engine import Hit
from yimen.registry.models import Enterprise, Person

CATCH_UP_DAYS = 7
# Deaths and new enterprises reach the library late (department extracts): look this far back.
RECENT_DAYS = 30


def _persons(**filters) -> list[int]:
    """Ids of the living persons matching `filters` (indexed date columns)."""
    return list(Person.objects.filter(status=Person.Status.ALIVE, **filters).values_list("pk", flat=True))


def birthday_hits(trigger: LifeEventTrigger, day: dt.date) -> list[Hit]:
    hits = []
    for age in trigger.params.get("ages", []):
        born = years_before(day, age)
        dates = [born]
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year) and calendar.isleap(born.year):
            # Someone born on 29 February has their birthday on the 28th in a common year.
            dates.append(born.replace(day=29))
        for pk in _persons(birth_date__in=dates):
            hits.append(Hit(person_id=pk, occasion=f"age:{age}", values={"age": age}))
    return hits


def retirement_hits(trigger: LifeEventTrigger, day: dt.date) -> list[Hit]:
    hits = []
    for gender, key in ((Person.Gender.MALE, "male"), (Person.Gender.FEMALE, "female")):
        age = trigger.params.get(key, 60 if key == "male" else 55)
        for pk in _persons(birth_date=years_before(day, age), gender=gender):
            hits.append(Hit(person_id=pk, occasion="retirement", values={"age": age}))
    return hits


def graduation_hits(trigger: LifeEventTrigger, day: dt.date) -> list[Hit]:
    """On the rule's day of the year: everyone who is `age` on 31 August of this year (the school year's
    cut-off), or their parents."""
    month, dom = (int(x) for x in trigger.params.get("day", "06-20").split("-"))
    if (day.month, day.day) != (month, dom):
        return []
    age = trigger.params["age"]
    cutoff = dt.date(day.year, 8, 31)
    youngest = years_before(cutoff, age)  # born on or before this date is `age` on the cut-off
    oldest = years_before(cutoff, age + 1) + dt.timedelta(days=1)
    people = _persons(birth_date__gte=oldest, birth_date__lte=youngest)
    values = {"year": day.year}
    if trigger.params.get("recipients", "self") == "self":
        return [Hit(person_id=pk, occasion=f"cohort:{day.year}", values=values) for pk in people]
    return [
        Hit(person_id=parent, occasion=f"cohort:{day.year}:{child}", values=values, about_person_id=child)
        for child, ps in engine.parents(people).items()
        for parent in sorted(ps)
    ]


def certificate_hits(trigger: LifeEventTrigger, day: dt.date) -> list[Hit]:
    from yimen.cases.models import Certificate

    # Every valid certificate expiring within the window that was not offered yet: a licence granted with
    # less time left, or one whose day the scan missed, still gets its notice.
    until = day + dt.timedelta(days=trigger.params.get("days", 30))
    qs = Certificate.objects.filter(
        state=Certificate.State.VALID, valid_until__gte=day, valid_until__lte=until
    )
    if trigger.params.get("certificates"):
        qs = qs.filter(name__in=trigger.params["certificates"])
    rows = list(
        qs.values_list(
            "pk", "number", "name", "valid_until", "holder_person_id", "holder_enterprise_id", "case__item_id"
        )
    )
    reps = engine.legal_representatives(r[5] for r in rows if r[5])
    listed = tuple(trigger.offers.values_list("pk", flat=True))
    hits = []
    for _pk, number, name, valid_until, person_id, enterprise_id, item_id in rows:
        recipient = person_id or reps.get(enterprise_id, (None, ""))[0]
        if recipient is None:
            continue
        hits.append(
            Hit(
                person_id=recipient,
                occasion=f"certificate:{number}:{valid_until:%Y%m%d}",
                values={"licence": name, "expires_on": f"{valid_until:%Y年%m月%d日}"},
                enterprise_id=enterprise_id,
                item_ids=listed or (item_id,),
            )
        )
    return hits


def birth_hits(trigger: LifeEventTrigger, day: dt.date) -> list[Hit]:
    since = day - dt.timedelta(days=trigger.params.get("within_days", 30))
    return engine.birth_hits(engine.newborns(since, day))


def death_hits(trigger: LifeEventTrigger, day: dt.date) -> list[Hit]:
    since = day - dt.timedelta(days=RECENT_DAYS)
    ids = Person.objects.filter(
        status=Person.Status.DECEASED, death_date__gte=since, death_date__lte=day
    ).values_list("pk", flat=True)
    return engine.death_hits(list(ids))


def enterprise_hits(trigger: LifeEventTrigger, day: dt.date) -> list[Hit]:
    since = day - dt.timedelta(days=RECENT_DAYS)
    ids = Enterprise.objects.filter(
        status=Enterprise.Status.ACTIVE, established_date__gte=since, established_date__lte=day
    ).values_list("pk", flat=True)
    return engine.enterprise_hits(list(ids))


SCANNERS = {
    TriggerKind.BIRTHDAY: birthday_hits,
    TriggerKind.RETIREMENT_AGE: retirement_hits,
    TriggerKind.GRADUATION: graduation_hits,
    TriggerKind.CERTIFICATE_EXPIRING: certificate_hits,
    TriggerKind.BIRTH: birth_hits,
    TriggerKind.DEATH: death_hits,
    TriggerKind.ENTERPRISE_ESTABLISHED: enterprise_hits,
}


def scan_day(day: dt.date, *, codes: list[str] | None = None) -> dict:
    """Fire every enabled date rule (and the catch-up of event rules) for one day; counts per rule."""
    out: dict[str, dict] = {}
    triggers = LifeEventTrigger.objects.filter(enabled=True, kind__in=list(SCANNERS)).select_related(
        "template"
    )
    if codes:
        triggers = triggers.filter(code__in=codes)
    for trigger in triggers.prefetch_related("offers__current_version"):
        started = time.perf_counter()
        hits = SCANNERS[trigger.kind](trigger, day)
        result = engine.fire(trigger, hits)
        result["seconds"] = round(time.perf_counter() - started, 3)
        out[trigger.code] = result
    return out


def days_to_scan(today: dt.date) -> list[dt.date]:
    last = (
        TriggerScan.objects.filter(finished_at__isnull=False)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    start = (
        today
        if last is None
        else max(last + dt.timedelta(days=1), today - dt.timedelta(days=CATCH_UP_DAYS - 1))
    )
    return [start + dt.timedelta(days=i) for i in range((today - start).days + 1)]


def triggers_scan(*, today: dt.date | None = None, force: bool = False) -> dict:
    """Scan the days not yet scanned up to `today` (with `force`: `today` again). {day: {rule: counts}}."""
    today = today or timezone.localdate()
    days = [today] if force else days_to_scan(today)
    out = {}
    for day in days:
        row, _ = TriggerScan.objects.update_or_create(
            day=day, defaults={"started_at": timezone.now(), "finished_at": None}
        )
        counts = scan_day(day)
        row.counts, row.finished_at = counts, timezone.now()
        row.save(update_fields=["counts", "finished_at"])
        out[day.isoformat()] = counts
    return out
