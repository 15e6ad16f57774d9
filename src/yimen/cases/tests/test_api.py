"""The cases API: lifecycle over HTTP, the error shape, idempotency, the access matrix, masking."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yimen.cases.models import Case, Status
from yimen.cases.tests.factories import case_in
from yimen.common.testing import assert_masked, assert_paginated, assert_requires_login, client_for
from yimen.ledger import selectors as ledger

API = "/api/cases/"


def _submit_body(world, **extra):
    return {
        "item": world.elder_item.item.implementation_code,
        "channel": "window",
        "id_number": world.elder.id_number,
        "form_data": {"card_form": "实体卡"},
        **extra,
    }


def test_full_lifecycle_over_http(world):
    clerk, approver = client_for(world.users["clerk"]), client_for(world.users["approver_mz"])
    r = clerk.post(API, _submit_body(world), format="json")
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["status"] == "submitted"
    r = clerk.post(f"{API}{pk}/accept/", {"paper": ["photo"]}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["due_date"]
    r = approver.post(f"{API}{pk}/steps/complete/", {"step": 0, "opinion": "齐全"}, format="json")
    assert r.json()["current_step"] == 1
    r = approver.post(f"{API}{pk}/approve/", {"step": 1, "opinion": "同意"}, format="json")
    body = r.json()
    assert body["status"] == "approved" and body["certificate"]["verify_url"].startswith("http://testserver/")
    token = body["certificate"]["verify_url"].rstrip("/").rsplit("/", 1)[-1]
    r = clerk.post(
        f"{API}{pk}/deliver/", {"method": "ems", "tracking_number": "EA123456789CN"}, format="json"
    )
    assert r.json()["status"] == "delivered"
    r = client_for(world.users["citizen"]).post(f"{API}{pk}/rate/", {"score": 4}, format="json")
    assert r.status_code == 201
    r = client_for(None).get(f"{API}certificates/{token}/")
    assert r.status_code == 200 and r.json()["valid"] is True and r.json()["holder"] != world.elder.name
    assert (
        client_for(world.users["approver_sc"])
        .post(f"{API}certificates/{token}/revoke/", {"reason": "错发"})
        .status_code
        == 403
    )
    assert [
        h["to_status"] for h in client_for(world.users["citizen"]).get(f"{API}{pk}/").json()["history"]
    ] == [
        "submitted",
        "accepted",
        "approved",
        "delivered",
    ]


def test_illegal_transition_is_409_and_changes_nothing(world):
    case = case_in(world, Status.REFUSED)
    size = ledger.log_size()
    r = client_for(world.users["approver_mz"]).post(f"{API}{case.pk}/approve/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "conflict" and "status" in r.json()["errors"]
    case.refresh_from_db()
    assert case.status == Status.REFUSED and ledger.log_size() == size


def test_deciding_a_case_on_correction_hold_is_409(world):
    case = case_in(world, Status.SUSPENDED)
    r = client_for(world.users["approver_mz"]).post(f"{API}{case.pk}/approve/", {}, format="json")
    assert r.status_code == 409


def test_field_level_errors(world):
    clerk = client_for(world.users["clerk"])
    r = clerk.post(API, _submit_body(world, id_number="123"), format="json")
    assert (
        r.status_code == 400
        and set(r.json()) >= {"code", "detail", "errors"}
        and "id_number" in r.json()["errors"]
    )
    r = clerk.post(API, _submit_body(world, item="NOPE"), format="json")
    assert r.status_code == 400 and "item" in r.json()["errors"]
    r = clerk.post(API, _submit_body(world, channel="pigeon"), format="json")
    assert r.status_code == 400 and "channel" in r.json()["errors"]
    r = clerk.post(API, _submit_body(world, form_data={"card_form": 7}), format="json")
    assert r.status_code == 400 and "form.card_form" in r.json()["errors"]
    assert Case.objects.count() == 0


def test_idempotency_key_returns_the_first_case(world):
    clerk = client_for(world.users["clerk"])
    first = clerk.post(API, _submit_body(world), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = clerk.post(API, _submit_body(world), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Case.objects.count() == 1


def test_upload_endpoint_checks_content(world):
    citizen = client_for(world.users["citizen"])
    ok = citizen.post(
        f"{API}uploads/", {"file": SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10)}
    )
    assert ok.status_code == 201 and len(ok.json()["sha256"]) == 64
    bad = citizen.post(f"{API}uploads/", {"file": SimpleUploadedFile("a.pdf", b"GIF89a....")})
    assert bad.status_code == 400 and "file" in bad.json()["errors"]


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("citizen", True),  # the applicant
        ("stranger", False),
        ("clerk", True),  # district centre window
        ("clerk_zm", False),  # another street's window
        ("approver_mz", True),  # the implementing department
        ("approver_sc", False),  # another department
        ("auditor", True),  # view_all
        ("agent", False),
    ],
)
def test_access_matrix(world, who, sees):
    case = case_in(world, Status.ACCEPTED)
    client = client_for(world.users[who])
    r = client.get(f"{API}{case.pk}/")
    assert r.status_code == (200 if sees else 404)
    listed = [c["id"] for c in client.get(API).json()["results"]]
    assert (case.pk in listed) is sees
    if not sees:  # acting on a case outside the scope is 404 too, and writes nothing
        size = ledger.log_size()
        assert client.post(f"{API}{case.pk}/withdraw/", {}, format="json").status_code == 404
        assert ledger.log_size() == size


def test_wrong_department_approver_cannot_decide_even_when_seeing_it(world):
    case = case_in(world, Status.ACCEPTED)
    r = client_for(world.users["clerk"]).post(f"{API}{case.pk}/steps/complete/", {}, format="json")
    assert r.status_code == 403


def test_personal_data_is_masked_everywhere(world):
    case = case_in(world, Status.APPROVED)
    for who in ("clerk", "approver_mz", "citizen"):
        client = client_for(world.users[who])
        assert_masked(client.get(f"{API}{case.pk}/").json(), [world.elder.id_number, world.elder.name])
        listing = client.get(API).json()
        assert_paginated(listing)
        assert_masked(listing, [world.elder.id_number, world.elder.name])


def test_login_required():
    assert_requires_login(API)
    assert_requires_login(API, "post")


def test_queue_sorted_by_deadline_and_satisfaction_public(world):
    a = case_in(world, Status.ACCEPTED)
    b = case_in(world, Status.ACCEPTED)
    Case.objects.filter(pk=b.pk).update(due_date=a.due_date.replace(year=a.due_date.year - 1))
    r = client_for(world.users["approver_mz"]).get(f"{API}queue/")
    assert [c["id"] for c in r.json()] == [b.pk, a.pk]
    assert client_for(world.users["approver_sc"]).get(f"{API}queue/").json() == []
    assert client_for(None).get(f"{API}satisfaction/").status_code == 200


def test_openapi_schema_documents_the_cases_api(world):
    r = client_for(None).get("/api/schema/")
    assert r.status_code == 200
    text = r.content.decode()
    assert "/api/cases/{id}/approve/" in text and "Idempotency-Key" in text


def test_revoke_over_http(world):
    from yimen.cases.models import Certificate

    cert = Certificate.objects.get(case=case_in(world, Status.APPROVED))
    r = client_for(world.users["approver_mz"]).post(
        f"{API}certificates/{cert.verify_token}/revoke/", {"reason": "持证人申请"}
    )
    assert r.status_code == 200 and r.json()["valid"] is False and r.json()["state"] == "revoked"
    assert (
        client_for(world.users["approver_mz"])
        .post(f"{API}certificates/{cert.verify_token}/revoke/", {})
        .status_code
        == 400
    )
