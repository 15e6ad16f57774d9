"""Reads of events that pages, the API and Open311 share, each limited to what the viewer may see.

Scope: citizens see the events they reported; department handlers their department's events (and
those where their department has a joint task); grid workers, hotline operators and the command centre
the events in their division subtree (everything when they have no division).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.common.errors import NotFound
from yimen.common.masking import mask_name, mask_phone
from yimen.events.models import (
    Category,
    Event,
    HistoryEntry,
    JointRequest,
    JointTask,
    Report,
    RoutingRule,
    Subcategory,
)
from yimen.events.workflow import INBOX_STATES, OPEN_STATES, Status
from yimen.places import selectors as places
from yimen.places.models import Division

Level = Division.Level


def _base() -> QuerySet[Event]:
    return Event.objects.select_related(
        "subcategory__category", "department", "street", "village", "grid", "escalated_to"
    )


def events_visible(user) -> QuerySet[Event]:
    qs = _base()
    if user is None or not user.is_authenticated:
        return qs.none()
    if not user.can(roles.EVENT_VIEW):
        return qs.filter(reports__reporter=user).distinct()
    if user.can(roles.EVENT_HANDLE) and not user.can(roles.EVENT_COMMAND):
        if user.department_id is None:
            return qs.none()
        # The joint tasks as a subquery, not a join: no duplicate rows (no DISTINCT), and a period filter
        # on the events can still use its index.
        joint = JointTask.objects.filter(department_id=user.department_id).values("event_id")
        qs = qs.filter(Q(department_id=user.department_id) | Q(pk__in=joint))
    if user.division_id is not None:
        qs = qs.filter(grid__path__startswith=user.division.path)
    return qs


def event_for(user, number: str) -> Event:
    """One event the user may see; NotFound otherwise (no hint that it exists)."""
    event = events_visible(user).filter(number=str(number).strip()).first()
    if event is None:
        raise NotFound(_("未找到事件 (event not found)"), field="event")
    return event


def events_filtered(
    user,
    *,
    status: str = "",
    category: str = "",
    department: str = "",
    division: str = "",
    open_only: bool = False,
    within: Division | None = None,
    escalated: bool = False,
) -> QuerySet[Event]:
    """`within`: only events in that division's subtree (the level switcher); `escalated`: only events
    under supervision (已升级督办)."""
    qs = events_visible(user)
    if within is not None:
        qs = qs.filter(grid__path__startswith=within.path)
    if escalated:
        qs = qs.filter(escalated_to__isnull=False)
    if status:
        qs = qs.filter(status=status)
    elif open_only:
        qs = qs.filter(status__in=OPEN_STATES)
    if category:
        qs = qs.filter(subcategory__category__code=category)
    if department:
        qs = qs.filter(department__code=department)
    if division:
        qs = qs.filter(grid__path__contains=f"/{division}/")
    return qs.order_by("-created_at", "-id")


def inbox(user) -> QuerySet[Event]:
    """The department's live inbox: dispatched to it and not yet closed, newest first."""
    if user.department_id is None:
        return Event.objects.none()
    return (
        _base()
        .filter(
            Q(department_id=user.department_id, status__in=INBOX_STATES)
            | Q(joint_tasks__department_id=user.department_id, joint_tasks__done_at__isnull=True)
        )
        .distinct()
        .order_by("-dispatched_at", "-id")
    )


def inbox_dispatches_after(department_id: int, after_id: int, *, since: dt.datetime | None = None):
    """Dispatch history rows for the department with id > after_id (what the live stream pushes)."""
    qs = HistoryEntry.objects.filter(
        department_id=department_id, action__in=["dispatched", "joint_task"], id__gt=after_id
    )
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.select_related("event__subcategory", "event__street", "event__village").order_by("id")


def inbox_dispatches_since(department_id: int, after_id: int, since: dt.datetime):
    """Dispatch history rows for the department with id > after_id or written since `since`: ids are
    taken when a row is inserted, not when it commits, so a row with a lower id can become visible after
    a higher one was already streamed; the stream looks back over `since` and skips what it sent."""
    qs = HistoryEntry.objects.filter(
        department_id=department_id, action__in=["dispatched", "joint_task"]
    ).filter(Q(id__gt=after_id) | Q(created_at__gte=since))
    return qs.select_related("event__subcategory", "event__street", "event__village").order_by("id")


def last_history_id() -> int:
    return HistoryEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def triage_queue(user) -> QuerySet[Event]:
    return events_visible(user).filter(status__in=[Status.TRIAGE, Status.RETURNED]).order_by("created_at")


def joint_pending(user) -> QuerySet[JointRequest]:
    visible = events_visible(user).values("pk")
    return (
        JointRequest.objects.filter(state=JointRequest.State.PENDING, event__in=visible)
        .select_related("event", "lead")
        .prefetch_related("assisting")
    )


