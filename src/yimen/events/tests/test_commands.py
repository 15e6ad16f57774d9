import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from yimen.events import services
from yimen.events.models import Channel, Open311Client
from yimen.events.tests.conftest import ZUMIAO

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]


def run(*args) -> str:
    out = io.StringIO()
    call_command("events", *args, stdout=out)
    return out.getvalue()


def test_open311_client_prints_a_key_that_works():
    line = run("open311-client", "市民热线 App")
    key = line.strip().split("api_key=")[1]
    assert services.open311_client_for_key(key) == Open311Client.objects.get(name="市民热线 App")


def test_escalate_moves_overdue_events(people):
    long_ago = timezone.now() - dt.timedelta(days=3)
    services.event_report(
        channel=Channel.CITIZEN,
        text="油烟扰民",
        lat=ZUMIAO[0],
        lng=ZUMIAO[1],
        reporter=people["citizen"],
        now=long_ago,
    )
    assert "escalated: 1" in run("escalate")
    assert "escalated: 0" in run("escalate")  # the next step is another respond period away


def test_taxonomy_reload_changes_nothing():
    assert "'changed': 0" in run("taxonomy")


def test_rollup_rebuild_builds_the_statistics_roll_up(people):
    from yimen.events.models import DailyTally, RollupState

    services.event_report(
        channel=Channel.CITIZEN, text="油烟扰民", lat=ZUMIAO[0], lng=ZUMIAO[1], reporter=people["citizen"]
    )
    assert not RollupState.objects.exists()
    assert "statistics roll-up rebuilt): 1 events" in run("rollup-rebuild")
    assert RollupState.objects.get().events == 1
    assert sum(DailyTally.objects.values_list("total", flat=True)) == 1
