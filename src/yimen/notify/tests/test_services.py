"""Templates, rendering and the sending rules (opt-out, frequency cap, quiet hours, dedupe), the bulk path,
sending after commit, and campaigns (confirmation, fan-out in chunks, progress and statistics)."""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from yimen.common.errors import PermissionDenied, ValidationFailed
from yimen.ledger.models import Entry
from yimen.notify import selectors, services
from yimen.notify.errors import ConfirmationRequired
from yimen.notify.models import (
    Campaign,
    CampaignRecipient,
    Delivery,
    DeliveryAttempt,
    Notification,
    Outcome,
    Preference,
    Template,
)
from yimen.notify.workflow import State
from yimen.registry.tests.factories import PersonFactory

CST = ZoneInfo("Asia/Shanghai")
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=CST)
OFFER = {"item": "老年人优待证", "offers": ["高龄津贴", "居家养老服务"]}


def channels(deliveries) -> dict[str, str]:
    return {d.channel: d.state for d in deliveries}


def save(**overrides) -> Template:
    fields = {
        "code": "test_offer",
        "name": "测试推送",
        "subject": "一门提醒",
        "body": "{name}您好：您已办理{item}，现在还可以办理：{offers}。",
        "channels": ["inbox", "sms"],
        "required_placeholders": ["name", "item", "offers"],
    }
    return services.template_save(**{**fields, **overrides})


class TestTemplateSave:
    def test_a_body_missing_a_required_placeholder_is_refused_naming_it(self, db):
        with pytest.raises(ValidationFailed) as caught:
            save(body="{name}您好：您已办理{item}。")
        assert caught.value.message == "正文缺少必需的占位符 {offers}"
        assert caught.value.errors == {"body": ["正文缺少必需的占位符 {offers}"]}
        assert not Template.objects.filter(code="test_offer").exists()

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ("{name}您好：您已办理{item，还可以办理{offers}", "第14个字符处的“{”没有对应的“}”"),
            ("{name}您好：您已办理{item}}，还可以办理{offers}", "第20个字符处的“}”没有对应的“{”"),
            ("{name}您好：{item}{offers}{0}", "占位符 {0} 无效：花括号内只能写名称，如 {name}"),
            (
                "{name}您好：{item.__class__}{offers}",
                "占位符 {item.__class__} 无效：花括号内只能写名称，如 {name}",
            ),
            ("{name}您好：{item}{offers}{mobile}", "占位符 {mobile} 未声明为必需的占位符"),
        ],
    )
    def test_malformed_unbalanced_or_unknown_placeholders_are_refused_with_the_exact_problem(
        self, db, body, message
    ):
        with pytest.raises(ValidationFailed) as caught:
            save(body=body)
        assert message in caught.value.errors["body"]
        assert not Template.objects.filter(code="test_offer").exists()

    def test_the_subject_is_checked_too(self, db):
        with pytest.raises(ValidationFailed) as caught:
            save(subject="您的{licence}到期")
        assert caught.value.errors == {"subject": ["占位符 {licence} 未声明为必需的占位符"]}

    def test_literal_braces_are_allowed_and_render(self, elder):
        save(body="{name}您好：{item}{offers}，回复{{TD}}退订")
        [inbox, _sms] = services.notification_send(person=elder, template_code="test_offer", context=OFFER)
        assert inbox.notification.body == "陈志明您好：老年人优待证高龄津贴、居家养老服务，回复{TD}退订"

    def test_without_declared_placeholders_the_used_ones_become_the_template_s(self, db):
        template = save(body="{name}您好：{item}", required_placeholders=None)
        assert template.placeholders == ["name", "item"]

    def test_a_change_makes_a_new_audited_version_and_no_change_makes_none(self, db):
        first = save()
        entries = Entry.objects.filter(kind="notify.template.save").count()
        assert save().version == first.version == 1
        assert save(name="测试推送(修订)").version == 2
        assert Entry.objects.filter(kind="notify.template.save").count() == entries + 1

    def test_the_inbox_is_always_a_channel_and_unknown_channels_are_refused(self, db):
        assert save(channels=["sms"]).channels == ["inbox", "sms"]
        with pytest.raises(ValidationFailed, match="未知的发送渠道：wechat"):
            save(channels=["wechat"])

    def test_only_template_editors_may_save(self, clerk, data_admin):
        with pytest.raises(PermissionDenied):
            save(actor=clerk)
        assert save(actor=data_admin).updated_by == data_admin

    def test_the_shipped_templates_are_loaded_after_migrate(self, db):
        codes = set(Template.objects.values_list("code", flat=True))
        assert {"life_stage_offer", "campaign_elderly_care", "licence_expiring", "case_result_ready"} <= codes
        assert Template.objects.get(code="licence_expiring").transactional


