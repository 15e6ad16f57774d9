import pytest

from yimen.demo import events as demo_events
from yimen.events.models import (
    Event,
    HistoryEntry,
    Open311Client,
    Report,
    RoutingRule,
    SensorDevice,
    SensorReading,
    Sequence,
)
from yimen.events.services import open311_client_for_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]


def test_the_demo_events_are_deterministic_and_load_once(people, monkeypatch):
    monkeypatch.setitem(demo_events.HISTORY, "small", 300)
    result = demo_events.demo_events_load(scale="small", seed=4406)
    citizen_reports = sum(1 for row in demo_events.LIVE if row[0] == "citizen")  # no demo staff accounts here
    assert result["history"] >= 290 and result["live"] == citizen_reports + 1  # and one sensor alarm
    assert SensorDevice.objects.count() == len(demo_events.SENSORS)
    alarm = Event.objects.get(channel="sensor", status="dispatched")
    assert alarm.subcategory.code == "0504" and alarm.department.code == "ZJJ"
    assert SensorReading.objects.get().event == alarm
    closed = Event.objects.filter(status="closed")
    assert closed.count() > 250 and Report.objects.filter(rating__isnull=False).exists()
    assert HistoryEntry.objects.filter(action="closed").count() == closed.count()
    assert RoutingRule.objects.count() == 2 and Open311Client.objects.count() == 1
    assert open311_client_for_key(demo_events.DEMO_OPEN311_KEY).name.startswith("佛山通")
    numbers = list(Event.objects.order_by("number").values_list("number", flat=True)[:20])
    key = numbers[-1][:10]
    assert Sequence.objects.get(key=key).value >= int(numbers[-1][10:])
    assert demo_events.demo_events_load(scale="small", seed=4406)["already"]
    # the same seed gives the same history
    first = list(
        Event.objects.filter(channel__in=["grid", "hotline"])
        .order_by("number")
        .values_list("number", "subcategory__code", "grid__code")[:50]
    )
    SensorReading.objects.all().delete()
    SensorDevice.objects.all().delete()
    Report.objects.all().delete()
    HistoryEntry.objects.all()._raw_delete(HistoryEntry.objects.db)
    Event.objects.all().delete()
    Sequence.objects.all().delete()
    demo_events.demo_events_load(scale="small", seed=4406)
    again = list(
        Event.objects.filter(channel__in=["grid", "hotline"])
        .order_by("number")
        .values_list("number", "subcategory__code", "grid__code")[:50]
    )
    assert first == again
