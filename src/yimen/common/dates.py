"""Calendar arithmetic the apps share: the same day some years before or after (ages, validity
periods), with 29 February falling back to the 28th in a common year."""

from __future__ import annotations

import datetime as dt


def years_after(day: dt.date, years: int) -> dt.date:
    """The date `years` after `day` (negative: before); 29 February becomes the 28th in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def years_before(day: dt.date, years: int) -> dt.date:
    """The date `years` before `day` (the latest birth date of someone `years` old on `day`)."""
    return years_after(day, -years)