class TestTemplateFile:
    def test_a_file_with_one_bad_template_loads_nothing(self, db, tmp_path):
        path = tmp_path / "templates.yaml"
        path.write_text(
            "- {code: ok_one, name: 甲, body: '{name}您好', channels: [inbox], placeholders: [name]}\n"
            "- {code: bad_one, name: 乙, body: '{name}您好：{item}', channels: [sms], placeholders: [name, item, offers]}\n",
            encoding="utf-8",
        )
        with pytest.raises(ValidationFailed, match="正文缺少必需的占位符 {offers}"):
            services.templates_load(path=path)
        assert not Template.objects.filter(code__in=["ok_one", "bad_one"]).exists()

    def test_the_command_loads_and_leaves_edited_templates_alone(self, db):
        from io import StringIO

        from django.core.management import call_command

        Template.objects.filter(code="licence_expiring").update(name="证照到期提醒(已编辑)")
        Template.objects.filter(code="case_result_ready").delete()
        out = StringIO()
        call_command("notify", "templates", stdout=out)
        assert out.getvalue().strip() == "templates saved: case_result_ready"
        assert Template.objects.get(code="licence_expiring").name == "证照到期提醒(已编辑)"
        assert Template.objects.filter(code="case_result_ready").exists()


class TestRendering:
    def test_the_life_stage_offer_reads_as_written(self, elder):
        deliveries = services.notification_send(
            person=elder,
            template_code="life_stage_offer",
            context=OFFER,
            action_url="/items/ELDER-ALLOWANCE/",
            action_label="去申请",
        )
        note = deliveries[0].notification
        assert (
            note.body
            == "陈志明您好：您已办理老年人优待证，现在还可以办理：高龄津贴、居家养老服务。详见一门网上办事大厅。"
        )
        assert note.subject == "一门提醒：您还可以办理高龄津贴、居家养老服务"
        assert (note.action_url, note.action_label) == ("/items/ELDER-ALLOWANCE/", "去申请")
        assert channels(deliveries) == {
            "inbox": State.DELIVERED,
            "sms": State.CREATED,
            "email": State.CREATED,
        }

    def test_a_missing_context_value_is_refused_and_nothing_is_written(self, elder):
        with pytest.raises(ValidationFailed) as caught:
            services.notification_send(
                person=elder, template_code="life_stage_offer", context={"item": "优待证"}
            )
        assert caught.value.message == "缺少占位符 {offers} 的内容"
        assert not Notification.objects.exists() and not Delivery.objects.exists()

    def test_action_links_must_stay_on_this_site(self, elder):
        with pytest.raises(ValidationFailed) as caught:
            services.notification_send(
                person=elder,
                template_code="life_stage_offer",
                context=OFFER,
                action_url="https://evil.example/x",
            )
        assert caught.value.field == "action_url"
        [inbox, *_] = services.notification_send(
            person=elder, template_code="life_stage_offer", context=OFFER, action_url="/cases/apply/X/"
        )
        assert inbox.notification.action_label == "查看详情"


