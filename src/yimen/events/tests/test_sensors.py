"""IoT sensors (物联感知): a reading over the threshold raises a dispatched SENSOR event through intake,
further readings attach to it while it is open, readings within the rule save nothing; bad keys,
devices and values are refused with a clear 4xx and change nothing."""

import pytest
from django.test import Client

from yimen.common.errors import ValidationFailed
from yimen.events import services
from yimen.events.models import Channel, Event, Report, SensorDevice, SensorReading, Subcategory
from yimen.events.tests.conftest import OUTSIDE, ZUMIAO
from yimen.events.workflow import Status

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]

URL = "/api/events/sensors/readings/"
KEY = "sensor-platform-key-1"


@pytest.fixture
def device(people):
    client, _key = services.open311_client_create(name="城市感知平台", key=KEY)
    return services.sensor_device_save(
        device=SensorDevice(
            code="MH-0001",
            name="人民路井盖",
            kind=SensorDevice.Kind.MANHOLE,
            unit="mm",
            lat=ZUMIAO[0],
            lng=ZUMIAO[1],
            subcategory=Subcategory.objects.get(code="0502"),
            threshold=20,
            owner=client,
        ),
        actor=people["command"],
    )


def post(body, key=KEY):
    headers = {"HTTP_X_API_KEY": key} if key else {}
    return Client().post(URL, body, content_type="application/json", **headers)


def reading(value, at="2026-03-04T10:00:00+08:00", device="MH-0001"):
    return {"device": device, "value": value, "at": at}


def test_device_is_located_to_its_grid_and_outside_points_are_refused(device, people):
    assert device.grid.code.startswith("440604") and device.grid.level == 5
    outside = SensorDevice(
        code="X-1",
        name="外地",
        kind="noise",
        lat=OUTSIDE[0],
        lng=OUTSIDE[1],
        subcategory=device.subcategory,
        threshold=70,
        owner=device.owner,
    )
    with pytest.raises(ValidationFailed) as info:
        services.sensor_device_save(device=outside, actor=people["command"])
    assert info.value.field == "lat" and not SensorDevice.objects.filter(code="X-1").exists()


def test_over_threshold_raises_one_dispatched_event_then_readings_attach(device, people):
    first = post(reading(35.5))
    assert first.status_code == 201, first.content
    body = first.json()
    event = Event.objects.get(number=body["event"])
    assert body["result"] == "raised" and body["report"]
    assert event.channel == Channel.SENSOR and event.subcategory.code == "0502"
    assert event.status == Status.DISPATCHED and event.department is not None
    assert event.grid_id == device.grid_id and "35.5mm" in event.description
    second = post(reading(40, at="2026-03-04T10:05:00+08:00"))
    assert second.status_code == 200 and second.json() == {
        "result": "attached",
        "event": event.number,
        "status": "dispatched",
        "report": "",
    }
    assert Event.objects.count() == 1 and Report.objects.count() == 1
    assert list(event.sensor_readings.values_list("value", "opened_event")) == [(35.5, True), (40.0, False)]
    page = Client()
    page.force_login(people["command"])
    html = page.get(f"/events/e/{event.number}/").content.decode()
    assert 'id="sensor-readings"' in html and "MH-0001" in html and "物联感知" in html


def test_after_the_event_closes_a_new_crossing_raises_a_new_event(device):
    post(reading(30))
    Event.objects.update(status=Status.CLOSED)  # what verify does, without walking the workflow here
    response = post(reading(31, at="2026-03-05T10:00:00+08:00"))
    assert response.status_code == 201 and Event.objects.count() == 2


def test_within_the_rule_answers_202_and_saves_nothing(device):
    response = post(reading("12.0"))
    assert response.status_code == 202 and response.json()["result"] == "below"
    assert not Event.objects.exists() and not SensorReading.objects.exists()


@pytest.mark.parametrize(
    ("body", "key", "status", "field"),
    [
        (reading(35), "wrong-key", 403, "api_key"),
        (reading(35), None, 403, "api_key"),
        (reading(35, device="NOPE"), KEY, 404, "device"),
        (reading("三十五"), KEY, 400, "value"),
        (reading(None), KEY, 400, "value"),
        (reading(35, at="昨天"), KEY, 400, "at"),
        ({"value": 35, "at": "2026-03-04T10:00:00+08:00"}, KEY, 400, "device"),
    ],
)
def test_bad_requests_are_refused_on_their_field(device, body, key, status, field):
    response = post(body, key=key)
    assert response.status_code == status, response.content
    assert field in response.json()["errors"]
    assert not Event.objects.exists() and not SensorReading.objects.exists()


def test_a_key_posts_only_for_its_own_devices_and_revoked_keys_are_refused(device, people):
    services.open311_client_create(name="另一平台", key="other-key")
    assert post(reading(35), key="other-key").status_code == 403
    services.open311_client_set_active(client=device.owner, active=False, actor=people["command"])
    assert post(reading(35)).status_code == 403
    assert not Event.objects.exists()
