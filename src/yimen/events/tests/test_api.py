"""The /api/events/ REST API: auth, scope (404 outside it), masking, 409 on illegal transitions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yimen.common.testing import assert_masked, assert_paginated, assert_requires_login, client_for
from yimen.events.models import Event, Report
from yimen.events.tests.conftest import JPEG, OUTSIDE, PNG, ZUMIAO

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]

TEXT = "祖庙路首层某汤粉店,后门窗口油烟直排扰民"


def photo(content=PNG, name="p.png"):
    return SimpleUploadedFile(name, content, content_type="image/png")


def citizen_report(people, **extra):
    data = {"text": TEXT, "lat": ZUMIAO[0], "lng": ZUMIAO[1], "photos": [photo()], **extra}
    return client_for(people["citizen"]).post("/api/events/reports/", data, format="multipart")


def test_login_is_required():
    for path in ("/api/events/events/", "/api/events/routing-rules/", "/api/events/joint/"):
        assert_requires_login(path)
    assert_requires_login("/api/events/reports/", method="post")


def test_a_citizen_reports_and_gets_a_receipt(people):
    response = citizen_report(people)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "dispatched" and body["report"].startswith("SB") and len(body["token"]) == 32
    receipt = client_for(None).get(f"/api/events/receipts/{body['token']}/").json()
    assert receipt["event"] == body["event"]
    mine = client_for(people["citizen"]).get("/api/events/events/").json()
    assert [e["number"] for e in mine["results"]] == [body["event"]]
    assert client_for(people["citizen2"]).get("/api/events/events/").json()["count"] == 0
    assert client_for(people["citizen2"]).get(f"/api/events/events/{body['event']}/").status_code == 404


def test_bad_input_is_a_field_level_400_and_saves_nothing(people):
    for extra, field in (
        ({"lat": OUTSIDE[0], "lng": OUTSIDE[1]}, "location"),
        ({"text": ""}, "text"),
        (
            {"photos": [SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")]},
            "photos",
        ),
    ):
        response = citizen_report(people, **extra)
        assert response.status_code == 400 and field in response.json()["errors"], (field, response.json())
    assert not Event.objects.exists() and not Report.objects.exists()


def test_hotline_reporter_is_masked_everywhere(people):
    response = client_for(people["hotline"]).post(
        "/api/events/reports/",
        {
            "channel": "hotline",
            "text": TEXT,
            "address": "祖庙街道 祖庙路",
            "reporter_name": "陈大文",
            "reporter_phone": "13800138000",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    number = response.json()["event"]
    for who in ("hotline", "command", "hb"):
        detail = client_for(people[who]).get(f"/api/events/events/{number}/")
        assert detail.status_code == 200
        assert_masked(detail.json(), ["13800138000", "陈大文"])
        assert detail.json()["reports"][0]["reporter"] == {"name": "陈*文", "phone": "138****8000"}


def test_scope_handlers_see_their_department_grid_workers_their_street(people):
    number = citizen_report(people).json()["event"]
    assert client_for(people["hb"]).get(f"/api/events/events/{number}/").status_code == 200
    assert client_for(people["cg"]).get(f"/api/events/events/{number}/").status_code == 404
    assert client_for(people["grid"]).get(f"/api/events/events/{number}/").status_code == 200
    assert client_for(people["grid_other"]).get(f"/api/events/events/{number}/").status_code == 404
    listing = client_for(people["command"]).get("/api/events/events/?status=dispatched").json()
    assert_paginated(listing)
    assert listing["count"] == 1
    assert client_for(people["command"]).get("/api/events/events/?status=nope").status_code == 400


def test_actions_through_the_api_and_409_for_an_illegal_one(people):
    number = citizen_report(people).json()["event"]
    hb = client_for(people["hb"])
    url = f"/api/events/events/{number}"
    resolved_too_early = hb.post(
        f"{url}/resolve/", {"action": "done", "photos": [photo(JPEG, "a.jpg")]}, format="multipart"
    )
    assert resolved_too_early.status_code == 409 and resolved_too_early.json()["code"] == "conflict"
    assert hb.post(f"{url}/acknowledge/").json()["status"] == "acknowledged"
    assert hb.post(f"{url}/resolve/", {"action": "已整改"}, format="multipart").status_code == 400
    done = hb.post(
        f"{url}/resolve/", {"action": "已整改", "photos": [photo(JPEG, "a.jpg")]}, format="multipart"
    )
    assert done.json()["status"] == "resolved"
    assert (
        client_for(people["cg"]).post(f"{url}/verify/", {"passed": True}).status_code == 404
    )  # not in scope
    assert (
        client_for(people["grid"]).post(f"{url}/verify/", {"passed": True}, format="json").json()["status"]
        == "closed"
    )
    report = Report.objects.get(event__number=number)
    rated = client_for(people["citizen"]).post(f"/api/events/reports/{report.number}/rate/", {"score": 5})
    assert rated.status_code == 200
    detail = client_for(people["citizen"]).get(f"{url}/").json()
    assert [h["to_status"] for h in detail["history"] if h["to_status"]][-1] == "closed"
    assert detail["reports"][0]["rating"] == 5


def test_joint_enforcement_through_the_api(people):
    number = citizen_report(people).json()["event"]
    hb = client_for(people["hb"])
    hb.post(f"/api/events/events/{number}/acknowledge/")
    created = hb.post(
        f"/api/events/events/{number}/joint/", {"departments": ["SCJ"], "reason": "无证经营"}, format="json"
    )
    assert created.status_code == 201
    pending = client_for(people["command"]).get("/api/events/joint/").json()
    assert [p["event"] for p in pending] == [number]
    decided = client_for(people["command"]).post(
        f"/api/events/joint/{pending[0]['id']}/decide/", {"approve": True}, format="json"
    )
    assert decided.json()["state"] == "approved"
    tasks = client_for(people["sc"]).get(f"/api/events/events/{number}/").json()["joint_tasks"]
    sc_task = next(t for t in tasks if t["department"] == "SCJ")
    done = client_for(people["sc"]).post(
        f"/api/events/joint-tasks/{sc_task['id']}/complete/", {"result": "已查处无证经营"}, format="json"
    )
    assert done.status_code == 200


def test_routing_rules_api(people):
    command = client_for(people["command"])
    created = command.post(
        "/api/events/routing-rules/", {"category": "03", "department": "CGJ"}, format="json"
    )
    assert created.status_code == 201 and created.json()["position"] == 1
    second = command.post(
        "/api/events/routing-rules/", {"subcategory": "0301", "department": "SCJ"}, format="json"
    )
    moved = command.post(
        f"/api/events/routing-rules/{second.json()['id']}/move/", {"position": 1}, format="json"
    )
    assert moved.json()["position"] == 1
    assert [r["department"] for r in command.get("/api/events/routing-rules/").json()] == ["SCJ", "CGJ"]
    bad = command.post("/api/events/routing-rules/", {"category": "99", "department": "CGJ"}, format="json")
    assert bad.status_code == 400 and "category" in bad.json()["errors"]
    assert (
        client_for(people["hb"])
        .post("/api/events/routing-rules/", {"department": "HBJ"}, format="json")
        .status_code
        == 403
    )
    assert command.delete(f"/api/events/routing-rules/{second.json()['id']}/").status_code == 204


def test_the_openapi_schema_documents_the_events_api(people):
    schema = client_for(people["command"]).get("/api/schema/?format=json").json()
    assert "/api/events/reports/" in schema["paths"] and "/api/events/events/{number}/" in schema["paths"]