class TestOptOut:
    def test_a_channel_switched_off_gets_no_delivery_and_the_inbox_always_keeps_the_message(self, elder):
        Preference.objects.create(person=elder, sms_enabled=False)
        assert channels(
            services.notification_send(person=elder, template_code="life_stage_offer", context=OFFER)
        ) == {
            "inbox": State.DELIVERED,
            "email": State.CREATED,
        }
        Preference.objects.filter(person=elder).update(email_enabled=False)
        deliveries = services.notification_send(
            person=elder, template_code="life_stage_offer", context=OFFER, dedupe_key="second"
        )
        assert channels(deliveries) == {"inbox": State.DELIVERED}

    def test_no_phone_no_text_message_and_no_account_no_email(self, places):
        person = PersonFactory(phone="", residence_division=places["peide"])
        deliveries = services.notification_send(
            person=person, template_code="life_stage_offer", context=OFFER
        )
        assert channels(deliveries) == {"inbox": State.DELIVERED}

    def test_the_preference_service_changes_it_and_audits(self, citizen):
        pref = services.preference_update(
            actor=citizen,
            sms_enabled=False,
            email_enabled=True,
            quiet_enabled=True,
            quiet_start="22:30",
            quiet_end="07:00",
        )
        assert (pref.sms_enabled, pref.quiet_start, pref.quiet_end) == (False, dt.time(22, 30), dt.time(7, 0))
        assert Entry.objects.filter(kind="notify.preference.update").count() == 1
        with pytest.raises(ValidationFailed, match="请同时填写免打扰的开始和结束时间"):
            services.preference_update(
                actor=citizen, sms_enabled=True, email_enabled=True, quiet_enabled=True, quiet_start="22:00"
            )


class TestFrequencyCap:
    def send(self, person, key, now, template="life_stage_offer", context=OFFER):
        return services.notification_send(
            person=person, template_code=template, context=context, dedupe_key=key, now=now
        )

    def test_at_most_n_offers_per_person_in_the_window(self, elder, settings):
        settings.YIMEN_NOTIFY_FREQUENCY_CAP = 2
        assert self.send(elder, "a", NOON)
        assert self.send(elder, "b", NOON + dt.timedelta(days=1))
        assert self.send(elder, "c", NOON + dt.timedelta(days=2)) == []
        # Seven days after the first, it has left the window: one more fits.
        assert self.send(elder, "c", NOON + dt.timedelta(days=7, minutes=1))
        assert Notification.objects.filter(person=elder).count() == 3

    def test_transactional_messages_are_not_capped_nor_counted(self, elder, settings):
        settings.YIMEN_NOTIFY_FREQUENCY_CAP = 1
        licence = {"licence": "食品经营许可证", "number": "JY14406040012345", "expires_on": "2026-04-30"}
        assert self.send(elder, "licence-1", NOON, "licence_expiring", licence)
        assert self.send(elder, "offer-1", NOON)
        assert self.send(elder, "licence-2", NOON, "licence_expiring", licence)
        assert self.send(elder, "offer-2", NOON) == []


class TestQuietHours:
    @pytest.mark.parametrize(
        ("local", "expected"),
        [
            (dt.datetime(2026, 3, 2, 22, 30), dt.datetime(2026, 3, 3, 8, 0)),
            (dt.datetime(2026, 3, 3, 7, 59), dt.datetime(2026, 3, 3, 8, 0)),
            (dt.datetime(2026, 3, 2, 21, 0), dt.datetime(2026, 3, 3, 8, 0)),
            (dt.datetime(2026, 3, 2, 12, 0), dt.datetime(2026, 3, 2, 12, 0)),
            (dt.datetime(2026, 3, 3, 8, 0), dt.datetime(2026, 3, 3, 8, 0)),
        ],
    )
    def test_text_and_email_wait_for_the_end_of_the_quiet_hours_the_inbox_does_not(
        self, elder, settings, local, expected
    ):
        settings.YIMEN_NOTIFY_QUIET_HOURS = "21:00-08:00"
        now = local.replace(tzinfo=CST)
        deliveries = services.notification_send(
            person=elder, template_code="life_stage_offer", context=OFFER, now=now
        )
        due = {d.channel: d.due_at for d in deliveries}
        assert due == {
            "inbox": now,
            "sms": expected.replace(tzinfo=CST),
            "email": expected.replace(tzinfo=CST),
        }

    def test_a_person_s_own_window_and_switching_it_off(self, elder, settings):
        settings.YIMEN_NOTIFY_QUIET_HOURS = "21:00-08:00"
        Preference.objects.create(person=elder, quiet_start=dt.time(12, 0), quiet_end=dt.time(14, 0))
        deliveries = services.notification_send(
            person=elder, template_code="life_stage_offer", context=OFFER, now=NOON, dedupe_key="1"
        )
        assert {d.channel: d.due_at for d in deliveries}["sms"] == dt.datetime(2026, 3, 2, 14, 0, tzinfo=CST)
        Preference.objects.filter(person=elder).update(quiet_enabled=False)
        late = dt.datetime(2026, 3, 2, 23, 0, tzinfo=CST)
        deliveries = services.notification_send(
            person=elder, template_code="life_stage_offer", context=OFFER, now=late, dedupe_key="2"
        )
        assert {d.channel: d.due_at for d in deliveries}["sms"] == late


