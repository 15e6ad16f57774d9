"""The rules that decide when, and whether, a message goes out: opt-out per channel, quiet hours,
the frequency cap and the retry backoff. Pure functions over settings and a person's preference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from yimen.notify.models import Channel, Preference

INTERRUPTING = frozenset({Channel.SMS, Channel.EMAIL})  # the inbox never interrupts anyone


@dataclass(frozen=True)
class Rules:
    """A person's effective choices (their preference, or the district defaults)."""

    sms: bool = True
    email: bool = True
    quiet: tuple[dt.time, dt.time] | None = None

    def allows(self, channel: str) -> bool:
        if channel == Channel.SMS:
            return self.sms
        if channel == Channel.EMAIL:
            return self.email
        return True


def parse_quiet_hours(value: str) -> tuple[dt.time, dt.time] | None:
    """`21:00-08:00` -> (21:00, 08:00); empty -> no quiet hours."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"YIMEN_NOTIFY_QUIET_HOURS={value!r}: use HH:MM-HH:MM") from exc
    return None if start == end else (start, end)


def default_quiet() -> tuple[dt.time, dt.time] | None:
    return parse_quiet_hours(settings.YIMEN_NOTIFY_QUIET_HOURS)


def rules_for(preference: Preference | None) -> Rules:
    if preference is None:
        return Rules(quiet=default_quiet())
    quiet = None
    if preference.quiet_enabled:
        if preference.quiet_start and preference.quiet_end:
            if preference.quiet_start != preference.quiet_end:
                quiet = (preference.quiet_start, preference.quiet_end)
        else:
            quiet = default_quiet()
    return Rules(sms=preference.sms_enabled, email=preference.email_enabled, quiet=quiet)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def in_quiet(local: dt.time, quiet: tuple[dt.time, dt.time]) -> bool:
    start, end = quiet
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def after_quiet(when: dt.datetime, quiet: tuple[dt.time, dt.time] | None) -> dt.datetime:
    """`when` itself when it lies outside the quiet hours, else the end of the quiet window it is in."""
    if quiet is None:
        return when
    zone = _zone()
    local = timezone.localtime(when, zone)
    if not in_quiet(local.time(), quiet):
        return when
    end = quiet[1]
    day = local.date() if local.time() < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=zone)


def due_at(channel: str, now: dt.datetime, rules: Rules) -> dt.datetime:
    return after_quiet(now, rules.quiet) if channel in INTERRUPTING else now


def frequency_window(now: dt.datetime) -> tuple[int, dt.datetime]:
    """(cap, since): at most `cap` non-transactional notifications per person since `since`."""
    return settings.YIMEN_NOTIFY_FREQUENCY_CAP, now - dt.timedelta(days=settings.YIMEN_NOTIFY_FREQUENCY_DAYS)


def max_attempts() -> int:
    return max(1, settings.YIMEN_NOTIFY_MAX_ATTEMPTS)


def backoff(attempt: int) -> dt.timedelta:
    """The wait after failed attempt number `attempt` (1-based): base * 2^(attempt-1), capped."""
    base = settings.YIMEN_NOTIFY_RETRY_BASE_SECONDS
    cap = settings.YIMEN_NOTIFY_RETRY_MAX_SECONDS
    return dt.timedelta(seconds=min(base * 2 ** max(attempt - 1, 0), cap))
