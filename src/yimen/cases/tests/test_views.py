"""Pages: the clerk's intake window, the approver's queue and decision, the receipt with its ledger
proof, the applicant's cases, the public certificate verification page, QR and PDF."""

import json

from django.test import Client

from yimen.cases.models import Case, Certificate, Status
from yimen.cases.tests.factories import case_in
from yimen.ledger import bundle, keys


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_clerk_takes_in_a_walk_in_application_and_prints_the_receipt(world):
    clerk = _client(world.users["clerk"])
    code = world.elder_item.item.implementation_code
    page = clerk.post("/cases/intake/", {"id_number": world.elder.id_number, "item": code})
    text = page.content.decode()
    assert page.status_code == 200 and "老年人优待证办理" in text and "免提交" in text
    assert not Case.objects.exists()  # checking writes nothing
    # The applicant is shown masked; the full number only sits in the inputs the clerk typed it into.
    assert world.elder.name not in text
    assert text.count(world.elder.id_number) == text.count(f'value="{world.elder.id_number}"')
    r = clerk.post(
        "/cases/intake/",
        {
            "id_number": world.elder.id_number,
            "item": code,
            "paper": ["photo"],
            "form.card_form": "电子证",
            "decision": "accept",
            "idempotency_key": "k1",
        },
    )
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.pk}/receipt/"
    assert case.status == Status.ACCEPTED
    receipt = clerk.get(r["Location"]).content.decode()
    assert "受理回执" in receipt and case.number in receipt and str(case.due_date) in receipt
    assert "防篡改留痕" in receipt  # the inclusion proof is embedded


def test_intake_refusal_without_reason_writes_nothing(world):
    clerk = _client(world.users["clerk"])
    r = clerk.post(
        "/cases/intake/",
        {
            "id_number": world.elder.id_number,
            "item": world.elder_item.item.implementation_code,
            "form.card_form": "电子证",
            "decision": "refuse",
            "note": "",
        },
    )
    assert r.status_code == 200 and "请填写理由" in r.content.decode()
    assert not Case.objects.exists()


def test_intake_is_for_clerks_only(world):
    assert _client(world.users["citizen"]).get("/cases/intake/").status_code == 403
    assert Client().get("/cases/intake/").status_code == 302


def test_approver_queue_and_decision_pages(world):
    case = case_in(world, Status.ACCEPTED)
    approver = _client(world.users["approver_mz"])
    assert case.number in approver.get("/cases/queue/").content.decode()
    assert case.number not in _client(world.users["approver_sc"]).get("/cases/queue/").content.decode()
    approver.post(f"/cases/{case.pk}/act/step/", {"step": 0, "opinion": "齐全"})
    r = approver.post(f"/cases/{case.pk}/act/approve/", {"step": 1, "opinion": "同意"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.APPROVED
    again = approver.post(f"/cases/{case.pk}/act/approve/", {"step": 1}, follow=True)
    assert "不能执行" in again.content.decode()  # 409 shown as a message, nothing changed
    assert _client(world.users["approver_sc"]).get(f"/cases/{case.pk}/").status_code == 404


def test_certificate_verification_page_qr_pdf_and_bundle(world):
    case = case_in(world, Status.APPROVED)
    cert = Certificate.objects.get(case=case)
    page = Client().get(f"/cases/verify/{cert.verify_token}/")
    text = page.content.decode()
    assert page.status_code == 200 and "证照真实有效" in text and cert.number in text and "<svg" in text
    assert world.elder.name not in text and world.elder.id_number not in text
    pdf = Client().get(f"/cases/verify/{cert.verify_token}/certificate.pdf")
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    printed = Client().get(f"/cases/verify/{cert.verify_token}/print/").content.decode()
    assert cert.number in printed and "<svg" in printed
    data = json.loads(Client().get(f"/cases/verify/{cert.verify_token}/bundle.json").content)
    check = bundle.bundle_verify(data, keys.log_verifier())
    assert check.index == cert.ledger_index and check.entry["kind"] == "cases.certificate.issue"
    assert Client().get("/cases/verify/not-a-token/").status_code == 404


def test_my_cases_and_rating(world):
    case = case_in(world, Status.DELIVERED)
    citizen = _client(world.users["citizen"])
    text = citizen.get("/cases/mine/").content.decode()
    assert case.number in text and "老年人优待证" in text
    citizen.post(f"/cases/{case.pk}/act/rate/", {"score": 5, "comment": "好"})
    assert case.__class__.objects.get(pk=case.pk).rating.score == 5
    assert case.number not in _client(world.users["stranger"]).get("/cases/mine/").content.decode()
    stats = Client().get("/cases/stats/").content.decode()
    assert "好差评统计" in stats and "按时办结率" in stats and "老年人优待证办理" in stats


def test_citizen_applies_online_with_an_upload(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    citizen = _client(world.users["citizen"])
    url = f"/cases/apply/{world.elder_item.item.implementation_code}/"
    page = citizen.get(url).content.decode()
    assert "免提交" in page and 'name="file.photo"' in page  # the ID card is reused, the photo uploaded
    bad = citizen.post(
        url, {"form.card_form": "电子证", "file.photo": SimpleUploadedFile("p.jpg", b"not an image")}
    )
    assert "materials.photo" in bad.content.decode() and not Case.objects.exists()
    r = citizen.post(
        url,
        {
            "form.card_form": "电子证",
            "file.photo": SimpleUploadedFile("p.jpg", b"\xff\xd8\xff\xe0" + b"0" * 50),
        },
    )
    case = Case.objects.get()
    assert r.status_code == 302 and case.channel == "online" and case.status == Status.SUBMITTED
    assert case.materials.get(key="photo").upload.content_type == "image/jpeg"
    assert case.number in _client(world.users["clerk"]).get("/cases/queue/").content.decode()  # awaits intake


def test_pages_speak_english_from_the_apps_catalog(world):
    case = case_in(world, Status.APPROVED)
    cert = Certificate.objects.get(case=case)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    text = client.get(f"/cases/verify/{cert.verify_token}/").content.decode()
    assert "Genuine and valid" in text and "Certificate number" in text


def test_applicant_answers_a_correction_request_with_an_upload(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = case_in(world, Status.SUSPENDED)
    citizen = _client(world.users["citizen"])
    assert 'name="file.photo"' in citizen.get(f"/cases/{case.pk}/").content.decode()
    citizen.post(f"/cases/{case.pk}/act/resubmit/", {"file.photo": SimpleUploadedFile("p.png", b"<svg>")})
    case.refresh_from_db()
    assert case.status == Status.SUSPENDED  # a disguised file changes nothing
    png = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    citizen.post(f"/cases/{case.pk}/act/resubmit/", {"file.photo": png})
    case.refresh_from_db()
    assert (
        case.status == Status.ACCEPTED and case.materials.get(key="photo").upload.content_type == "image/png"
    )


def test_my_cases_page_finds_items_to_apply_for_online(world):
    text = _client(world.users["citizen"]).get("/cases/mine/", {"q": "优待证"}).content.decode()
    assert f"/cases/apply/{world.elder_item.item.implementation_code}/" in text
