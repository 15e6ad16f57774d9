"""The notify API: a citizen's own notifications and preferences; campaigns for the staff who manage them
(409 asking for confirmation, start, statistics without personal data)."""

import pytest

from yimen.common.testing import assert_masked, assert_paginated, assert_requires_login, client_for
from yimen.notify import services
from yimen.notify.models import Campaign, Notification

OFFER = {"item": "老年人优待证", "offers": ["高龄津贴", "居家养老服务"]}


@pytest.fixture
def notes(elder, neighbours):
    """Three notifications for the elder (one read), one for a neighbour."""
    for key in ("a", "b", "c"):
        services.notification_send(
            person=elder,
            template_code="life_stage_offer",
            context=OFFER,
            dedupe_key=key,
            action_url="/items/X/",
        )
    services.notification_send(person=neighbours[0], template_code="life_stage_offer", context=OFFER)
    first = Notification.objects.filter(person=elder).order_by("id").first()
    services.notification_mark_read(notification_id=first.pk, actor=elder.account)
    return list(Notification.objects.filter(person=elder).order_by("-created_at", "-id"))


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/notify/", "get"),
        ("/api/notify/preferences/", "get"),
        ("/api/notify/read-all/", "post"),
        ("/api/notify/campaigns/", "get"),
        ("/api/notify/campaigns/", "post"),
    ],
)
def test_everything_needs_a_login(db, path, method):
    assert_requires_login(path, method)


class TestMyNotifications:
    def test_own_newest_first_with_the_unread_count(self, citizen, notes):
        body = client_for(citizen).get("/api/notify/").json()
        assert_paginated(body)
        assert body["count"] == 3 and body["unread"] == 2
        assert [n["id"] for n in body["results"]] == [n.pk for n in notes]
        assert body["results"][0]["action_url"] == "/items/X/" and body["results"][0]["unread"] is True
        assert body["results"][-1]["unread"] is False
        only_unread = client_for(citizen).get("/api/notify/", {"unread": "1"}).json()
        assert only_unread["count"] == 2

    def test_mark_read_and_someone_else_s_is_404(self, citizen, notes, neighbours):
        response = client_for(citizen).post(f"/api/notify/{notes[0].pk}/read/")
        assert response.status_code == 200 and response.json()["unread"] is False
        theirs = Notification.objects.get(person=neighbours[0])
        response = client_for(citizen).post(f"/api/notify/{theirs.pk}/read/")
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.read_at is None

    def test_read_all(self, citizen, notes):
        assert client_for(citizen).post("/api/notify/read-all/").json() == {"marked": 2}
        assert client_for(citizen).get("/api/notify/").json()["unread"] == 0

    def test_staff_without_a_person_have_an_empty_inbox(self, data_admin):
        body = client_for(data_admin).get("/api/notify/").json()
        assert body["count"] == 0


class TestPreferences:
    def test_defaults_then_put(self, citizen, settings):
        settings.YIMEN_NOTIFY_QUIET_HOURS = "21:00-08:00"
        api = client_for(citizen)
        assert api.get("/api/notify/preferences/").json() == {
            "sms_enabled": True,
            "email_enabled": True,
            "quiet_enabled": True,
            "quiet_start": None,
            "quiet_end": None,
            "default_quiet_hours": "21:00-08:00",
        }
        response = api.put(
            "/api/notify/preferences/",
            {
                "sms_enabled": False,
                "email_enabled": True,
                "quiet_enabled": True,
                "quiet_start": "22:00",
                "quiet_end": "07:30",
            },
            format="json",
        )
        assert response.status_code == 200
        assert response.json()["sms_enabled"] is False and response.json()["quiet_end"] == "07:30"

    def test_bad_input_is_a_field_error_and_changes_nothing(self, citizen):
        api = client_for(citizen)
        response = api.put(
            "/api/notify/preferences/",
            {"sms_enabled": False, "email_enabled": True, "quiet_enabled": True, "quiet_start": "22:00"},
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"] == {"quiet_end": ["请同时填写免打扰的开始和结束时间"]}
        assert api.get("/api/notify/preferences/").json()["sms_enabled"] is True

    def test_an_account_without_a_person_is_told_why(self, data_admin):
        response = client_for(data_admin).get("/api/notify/preferences/")
        assert response.status_code == 400 and "实名认证" in response.json()["detail"]


class TestCampaignApi:
    def payload(self, ids, **kw):
        return {
            "name": "2026年高龄津贴申领提醒",
            "template_code": "campaign_elderly_care",
            "person_ids": ids,
            "context": {"year": 2026, "age": 80},
            **kw,
        }

    def test_citizens_and_clerks_are_refused(self, citizen, clerk, neighbours):
        for user in (citizen, clerk):
            assert client_for(user).get("/api/notify/campaigns/").status_code == 403
            assert (
                client_for(user).post("/api/notify/campaigns/", self.payload([1]), format="json").status_code
                == 403
            )
        assert not Campaign.objects.exists()

    def test_over_limit_asks_for_confirmation_then_creates_starts_and_reports(
        self, data_admin, elder, neighbours, settings, django_capture_on_commit_callbacks
    ):
        settings.YIMEN_NOTIFY_CAMPAIGN_LIMIT = 3
        api = client_for(data_admin)
        ids = [elder.pk, *(p.pk for p in neighbours)]
        response = api.post("/api/notify/campaigns/", self.payload(ids), format="json")
        assert response.status_code == 409
        assert response.json() == {
            "code": "confirmation_required",
            "detail": "收件人 6 人，超过 3 人的上限，请确认后再创建。",
            "errors": {"confirm": ["收件人 6 人，超过 3 人的上限，请确认后再创建。"]},
        }
        response = api.post("/api/notify/campaigns/", self.payload(ids, confirm=True), format="json")
        assert response.status_code == 201
        created = response.json()
        assert (
            created["state"] == "draft" and created["recipient_count"] == 6 and created["confirmed"] is True
        )
        assert created["stats"]["outcomes"]["pending"] == 6
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(f"/api/notify/campaigns/{created['id']}/start/")
        assert response.status_code == 200
        detail = api.get(f"/api/notify/campaigns/{created['id']}/").json()
        assert detail["state"] == "completed"
        assert detail["stats"]["deliveries"]["sms"]["delivered"] == 6
        assert detail["stats"]["delivered"] == 12 and detail["stats"]["percent"] == 100.0
        assert_masked(detail, [elder.name, elder.phone, elder.id_number, *(p.phone for p in neighbours)])
        again = api.post(f"/api/notify/campaigns/{created['id']}/start/")
        assert again.status_code == 409
        listing = api.get("/api/notify/campaigns/").json()
        assert listing["count"] == 1 and listing["results"][0]["template_code"] == "campaign_elderly_care"

    def test_shape_errors_are_400(self, data_admin):
        response = client_for(data_admin).post(
            "/api/notify/campaigns/", {"name": "x", "person_ids": ["a"]}, format="json"
        )
        assert response.status_code == 400
        assert set(response.json()["errors"]) >= {"template_code", "person_ids.0"}

    def test_templates_for_managers(self, data_admin, citizen):
        codes = [t["code"] for t in client_for(data_admin).get("/api/notify/templates/").json()]
        assert "life_stage_offer" in codes
        assert client_for(citizen).get("/api/notify/templates/").status_code == 403
