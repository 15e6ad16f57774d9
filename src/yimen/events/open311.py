"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over the event services, JSON and XML.

    GET  /open311/v2/services.{json|xml}
    GET  /open311/v2/services/{service_code}.{json|xml}
    POST /open311/v2/requests.{json|xml}          api_key required
    GET  /open311/v2/requests.{json|xml}          service_request_id, service_code, start_date, end_date, status
    GET  /open311/v2/requests/{id}.{json|xml}
    GET  /open311/v2/tokens/{token}.{json|xml}

A service is a subcategory of the taxonomy; a service request is one report (its number is the
service_request_id), whose status is its event's, reduced to open/closed. Errors answer as the spec's
list of {code, description}.
"""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from yimen.common.errors import DomainError
from yimen.events import selectors, services
from yimen.events.models import Channel, Report
from yimen.events.workflow import OPEN311_CLOSED

WINDOW_DAYS = 90
LIMIT = 1000
ATTRIBUTES = [
    {
        "variable": True,
        "code": "landmark",
        "datatype": "string",
        "required": False,
        "datatype_description": "附近标志物，如店名、门牌 (a nearby landmark)",
        "order": 1,
        "description": "附近标志物 Landmark",
    },
    {
        "variable": True,
        "code": "ongoing",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "",
        "order": 2,
        "description": "问题是否持续 Is it still happening?",
        "values": [
            {"key": "yes", "name": "仍在发生 still happening"},
            {"key": "no", "name": "已停止 stopped"},
        ],
    },
]


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        _xml_item(ET.SubElement(top, item), row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def _xml_item(node: ET.Element, row: dict) -> None:
    for key, value in row.items():
        child = ET.SubElement(node, key)
        if isinstance(value, list):
            singular = {"attributes": "attribute", "values": "value"}.get(key, "item")
            for v in value:
                _xml_item(ET.SubElement(child, singular), v)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def _respond(fmt: str, root: str, item: str, payload, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        if isinstance(payload, dict):  # one object: its fields directly under the root element
            top = ET.Element(root)
            _xml_item(top, payload)
            body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
        else:
            body = _xml(root, item, payload)
        return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    return JsonResponse(payload, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(fmt, "errors", "error", [{"code": status, "description": description}], status=status)


def _guard(view):
    def wrapped(request, *args, fmt: str, **kwargs):
        if fmt not in ("json", "xml"):
            return _error("json", 404, "format must be json or xml")
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc.status, exc.description)
        except DomainError as exc:
            field = exc.field or next(iter(exc.errors), "")
            prefix = f"{_OPEN311_FIELD.get(field, field)}: " if field else ""
            return _error(fmt, exc.status, f"{prefix}{exc.message}")

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


_OPEN311_FIELD = {
    "text": "description",
    "location": "lat/long",
    "address": "address_string",
    "photos": "media",
}


def _service(sub) -> dict:
    return {
        "service_code": sub.code,
        "service_name": sub.name,
        "description": f"{sub.category.name} / {sub.name}: {sub.department.name}",
        "metadata": True,
        "type": "realtime",
        "keywords": f"{sub.category.name},{sub.name}",
        "group": sub.category.name,
    }


@require_http_methods(["GET"])
@_guard
def services_list(request, *, fmt: str):
    return _respond(fmt, "services", "service", [_service(s) for s in selectors.subcategories()])


@require_http_methods(["GET"])
@_guard
def service_definition(request, code: str, *, fmt: str):
    sub = selectors.subcategory_by_code(code)
    return _respond(
        fmt, "service_definition", "service_definition", {"service_code": sub.code, "attributes": ATTRIBUTES}
    )


def _request_row(report: Report) -> dict:
    event = report.event
    closed = event.status in OPEN311_CLOSED
    notes = event.get_status_display()
    if event.status == "closed" and event.handler_action:
        notes = f"{notes}: {event.handler_action}"
    return {
        "service_request_id": report.number,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": event.subcategory.name if event.subcategory else "",
        "service_code": event.subcategory.code if event.subcategory else "",
        "description": report.text,
        "agency_responsible": event.department.name if event.department else "",
        "service_notice": f"事件 {event.number}" + ("，已并入已有事件" if report.duplicate else ""),
        "requested_datetime": timezone.localtime(report.created_at).isoformat(),
        "updated_datetime": timezone.localtime(
            event.closed_at
            or event.resolved_at
            or event.acknowledged_at
            or event.dispatched_at
            or report.created_at
        ).isoformat(),
        "expected_datetime": (
            timezone.localtime(
                timezone.make_aware(dt.datetime.combine(event.resolve_due, dt.time(18)))
            ).isoformat()
            if event.resolve_due
            else ""
        ),
        "address": report.address or event.address,
        "address_id": event.grid.code,
        "zipcode": "528000",
        "lat": report.lat,
        "long": report.lng,
        "media_url": report.media_url,
    }


def _reports():
    return Report.objects.select_related("event__subcategory", "event__department", "event__grid")


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_guard
def requests_view(request, *, fmt: str):
    if request.method == "POST":
        return _create(request, fmt)
    q = request.GET
    qs = _reports()
    if q.get("service_request_id"):
        ids = [i.strip() for i in q["service_request_id"].split(",") if i.strip()]
        rows = {r.number: r for r in qs.filter(number__in=ids)}
        return _respond(fmt, "service_requests", "request", [_request_row(rows[i]) for i in ids if i in rows])
    end = _when(q.get("end_date"), "end_date") or timezone.now()
    start = _when(q.get("start_date"), "start_date") or end - dt.timedelta(days=WINDOW_DAYS)
    if start > end:
        raise Open311Error(400, "start_date must be before end_date")
    if end - start > dt.timedelta(days=WINDOW_DAYS):
        raise Open311Error(400, f"the date range may span at most {WINDOW_DAYS} days")
    qs = qs.filter(created_at__range=(start, end))
    if q.get("service_code"):
        qs = qs.filter(event__subcategory__code__in=[c.strip() for c in q["service_code"].split(",")])
    status = q.get("status", "")
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        if wanted == {"open"}:
            qs = qs.exclude(event__status__in=OPEN311_CLOSED)
        elif wanted == {"closed"}:
            qs = qs.filter(event__status__in=OPEN311_CLOSED)
    rows = [_request_row(r) for r in qs.order_by("-created_at", "-id")[:LIMIT]]
    return _respond(fmt, "service_requests", "request", rows)


def _when(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None and parse_date(value):
        parsed = dt.datetime.combine(parse_date(value), dt.time())
    if parsed is None:
        raise Open311Error(400, f"{name} must be a W3C date-time, e.g. 2026-03-04T10:00:00+08:00")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _create(request, fmt: str) -> HttpResponse:
    data = request.POST
    client = services.open311_client_for_key(data.get("api_key", ""))
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code: required")
    selectors.subcategory_by_code(code)  # 404 for an unknown service_code
    has_point = data.get("lat") not in (None, "") or data.get("long") not in (None, "")
    if not has_point and not data.get("address_string", "").strip():
        raise Open311Error(400, "lat/long or address_string: a location is required")
    extras = []
    for attribute in ATTRIBUTES:
        value = data.get("attribute[" + attribute["code"] + "]", "").strip()
        if value:
            extras.append(f"{attribute['description']}: {value}")
    name = " ".join(p for p in (data.get("last_name", ""), data.get("first_name", "")) if p).strip()
    report = services.event_report(
        channel=Channel.OPEN311,
        text="\n".join([data.get("description", ""), *extras]).strip()
        if data.get("description", "").strip()
        else "",
        lat=data.get("lat") or None,
        lng=data.get("long") or None,
        address=data.get("address_string", ""),
        reporter_name=name[:64],
        reporter_phone=data.get("phone", "").strip(),
        open311_client=client,
        media_url=data.get("media_url", ""),
        service_code=code,
    )
    row = {
        "service_request_id": report.number,
        "service_notice": f"事件 {report.event.number}",
        "account_id": "",
    }
    return _respond(fmt, "service_requests", "request", [row], status=201)


@require_http_methods(["GET"])
@_guard
def request_detail(request, request_id: str, *, fmt: str):
    report = _reports().filter(number=request_id).first()
    if report is None:
        raise Open311Error(404, f"service_request_id {request_id} not found")
    return _respond(fmt, "service_requests", "request", [_request_row(report)])


@require_http_methods(["GET"])
@_guard
def token_detail(request, token: str, *, fmt: str):
    report = Report.objects.filter(token=token).first()
    if report is None:
        raise Open311Error(404, "token not found")
    return _respond(
        fmt, "service_requests", "request", [{"service_request_id": report.number, "token": token}]
    )
