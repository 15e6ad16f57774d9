"""The statistics roll-up (DailyTally, DailyGridTally), kept current by the event services.

An event adds its figures to one DailyTally row (the local day it was reported, its subcategory,
department and street), each rated report of it adds its rating to the row of the day that report was
received, and the event adds one to a DailyGridTally row (day, grid, department) for the hot spots.

A service that changes an event saves it through `event_save` (`transition` does): it reads the stored
row first, and the difference between the old and the new contribution is moved. The moves of one use
case are added up and written at the end of its transaction (`rollup_deferred`): one upsert per table,
keys in order, after the use case's ledger entry. Every writer takes the ledger's head row before any
roll-up row, so two writers never wait for each other's roll-up rows in opposite orders, and the
roll-up rows stay locked only for the last moment of the transaction.

`statistics_rollup_rebuild` recomputes both tables from the events, for the history a bulk load wrote
without the services (the demo history) or after a repair, and marks the roll-up as built; until then
the statistics read the events table (`yimen.events.statistics`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from yimen.events.models import DailyGridTally, DailyTally, Event, Report, RollupState
from yimen.events.workflow import Status

TALLY_KEYS = ("day", "subcategory_key", "department_key", "street_key")
TALLY_FIELDS = (
    "total",
    "closed",
    "on_time",
    "n_dispatch",
    "n_acknowledge",
    "n_close",
    "to_dispatch_us",
    "to_acknowledge_us",
    "to_close_us",
    "rating_sum",
    "rating_count",
)
GRID_KEYS = ("day", "grid_key", "department_key", "street_key")
# The Event columns the roll-up depends on: a save that touches none of them moves nothing.
COLUMNS = (
    "created_at",
    "status",
    "subcategory_id",
    "department_id",
    "street_id",
    "grid_id",
    "resolved_at",
    "resolve_due",
    "dispatched_at",
    "acknowledged_at",
    "closed_at",
)
_FIELD_NAMES = frozenset(c.removesuffix("_id") for c in COLUMNS) | frozenset(COLUMNS)
_RATING = (TALLY_FIELDS.index("rating_sum"), TALLY_FIELDS.index("rating_count"))
_MICROSECOND = dt.timedelta(microseconds=1)

TallyKey = tuple[dt.date, int, int, int]
GridKey = tuple[dt.date, int, int, int]


def local_day(when: dt.datetime) -> dt.date:
    """The day a moment falls on in the district's time zone (the settings' TIME_ZONE)."""
    return timezone.localtime(when, timezone.get_default_timezone()).date()


def _us(start: dt.datetime | None, end: dt.datetime | None) -> int:
    return (end - start) // _MICROSECOND if start is not None and end is not None else 0


class _Moves:
    """Added-up differences, per roll-up key, waiting to be written."""

    def __init__(self):
        self.tally: dict[TallyKey, list[int]] = defaultdict(lambda: [0] * len(TALLY_FIELDS))
        self.grid: dict[GridKey, int] = defaultdict(int)

    def add_event(self, values: dict, sign: int) -> None:
        key = _tally_key(values["created_at"], values)
        row = self.tally[key]
        for i, figure in enumerate(_figures(values)):
            row[i] += sign * figure
        grid = (
            local_day(values["created_at"]),
            values["grid_id"],
            values["department_id"] or 0,
            values["street_id"],
        )
        self.grid[grid] += sign

    def add_rating(self, received: dt.datetime, values: dict, rating: int, sign: int) -> None:
        row = self.tally[_tally_key(received, values)]
        row[_RATING[0]] += sign * rating
        row[_RATING[1]] += sign

    def write(self) -> None:
        tally = [(*k, *v) for k, v in sorted(self.tally.items()) if any(v)]
        grid = [(*k, v) for k, v in sorted(self.grid.items()) if v]
        _upsert(DailyTally, TALLY_KEYS, TALLY_FIELDS, tally)
        _upsert(DailyGridTally, GRID_KEYS, ("total",), grid)


def _tally_key(day_of: dt.datetime, values: dict) -> TallyKey:
    return (
        local_day(day_of),
        values["subcategory_id"] or 0,
        values["department_id"] or 0,
        values["street_id"],
    )


def _figures(v: dict) -> tuple[int, ...]:
    """One event's figures in TALLY_FIELDS order (the same definitions as the statistics' direct path)."""
    closed = v["status"] == Status.CLOSED
    on_time = (
        closed
        and v["resolved_at"] is not None
        and v["resolve_due"] is not None
        and local_day(v["resolved_at"]) <= v["resolve_due"]
    )
    return (
        1,
        int(closed),
        int(on_time),
        int(v["dispatched_at"] is not None),
        int(v["acknowledged_at"] is not None),
        int(v["closed_at"] is not None),
        _us(v["created_at"], v["dispatched_at"]),
        _us(v["dispatched_at"], v["acknowledged_at"]),
        _us(v["created_at"], v["closed_at"]),
        0,
        0,
    )


def _upsert(model, keys: tuple[str, ...], fields: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(c) for c in (*keys, *fields))
    one = "(" + ", ".join(["%s"] * (len(keys) + len(fields))) + ")"
    add = ", ".join(f"{qn(f)} = {table}.{qn(f)} + excluded.{qn(f)}" for f in fields)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))} "
                f"ON CONFLICT ({', '.join(qn(k) for k in keys)}) DO UPDATE SET {add}",
                [value for row in chunk for value in row],
            )


_pending = threading.local()


@contextlib.contextmanager
def rollup_deferred():
    """Inside the caller's transaction: collect this use case's roll-up moves and write them at the end
    of the block (after its ledger entries; see the module docstring). Nested blocks join the outer one."""
    if getattr(_pending, "moves", None) is not None:
        yield
        return
    _pending.moves = _Moves()
    try:
        yield
        moves, _pending.moves = _pending.moves, None
        moves.write()
    finally:
        _pending.moves = None


def event_transaction(func: Callable) -> Callable:
    """A use case that changes events: one transaction, its roll-up moves written at the end of it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with transaction.atomic(), rollup_deferred():
            return func(*args, **kwargs)

    return wrapper


