"""Use cases of the common app: seeding and editing the working-day calendar (each change audited)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext

from yimen.common import audit
from yimen.common.errors import ValidationFailed
from yimen.common.models import CalendarDay, CalendarYear


@transaction.atomic
def calendar_seed_from_package(*, actor=None) -> dict[str, int]:
    """Load every year `chinese-calendar` knows. Re-running adds nothing new; admin-entered days win."""
    from chinese_calendar import constants

    existing = set(CalendarDay.objects.values_list("date", flat=True))
    new = []
    for table, kind in (
        (constants.holidays, CalendarDay.Kind.HOLIDAY),
        (constants.workdays, CalendarDay.Kind.WORKDAY),
    ):
        for day, holiday in table.items():
            if day in existing:
                continue
            name = str(getattr(holiday, "value", holiday) or "")
            new.append(
                CalendarDay(
                    date=day, kind=kind, name=_HOLIDAY_NAMES.get(name, name), source="chinese-calendar"
                )
            )
    CalendarDay.objects.bulk_create(new, batch_size=500)
    years = sorted({d.year for d in constants.holidays})
    known = set(CalendarYear.objects.values_list("year", flat=True))
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source="chinese-calendar") for y in years if y not in known]
    )
    if new:
        audit.record(
            kind="calendar.seeded",
            subject="common.calendar",
            actor=actor,
            content={"days": len(new), "years": [min(years), max(years)]},
        )
    return {"days": len(new), "years": len([y for y in years if y not in known])}


@transaction.atomic
def calendar_day_set(*, day: dt.date, kind: str, name: str = "", actor=None) -> CalendarDay:
    if kind not in CalendarDay.Kind.values:
        raise ValidationFailed(
            gettext("未知类型 “%(kind)s”，应为 holiday 或 workday") % {"kind": kind}, field="kind"
        )
    obj, _ = CalendarDay.objects.update_or_create(
        date=day, defaults={"kind": kind, "name": name, "source": CalendarDay.Source.ADMIN}
    )
    audit.record(
        kind="calendar.day_set", subject=obj, actor=actor, content={"date": day, "kind": kind, "name": name}
    )
    return obj


@transaction.atomic
def calendar_day_delete(*, day: dt.date, actor=None) -> None:
    deleted, _ = CalendarDay.objects.filter(date=day).delete()
    if deleted:
        audit.record(
            kind="calendar.day_deleted",
            subject=f"common.calendarday:{day}",
            actor=actor,
            content={"date": day},
        )


@transaction.atomic
def calendar_year_mark_complete(*, year: int, actor=None) -> CalendarYear:
    obj, _ = CalendarYear.objects.update_or_create(year=year, defaults={"source": "admin", "complete": True})
    audit.record(kind="calendar.year_complete", subject=obj, actor=actor, content={"year": year})
    return obj


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
