"""Event statistics (the statistics page): closure rate (办结率), on-time rate, average minutes to
dispatch, acknowledge and close, satisfaction, by category, department and street, and the hot-spot
grids, for the events reported since a moment and visible to the viewer.

Two ways to the same answer:

- the roll-up (`DailyTally`, `DailyGridTally`, kept current by the event services in each change's
  transaction): whole local days after the day of `since` are summed from it; the rest of the day of
  `since` comes from the events table (a day's events, on the created_at index). A department
  handler also sees the events where their department has a joint task: those come from the events
  table too (few). Used once the roll-up has been built (`yimen events rollup-rebuild`) and the viewer's
  scope can be expressed in its keys (everything, a street, a department).
- directly from the events table: the reference, and the path for any other scope (a village or a
  grid worker's area, a citizen) or before the roll-up is built.

Event figures count on the day the event was reported; satisfaction is the ratings given on reports
received since `since`, of events in the viewer's scope.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone

from yimen.accounts import roles
from yimen.events.models import Category, DailyGridTally, DailyTally, Event, Report, RollupState, Subcategory
from yimen.events.selectors import events_visible
from yimen.events.services.rollup import TALLY_FIELDS, local_day
from yimen.events.workflow import Status
from yimen.places.models import Department, Division

HOT_SPOTS = 20
_MICROSECOND = dt.timedelta(microseconds=1)


def statistics(
    user,
    *,
    since: dt.datetime,
    street: str = "",
    within: Division | None = None,
    source: str = "auto",
) -> dict:
    """The statistics page's figures. `street` (a code) or `within` (a division: the level switcher) limit
    them to events there; the roll-up is keyed by street only, so below a street they are counted from
    the events table. `source`: "auto" (the roll-up when built and the scope allows), "rollup" (the
    roll-up where the scope allows, even before it is built: for tests and the bench) or "direct" (the
    events table)."""
    if within is not None and within.level == Division.Level.STREET and not street:
        street, within = within.code, None
    scope = _rollup_scope(user, street) if source != "direct" and within is None else None
    if scope is not None and (source == "rollup" or RollupState.objects.exists()):
        parts = _parts_rollup(user, since=since, street=street, scope=scope)
    else:
        parts = _parts_direct(
            _events(user, street, within), _reports(user, street, within), since=since, until=None
        )
    return _assemble(parts)


def _events(user, street: str, within: Division | None = None) -> QuerySet[Event]:
    qs = events_visible(user).order_by()
    if qs.query.distinct:
        # A handler's scope joins the joint tasks: one row per task. Counting over that join would count
        # an event once per task, so the scope is a subquery instead.
        qs = Event.objects.order_by().filter(pk__in=qs.values("pk"))
    if within is not None:
        qs = qs.filter(grid__path__startswith=within.path)
    return qs.filter(street__code=street) if street else qs


def _reports(user, street: str, within: Division | None = None) -> QuerySet[Report]:
    """Reports whose event is in the viewer's scope (the whole district: no join needed)."""
    qs = Report.objects.order_by()
    whole = user.can(roles.EVENT_COMMAND) and not user.division_id and not street and within is None
    return qs if whole else qs.filter(event__in=_events(user, street, within).values("pk"))


class _Scope:
    def __init__(self, *, department: int | None, streets: set[int] | None, joint: bool):
        self.department = department  # roll-up rows of this department only (a handler)
        self.streets = streets  # roll-up rows of these streets only (None: all)
        self.joint = joint  # add the events where the department has a joint task


def _rollup_scope(user, street: str) -> _Scope | None:
    """The viewer's scope in roll-up keys, or None when it cannot be expressed in them."""
    if user is None or not user.is_authenticated or not user.can(roles.EVENT_VIEW):
        return None
    handler = user.can(roles.EVENT_HANDLE) and not user.can(roles.EVENT_COMMAND)
    if handler and user.department_id is None:
        return None
    streets: set[int] | None = None
    if user.division_id is not None:
        division = user.division
        if division.level == Division.Level.STREET:
            streets = {division.pk}
        elif division.level != Division.Level.DISTRICT:
            return None
    if street:
        found = set(
            Division.objects.filter(level=Division.Level.STREET, code=street).values_list("pk", flat=True)
        )
        streets = found if streets is None else streets & found
    return _Scope(department=user.department_id if handler else None, streets=streets, joint=handler)


