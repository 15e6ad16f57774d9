"""The level switcher on the command-centre board and statistics (district -> street -> village), the
督办 display of escalated events, and the events admin."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from yimen.accounts.models import Role
from yimen.events import services
from yimen.events.models import Channel, Event
from yimen.events.tests.conftest import make_user
from yimen.places import selectors as places
from yimen.places.models import Division

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def recent():
    return timezone.now() - dt.timedelta(hours=1)


@pytest.fixture
def spread(people, recent):
    """One 油烟 event in each of two villages of one street, and one in another street."""
    street_a, street_b = list(places.streets()[:2])
    village_a1, village_a2 = [v for v in places.villages(street_a.code) if places.grids(v).exists()][:2]
    village_b = next(v for v in places.villages(street_b.code) if places.grids(v).exists())
    events = {}
    for name, village in (("a1", village_a1), ("a2", village_a2), ("b", village_b)):
        grid = places.grids(village).first()
        events[name] = services.event_report(
            channel=Channel.CITIZEN,
            text=f"{village.name}后门油烟直排",
            lat=grid.centroid_lat,
            lng=grid.centroid_lng,
            reporter=people["citizen"],
            now=recent,
        ).event
    return {"street_a": street_a, "street_b": street_b, "village_a1": village_a1, "events": events}


def numbers(page) -> set[str]:
    return {e.number for e in page.context["events"]}


def test_the_board_narrows_to_a_street_then_a_village(people, spread):
    client, ev = login(people["command"]), spread["events"]
    page = client.get("/events/command/")
    assert numbers(page) == {e.number for e in ev.values()}
    page = client.get(f"/events/command/?area={spread['street_a'].code}")
    assert numbers(page) == {ev["a1"].number, ev["a2"].number}
    assert dict((s, n) for _l, s, n in page.context["counts"])["dispatched"] == 2
    assert f"street={spread['street_a'].code}" in page.context["grids_url"] and page.context["fit_map"]
    assert spread["village_a1"] in page.context["switcher"]["below"]
    page = client.get(f"/events/command/?area={spread['village_a1'].code}")
    assert numbers(page) == {ev["a1"].number}
    assert f"village={spread['village_a1'].code}" in page.context["grids_url"]
    stats = client.get(f"/events/stats/?days=30&area={spread['village_a1'].code}").context
    assert stats["overall"]["total"] == 1


def test_staff_of_a_street_see_their_street_by_default_and_cannot_leave_it(people, spread):
    street_a, ev = spread["street_a"], spread["events"]
    leader = make_user("sl", Role.COMMAND_CENTRE, department="ZSJ", division=street_a.code)
    client = login(leader)
    page = client.get("/events/command/")
    assert page.context["switcher"]["current"] == street_a and page.context["switcher"]["locked"]
    assert numbers(page) == {ev["a1"].number, ev["a2"].number}
    page = client.get(f"/events/command/?area={spread['street_b'].code}")
    assert numbers(page) == {ev["a1"].number, ev["a2"].number}
    assert "不在您的管辖范围内" in page.content.decode()
    assert client.get("/events/stats/?days=30").context["overall"]["total"] == 2


def test_escalated_events_show_level_when_and_why_and_filter(people, spread, recent):
    now = recent
    ev = spread["events"]
    assert services.events_escalate_overdue(now=now + dt.timedelta(hours=9)) == 3
    Event.objects.filter(pk__in=[ev["a2"].pk, ev["b"].pk]).update(escalated_to=None)
    client = login(people["command"])
    page = client.get("/events/command/?escalated=1")
    assert numbers(page) == {ev["a1"].number}
    row = page.context["events"][0]
    assert row.escalated_to.level == Division.Level.GRID and row.escalated_at == now + dt.timedelta(hours=9)
    assert "超时未签收" in row.escalation_note and "超时未签收" in page.content.decode()
    api = client.get("/api/events/events/?escalated=1").json()["results"]
    assert [(e["number"], e["escalated_to"]) for e in api] == [(ev["a1"].number, ev["a1"].grid.code)]
    street_a = client.get(f"/api/events/events/?area={spread['street_a'].code}").json()["count"]
    assert street_a == 2
    detail = client.get(f"/events/e/{ev['a1'].number}/").content.decode()
    assert 'id="escalations"' in detail and "超时未签收" in detail and "网格" in detail


def test_the_events_admin_lists_and_protects(people, spread):
    admin = make_user("root", Role.COMMAND_CENTRE)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = login(admin)
    for model in ("routingrule", "subcategory", "open311client", "sensordevice", "event", "opinionpost"):
        assert client.get(f"/admin/events/{model}/").status_code == 200, model
    event = spread["events"]["a1"]
    page = client.get(f"/admin/events/event/{event.pk}/change/")
    assert page.status_code == 200 and "派遣" in page.content.decode()
    assert client.post(f"/admin/events/event/{event.pk}/change/", {}).status_code == 403
    response = client.post(
        "/admin/events/sensordevice/add/",
        {
            "code": "N-1",
            "name": "广州噪声计",
            "kind": "noise",
            "lat": "23.1291",
            "lng": "113.2644",
            "subcategory": event.subcategory_id,
            "rule": "above",
            "threshold": "70",
            "owner": services.open311_client_create(name="p", key="k")[0].pk,
            "active": "on",
        },
    )
    assert response.status_code == 200 and "lat" in response.context["adminform"].form.errors


def test_staff_of_a_village_see_their_village_on_board_and_statistics(people, spread):
    village, ev = spread["village_a1"], spread["events"]
    worker = make_user("vw", Role.GRID_WORKER, department="ZSJ", division=village.code)
    client = login(worker)
    page = client.get("/events/command/")
    assert page.context["switcher"]["current"] == village and numbers(page) == {ev["a1"].number}
    assert f"village={village.code}" in page.context["grids_url"]
    assert client.get("/events/stats/?days=30").context["overall"]["total"] == 1
