"""The delivery transition table walked exhaustively, and the worker through it: retries with backoff
through a failing provider until delivered, failed after the last attempt, permanent failures,
cancellation after an opt-out, recovery of a dead worker's batch, email through Django's backend."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from yimen.common.errors import Conflict
from yimen.notify import providers, services, workflow
from yimen.notify.models import Delivery, DeliveryAttempt, Preference
from yimen.notify.workflow import CampaignState, State
from yimen.registry.tests.factories import PersonFactory

CST = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CST)
OFFER = {"item": "老年人优待证", "offers": ["高龄津贴"]}

EXPECTED = {
    ("created", "claim"): "sending",
    ("created", "cancel"): "cancelled",
    ("sending", "succeed"): "delivered",
    ("sending", "retry"): "retrying",
    ("sending", "fail"): "failed",
    ("sending", "cancel"): "cancelled",
    ("retrying", "claim"): "sending",
    ("retrying", "cancel"): "cancelled",
}
PAIRS = list(itertools.product(State.values, workflow.ACTIONS))


def test_table_is_exactly_the_documented_one():
    table = {(s, a): t for s, actions in workflow.ALLOWED_TRANSITIONS.items() for a, t in actions.items()}
    assert table == EXPECTED
    assert set(workflow.ALLOWED_TRANSITIONS) == set(State.values)
    assert {"delivered", "failed", "cancelled"} == workflow.FINAL


@pytest.mark.parametrize(("state", "action"), PAIRS)
def test_check_transition_pair(state, action):
    if (state, action) in EXPECTED:
        assert workflow.check_transition(state, action) == EXPECTED[(state, action)]
        assert state in workflow.sources(action) and workflow.target(action) == EXPECTED[(state, action)]
    else:
        with pytest.raises(Conflict) as caught:
            workflow.check_transition(state, action)
        assert caught.value.status == 409
        assert state not in workflow.sources(action)


@pytest.mark.parametrize(
    ("state", "action"), list(itertools.product(CampaignState.values, ["start", "complete"]))
)
def test_campaign_table(state, action):
    allowed = {("draft", "start"): "running", ("running", "complete"): "completed"}
    if (state, action) in allowed:
        assert workflow.check_campaign_transition(state, action) == allowed[(state, action)]
    else:
        with pytest.raises(Conflict):
            workflow.check_campaign_transition(state, action)


class BrokenProvider(providers.SmsProvider):
    """A gateway whose client raises instead of answering."""

    name = "broken"

    def send(self, phone, text):
        raise ConnectionError("gateway down")


def sms_of(person, **kw) -> Delivery:
    deliveries = services.notification_send(
        person=person, template_code="life_stage_offer", context=OFFER, channels=["sms"], now=T0, **kw
    )
    return next(d for d in deliveries if d.channel == "sms")


def history(delivery) -> list[tuple[int, str]]:
    return list(DeliveryAttempt.objects.filter(delivery=delivery).values_list("number", "outcome"))


class TestRetries:
    def test_retrying_with_exponential_backoff_then_delivered(self, elder, settings, outbox):
        settings.YIMEN_SMS_PROVIDER = "failing"
        settings.YIMEN_SMS_FAIL_TIMES = 2
        sms = sms_of(elder)
        assert services.deliveries_process(now=T0) == 1
        sms.refresh_from_db()
        assert (sms.state, sms.attempts, sms.due_at) == ("retrying", 1, T0 + dt.timedelta(seconds=60))
        assert services.deliveries_process(now=T0 + dt.timedelta(seconds=59)) == 0  # not due yet
        assert services.deliveries_process(now=T0 + dt.timedelta(seconds=60)) == 1
        sms.refresh_from_db()
        assert (sms.state, sms.due_at) == ("retrying", T0 + dt.timedelta(seconds=60 + 120))
        assert services.deliveries_process(now=sms.due_at) == 1
        sms.refresh_from_db()
        assert (sms.state, sms.attempts, sms.delivered_at) == ("delivered", 3, T0 + dt.timedelta(seconds=180))
        assert history(sms) == [(1, "retrying"), (2, "retrying"), (3, "delivered")]
        attempts = list(DeliveryAttempt.objects.filter(delivery=sms))
        assert attempts[0].error.startswith("短信网关暂时不可用") and attempts[
            0
        ].retry_at == T0 + dt.timedelta(seconds=60)
        assert attempts[2].provider == "failing" and attempts[2].provider_ref
        assert {a.recipient for a in attempts} == {"138****0001"}
        assert len(outbox()) == 1

    def test_failed_after_the_last_attempt_with_the_wait_capped(self, elder, settings, outbox):
        settings.YIMEN_SMS_PROVIDER = "failing"
        settings.YIMEN_SMS_FAIL_TIMES = 10
        settings.YIMEN_NOTIFY_MAX_ATTEMPTS = 3
        settings.YIMEN_NOTIFY_RETRY_MAX_SECONDS = 90
        sms = sms_of(elder)
        waits = []
        now = T0
        for _ in range(3):
            assert services.deliveries_process(now=now) == 1
            sms.refresh_from_db()
            waits.append((sms.due_at - now).total_seconds())
            now = sms.due_at
        assert sms.state == "failed" and sms.delivered_at is None
        assert waits[:2] == [60, 90]  # 60, then 120 capped at 90
        assert history(sms) == [(1, "retrying"), (2, "retrying"), (3, "failed")]
        assert services.deliveries_process(now=now + dt.timedelta(days=1)) == 0  # final: never claimed again
        assert outbox() == []

    def test_a_permanent_failure_is_not_retried(self, places):
        person = PersonFactory(phone="0757-8301234", residence_division=places["peide"])  # a landline
        sms = sms_of(person)
        services.deliveries_process(now=T0)
        sms.refresh_from_db()
        assert sms.state == "failed" and history(sms) == [(1, "failed")]
        assert DeliveryAttempt.objects.get(delivery=sms).recipient == "075*****1234"

    def test_a_retry_never_lands_in_the_quiet_hours(self, elder, settings):
        settings.YIMEN_SMS_PROVIDER = "failing"
        late = dt.datetime(2026, 3, 2, 20, 59, 30, tzinfo=CST)
        Preference.objects.create(person=elder, quiet_start=dt.time(21, 0), quiet_end=dt.time(8, 0))
        sms = sms_of(elder)
        services.deliveries_process(now=late)
        sms.refresh_from_db()
        assert (sms.state, sms.due_at) == ("retrying", dt.datetime(2026, 3, 3, 8, 0, tzinfo=CST))


class TestCancellationAndRecovery:
    def test_an_opt_out_after_scheduling_cancels_without_calling_the_provider(self, elder, settings, outbox):
        settings.YIMEN_NOTIFY_QUIET_HOURS = "21:00-08:00"
        night = dt.datetime(2026, 3, 2, 23, 0, tzinfo=CST)
        deliveries = services.notification_send(
            person=elder, template_code="life_stage_offer", context=OFFER, now=night
        )
        sms = next(d for d in deliveries if d.channel == "sms")
        assert services.deliveries_process(now=night) == 0  # waiting for 08:00
        services.preference_update(
            actor=elder.account, sms_enabled=False, email_enabled=True, quiet_enabled=True
        )
        services.deliveries_process(now=sms.due_at)
        sms.refresh_from_db()
        assert sms.state == "cancelled" and history(sms) == [(1, "cancelled")]
        assert outbox() == []
        assert Delivery.objects.get(notification=sms.notification, channel="email").state == "delivered"

    def test_a_message_to_someone_who_died_meanwhile_is_cancelled(self, elder, outbox):
        sms = sms_of(elder)
        elder.status, elder.death_date = "deceased", dt.date(2026, 3, 2)
        elder.save(update_fields=["status", "death_date"])
        services.deliveries_process(now=T0)
        sms.refresh_from_db()
        assert sms.state == "cancelled" and outbox() == []
        assert DeliveryAttempt.objects.get(delivery=sms).error.startswith("收件人已故")

    def test_a_batch_left_in_sending_by_a_dead_worker_is_put_back(self, elder, outbox):
        sms = sms_of(elder)
        Delivery.objects.filter(pk=sms.pk).update(state="sending", attempts=1, updated_at=T0)
        assert services.deliveries_process(now=T0 + dt.timedelta(minutes=5)) == 0  # it may still be working
        services.deliveries_process(now=T0 + dt.timedelta(minutes=11))
        sms.refresh_from_db()
        assert sms.state == "retrying" and sms.due_at == T0 + dt.timedelta(minutes=12)
        services.deliveries_process(now=sms.due_at)
        sms.refresh_from_db()
        assert sms.state == "delivered" and history(sms) == [(1, "retrying"), (2, "delivered")]
        assert len(outbox()) == 1

    def test_a_broken_provider_leaves_the_batch_retrying(self, elder, settings):
        settings.YIMEN_SMS_PROVIDER = f"{__name__}.BrokenProvider"
        sms = sms_of(elder)
        services.deliveries_process(now=T0)
        sms.refresh_from_db()
        assert sms.state == "retrying"
        assert DeliveryAttempt.objects.get(delivery=sms).error == "短信通道异常 (ConnectionError)"


def test_email_goes_through_django_s_backend_to_the_account_s_address(elder):
    deliveries = services.notification_send(
        person=elder,
        template_code="life_stage_offer",
        context=OFFER,
        channels=["email"],
        action_url="/items/ELDER/",
        now=T0,
    )
    email = next(d for d in deliveries if d.channel == "email")
    services.deliveries_process(now=T0)
    email.refresh_from_db()
    assert email.state == "delivered"
    [message] = mail.outbox
    assert message.to == ["chen.zhiming@example.com"]
    assert message.subject == "一门提醒：您还可以办理高龄津贴"
    assert message.body.endswith("https://yimen.example.cn/items/ELDER/")
    attempt = DeliveryAttempt.objects.get(delivery=email)
    assert attempt.recipient == "c***@example.com" and attempt.provider == "email"


def test_the_send_command_sweeps_what_is_due(elder, outbox):
    from io import StringIO

    from django.core.management import call_command

    services.notification_send(
        person=elder, template_code="life_stage_offer", context=OFFER, channels=["sms"]
    )
    out = StringIO()
    call_command("notify", "send", stdout=out)
    assert out.getvalue().strip() == "deliveries processed: 1"
    assert len(outbox()) == 1