def reports_of(user) -> QuerySet[Report]:
    return Report.objects.filter(reporter=user).select_related("event__subcategory").order_by("-created_at")


def report_by_token(token: str) -> Report:
    report = (
        Report.objects.select_related("event__subcategory", "event__department").filter(token=token).first()
    )
    if report is None or not token:
        raise NotFound(_("未找到该回执 (receipt not found)"), field="token")
    return report


def reporter_masked(report: Report) -> dict:
    """The reporter's name and phone as every page and API shows them."""
    return {"name": mask_name(report.reporter_name), "phone": mask_phone(report.reporter_phone)}


def routing_rules() -> QuerySet[RoutingRule]:
    return RoutingRule.objects.select_related("category", "subcategory", "division", "department").order_by(
        "position", "id"
    )


def categories() -> QuerySet[Category]:
    return Category.objects.prefetch_related("subcategories").order_by("code")


def subcategories() -> QuerySet[Subcategory]:
    return Subcategory.objects.select_related("category", "department").order_by("code")


def subcategory_by_code(code: str) -> Subcategory:
    found = subcategories().filter(code=str(code)).first()
    if found is None:
        raise NotFound(_("未知的服务代码 (unknown service_code)"), field="service_code")
    return found


def map_points(qs: QuerySet[Event], limit: int = 2000) -> list[dict]:
    """Open events as light map points for the command centre board."""
    rows = qs.values_list("number", "lat", "lng", "status", "subcategory__name", "urgent")[:limit]
    return [
        {
            "number": n,
            "lat": lat,
            "lng": lng,
            "status": s,
            "label": Status(s).label,
            "name": name or "",
            "urgent": urgent,
        }
        for n, lat, lng, s, name, urgent in rows
    ]


def closed_event_samples():
    """(report text, confirmed subcategory code) of closed events: what the classifier retrains from.
    A closed event's subcategory was confirmed by the department that handled it."""
    return (
        Report.objects.filter(event__status=Status.CLOSED, event__subcategory__isnull=False)
        .values_list("text", "event__subcategory__code")
        .order_by("id")
        .iterator(chunk_size=5000)
    )


def with_escalation(qs: QuerySet[Event]) -> QuerySet[Event]:
    """Each event with when and why it was last escalated (`escalated_at`, `escalation_note`)."""
    latest = HistoryEntry.objects.filter(event=OuterRef("pk"), action="escalated").order_by(
        "-created_at", "-id"
    )
    return qs.select_related("escalated_to").annotate(
        escalated_at=Subquery(latest.values("created_at")[:1]),
        escalation_note=Subquery(latest.values("note")[:1]),
    )


# The levels a board or statistics page can be switched to: district -> street -> village, and the
# area (片区) between them, which the path shows.
SWITCH_LEVELS = (Level.DISTRICT, Level.STREET, Level.AREA, Level.VILLAGE)


def scope_division(user, code: str = "") -> Division | None:
    """The division a board or statistics page is limited to. `code`: a street, area or village (or the
    district) inside the viewer's own division; without it, the viewer's own division when their account
    is attached below the district (street, village...); None means the whole district."""
    home = user.division if user.division_id else None
    code = (code or "").strip()
    if code:
        found = Division.objects.filter(code=code, level__in=SWITCH_LEVELS).defer("geometry").first()
        if found is None or (home is not None and not found.path.startswith(home.path)):
            raise NotFound(
                _("未找到该区划，或不在您的管辖范围内 (division not found or outside your area)"),
                field="area",
            )
        return None if found.level == Level.DISTRICT else found
    if home is not None and home.level != Level.DISTRICT:
        return home
    return None


def level_switcher(user, current: Division | None) -> dict:
    """What the switcher shows: the path from the viewer's own level down to `current` (links up) and the
    divisions to drill into: streets under the district, villages under a street or area. `locked`: the
    viewer's account is attached below the district, so the path starts at their division."""
    home = user.division if user.division_id else None
    top = home if home is not None and home.level != Level.DISTRICT else None
    here = current or top
    if here is None:
        return {"crumbs": [], "below": list(places.streets()), "current": None, "locked": False}
    crumbs = [
        d
        for d in here.ancestors()
        if d.level != Level.DISTRICT and (top is None or d.path.startswith(top.path))
    ]
    below: list[Division] = []
    if here.level in (Level.STREET, Level.AREA):
        below = list(
            Division.objects.filter(level=Level.VILLAGE, path__startswith=here.path)
            .defer("geometry")
            .order_by("code")
        )
    return {"crumbs": crumbs, "below": below, "current": here, "locked": top is not None}


def grids_url_for(base: str, division: Division | None) -> str:
    """The grid boundaries the map loads (and zooms to): those of the division, or all."""
    if division is None:
        return base
    key = {Level.STREET: "street", Level.AREA: "area", Level.VILLAGE: "village"}.get(division.level)
    return f"{base}?{key}={division.code}" if key else base
