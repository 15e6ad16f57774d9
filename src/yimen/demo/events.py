"""Demo city governance events: the taxonomy, two routing rules, an Open311 client, a year of closed
history at Chancheng scale (small: 2,000 events; full: 400,000) for the statistics, and a handful of live
events that went through the real services so every inbox, queue and board has something to show.

Deterministic: a fixed seed, the demo world's reference date for history; only the live events carry
the time of loading (their deadlines must be current). Re-running changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from yimen.common import audit
from yimen.demo.world import REFERENCE_DATE
from yimen.events import services
from yimen.events.models import (
    Channel,
    Event,
    HistoryEntry,
    Open311Client,
    Report,
    RoutingRule,
    SensorDevice,
    Sequence,
    Subcategory,
)
from yimen.places import locator
from yimen.places.models import Department, Division

HISTORY = {"small": 2_000, "full": 400_000}
BATCH = 5_000
DEMO_OPEN311_KEY = "demo-open311-key-chancheng"
CHANNELS = [
    (Channel.GRID, 40),
    (Channel.CITIZEN, 33),
    (Channel.HOTLINE, 22),
    (Channel.OPEN311, 3),
    (Channel.SENSOR, 2),
]
# Shares of the subcategories in the history (the rest share what is left): what Chancheng reports most.
HEAVY = {
    "0101": 9,
    "0201": 9,
    "0202": 6,
    "0301": 6,
    "0702": 6,
    "0501": 4,
    "0503": 4,
    "0203": 4,
    "1403": 4,
    "0401": 3,
    "0102": 3,
    "0902": 3,
}
LIVE = [
    # (channel, text, street code, who)
    (Channel.CITIZEN, "祖庙路首层某汤粉店,后门窗口油烟直排扰民", "440604012", "citizen"),
    (Channel.GRID, "福宁路与人民路交界处井盖缺失，路过行人容易踩空，已放置临时警示", "440604012", "grid_zm"),
    (Channel.HOTLINE, "市民来电反映升平路有流动摊贩占道摆卖水果，晚上堵住人行道", "440604012", "hotline"),
    (Channel.CITIZEN, "江湾一路绿化带旁边垃圾堆了好几天没人清运，很臭", "440604010", "citizen"),
    (Channel.GRID, "季华四路工地晚上十一点还在打桩，周边居民投诉噪音", "440604010", "grid_zm"),
    (Channel.HOTLINE, "来电人称小区楼道里有人给电动车充电，担心起火", "440604011", "hotline"),
    (Channel.CITIZEN, "这边有点问题想反映一下，不知道归谁管", "440604100", "citizen"),
]

# 物联感知: demo devices on the demo IoT platform's key (code, name, kind, unit, street code, subcategory,
# threshold, rule), placed at a grid of their street; the first one reports a crossing reading once.
SENSORS = [
    ("SW-ZM-001", "汾江河祖庙段水位计", "water_level", "m", "440604012", "0504", 3.2, "above"),
    ("SW-SW-002", "东平河石湾段水位计", "water_level", "m", "440604010", "0504", 3.5, "above"),
    ("ZS-ZM-011", "祖庙路夜间噪声监测点", "noise", "dB(A)", "440604012", "1403", 55.0, "above"),
    ("ZS-ZJ-012", "季华四路工地噪声监测点", "noise", "dB(A)", "440604010", "0401", 55.0, "above"),
    ("YG-ZJ-021", "张槎城中村出租屋烟感", "smoke", "%obs/m", "440604011", "0903", 8.0, "above"),
    ("JG-NZ-031", "南庄大道井盖位移传感器", "manhole", "mm", "440604100", "0502", 15.0, "above"),
]
SENSOR_ALARM = ("SW-ZM-001", 3.46)  # 汾江河 above its warning line: one live 物联感知 event

Progress = Callable[[str, int, int], None]


def _texts() -> dict[str, list[str]]:
    """Report texts per subcategory: the classifier's corpus when it is there, else the names."""
    try:
        from yimen.events.classifier import corpus_read

        return {code: texts for code, texts in corpus_read().items() if texts}
    except Exception:  # the corpus is optional for the history: names are a fallback
        return {}


def _routing_rules() -> None:
    if RoutingRule.objects.exists():
        return
    services.routing_rule_create(
        actor="demo-loader",
        subcategory="0201",
        division="440604012",
        department="JD440604012",
        note="祖庙街道占道经营由街道综合行政执法队先行处置",
    )
    services.routing_rule_create(
        actor="demo-loader",
        subcategory="0403",
        division="440604100",
        department="JD440604100",
        note="南庄镇渣土车撒漏由镇执法队处置",
    )