class TestDedupe:
    def test_the_same_offer_reaches_a_person_once(self, elder, neighbours):
        first = services.notification_send(
            person=elder, template_code="life_stage_offer", context=OFFER, dedupe_key="offer:elder-allowance"
        )
        again = services.notification_send(
            person=elder, template_code="life_stage_offer", context=OFFER, dedupe_key="offer:elder-allowance"
        )
        other = services.notification_send(
            person=neighbours[0],
            template_code="life_stage_offer",
            context=OFFER,
            dedupe_key="offer:elder-allowance",
        )
        assert len(first) == 3 and again == [] and len(other) == 2
        assert Notification.objects.filter(person=elder).count() == 1

    def test_the_database_refuses_a_second_row_with_the_same_key(self, elder):
        from django.db import IntegrityError

        services.notification_send(
            person=elder, template_code="life_stage_offer", context=OFFER, dedupe_key="k"
        )
        note = Notification.objects.get()
        note.pk = None
        with pytest.raises(IntegrityError), transaction.atomic():
            note.save(force_insert=True)


class TestBulk:
    def test_set_based_with_skips_by_reason(
        self, elder, neighbours, places, settings, django_assert_max_num_queries
    ):
        settings.YIMEN_NOTIFY_FREQUENCY_CAP = 1
        dead = PersonFactory(deceased=True, residence_division=places["peide"])
        services.notification_send(
            person=neighbours[0], template_code="life_stage_offer", context=OFFER, dedupe_key="offer:x"
        )
        services.notification_send(
            person=neighbours[1], template_code="life_stage_offer", context=OFFER, dedupe_key="other"
        )
        many = [PersonFactory(residence_division=places["peide"]) for _ in range(60)]
        ids = [elder.pk, dead.pk, 999_999, *(p.pk for p in neighbours), *(p.pk for p in many)]
        with django_assert_max_num_queries(20):
            result = services.notifications_send_bulk(
                person_ids=ids, template_code="life_stage_offer", context=OFFER, dedupe_key="offer:x"
            )
        assert result.skipped == {
            dead.pk: Outcome.INELIGIBLE,
            999_999: Outcome.INELIGIBLE,
            neighbours[0].pk: Outcome.DUPLICATE,
            neighbours[1].pk: Outcome.CAPPED,
        }
        assert len(result.notifications) == 1 + 3 + 60
        # inbox for everyone, text for all (they have phones), email only for the one with an account
        assert result.deliveries == 64 + 64 + 1

    def test_a_dedupe_key_taken_by_a_concurrent_send_loses_only_that_row(
        self, elder, neighbours, places, monkeypatch
    ):
        from yimen.notify.services import sending

        services.notification_send(
            person=neighbours[0], template_code="life_stage_offer", context=OFFER, dedupe_key="offer:y"
        )
        # As if the other send had not committed yet when this one looked: the insert itself must refuse it.
        monkeypatch.setattr(sending, "_already_sent", lambda ids, key: set())
        many = [PersonFactory(residence_division=places["peide"]) for _ in range(60)]  # enough rows for COPY
        ids = [p.pk for p in neighbours] + [p.pk for p in many]
        result = services.notifications_send_bulk(
            person_ids=ids, template_code="life_stage_offer", context=OFFER, dedupe_key="offer:y"
        )
        assert result.skipped == {neighbours[0].pk: Outcome.DUPLICATE}
        assert len(result.notifications) == 64
        assert Notification.objects.filter(dedupe_key="offer:y").count() == 65
        assert (
            Delivery.objects.filter(notification__person=neighbours[0]).count() == 2
        )  # the first send's only

    def test_per_person_context(self, elder, neighbours):
        result = services.notifications_send_bulk(
            person_ids=[elder.pk, neighbours[0].pk],
            template_code="life_stage_offer",
            context={"item": "生育登记"},
            contexts={elder.pk: {"offers": ["新生儿落户"]}, neighbours[0].pk: {"offers": "出生医学证明"}},
        )
        bodies = dict(Notification.objects.values_list("person_id", "body"))
        assert "现在还可以办理：新生儿落户。" in bodies[elder.pk]
        assert "现在还可以办理：出生医学证明。" in bodies[neighbours[0].pk]
        assert len(result.notifications) == 2


