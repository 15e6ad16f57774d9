"""Intake: a report arrives from a channel, is checked, located, classified, linked to an open duplicate
or made a new event, and dispatched (or queued for manual triage) — all in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import secrets
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.common.errors import PermissionDenied, ValidationFailed
from yimen.events.locate import Place, place_resolve
from yimen.events.models import Channel, Event, Photo, Report, Subcategory
from yimen.events.photos import CheckedPhoto, photos_check
from yimen.events.services._base import (
    audit_deferred,
    audit_record,
    history,
    is_user,
    next_number,
    now_or,
    require,
    transition,
)
from yimen.events.services.dispatch import dispatch_locked
from yimen.events.services.rollup import event_created, rollup_deferred
from yimen.events.workflow import OPEN_STATES, Status
from yimen.places.models import Division

log = logging.getLogger(__name__)

CONFIDENCE_THRESHOLD = 0.4  # below: manual triage (Amsterdam Signalen's rule)
DUPLICATE_METRES = 50.0
DUPLICATE_HOURS = 72
TEXT_MAX = 2000
_PHONE = re.compile(r"(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|[0-9]{5,8})")

_CHANNEL_CAPABILITY = {
    Channel.GRID: roles.EVENT_REPORT_GRID,
    Channel.HOTLINE: roles.EVENT_REPORT_HOTLINE,
}


def classify_text(text: str) -> list[tuple[str, float]]:
    """Top 3 (subcategory code, probability) from the trained classifier; [] if none is installed, so the
    event goes to manual triage instead of being refused."""
    try:
        from yimen.events.classifier import classify
    except ImportError:
        log.warning("No event classifier installed: every report goes to manual triage")
        return []
    try:
        result = classify(text)
    except Exception:  # a missing or broken model must not lose the citizen's report
        log.exception("Event classifier failed: the report goes to manual triage")
        return []
    return [(str(code), float(p)) for code, p in list(result)[:3]]


def metres_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), metres."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def duplicate_find(*, subcategory: Subcategory, lat: float, lng: float, when: dt.datetime) -> Event | None:
    """The nearest open event of the same subcategory within 50 m reported in the last 72 h."""
    dlat = DUPLICATE_METRES / 111_000
    dlng = DUPLICATE_METRES / (111_000 * max(math.cos(math.radians(lat)), 0.01))
    candidates = Event.objects.filter(
        subcategory=subcategory,
        status__in=OPEN_STATES,
        created_at__gte=when - dt.timedelta(hours=DUPLICATE_HOURS),
        created_at__lte=when,
        lat__range=(lat - dlat, lat + dlat),
        lng__range=(lng - dlng, lng + dlng),
    ).order_by("created_at", "id")
    best = None
    for event in candidates:
        distance = metres_between(lat, lng, event.lat, event.lng)
        if distance <= DUPLICATE_METRES and (best is None or distance < best[0]):
            best = (distance, event)
    return best[1] if best else None


def _check_input(channel: str, text: str, reporter_name: str, reporter_phone: str, actor: Any) -> str:
    if channel not in Channel.values:
        raise ValidationFailed(_("未知的上报渠道 (unknown channel)"), field="channel")
    capability = _CHANNEL_CAPABILITY.get(channel)
    if capability:
        if not is_user(actor):
            raise PermissionDenied(_("请先登录 (login required)"))
        require(actor, capability)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("请描述问题 (description is required)"), field="text")
    if len(text) > TEXT_MAX:
        raise ValidationFailed(
            _("描述不能超过 %(n)d 字 (description too long)") % {"n": TEXT_MAX}, field="text"
        )
    if len(reporter_name) > 64:
        raise ValidationFailed(_("姓名过长 (name too long)"), field="reporter_name")
    if reporter_phone and not _PHONE.fullmatch(reporter_phone):
        raise ValidationFailed(_("电话号码格式不正确 (invalid phone number)"), field="reporter_phone")
    if channel == Channel.HOTLINE and not reporter_phone:
        raise ValidationFailed(_("请填写来电号码以便回访 (callback number required)"), field="reporter_phone")
    return text


def _save_photos(event: Event, report: Report | None, photos: list[CheckedPhoto], kind: str) -> None:
    for photo in photos:
        record = Photo(
            event=event,
            report=report,
            kind=kind,
            sha256=photo.sha256,
            content_type=photo.content_type,
            size=len(photo.content),
        )
        record.file.save(f"{photo.sha256}.{photo.extension}", ContentFile(photo.content), save=False)
        record.save()


def event_report(
    *,
    channel: str,
    text: str,
    lat: Any = None,
    lng: Any = None,
    address: str = "",
    reporter=None,
    reporter_name: str = "",
    reporter_phone: str = "",
    photos=(),
    open311_client=None,
    media_url: str = "",
    service_code: str = "",
    actor: Any = None,
    now: dt.datetime | None = None,
) -> Report:
    """Receive one report. Returns the Report (with `.event`): its number and token are the receipt.
    Bad input raises before anything is written; the writes (event or duplicate link, report, photos,
    history, ledger, dispatch or triage) happen in one transaction."""
    when = now_or(now)
    actor = actor if actor is not None else reporter
    reporter_name, reporter_phone = (reporter_name or "").strip(), (reporter_phone or "").strip()
    text = _check_input(channel, text, reporter_name, reporter_phone, actor)
    if channel == Channel.OPEN311 and open311_client is None:
        raise PermissionDenied(_("缺少 API key (api_key required)"))
    checked = photos_check(photos)
    media_url = (media_url or "").strip()
    if media_url and (len(media_url) > 500 or not media_url.startswith(("https://", "http://"))):
        raise ValidationFailed(
            _("图片链接应为 http(s) 地址 (media_url must be an http(s) URL)"), field="media_url"
        )
    place = place_resolve(lat=lat, lng=lng, address=address)
    # A client that chose the service (Open311 service_code) classifies the report itself.
    top3 = [(service_code.strip(), 1.0)] if service_code else classify_text(text)
    by_code = {s.code: s for s in Subcategory.objects.filter(code__in=[c for c, _p in top3])}
    if service_code and not by_code:
        raise ValidationFailed(_("未知的事件类型 (unknown service_code)"), field="service_code")
    top3 = [(c, round(p, 4)) for c, p in top3 if c in by_code]
    subcategory = by_code[top3[0][0]] if top3 else None
    confidence = top3[0][1] if top3 else 0.0
    confident = subcategory is not None and confidence >= CONFIDENCE_THRESHOLD

    # Checking, locating and classifying only read: they run before the write transaction starts, so
    # concurrent reports do not queue behind each other's classification (SQLite takes its write lock
    # at BEGIN). Everything written below is one transaction.
    # The receipt number comes from a counter row in its own short transaction, so concurrent reports do
    # not wait on that row for the whole intake; a report that fails later leaves a gap, never a reuse.
    # A new event takes the number of the report that opened it (SB2026... -> SJ2026...).
    with transaction.atomic():
        report_number = next_number("SB", when)
    # Roll-up moves are written after the ledger entries (rollup_deferred exits last).
    with transaction.atomic(), rollup_deferred(), audit_deferred():
        event = (
            duplicate_find(subcategory=subcategory, lat=place.lat, lng=place.lng, when=when)
            if confident
            else None
        )
        duplicate = event is not None
        if duplicate:
            event = Event.objects.select_for_update().get(pk=event.pk)
        else:
            event = _event_create(
                "SJ" + report_number[2:], channel, text, place, subcategory, top3, confidence, when
            )
        if reporter is not None and not is_user(reporter):
            reporter = None
        report = Report.objects.create(
            number=report_number,
            token=secrets.token_hex(16),
            event=event,
            channel=channel,
            text=text,
            lat=place.lat,
            lng=place.lng,
            address=place.address[:200],
            reporter=reporter,
            reporter_name=reporter_name or (getattr(reporter, "full_name", "") if reporter else ""),
            reporter_phone=reporter_phone or (getattr(reporter, "phone", "") if reporter else ""),
            open311_client=open311_client,
            media_url=media_url,
            duplicate=duplicate,
            created_at=when,
        )
        _save_photos(event, report, checked, Photo.Kind.REPORT)
        audit_record(
            kind="events.report.received",
            subject=report,
            actor=actor
            if actor is not None
            else (f"open311:{open311_client.pk}" if open311_client else None),
            content={
                "number": report.number,
                "event": event.number,
                "channel": channel,
                "text": text,
                "lat": place.lat,
                "lng": place.lng,
                "photos": [p.sha256 for p in checked],
                "duplicate": duplicate,
            },
        )
        if duplicate:
            history(event, action="duplicate_linked", actor=actor, when=when, note=report.number)
            return report
        history(
            event,
            action="reported",
            actor=actor,
            when=when,
            to_status=Status.REPORTED,
            note=f"{Channel(channel).label} {report.number}",
        )
        if confident:
            dispatch_locked(
                event,
                actor="router",
                when=when,
                note=_("自动分类 %(code)s %(p).0f%%") % {"code": subcategory.code, "p": confidence * 100},
            )
        else:
            transition(
                event,
                Status.TRIAGE,
                action="triaged",
                actor="classifier",
                when=when,
                note=_("分类置信度 %(p).0f%%，转人工分拣") % {"p": confidence * 100},
            )
        return report


def _event_create(number, channel, text, place: Place, subcategory, top3, confidence, when) -> Event:
    loc = place.location
    event = Event.objects.create(
        number=number,
        status=Status.REPORTED,
        channel=channel,
        description=text,
        subcategory=subcategory,
        classification=[[c, p] for c, p in top3],
        confidence=confidence,
        lat=place.lat,
        lng=place.lng,
        address=place.address[:200] or (place.matched or loc.village_name),
        grid_id=loc.grid_id,
        village_id=loc.village_id,
        street_id=loc.street_id,
        urgent=bool(subcategory and subcategory.urgent),
        created_at=when,
    )
    event_created(event)
    audit_record(
        kind="events.event.created",
        subject=event,
        actor="intake",
        content={"number": event.number, "grid": loc.grid_code, "classification": event.classification},
    )
    return event


def grid_of(event: Event) -> Division:
    return Division.objects.only("id", "path", "code", "parent_id").get(pk=event.grid_id)