def _apply(fill: Callable[[_Moves], None]) -> None:
    moves = getattr(_pending, "moves", None)
    if moves is not None:
        fill(moves)
        return
    moves = _Moves()
    fill(moves)
    moves.write()


def _values(event: Event) -> dict:
    return {c: getattr(event, c) for c in COLUMNS}


def _stored(pk: int) -> dict | None:
    return Event.objects.filter(pk=pk).values(*COLUMNS).first()


# What this transaction last wrote of an event, kept on the instance it created or saved (an instance
# read afresh, as `lock()` returns, has none: its stored row is read instead).
_SAVED = "_rollup_saved"


def event_created(event: Event) -> None:
    """A new event (saved in this transaction) enters the roll-up."""
    values = _values(event)
    setattr(event, _SAVED, values)
    _apply(lambda moves: moves.add_event(values, +1))


def event_save(event: Event, *, fields: Iterable[str]) -> None:
    """Save `fields` of a locked event and move its roll-up contribution from the stored row to the new
    one (its reports' ratings too when the subcategory, department or street changed)."""
    fields = list(fields)
    if not _FIELD_NAMES.intersection(fields):
        event.save(update_fields=fields)
        return
    before = getattr(event, _SAVED, None) or _stored(event.pk)
    event.save(update_fields=fields)
    after = _values(event)
    setattr(event, _SAVED, after)
    if before == after:
        return
    dims = ("subcategory_id", "department_id", "street_id")
    # Only an event that was closed once can have rated reports (closing sets closed_at; reopening
    # clears it and counts the reopening).
    moved = any(before[d] != after[d] for d in dims) and (before["closed_at"] or event.reopen_count)
    ratings = (
        list(
            Report.objects.filter(event_id=event.pk, rating__isnull=False).values_list("created_at", "rating")
        )
        if moved
        else []
    )

    def fill(moves: _Moves) -> None:
        moves.add_event(before, -1)
        moves.add_event(after, +1)
        for received, rating in ratings:
            moves.add_rating(received, before, rating, -1)
            moves.add_rating(received, after, rating, +1)

    _apply(fill)


def report_rated(report: Report) -> None:
    """A report's rating (saved in this transaction) enters the roll-up under its event."""
    values = _stored(report.event_id)
    received, rating = report.created_at, report.rating
    _apply(lambda moves: moves.add_rating(received, values, rating, +1))


