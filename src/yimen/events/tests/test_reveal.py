"""查看完整信息: a reporter's name and phone are masked on staff pages; the command centre or the handling
department sees them once, with a reason, and the read is logged (row + ledger entry)."""

import pytest

from yimen.common.errors import NotFound, PermissionDenied, ValidationFailed
from yimen.events import services
from yimen.events.models import Channel, ContactRead
from yimen.events.tests.conftest import ZUMIAO
from yimen.events.tests.test_views import login
from yimen.ledger.models import Entry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]

PHONE, NAME = "13800138000", "陈大文"


@pytest.fixture
def call(people):
    """A 12345 call about kitchen fumes: dispatched to the environment bureau (HBJ)."""
    return services.event_report(
        channel=Channel.HOTLINE,
        text="来电反映楼下餐馆油烟直排",
        lat=ZUMIAO[0],
        lng=ZUMIAO[1],
        reporter_name=NAME,
        reporter_phone=PHONE,
        actor=people["hotline"],
    )


def reveal(client, report, reason="回访来电人核实情况"):
    url = f"/events/e/{report.event.number}/contact/"
    return client.post(url, {"report": report.pk, "reason": reason})


def test_the_detail_page_masks_the_caller_and_offers_the_logged_reveal(people, call):
    page = login(people["command"]).get(f"/events/e/{call.event.number}/").content.decode()
    assert PHONE not in page and NAME not in page
    assert "138****8000" in page and "陈*文" in page and "查看完整信息" in page
    # a grid worker sees the event but not the reveal form
    grid = login(people["grid"]).get(f"/events/e/{call.event.number}/").content.decode()
    assert "138****8000" in grid and "查看完整信息" not in grid


@pytest.mark.parametrize("who", ["command", "hb"])
def test_a_reveal_with_a_reason_shows_the_full_values_once_and_is_logged(people, call, who):
    client = login(people[who])
    response = reveal(client, call)
    page = response.content.decode()
    assert response.status_code == 200 and PHONE in page and NAME in page
    assert response["Cache-Control"] == "no-store"
    read = ContactRead.objects.get()
    assert read.actor == people[who] and read.report == call and read.reason == "回访来电人核实情况"
    assert read.fields == ["name", "phone"] and read.ledger_index is not None
    entry = Entry.objects.get(index=read.ledger_index)
    assert entry.kind == "events.report.contact_read"
    # shown once: the next view is masked again
    again = client.get(f"/events/e/{call.event.number}/").content.decode()
    assert PHONE not in again and "138****8000" in again


def test_no_reason_no_reveal(people, call):
    client = login(people["command"])
    for reason in ("", "  ", "看看"):
        response = reveal(client, call, reason=reason)
        assert response.status_code == 302
        assert PHONE not in client.get(response["Location"]).content.decode()
    assert not ContactRead.objects.exists()
    with pytest.raises(ValidationFailed):
        services.report_contact_reveal(actor=people["command"], report=call, reason="看")


def test_outside_the_scope_or_without_the_right_nothing_is_revealed(people, call):
    # another department does not see the event at all
    assert reveal(login(people["cg"]), call).status_code == 404
    with pytest.raises(NotFound):
        services.report_contact_reveal(actor=people["cg"], report=call, reason="回访来电人核实情况")
    # a grid worker sees the event but may not unmask; a citizen sees nothing
    response = reveal(login(people["grid"]), call)
    assert response.status_code == 302
    with pytest.raises(PermissionDenied):
        services.report_contact_reveal(actor=people["grid"], report=call, reason="回访来电人核实情况")
    assert reveal(login(people["citizen"]), call).status_code == 404
    assert not ContactRead.objects.exists()
    assert not Entry.objects.filter(kind="events.report.contact_read").exists()
