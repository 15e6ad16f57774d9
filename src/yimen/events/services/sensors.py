"""IoT sensors (物联感知): devices managed in the admin, readings posted by their platform.

    sensor_device_save     create or change a device (located to its grid; audited)
    sensor_reading_ingest  one reading: below the rule -> nothing; over it -> a SENSOR event through the
                           normal intake, or attached to the device's event that is still open

Authentication reuses the Open311 client keys rather than a key per device: readings reach us from an
IoT platform (a gateway speaking for many devices), not from each device, and cheap field hardware
cannot keep a secret anyway. One key per platform keeps one way to issue, hash, revoke and audit keys
(the Open311 client admin); each device names the client that owns it, and a key may post readings
only for its own devices, so a leaked key cannot raise events on another platform's sensors.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from yimen.common import audit
from yimen.common.errors import NotFound, PermissionDenied, ValidationFailed
from yimen.events.models import Channel, Event, Open311Client, SensorDevice, SensorReading
from yimen.events.services._base import now_or
from yimen.events.workflow import OPEN_STATES
from yimen.places import locator
from yimen.places.models import Division

FUTURE_TOLERANCE = dt.timedelta(minutes=10)  # device clocks drift; later than this is an error


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool):
        value = None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise ValidationFailed(_("须为数字 (must be a number)"), field=field)
    return number


@transaction.atomic
def sensor_device_save(*, device: SensorDevice, actor: Any) -> SensorDevice:
    """Create or update a device: code and name required, coordinates inside the district (its grid is
    looked up here), a numeric threshold. Audited with what it now is."""
    device.code = (device.code or "").strip()
    device.name = (device.name or "").strip()
    if not device.code:
        raise ValidationFailed(_("请填写设备编码 (code is required)"), field="code")
    if not device.name:
        raise ValidationFailed(_("请填写设备名称 (name is required)"), field="name")
    clash = SensorDevice.objects.filter(code=device.code).exclude(pk=device.pk)
    if clash.exists():
        raise ValidationFailed(_("设备编码已存在 (a device with this code exists)"), field="code")
    device.threshold = _number(device.threshold, "threshold")
    lat, lng = _number(device.lat, "lat"), _number(device.lng, "lng")
    try:
        location = locator.locate(lat, lng)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field="lat") from None
    device.lat, device.lng = lat, lng
    device.grid = Division.objects.get(pk=location.grid_id)
    created = device.pk is None
    device.save()
    audit.record(
        kind="events.sensor_device.created" if created else "events.sensor_device.changed",
        subject=device,
        actor=actor,
        content={
            "code": device.code,
            "kind": device.kind,
            "grid": location.grid_code,
            "subcategory": device.subcategory.code,
            "rule": device.rule,
            "threshold": device.threshold,
            "owner": device.owner_id,
            "active": device.active,
        },
    )
    return device


@dataclass(frozen=True)
class ReadingOutcome:
    """What a reading did: "below" (nothing written), "raised" (a report through intake: a new event,
    or linked to an open duplicate), "attached" (kept with the device's open event)."""

    result: str
    event: Event | None = None
    reading: SensorReading | None = None
    report_number: str = ""


def _reading_at(value: Any, when: dt.datetime) -> dt.datetime:
    parsed = None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationFailed(
            _(
                "测量时间须为 ISO 8601 日期时间，如 2026-03-04T10:00:00+08:00 (at must be an ISO 8601 date-time)"
            ),
            field="at",
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    if parsed > when + FUTURE_TOLERANCE:
        raise ValidationFailed(_("测量时间晚于当前时间 (at is in the future)"), field="at")
    return parsed


def _report_text(device: SensorDevice, value: float) -> str:
    above = device.rule == SensorDevice.Rule.ABOVE
    return (
        f"【物联感知】{device.name}（{device.code}，{device.get_kind_display()}）读数 {value:g}{device.unit}，"
        f"{'超过' if above else '低于'}报警阈值 {device.threshold:g}{device.unit}"
        + (f"。位置：{device.address}" if device.address else "")
    )


def sensor_reading_ingest(
    *, client: Open311Client, device: str, value: Any, at: Any, now: dt.datetime | None = None
) -> ReadingOutcome:
    """One reading from a device's platform. Checks first (unknown or inactive device 404, another
    client's device 403, non-numeric value or bad time 400), then: a reading within the rule writes
    nothing; one that crosses it raises a SENSOR event through intake (located at the device, classified
    as the device's subcategory, routed and dispatched like any report), unless the device already has
    an open event: then the reading is attached to that one. Readings of one device are serialised on
    its row, so two crossing readings at once still make one event."""
    from yimen.events.services.intake import event_report

    when = now_or(now)
    code = str(device or "").strip()
    found = SensorDevice.objects.select_related("subcategory").filter(code=code, active=True).first()
    if found is None:
        raise NotFound(_("未知或已停用的设备 (unknown or inactive device)"), field="device")
    if found.owner_id != client.pk:
        raise PermissionDenied(
            _("该 API key 无权上报此设备 (this key may not post for this device)"), field="device"
        )
    number = _number(value, "value")
    measured = _reading_at(at, when)
    if not found.crosses(number):
        return ReadingOutcome(result="below")
    actor = f"sensor:{found.code}"
    with transaction.atomic():
        SensorDevice.objects.select_for_update().filter(pk=found.pk).first()
        current = (
            SensorReading.objects.filter(device=found, event__status__in=OPEN_STATES)
            .select_related("event")
            .order_by("-id")
            .first()
        )
        if current is not None:
            reading = SensorReading.objects.create(
                device=found, event=current.event, value=number, at=measured, received_at=when
            )
            audit.record(
                kind="events.sensor.reading_attached",
                subject=current.event,
                actor=actor,
                content={
                    "number": current.event.number,
                    "device": found.code,
                    "value": number,
                    "at": measured,
                },
            )
            return ReadingOutcome(result="attached", event=current.event, reading=reading)
        report = event_report(
            channel=Channel.SENSOR,
            text=_report_text(found, number),
            lat=found.lat,
            lng=found.lng,
            address=found.address,
            service_code=found.subcategory.code,
            open311_client=client,
            actor=actor,
            now=when,
        )
        reading = SensorReading.objects.create(
            device=found, event=report.event, value=number, at=measured, received_at=when, opened_event=True
        )
        return ReadingOutcome(
            result="raised", event=report.event, reading=reading, report_number=report.number
        )
