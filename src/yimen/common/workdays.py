"""Working-day arithmetic over the holiday table (common.CalendarDay).

A day is a working day when the table says it is an adjusted working day (调休上班), or when it is a
Monday-Friday that the table does not list as a holiday. Years whose official calendar is not in the
table (CalendarYear) fall back to plain weekends; callers can show `uncovered_years()` as a warning
until an administrator enters the State Council's notice for that year.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from yimen.common.models import CalendarDay, CalendarYear

log = logging.getLogger(__name__)
_warned: set[int] = set()


@dataclass(frozen=True)
class _Table:
    start: dt.date
    end: dt.date
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


def _table(start: dt.date, end: dt.date) -> _Table:
    rows = CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "kind")
    holidays = frozenset(d for d, k in rows if k == CalendarDay.Kind.HOLIDAY)
    workdays = frozenset(d for d, k in rows if k == CalendarDay.Kind.WORKDAY)
    missing = set(range(start.year, end.year + 1)) - set(
        CalendarYear.objects.filter(year__range=(start.year, end.year)).values_list("year", flat=True)
    )
    for year in sorted(missing - _warned):
        _warned.add(year)
        log.warning(
            "No official holiday calendar for %s: counting weekends only until an administrator enters it",
            year,
        )
    return _Table(start, end, holidays, workdays)


def uncovered_years(start: dt.date, end: dt.date) -> list[int]:
    """Years in [start, end] with no official calendar in the table."""
    known = set(
        CalendarYear.objects.filter(year__range=(start.year, end.year)).values_list("year", flat=True)
    )
    return [y for y in range(start.year, end.year + 1) if y not in known]


def is_working_day(day: dt.date) -> bool:
    return _table(day, day).is_working_day(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted); 0 gives start.

    Negative values count backwards. Accepting on a Friday with a 1-day limit gives the next Monday.
    """
    if days == 0:
        return start
    step = 1 if days > 0 else -1
    remaining = abs(days)
    span = remaining * 2 + 30
    while True:
        lo, hi = (
            (start, start + dt.timedelta(days=span)) if step > 0 else (start - dt.timedelta(days=span), start)
        )
        table = _table(lo, hi)
        day, left = start, remaining
        while lo <= day + dt.timedelta(days=step) <= hi:
            day += dt.timedelta(days=step)
            if table.is_working_day(day):
                left -= 1
                if left == 0:
                    return day
        span *= 2


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]: how many working days have passed from start to end. Negative if end < start."""
    if end < start:
        return -working_days_between(end, start)
    table = _table(start, end)
    count = 0
    day = start + dt.timedelta(days=1)
    while day <= end:
        if table.is_working_day(day):
            count += 1
        day += dt.timedelta(days=1)
    return count


def add_natural_days(start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=days)
