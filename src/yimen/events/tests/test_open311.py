"""Open311 GeoReport v2: JSON and XML responses carry the spec's fields; errors are the spec's list."""

import datetime as dt
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from yimen.events import services
from yimen.events.models import Channel, Event, Report
from yimen.events.tests.conftest import OUTSIDE, ZUMIAO

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def key(db):
    return services.open311_client_create(name="test client", key="k-123456")[1]


def post(client, key, fmt="json", **extra):
    data = {
        "api_key": key,
        "service_code": "0301",
        "lat": ZUMIAO[0],
        "long": ZUMIAO[1],
        "description": "后门油烟直排",
        "first_name": "大文",
        "last_name": "陈",
        "phone": "13800138000",
    }
    data.update(extra)
    return client.post(f"/open311/v2/requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def test_services_json_and_xml():
    body = Client().get("/open311/v2/services.json").json()
    assert len(body) == 61 and set(body[0]) == SERVICE_FIELDS
    oil = next(s for s in body if s["service_code"] == "0301")
    assert oil["service_name"] == "餐饮油烟" and oil["group"] == "环境污染" and oil["type"] == "realtime"
    response = Client().get("/open311/v2/services.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "services" and len(root.findall("service")) == 61
    assert {c.tag for c in root.find("service")} == SERVICE_FIELDS


def test_service_definition_has_attributes():
    body = Client().get("/open311/v2/services/0301.json").json()
    assert body["service_code"] == "0301"
    assert {
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
    } <= set(body["attributes"][0])
    root = ET.fromstring(Client().get("/open311/v2/services/0301.xml").content)
    assert root.tag == "service_definition" and root.find("attributes/attribute/code").text == "landmark"
    missing = Client().get("/open311/v2/services/9999.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_post_then_get_a_request(key):
    client = Client()
    created = post(client, key, **{"attribute[landmark]": "汤粉店"})
    assert created.status_code == 201, created.content
    row = created.json()[0]
    assert set(row) == {"service_request_id", "service_notice", "account_id"}
    report = Report.objects.get(number=row["service_request_id"])
    assert report.channel == Channel.OPEN311 and "汤粉店" in report.text
    assert report.event.subcategory.code == "0301" and report.event.status == "dispatched"
    detail = client.get(f"/open311/v2/requests/{row['service_request_id']}.json").json()
    assert len(detail) == 1 and set(detail[0]) == REQUEST_FIELDS
    assert detail[0]["status"] == "open" and detail[0]["agency_responsible"] == "佛山市生态环境局禅城分局"
    assert detail[0]["lat"] == ZUMIAO[0]
    xml = ET.fromstring(client.get(f"/open311/v2/requests/{row['service_request_id']}.xml").content)
    assert xml.tag == "service_requests" and {c.tag for c in xml.find("request")} == REQUEST_FIELDS
    token = client.get(f"/open311/v2/tokens/{report.token}.json").json()
    assert token == [{"service_request_id": report.number, "token": report.token}]


def test_post_xml_answers_xml(key):
    response = post(Client(), key, fmt="xml")
    assert response.status_code == 201
    assert ET.fromstring(response.content).find("request/service_request_id").text.startswith("SB")


@pytest.mark.parametrize(
    ("extra", "status", "words"),
    [
        ({"api_key": "forged"}, 403, "api_key"),
        ({"api_key": None}, 403, "api_key"),
        ({"service_code": "9999"}, 404, "service_code"),
        ({"service_code": ""}, 400, "service_code"),
        ({"lat": None, "long": None}, 400, "lat/long"),
        ({"lat": OUTSIDE[0], "long": OUTSIDE[1]}, 400, "不在禅城区范围内"),
        ({"description": ""}, 400, "description"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
    ids=["forged-key", "no-key", "unknown-service", "no-service", "no-location", "outside", "empty", "media"],
)
def test_bad_posts_answer_the_error_list_and_save_nothing(key, extra, status, words):
    for fmt in ("json", "xml"):
        response = post(Client(), key, fmt=fmt, **extra)
        assert response.status_code == status
        if fmt == "json":
            error = response.json()[0]
            assert error["code"] == status and words in error["description"]
        else:
            root = ET.fromstring(response.content)
            assert root.tag == "errors" and root.find("error/code").text == str(status)
    assert not Report.objects.exists() and not Event.objects.exists()


def test_list_filters_by_status_service_and_dates(key, now, people):
    client = Client()
    first = services.event_report(
        channel=Channel.CITIZEN,
        text="油烟",
        lat=ZUMIAO[0],
        lng=ZUMIAO[1],
        reporter=people["citizen"],
        now=now,
    )
    services.event_report(
        channel=Channel.CITIZEN,
        text="井盖丢了",
        lat=ZUMIAO[0],
        lng=ZUMIAO[1] + 0.01,
        reporter=people["citizen"],
        now=now,
    )
    Event.objects.filter(pk=first.event_id).update(status="closed", closed_at=now)
    window = {
        "start_date": (now - dt.timedelta(days=1)).isoformat(),
        "end_date": (now + dt.timedelta(days=1)).isoformat(),
    }
    everything = client.get("/open311/v2/requests.json", window).json()
    assert len(everything) == 2
    closed = client.get("/open311/v2/requests.json", {**window, "status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [first.number]
    assert (
        client.get("/open311/v2/requests.json", {**window, "service_code": "0502"}).json()[0]["service_code"]
        == "0502"
    )
    assert (
        client.get("/open311/v2/requests.json", {"service_request_id": first.number}).json()[0]["status"]
        == "closed"
    )
    # the default window is the last 90 days from now, which does not include 2026-03
    too_long = client.get(
        "/open311/v2/requests.json",
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
    )
    assert too_long.status_code == 400 and "90" in too_long.json()[0]["description"]
    assert client.get("/open311/v2/requests.json", {"start_date": "yesterday"}).status_code == 400
    assert client.get("/open311/v2/requests.json", {**window, "status": "pending"}).status_code == 400


def test_unknown_request_and_format():
    assert Client().get("/open311/v2/requests/SB0.json").status_code == 404
    assert Client().get("/open311/v2/services.csv").status_code == 404