class _Parts:
    """Figures to add up: group rows (subcategory x department x street), events per grid, ratings."""

    def __init__(self):
        self.groups: list[dict] = []
        self.grids: Counter[int] = Counter()
        self.rating_sum = 0
        self.rating_count = 0

    def add(self, other: _Parts) -> None:
        self.groups += other.groups
        self.grids.update(other.grids)
        self.rating_sum += other.rating_sum
        self.rating_count += other.rating_count


def _span(start: str, end: str):
    return Sum(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))


def _us(span: dt.timedelta | None) -> int:
    return span // _MICROSECOND if span is not None else 0


def _parts_direct(
    events: QuerySet[Event], reports: QuerySet[Report], *, since: dt.datetime, until: dt.datetime | None
) -> _Parts:
    """From the events table: events reported (and ratings given on reports received) in [since, until)."""
    period = Q(created_at__gte=since) & (Q(created_at__lt=until) if until is not None else Q())
    events = events.filter(period)
    parts = _Parts()
    grouped = events.values("subcategory_id", "department_id", "street_id").annotate(
        total=Count("id"),
        closed=Count("id", filter=Q(status=Status.CLOSED)),
        on_time=Count("id", filter=Q(status=Status.CLOSED, resolved_at__date__lte=F("resolve_due"))),
        n_dispatch=Count("dispatched_at"),
        n_acknowledge=Count("acknowledged_at"),
        n_close=Count("closed_at"),
        to_dispatch=_span("created_at", "dispatched_at"),
        to_acknowledge=_span("dispatched_at", "acknowledged_at"),
        to_close=_span("created_at", "closed_at"),
    )
    for row in grouped:
        for name in ("to_dispatch", "to_acknowledge", "to_close"):
            row[f"{name}_us"] = _us(row.pop(name))
        parts.groups.append(row)
    parts.grids.update(dict(events.values("grid_id").annotate(n=Count("id")).values_list("grid_id", "n")))
    rated = reports.filter(period, rating__isnull=False).aggregate(s=Sum("rating"), n=Count("id"))
    parts.rating_sum, parts.rating_count = rated["s"] or 0, rated["n"]
    return parts


def _parts_rollup(user, *, since: dt.datetime, street: str, scope: _Scope) -> _Parts:
    first = local_day(since) + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time(0)), timezone.get_default_timezone())
    # The rest of the day of `since`, from the events table.
    parts = _parts_direct(_events(user, street), _reports(user, street), since=since, until=start)

    tally = DailyTally.objects.filter(day__gte=first).order_by()
    grids = DailyGridTally.objects.filter(day__gte=first).order_by()
    if scope.department is not None:
        tally, grids = (
            tally.filter(department_key=scope.department),
            grids.filter(department_key=scope.department),
        )
    if scope.streets is not None:
        tally, grids = tally.filter(street_key__in=scope.streets), grids.filter(street_key__in=scope.streets)
    rows = tally.values("subcategory_key", "department_key", "street_key").annotate(
        **{f"s_{name}": Sum(name) for name in TALLY_FIELDS}
    )
    for row in rows:
        parts.rating_sum += row["s_rating_sum"]
        parts.rating_count += row["s_rating_count"]
        if not row["s_total"]:
            continue  # only ratings on this day, or events that moved to another key
        group = {name: row[f"s_{name}"] for name in TALLY_FIELDS if not name.startswith("rating")}
        group["subcategory_id"] = row["subcategory_key"] or None
        group["department_id"] = row["department_key"] or None
        group["street_id"] = row["street_key"]
        parts.groups.append(group)
    parts.grids.update(dict(grids.values("grid_key").annotate(n=Sum("total")).values_list("grid_key", "n")))

    if scope.joint:
        # Events of other departments where this one has a joint task: not in its roll-up rows.
        joint = (
            _events(user, street)
            .filter(joint_tasks__department_id=scope.department)
            .exclude(department_id=scope.department)
            .values("pk")
        )
        events = Event.objects.order_by().filter(pk__in=joint)
        reports = Report.objects.order_by().filter(event__in=joint)
        parts.add(_parts_direct(events, reports, since=start, until=None))
    return parts