# --- rebuild -------------------------------------------------------------------------------------


def _span(start: str, end: str):
    return Sum(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))


def _us_of(span: dt.timedelta | None) -> int:
    return span // _MICROSECOND if span is not None else 0


def rollup_rows_from_events() -> tuple[dict[TallyKey, list[int]], dict[GridKey, int]]:
    """Both roll-up tables computed from the events and reports in the database (grouped in SQL)."""
    tz = timezone.get_default_timezone()
    events = Event.objects.order_by().annotate(day=TruncDate("created_at", tzinfo=tz))
    tally: dict[TallyKey, list[int]] = defaultdict(lambda: [0] * len(TALLY_FIELDS))
    grouped = events.values("day", "subcategory_id", "department_id", "street_id").annotate(
        total=Count("id"),
        closed=Count("id", filter=Q(status=Status.CLOSED)),
        on_time=Count(
            "id",
            filter=Q(status=Status.CLOSED, resolved_at__date__lte=F("resolve_due")),
        ),
        n_dispatch=Count("dispatched_at"),
        n_acknowledge=Count("acknowledged_at"),
        n_close=Count("closed_at"),
        to_dispatch=_span("created_at", "dispatched_at"),
        to_acknowledge=_span("dispatched_at", "acknowledged_at"),
        to_close=_span("created_at", "closed_at"),
    )
    for r in grouped.iterator(chunk_size=5000):
        key = (r["day"], r["subcategory_id"] or 0, r["department_id"] or 0, r["street_id"])
        row = tally[key]
        for i, name in enumerate(TALLY_FIELDS[:6]):
            row[i] += r[name]
        for i, name in enumerate(("to_dispatch", "to_acknowledge", "to_close"), start=6):
            row[i] += _us_of(r[name])
    ratings = (
        Report.objects.order_by()
        .filter(rating__isnull=False)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day", "event__subcategory_id", "event__department_id", "event__street_id")
        .annotate(s=Sum("rating"), n=Count("id"))
    )
    for r in ratings.iterator(chunk_size=5000):
        key = (
            r["day"],
            r["event__subcategory_id"] or 0,
            r["event__department_id"] or 0,
            r["event__street_id"],
        )
        tally[key][_RATING[0]] += r["s"]
        tally[key][_RATING[1]] += r["n"]
    grid: dict[GridKey, int] = {}
    by_grid = events.values("day", "grid_id", "department_id", "street_id").annotate(n=Count("id"))
    for r in by_grid.iterator(chunk_size=5000):
        grid[(r["day"], r["grid_id"], r["department_id"] or 0, r["street_id"])] = r["n"]
    return dict(tally), grid


@transaction.atomic
def statistics_rollup_rebuild(
    *, actor: Any = "system", progress: Callable[[str], None] | None = None
) -> dict:
    """Recompute the roll-up from the events, replacing what was there, and mark it as built.

    On PostgreSQL the roll-up tables are locked first: a use case that changes an event meanwhile waits
    at the end of its transaction and adds its move on top of the rebuilt rows after this commits
    (the rebuild's reads do not see that uncommitted change), so nothing is counted twice or lost."""
    say = progress or (lambda _m: None)
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        tables = ", ".join(qn(m._meta.db_table) for m in (DailyTally, DailyGridTally, RollupState))
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
    say("grouping events")
    tally, grid = rollup_rows_from_events()
    DailyTally.objects.all().delete()
    DailyGridTally.objects.all().delete()
    RollupState.objects.all().delete()
    say(f"writing {len(tally):,} tally rows, {len(grid):,} grid rows")
    DailyTally.objects.bulk_create(
        (DailyTally(**dict(zip(TALLY_KEYS + TALLY_FIELDS, (*k, *v), strict=True))) for k, v in tally.items()),
        batch_size=5000,
    )
    DailyGridTally.objects.bulk_create(
        (
            DailyGridTally(day=k[0], grid_key=k[1], department_key=k[2], street_key=k[3], total=v)
            for k, v in grid.items()
        ),
        batch_size=5000,
    )
    events = sum(v[0] for v in tally.values())
    state = RollupState.objects.create(built_at=timezone.now(), events=events)
    return {"events": events, "tally_rows": len(tally), "grid_rows": len(grid), "built_at": state.built_at}