def demo_events_load(*, scale: str = "small", seed: int = 4406, progress: Progress | None = None) -> dict:
    services.taxonomy_load(actor="demo-loader")
    if Event.objects.exists():
        _sensors()  # a database loaded before the sensors existed gets them too
        return {"already": True, "events": Event.objects.count()}
    with transaction.atomic():
        _routing_rules()
        if not Open311Client.objects.exists():
            services.open311_client_create(
                name="佛山通 App (演示)", key=DEMO_OPEN311_KEY, actor="demo-loader"
            )
    made = _history(HISTORY.get(scale, HISTORY["small"]), seed, progress or (lambda *a: None))
    live = _live(seed) + _sensors()
    # The history was bulk-written past the services: the statistics roll-up is built from it once.
    services.statistics_rollup_rebuild(actor="demo-loader")
    return {"already": False, "history": made, "live": live}


def _sensors() -> int:
    """The demo IoT platform's devices, once, and one crossing reading; returns the events raised."""
    client = Open311Client.objects.order_by("id").first()
    if client is None or SensorDevice.objects.exists():
        return 0
    streets = {d.code: d for d in Division.objects.filter(level=Division.Level.STREET)}
    subs = {s.code: s for s in Subcategory.objects.all()}
    for code, name, kind, unit, street, sub, threshold, rule in SENSORS:
        grids = Division.objects.filter(level=Division.Level.GRID, path__startswith=streets[street].path)
        lat, lng = grids.order_by("code").values_list("centroid_lat", "centroid_lng")[len(code) % 5]
        device = SensorDevice(
            code=code,
            name=name,
            kind=kind,
            unit=unit,
            lat=lat,
            lng=lng,
            address=name,
            subcategory=subs[sub],
            threshold=threshold,
            rule=rule,
            owner=client,
        )
        services.sensor_device_save(device=device, actor="demo-loader")
    code, value = SENSOR_ALARM
    at = timezone.now().replace(microsecond=0).isoformat()
    outcome = services.sensor_reading_ingest(client=client, device=code, value=value, at=at)
    return int(outcome.result == "raised")


def _grid_points() -> list[tuple[float, float]]:
    return list(
        Division.objects.filter(level=Division.Level.GRID, centroid_lat__isnull=False)
        .order_by("code")
        .values_list("centroid_lat", "centroid_lng")
    )


def _history(total: int, seed: int, progress: Progress) -> int:
    rng = random.Random(seed * 7919 + 311)
    subs = list(Subcategory.objects.select_related("department").order_by("code"))
    weights = [HEAVY.get(s.code, 1) for s in subs]
    texts = _texts()
    points = _grid_points()
    streets = {d.code: d for d in Department.objects.filter(kind=Department.Kind.STREET_OFFICE)}
    end = timezone.make_aware(dt.datetime.combine(REFERENCE_DATE, dt.time(0)))
    start = end - dt.timedelta(days=365)
    counters: Counter[str] = Counter(dict(Sequence.objects.values_list("key", "value")))
    made = 0
    while made < total:
        size = min(BATCH, total - made)
        rows = []
        for _ in range(size):
            lat, lng = rng.choice(points)
            lat += rng.uniform(-0.0004, 0.0004)
            lng += rng.uniform(-0.0004, 0.0004)
            rows.append((lat, lng, start + dt.timedelta(seconds=rng.uniform(0, 365 * 86400))))
        rows.sort(key=lambda r: r[2])
        located = locator.locate_many([(lat, lng) for lat, lng, _ in rows])
        with transaction.atomic():
            made += _history_batch(rng, rows, located, subs, weights, texts, streets, counters)
        progress("events", made, total)
    with transaction.atomic():
        for key, value in counters.items():
            row, _ = Sequence.objects.get_or_create(key=key)
            if row.value < value:
                row.value = value
                row.save(update_fields=["value"])
    return made