def _assemble(parts: _Parts) -> dict:
    categories = dict(Subcategory.objects.values_list("pk", "category_id"))
    names = {
        "category": dict(Category.objects.values_list("pk", "name")),
        "department": dict(Department.objects.values_list("pk", "name")),
        "street": dict(Division.objects.filter(level=Division.Level.STREET).values_list("pk", "name")),
    }
    tables: dict[str, dict] = {"overall": {}, "category": {}, "department": {}, "street": {}}
    for row in parts.groups:
        keys = {
            "overall": None,
            "category": categories.get(row["subcategory_id"]),
            "department": row["department_id"],
            "street": row["street_id"],
        }
        for table, key in keys.items():
            tables[table].setdefault(key, _Tally()).add(row)

    top = sorted((-n, grid) for grid, n in parts.grids.items() if n)[:HOT_SPOTS]
    by_grid = (
        Division.objects.select_related("parent")
        .only("code", "name", "centroid_lat", "centroid_lng", "parent__name")
        .in_bulk([grid for _n, grid in top])
    )
    hot = [
        {
            "grid__code": by_grid[grid].code,
            "grid__name": by_grid[grid].name,
            "grid__centroid_lat": by_grid[grid].centroid_lat,
            "grid__centroid_lng": by_grid[grid].centroid_lng,
            "village__name": by_grid[grid].parent.name,
            "total": -n,
        }
        for n, grid in top
        if grid in by_grid
    ]

    def listing(table: str) -> list[dict]:
        rows = [acc.result(key=key, name=names[table].get(key)) for key, acc in tables[table].items()]
        return sorted(rows, key=lambda r: (-r["total"], r["key"] is None, r["key"] or 0))

    n = parts.rating_count
    return {
        "overall": tables["overall"].get(None, _Tally()).result(key=None, name=""),
        "satisfaction": {"avg": round(parts.rating_sum / n, 2) if n else None, "n": n},
        "by_category": listing("category"),
        "by_department": listing("department"),
        "by_street": listing("street"),
        "hot_spots": hot,
    }


class _Tally:
    FIELDS = ("total", "closed", "on_time", "n_dispatch", "n_acknowledge", "n_close")
    SPANS = (("to_dispatch", "n_dispatch"), ("to_acknowledge", "n_acknowledge"), ("to_close", "n_close"))

    def __init__(self):
        self.counts = dict.fromkeys(self.FIELDS, 0)
        self.spans_us = {name: 0 for name, _n in self.SPANS}

    def add(self, row: dict) -> None:
        for field in self.FIELDS:
            self.counts[field] += row[field] or 0
        for name, _n in self.SPANS:
            self.spans_us[name] += row[f"{name}_us"] or 0

    def result(self, *, key, name) -> dict:
        c = self.counts
        out = {"key": key, "name": name, "total": c["total"], "closed": c["closed"], "on_time": c["on_time"]}
        out["closure_rate"] = round(100 * c["closed"] / c["total"], 1) if c["total"] else None
        out["on_time_rate"] = round(100 * c["on_time"] / c["closed"], 1) if c["closed"] else None
        for span, count in self.SPANS:
            n = c[count]
            minutes = dt.timedelta(microseconds=self.spans_us[span]).total_seconds() / 60
            out[f"{span}_minutes"] = round(minutes / n, 1) if n else None
        return out
