"""Pages: 我的提醒 with its offer buttons and unread marking, the notification settings, the staff's
campaigns (create with confirmation, start, progress), the template admin refusing a bad template."""

import pytest
from django.test import Client

from yimen.notify import services
from yimen.notify.models import Campaign, Notification, Preference, Template

OFFER = {"item": "老年人优待证", "offers": ["高龄津贴", "居家养老服务"]}


def client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


@pytest.fixture
def offer(elder):
    [inbox, *_] = services.notification_send(
        person=elder,
        template_code="life_stage_offer",
        context=OFFER,
        action_url="/items/44060400ELDER/",
        action_label="去申请",
    )
    return inbox.notification


class TestInbox:
    def test_the_citizen_sees_the_offer_with_its_button_unread(self, citizen, offer):
        html = client(citizen).get("/notify/").content.decode()
        assert "我的提醒" in html and "1 条未读" in html
        assert offer.body in html and "去申请" in html
        assert f'action="/notify/{offer.pk}/open/"' in html and "标为已读" in html

    def test_the_button_marks_read_and_goes_to_the_offer(self, citizen, offer):
        response = client(citizen).post(f"/notify/{offer.pk}/open/")
        assert response.status_code == 302 and response["Location"] == "/items/44060400ELDER/"
        offer.refresh_from_db()
        assert offer.read_at is not None
        assert "条未读" not in client(citizen).get("/notify/").content.decode()

    def test_mark_read_with_htmx_returns_the_item(self, citizen, offer):
        response = client(citizen).post(f"/notify/{offer.pk}/read/", headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200 and html.lstrip().startswith(
            f'<li id="n{offer.pk}" class="notify-item">'
        )
        assert "标为已读" not in html

    def test_someone_else_s_notification_is_404(self, offer, neighbours):
        from yimen.accounts.models import Role
        from yimen.registry.tests.factories import UserFactory

        other = UserFactory(role=Role.CITIZEN, person=neighbours[0])
        assert client(other).post(f"/notify/{offer.pk}/open/").status_code == 404
        assert client(other).post(f"/notify/{offer.pk}/read/").status_code == 404
        offer.refresh_from_db()
        assert offer.read_at is None

    def test_anonymous_visitors_are_sent_to_sign_in(self, db):
        for path in ("/notify/", "/notify/preferences/", "/notify/campaigns/"):
            response = client().get(path)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_english(self, citizen, offer):
        html = client(citizen).get("/notify/", headers={"Accept-Language": "en"}).content.decode()
        assert "My notifications" in html and "Mark as read" in html and "1 unread" in html
        assert "我的提醒" not in html
        assert offer.body in html  # the message itself is content and stays Chinese


class TestPreferencesPage:
    def test_switch_text_off_and_set_quiet_hours(self, citizen, elder):
        page = client(citizen).get("/notify/preferences/").content.decode()
        assert "站内提醒始终保留" in page
        response = client(citizen).post(
            "/notify/preferences/",
            {"email_enabled": "on", "quiet_enabled": "on", "quiet_start": "22:00", "quiet_end": "07:00"},
        )
        assert response.status_code == 302
        pref = Preference.objects.get(person=elder)
        assert (pref.sms_enabled, pref.email_enabled, str(pref.quiet_start)) == (False, True, "22:00:00")

    def test_half_a_window_is_explained(self, citizen, elder):
        response = client(citizen).post(
            "/notify/preferences/", {"quiet_enabled": "on", "quiet_start": "22:00"}
        )
        assert response.status_code == 200 and "请同时填写免打扰的开始和结束时间" in response.content.decode()
        assert not Preference.objects.filter(person=elder).exists()


class TestCampaignPages:
    def form(self, **kw):
        return {
            "name": "高龄津贴申领提醒",
            "template": "campaign_elderly_care",
            "context": "year=2026\nage=80",
            "division": "440604012013",
            **kw,
        }

    def test_citizens_and_clerks_are_refused(self, citizen, clerk):
        for user in (citizen, clerk):
            assert client(user).get("/notify/campaigns/").status_code == 403
            assert client(user).get("/notify/campaigns/new/").status_code == 403
            assert client(user).post("/notify/campaigns/new/", self.form()).status_code == 403

    def test_create_over_the_limit_with_confirmation_then_start_and_follow(
        self, data_admin, elder, neighbours, settings, django_capture_on_commit_callbacks
    ):
        settings.YIMEN_NOTIFY_CAMPAIGN_LIMIT = 3
        staff = client(data_admin)
        assert staff.get("/notify/campaigns/new/").status_code == 200
        asked = staff.post("/notify/campaigns/new/", self.form()).content.decode()
        assert "收件人 6 人，超过 3 人的上限，请确认后再创建。" in asked and 'name="confirm"' in asked
        assert not Campaign.objects.exists()
        response = staff.post("/notify/campaigns/new/", self.form(confirm="on"))
        campaign = Campaign.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/notify/campaigns/{campaign.pk}/"
        assert campaign.recipient_count == 6
        detail = staff.get(response["Location"]).content.decode()
        assert "开始发送" in detail and "已处理 0 / 6 人" in detail
        with django_capture_on_commit_callbacks(execute=True):
            assert staff.post(f"/notify/campaigns/{campaign.pk}/start/").status_code == 302
        progress = staff.get(f"/notify/campaigns/{campaign.pk}/progress/").content.decode()
        assert "已处理 6 / 6 人" in progress and 'data-count="delivered">12<' in progress
        assert "hx-trigger" not in progress  # finished: no more polling
        listing = staff.get("/notify/campaigns/").content.decode()
        assert "高龄津贴申领提醒" in listing and "已完成" in listing
        assert Notification.objects.filter(campaign=campaign).count() == 6

    def test_a_missing_placeholder_value_is_shown_on_the_form(self, data_admin, neighbours):
        response = client(data_admin).post("/notify/campaigns/new/", self.form(context="year=2026"))
        assert response.status_code == 200 and "缺少占位符 {age} 的内容" in response.content.decode()
        assert not Campaign.objects.exists()


class TestTemplateAdmin:
    def test_a_template_missing_a_placeholder_is_refused_at_save_with_the_exact_problem(self, places):
        from yimen.registry.tests.factories import UserFactory

        admin_user = UserFactory(is_staff=True, is_superuser=True)
        response = client(admin_user).post(
            "/admin/notify/template/add/",
            {
                "code": "pension_check",
                "name": "养老金资格认证提醒",
                "subject": "一门提醒",
                "body": "{name}您好：请在{deadline}前完成养老金领取资格认证。",
                "channels": ["inbox", "sms"],
                "placeholders": "name, deadline, place",
            },
        )
        assert response.status_code == 200
        assert "正文缺少必需的占位符 {place}" in response.content.decode()
        assert not Template.objects.filter(code="pension_check").exists()
        response = client(admin_user).post(
            "/admin/notify/template/add/",
            {
                "code": "pension_check",
                "name": "养老金资格认证提醒",
                "subject": "一门提醒",
                "body": "{name}您好：请在{deadline}前到{place}完成养老金领取资格认证。",
                "channels": ["sms"],
                "placeholders": "name, deadline, place",
            },
        )
        assert response.status_code == 302
        saved = Template.objects.get(code="pension_check")
        assert saved.channels == ["inbox", "sms"] and saved.placeholders == ["name", "deadline", "place"]