def _history_batch(rng, rows, located, subs, weights, texts, streets, counters) -> int:
    events, reports, history = [], [], []
    plans = []
    for (lat, lng, created), where in zip(rows, located, strict=True):
        if where is None:
            continue
        sub = rng.choices(subs, weights)[0]
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        pool = texts.get(sub.code) or [sub.name]
        text = rng.choice(pool)
        department = sub.department
        if sub.code in ("0201", "0403") and rng.random() < 0.7:
            department = streets.get(where.street_code, department)
        day = timezone.localtime(created).strftime("%Y%m%d")
        counters[f"SJ{day}"] += 1
        counters[f"SB{day}"] += 1
        dispatched = created + dt.timedelta(seconds=rng.uniform(1, 90))
        acknowledged = dispatched + dt.timedelta(hours=sub.respond_hours * rng.uniform(0.05, 1.3))
        resolved = acknowledged + dt.timedelta(days=sub.resolve_days * rng.uniform(0.1, 1.6))
        closed = resolved + dt.timedelta(hours=rng.uniform(2, 40))
        rejected = rng.random() < 0.03
        status = "rejected" if rejected else "closed"
        events.append(
            Event(
                number=f"SJ{day}{counters[f'SJ{day}']:06d}",
                status=status,
                channel=channel,
                description=text,
                subcategory=sub,
                classification=[[sub.code, round(rng.uniform(0.45, 0.97), 4)]],
                confidence=0.0,
                lat=lat,
                lng=lng,
                address=where.village_name,
                grid_id=where.grid_id,
                village_id=where.village_id,
                street_id=where.street_id,
                department=None if rejected else department,
                urgent=sub.urgent,
                created_at=created,
                dispatched_at=None if rejected else dispatched,
                respond_due=None if rejected else dispatched + dt.timedelta(hours=sub.respond_hours),
                acknowledged_at=None if rejected else acknowledged,
                resolve_due=None
                if rejected
                else (dispatched + dt.timedelta(days=sub.resolve_days * 1.4)).date(),
                resolved_at=None if rejected else resolved,
                closed_at=None if rejected else closed,
                handler_action="" if rejected else f"已按{sub.name}处置规范完成处置并回访",
            )
        )
        events[-1].confidence = events[-1].classification[0][1]
        token = hashlib.sha256(f"{day}{counters[f'SB{day}']}{text}".encode()).hexdigest()[:32]
        reports.append(
            Report(
                number=f"SB{day}{counters[f'SB{day}']:06d}",
                token=token,
                channel=channel,
                text=text,
                lat=lat,
                lng=lng,
                address=where.village_name,
                created_at=created,
                outcome_notified_at=None if rejected else closed,
                rating=None
                if rejected or rng.random() < 0.35
                else rng.choices([5, 4, 3, 2, 1], [62, 25, 8, 3, 2])[0],
            )
        )
        plans.append((rejected, created, dispatched, acknowledged, resolved, closed, department))
    Event.objects.bulk_create(events, batch_size=2_000)
    for event, report, plan in zip(events, reports, plans, strict=True):
        report.event = event
        rejected, created, dispatched, acknowledged, resolved, closed, department = plan
        steps = (
            [
                ("reported", "", "reported", created, None),
                ("triaged", "reported", "triage", created, None),
                ("rejected", "triage", "rejected", dispatched, None),
            ]
            if rejected
            else [
                ("reported", "", "reported", created, None),
                ("dispatched", "reported", "dispatched", dispatched, department),
                ("acknowledged", "dispatched", "acknowledged", acknowledged, department),
                ("resolved", "acknowledged", "resolved", resolved, department),
                ("closed", "resolved", "closed", closed, department),
            ]
        )
        for action, frm, to, when, dept in steps:
            history.append(
                HistoryEntry(
                    event=event,
                    action=action,
                    from_status=frm,
                    to_status=to,
                    created_at=when,
                    actor_label="历史数据导入",
                    department=dept,
                )
            )
    Report.objects.bulk_create(reports, batch_size=2_000)
    HistoryEntry.objects.bulk_create(history, batch_size=5_000)
    audit.record(
        kind="events.history.bulk_loaded",
        subject="events.event",
        actor="demo-loader",
        content=[e.number for e in events],
    )
    return len(events)


def _live(seed: int) -> int:
    from yimen.accounts.models import User

    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["citizen", "grid_zm", "hotline", "command", "handler_hb", "handler_cg"]
        )
    }
    rng = random.Random(seed)
    streets = {d.code: d for d in Division.objects.filter(level=Division.Level.STREET)}
    made = 0
    for channel, text, street_code, who in LIVE:
        street = streets[street_code]
        grid = (
            Division.objects.filter(level=Division.Level.GRID, path__startswith=street.path)
            .order_by("code")
            .values_list("centroid_lat", "centroid_lng")
        )
        lat, lng = rng.choice(list(grid))
        user = users.get(who)
        kwargs = (
            {"reporter_name": "陈先生", "reporter_phone": "13800138000"} if channel == Channel.HOTLINE else {}
        )
        if channel == Channel.HOTLINE and user is None:
            continue
        if channel == Channel.GRID and user is None:
            continue
        services.event_report(
            channel=channel,
            text=text,
            lat=lat,
            lng=lng,
            reporter=None if channel == Channel.HOTLINE else user,
            actor=user if user else "demo-loader",
            **kwargs,
        )
        made += 1
    # One handled all the way to verification, so the command centre has something to verify.
    handler = users.get("handler_cg")
    event = Event.objects.filter(status="dispatched", department__code="CGJ").order_by("id").first()
    if handler and event:
        services.event_acknowledge(event=event, actor=handler)
    return made