class TestAfterCommit:
    def test_sending_happens_after_commit_with_the_number_masked_in_the_attempts(
        self, elder, outbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.notification_send(
                person=elder, template_code="life_stage_offer", context=OFFER, action_url="/items/X/"
            )
            assert outbox() == []  # nothing leaves before the commit
        assert len(callbacks) >= 1
        [sms] = outbox()
        assert sms["phone"] == "13800000001"
        assert sms["text"].startswith("【禅城政务】陈志明您好：") and sms["text"].endswith(
            "https://yimen.example.cn/items/X/"
        )
        states = dict(Delivery.objects.values_list("channel", "state"))
        assert states == {"inbox": "delivered", "sms": "delivered", "email": "delivered"}
        recipients = set(DeliveryAttempt.objects.values_list("recipient", flat=True))
        assert recipients == {"138****0001", "c***@example.com"}

    def test_a_rolled_back_send_enqueues_nothing(self, elder, outbox, django_capture_on_commit_callbacks):
        class Boom(Exception):
            pass

        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            contextlib.suppress(Boom),
            transaction.atomic(),
        ):
            services.notification_send(person=elder, template_code="life_stage_offer", context=OFFER)
            raise Boom
        assert callbacks == []
        assert outbox() == [] and not Notification.objects.exists() and not Delivery.objects.exists()


