import datetime as dt

import pytest

from yimen.common.errors import PermissionDenied, ValidationFailed
from yimen.events import locate, services
from yimen.events.models import Channel, Event, HistoryEntry, Photo, Report
from yimen.events.tests.conftest import JPEG, OUTSIDE, PNG, ZUMIAO
from yimen.ledger.models import Entry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]

TEXT = "祖庙路首层某汤粉店,后门窗口油烟直排扰民"


def report(people, now, text=TEXT, lat=ZUMIAO[0], lng=ZUMIAO[1], **kw):
    kw.setdefault("channel", Channel.CITIZEN)
    kw.setdefault("reporter", people["citizen"])
    return services.event_report(text=text, lat=lat, lng=lng, now=now, **kw)


def test_a_confident_report_is_located_classified_and_dispatched_to_the_taxonomy_department(people, now):
    entries = Entry.objects.count()
    r = report(people, now, photos=[PNG])
    event = r.event
    assert r.number.startswith("SB20260304") and len(r.token) == 32
    assert event.number.startswith("SJ20260304")
    assert event.status == "dispatched"
    assert event.subcategory.code == "0301" and event.department.code == "HBJ"
    assert event.street.name == "祖庙街道" and event.grid.code.startswith(event.village.code)
    assert event.classification[0] == ["0301", 0.91]
    assert event.respond_due == now + dt.timedelta(hours=8)
    assert event.resolve_due == dt.date(2026, 3, 11)  # 5 working days after Wednesday
    assert [h.action for h in event.history.all()] == ["reported", "dispatched"]
    photo = Photo.objects.get(event=event)
    assert photo.content_type == "image/png" and len(photo.sha256) == 64
    assert Entry.objects.count() - entries >= 3  # created, received, dispatched


def test_below_the_threshold_the_event_waits_in_the_triage_queue(people, now):
    event = report(people, now, text="这里有点问题，请派人来看看").event
    assert event.status == "triage" and event.department is None
    assert event.confidence == 0.21


def test_without_a_classifier_reports_go_to_triage(people, now, monkeypatch):
    from yimen.events.services import intake

    monkeypatch.undo()
    monkeypatch.setattr(intake, "classify_text", lambda text: [])
    event = report(people, now).event
    assert event.status == "triage" and event.subcategory is None


def test_an_address_is_matched_against_division_names(people, now):
    r = services.event_report(
        channel=Channel.CITIZEN,
        text=TEXT,
        address="祖庙街道 祖庙路 12 号",
        reporter=people["citizen"],
        now=now,
    )
    assert r.event.street.name == "祖庙街道"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lat": OUTSIDE[0], "lng": OUTSIDE[1]}, "location"),
        ({"lat": None, "lng": None}, "location"),
        ({"lat": None, "lng": None, "address": "火星基地一号"}, "address"),
        ({"text": "   "}, "text"),
        ({"photos": [b"GIF89a not allowed"]}, "photos"),
        ({"photos": [JPEG + b"\x00" * 6_000_000]}, "photos"),
        ({"channel": "fax"}, "channel"),
        ({"reporter_phone": "abc"}, "reporter_phone"),
    ],
    ids=[
        "outside",
        "no-location",
        "unknown-address",
        "empty-text",
        "not-an-image",
        "too-big",
        "channel",
        "phone",
    ],
)
def test_bad_input_is_refused_with_a_field_and_saves_nothing(people, now, kwargs, field):
    before = (Event.objects.count(), Report.objects.count(), Photo.objects.count(), Entry.objects.count())
    with pytest.raises(ValidationFailed) as caught:
        report(people, now, **kwargs)
    assert field in caught.value.errors
    after = (Event.objects.count(), Report.objects.count(), Photo.objects.count(), Entry.objects.count())
    assert before == after


def test_outside_the_district_says_so(people, now):
    with pytest.raises(ValidationFailed, match="不在禅城区范围内"):
        report(people, now, lat=OUTSIDE[0], lng=OUTSIDE[1])


def test_grid_and_hotline_channels_need_their_roles(people, now):
    with pytest.raises(PermissionDenied):
        report(people, now, channel=Channel.GRID)
    r = report(people, now, channel=Channel.GRID, reporter=people["grid"])
    assert r.channel == "grid"
    with pytest.raises(ValidationFailed) as caught:
        report(people, now, channel=Channel.HOTLINE, reporter=None, actor=people["hotline"])
    assert "reporter_phone" in caught.value.errors
    r = report(
        people,
        now,
        channel=Channel.HOTLINE,
        reporter=None,
        actor=people["hotline"],
        reporter_name="陈大文",
        reporter_phone="13800138000",
    )
    assert r.reporter_phone == "13800138000" and r.reporter is None


def test_same_subcategory_within_50m_and_72h_is_linked_to_the_open_event(people, now):
    first = report(people, now)
    # about 30 m north-east, two days later
    second = report(
        people,
        now + dt.timedelta(hours=48),
        lat=ZUMIAO[0] + 0.0002,
        lng=ZUMIAO[1] + 0.0002,
        reporter=people["citizen2"],
    )
    assert second.event_id == first.event_id and second.duplicate
    assert HistoryEntry.objects.filter(event=first.event, action="duplicate_linked").count() == 1
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    ("delta_hours", "dlat", "text"),
    [(73, 0.0, TEXT), (1, 0.0006, TEXT), (1, 0.0, "井盖不见了")],
    ids=["after-72h", "over-50m", "other-subcategory"],
)
def test_not_a_duplicate(people, now, delta_hours, dlat, text):
    first = report(people, now)
    second = report(people, now + dt.timedelta(hours=delta_hours), lat=ZUMIAO[0] + dlat, text=text)
    assert second.event_id != first.event_id and not second.duplicate


def test_a_closed_event_is_not_a_duplicate_target(people, now):
    first = report(people, now).event
    Event.objects.filter(pk=first.pk).update(status="closed")
    assert report(people, now + dt.timedelta(hours=1)).event_id != first.pk


def test_metres_between_is_haversine():
    from yimen.events.services.intake import metres_between

    assert metres_between(23.0, 113.0, 23.0, 113.0) == 0
    assert 110_000 < metres_between(23.0, 113.0, 24.0, 113.0) < 112_000


@pytest.mark.parametrize(
    ("address", "matched", "street", "village"),
    [
        ("祖庙街道 祖庙路 12 号", "祖庙街道", "祖庙街道", None),
        ("石湾镇街道澜石社区 季华路 3 号", "澜石社区", "石湾镇街道", "澜石社区居委会"),  # not the street
        ("澜石社区居委会旁边", "澜石社区居委会", "石湾镇街道", "澜石社区居委会"),
        ("张槎街道村尾村民委员会门口", "村尾村民委员会", "张槎街道", "村尾村民委员会"),  # a shared name
        ("南庄镇村尾村民委员会门口", "村尾村民委员会", "南庄镇", "村尾村民委员会"),
    ],
)
def test_an_address_is_located_to_the_most_precise_division_it_names(
    people, address, matched, street, village
):
    place = locate.place_resolve(address=address)
    assert place.matched == matched
    assert place.location.street_name == street
    if village:
        assert place.location.village_name == village
