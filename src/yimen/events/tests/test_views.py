"""Event pages: forms, the receipt, the live inbox stream, the board, triage, rules, detail actions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from yimen.events import services
from yimen.events.models import Channel, Event, Report, RoutingRule
from yimen.events.tests.conftest import JPEG, OUTSIDE, ZUMIAO

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]

TEXT = "祖庙路首层某汤粉店,后门窗口油烟直排扰民"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_citizen_form_has_a_leaflet_map_from_the_package(people):
    page = login(people["citizen"]).get("/events/report/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "leaflet/leaflet.js" in html and "data-pin-map" in html and 'name="lat"' in html
    assert Client().get("/static/leaflet/leaflet.js").status_code == 200


def test_a_citizen_reports_with_a_pin_and_follows_the_receipt(people):
    client = login(people["citizen"])
    response = client.post(
        "/events/report/",
        {"text": TEXT, "lat": ZUMIAO[0], "lng": ZUMIAO[1], "photos": [SimpleUploadedFile("a.jpg", JPEG)]},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert response["Location"] == f"/events/track/{report.token}/"
    page = Client().get(response["Location"]).content.decode()  # the receipt works without logging in
    assert report.event.number in page and "已派遣" in page
    assert report.number in login(people["citizen"]).get("/events/mine/").content.decode()


def test_a_bad_report_shows_the_error_and_keeps_the_text(people):
    response = login(people["citizen"]).post(
        "/events/report/", {"text": TEXT, "lat": OUTSIDE[0], "lng": OUTSIDE[1]}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "不在禅城区范围内" in html and TEXT in html
    assert not Event.objects.exists()


def test_grid_and_hotline_pages_need_their_roles(people):
    assert login(people["citizen"]).get("/events/grid/report/").status_code == 403
    assert login(people["citizen"]).get("/events/hotline/").status_code == 403
    grid = login(people["grid"])
    page = grid.get("/events/grid/report/").content.decode()
    assert 'capture="environment"' in page and 'data-auto="1"' in page
    response = grid.post(
        "/events/grid/report/", {"text": "井盖缺失很危险", "lat": ZUMIAO[0], "lng": ZUMIAO[1]}
    )
    assert response.status_code == 302 and Event.objects.get().channel == Channel.GRID
    hotline = login(people["hotline"])
    response = hotline.post(
        "/events/hotline/",
        {
            "text": TEXT,
            "address": "祖庙街道祖庙路",
            "reporter_name": "陈大文",
            "reporter_phone": "13800138000",
        },
    )
    assert response.status_code == 302
    detail = hotline.get(response["Location"]).content.decode()
    assert "138****8000" in detail and "13800138000" not in detail and "陈*文" in detail


def test_the_inbox_streams_a_dispatched_event(people, settings):
    settings.YIMEN_EVENTS_STREAM_SECONDS = 0.5
    hb = login(people["hb"])
    page = hb.get("/events/inbox/")
    assert page.status_code == 200 and 'data-stream="/events/inbox/stream/"' in page.content.decode()
    cursor = page.context["cursor"]
    report = services.event_report(
        channel=Channel.CITIZEN, text=TEXT, lat=ZUMIAO[0], lng=ZUMIAO[1], reporter=people["citizen"]
    )
    stream = hb.get(f"/events/inbox/stream/?after={cursor}")
    assert stream["Content-Type"] == "text/event-stream"
    body = b"".join(stream.streaming_content).decode()
    assert "event: dispatched" in body and report.event.number in body
    # another department's stream does not carry it
    other = b"".join(
        login(people["cg"]).get(f"/events/inbox/stream/?after={cursor}").streaming_content
    ).decode()
    assert report.event.number not in other
    assert login(people["citizen"]).get("/events/inbox/stream/").status_code == 403


def test_the_stream_carries_a_dispatch_committed_after_a_later_one_and_each_only_once(people, settings):
    """History ids are taken at insert, not at commit: a dispatch whose id is below the cursor but which
    became visible later (a slower transaction) still reaches the inbox, once."""
    from yimen.events.models import HistoryEntry

    settings.YIMEN_EVENTS_STREAM_SECONDS = 0.5
    hb = login(people["hb"])
    report = services.event_report(
        channel=Channel.CITIZEN, text=TEXT, lat=ZUMIAO[0], lng=ZUMIAO[1], reporter=people["citizen"]
    )
    row = HistoryEntry.objects.get(event=report.event, action="dispatched")
    # the browser's cursor is already past it (a later dispatch was streamed first)
    body = b"".join(hb.get(f"/events/inbox/stream/?after={row.pk + 5}").streaming_content).decode()
    assert body.count(f"id: {row.pk}\n") == 1 and report.event.number in body


def test_the_board_triage_and_detail_actions(people):
    command = login(people["command"])
    triaged = services.event_report(
        channel=Channel.CITIZEN,
        text="说不清楚的问题",
        lat=ZUMIAO[0],
        lng=ZUMIAO[1],
        reporter=people["citizen"],
    ).event
    board = command.get("/events/command/")
    assert board.status_code == 200 and "data-board-map" in board.content.decode()
    assert board.context["points"][0]["number"] == triaged.number
    assert triaged.number in command.get("/events/triage/").content.decode()
    command.post(f"/events/e/{triaged.number}/dispatch/", {"subcategory": "0301", "department": ""})
    triaged.refresh_from_db()
    assert triaged.status == "dispatched" and triaged.department.code == "HBJ"
    hb = login(people["hb"])
    assert "btn-acknowledge" in hb.get(f"/events/e/{triaged.number}/").content.decode()
    hb.post(f"/events/e/{triaged.number}/acknowledge/")
    hb.post(
        f"/events/e/{triaged.number}/resolve/",
        {"action": "已安装净化器", "photos": [SimpleUploadedFile("a.jpg", JPEG)]},
    )
    command.post(f"/events/e/{triaged.number}/verify/", {"passed": "1"})
    triaged.refresh_from_db()
    assert triaged.status == "closed"
    report = triaged.reports.get()
    track = Client().post(f"/events/track/{report.token}/", {"score": "4"})
    assert track.status_code == 302
    report.refresh_from_db()
    assert report.rating == 4


def test_an_illegal_action_on_the_page_changes_nothing(people):
    event = services.event_report(
        channel=Channel.CITIZEN, text=TEXT, lat=ZUMIAO[0], lng=ZUMIAO[1], reporter=people["citizen"]
    ).event
    response = login(people["hb"]).post(
        f"/events/e/{event.number}/resolve/",
        {"action": "x", "photos": [SimpleUploadedFile("a.jpg", JPEG)]},
        follow=True,
    )
    assert "不能变为" in response.content.decode()
    event.refresh_from_db()
    assert event.status == "dispatched"


def test_the_rules_editor(people):
    command = login(people["command"])
    assert login(people["hb"]).get("/events/rules/").status_code == 403
    response = command.post(
        "/events/rules/",
        {
            "op": "create",
            "category": "03",
            "division": "440604012",
            "department": "JD440604012",
            "note": "街道先处置",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert "街道先处置" in command.get("/events/rules/").content.decode()
    command.post("/events/rules/", {"op": "toggle", "rule": rule.pk})
    rule.refresh_from_db()
    assert not rule.active
    bad = command.post("/events/rules/", {"op": "create", "department": "NOPE"})
    assert bad.status_code == 400 and RoutingRule.objects.count() == 1


def test_statistics_page(people, now):
    import datetime as dt

    from django.utils import timezone

    recent = timezone.now() - dt.timedelta(days=2)
    for i in range(3):
        services.event_report(
            channel=Channel.CITIZEN,
            text="油烟扰民",
            lat=ZUMIAO[0] + i * 0.002,
            lng=ZUMIAO[1],
            reporter=people["citizen"],
            now=recent,
        )
    event = Event.objects.order_by("id").first()
    services.event_acknowledge(event=event, actor=people["hb"], now=recent + dt.timedelta(hours=1))
    services.event_resolve(
        event=event, actor=people["hb"], action="已整改", photos=[JPEG], now=recent + dt.timedelta(hours=5)
    )
    services.event_verify(
        event=event, actor=people["command"], passed=True, now=recent + dt.timedelta(hours=6)
    )
    page = login(people["command"]).get("/events/stats/?days=30")
    assert page.status_code == 200
    overall = page.context["overall"]
    assert overall["total"] == 3 and overall["closed"] == 1 and overall["closure_rate"] == 33.3
    assert overall["on_time_rate"] == 100.0 and overall["to_close_minutes"] == 360.0
    assert page.context["by_department"][0]["name"] == "佛山市生态环境局禅城分局"
    assert page.context["hot"] and "data-hot-map" in page.content.decode()
    assert login(people["citizen"]).get("/events/stats/").status_code == 403


def test_an_approved_joint_task_reaches_the_assisting_inbox_live(people, settings):
    settings.YIMEN_EVENTS_STREAM_SECONDS = 0.5
    event = services.event_report(
        channel=Channel.CITIZEN, text=TEXT, lat=ZUMIAO[0], lng=ZUMIAO[1], reporter=people["citizen"]
    ).event
    services.event_acknowledge(event=event, actor=people["hb"])
    request = services.joint_request(event=event, actor=people["hb"], departments=["SCJ"], reason="无证经营")
    sc = login(people["sc"])
    cursor = sc.get("/events/inbox/").context["cursor"]
    services.joint_decide(request=request, actor=people["command"], approve=True)
    body = b"".join(sc.get(f"/events/inbox/stream/?after={cursor}").streaming_content).decode()
    assert event.number in body
    assert event.number in sc.get("/events/inbox/").content.decode()


def test_the_public_receipt_hides_staff_names_and_english_works(people):
    report = services.event_report(
        channel=Channel.CITIZEN, text=TEXT, lat=ZUMIAO[0], lng=ZUMIAO[1], reporter=people["citizen"]
    )
    services.event_acknowledge(event=report.event, actor=people["hb"])
    page = Client().get(f"/events/track/{report.token}/").content.decode()
    assert people["hb"].full_name not in page and "佛山市生态环境局禅城分局" in page
    english = Client(headers={"accept-language": "en"}).get(f"/events/track/{report.token}/").content.decode()
    assert "Progress" in english and "In progress" in english