class TestCampaigns:
    def create(self, actor, ids, **kw):
        return services.campaign_create(
            name="2026年高龄津贴申领提醒",
            template_code="campaign_elderly_care",
            person_ids=ids,
            context={"year": 2026, "age": 80},
            actor=actor,
            **kw,
        )

    def test_an_empty_recipient_set_asks_for_confirmation(self, data_admin, places):
        dead = PersonFactory(deceased=True, residence_division=places["peide"])
        with pytest.raises(ConfirmationRequired) as caught:
            self.create(data_admin, [dead.pk, 123_456])
        assert caught.value.status == 409 and caught.value.code == "confirmation_required"
        assert caught.value.message == "收件人为空(2 人不在自然人库或已故)，确认仍要创建这个活动吗？"
        assert not Campaign.objects.exists()
        campaign = self.create(data_admin, [dead.pk], confirm=True)
        assert (campaign.recipient_count, campaign.excluded_count, campaign.confirmed) == (0, 1, True)
        services.campaign_start(campaign=campaign, actor=data_admin)
        campaign.refresh_from_db()
        assert campaign.state == "completed"

    def test_an_over_limit_recipient_set_asks_for_confirmation(self, data_admin, neighbours):
        ids = [p.pk for p in neighbours]
        with pytest.raises(ConfirmationRequired, match="收件人 5 人，超过 4 人的上限，请确认后再创建。"):
            self.create(data_admin, ids, limit=4)
        campaign = self.create(data_admin, ids, limit=4, confirm=True)
        assert campaign.confirmed and campaign.recipients.count() == 5
        assert self.create(data_admin, ids, limit=5).confirmed is False  # within the limit: no question

    def test_a_context_missing_a_placeholder_is_refused_at_creation(self, data_admin, neighbours):
        with pytest.raises(ValidationFailed, match="缺少占位符 {age} 的内容"):
            services.campaign_create(
                name="x",
                template_code="campaign_elderly_care",
                person_ids=[neighbours[0].pk],
                context={"year": 2026},
                actor=data_admin,
            )

    def test_only_campaign_managers(self, clerk, neighbours):
        with pytest.raises(PermissionDenied):
            self.create(clerk, [neighbours[0].pk])

    def test_fan_out_in_chunks_then_progress_and_statistics(
        self, data_admin, elder, neighbours, settings, outbox, django_capture_on_commit_callbacks
    ):
        settings.YIMEN_NOTIFY_CHUNK_SIZE = 2
        Preference.objects.create(person=neighbours[0], sms_enabled=False)
        services.notification_send(
            person=neighbours[1],
            template_code="campaign_elderly_care",
            context={"year": 2026, "age": 80},
            channels=["inbox"],
            dedupe_key="offer:elderly-care-2026",
        )
        campaign = self.create(
            data_admin,
            [elder.pk, *(p.pk for p in neighbours)],
            dedupe_key="offer:elderly-care-2026",
            action_url="/themes/elderly/",
            action_label="去申领",
        )
        draft = selectors.campaign_stats(campaign)
        assert (draft["processed"], draft["percent"], draft["outcomes"]["pending"]) == (0, 0.0, 6)
        with django_capture_on_commit_callbacks(execute=True):
            services.campaign_start(campaign=campaign, actor=data_admin)
        campaign.refresh_from_db()
        assert campaign.state == "completed" and campaign.completed_at
        stats = selectors.campaign_stats(campaign)
        assert stats["outcomes"] == {"pending": 0, "sent": 5, "duplicate": 1, "capped": 0, "ineligible": 0}
        assert (stats["processed"], stats["percent"]) == (6, 100.0)
        assert stats["deliveries"]["inbox"]["delivered"] == 5
        assert stats["deliveries"]["sms"]["delivered"] == 4  # one switched text messages off
        assert stats["deliveries"]["email"]["delivered"] == 0  # the template has no email channel
        assert (stats["queued"], stats["delivered"], stats["failed"]) == (0, 9, 0)
        assert len(outbox()) == 4
        kinds = list(
            Entry.objects.filter(subject=f"notify.campaign:{campaign.pk}")
            .order_by("index")
            .values_list("kind", flat=True)
        )
        assert kinds == ["notify.campaign.create", "notify.campaign.start", "notify.campaign.complete"]
        # A chunk run again (a retried task) sends nobody twice.
        first = CampaignRecipient.objects.filter(campaign=campaign).order_by("id").first()
        CampaignRecipient.objects.filter(pk=first.pk).update(outcome=Outcome.PENDING)
        Campaign.objects.filter(pk=campaign.pk).update(state="running")
        assert services.campaign_chunk_send(campaign_id=campaign.pk, first=first.pk, last=first.pk) == 0
        assert CampaignRecipient.objects.get(pk=first.pk).outcome == Outcome.DUPLICATE
        assert Notification.objects.filter(campaign=campaign).count() == 5

    def test_a_campaign_starts_once(self, data_admin, neighbours):
        from yimen.common.errors import Conflict

        campaign = self.create(data_admin, [neighbours[0].pk])
        services.campaign_start(campaign=campaign, actor=data_admin)
        with pytest.raises(Conflict, match="活动状态为“发送中”，不能开始发送"):
            services.campaign_start(campaign=campaign, actor=data_admin)
