"""Time limits of a case: promised and statutory due dates in working or natural days, moved by the
days a correction held the case (补正 stops the clock) and by an extension; due-soon and overdue flags.

Working days come from the holiday table (`yimen.common.workdays`). The clock starts on the day of
acceptance (that day not counted) and runs only while the case is `accepted`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from yimen.common import workdays

WORKING = "working"
DUE_SOON_DAYS = 2  # flag a case this many days (of its own kind) before its due date


def now() -> dt.datetime:
    """The time the services stamp on cases (one place, so tests and the demo loader can set it)."""
    return timezone.now()


def today() -> dt.date:
    """The local date the clock runs on."""
    return timezone.localdate(now())


def add_days(start: dt.date, days: int, day_type: str) -> dt.date:
    if day_type == WORKING:
        return workdays.add_working_days(start, days)
    return workdays.add_natural_days(start, days)


def days_between(start: dt.date, end: dt.date, day_type: str) -> int:
    if day_type == WORKING:
        return workdays.working_days_between(start, end)
    return (end - start).days


def clock_start(case, on: dt.date) -> None:
    case.due_date = add_days(on, case.promised_limit_days, case.limit_day_type)
    if case.statutory_limit_days:
        case.statutory_due_date = add_days(on, case.statutory_limit_days, case.limit_day_type)


def clock_pause(case, on: dt.date) -> None:
    case.paused_since = on


def clock_resume(case, on: dt.date) -> int:
    """Move the due dates by the days the case was held; returns those days."""
    held = max(days_between(case.paused_since, on, case.limit_day_type), 0) if case.paused_since else 0
    if held:
        case.due_date = add_days(case.due_date, held, case.limit_day_type)
        if case.statutory_due_date:
            case.statutory_due_date = add_days(case.statutory_due_date, held, case.limit_day_type)
    case.paused_days += held
    case.paused_since = None
    return held


def clock_extend(case, days: int) -> None:
    case.due_date = add_days(case.due_date, days, case.limit_day_type)
    case.extended_days += days


@dataclass(frozen=True)
class Flags:
    due_soon: bool
    overdue: bool
    days_left: int | None  # in the case's own kind of days; negative when overdue


def flags(case, today: dt.date) -> Flags:
    """Due-soon/overdue while the clock runs; a held or finished case carries no flag."""
    if case.status != "accepted" or case.due_date is None:
        return Flags(False, False, None)
    left = days_between(today, case.due_date, case.limit_day_type)
    return Flags(due_soon=0 <= left <= DUE_SOON_DAYS, overdue=today > case.due_date, days_left=left)
