"""Intake: who may apply for whom, at which window, with which materials; bad input changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yimen.cases import materials, services
from yimen.cases.models import Case, CaseMaterial, MaterialState, Status, Upload
from yimen.cases.tests.factories import submit_elder
from yimen.common.errors import DomainError, PermissionDenied, ValidationFailed
from yimen.ledger import selectors as ledger

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64


def _nothing_written(before_cases: int, before_log: int):
    assert Case.objects.count() == before_cases
    assert ledger.log_size() == before_log


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"id_number": "44060419500301123"}, "id_number"),  # 17 digits
        ({"id_number": "440604195003011235"}, "id_number"),  # bad check digit or unknown person
        ({"id_number": "", "uscc": ""}, "id_number"),
        ({"item": "NO-SUCH-ITEM"}, "item"),
        ({"channel": "fax"}, "channel"),
        ({"form_data": {"card_form": "金卡"}}, "form.card_form"),
        ({"form_data": {}}, "form.card_form"),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(world, kwargs, field):
    before = (Case.objects.count(), ledger.log_size())
    with pytest.raises(DomainError) as exc:
        submit_elder(world, **kwargs)
    assert field in exc.value.errors, exc.value.errors
    assert exc.value.status in (400, 404)
    _nothing_written(*before)


def test_window_level_decides_what_a_window_may_accept(world):
    village_clerk = world.users["clerk_village"]
    with pytest.raises(ValidationFailed) as exc:
        submit_elder(world, actor=village_clerk)
    assert "item" in exc.value.errors and "村居" in exc.value.message
    case = submit_elder(world, actor=world.users["clerk_zm"])  # street window: allowed
    assert case.intake_division == world.places["zumiao"]


def test_service_object_must_fit_the_applicant(world):
    with pytest.raises(ValidationFailed) as exc:
        services.case_submit(
            actor=world.users["clerk"],
            item=world.licence_item.item.implementation_code,
            channel="window",
            id_number=world.elder.id_number,
        )
    assert "item" in exc.value.errors


def test_window_case_reuses_the_id_card_and_gets_a_number(world):
    case = submit_elder(world)
    assert case.status == Status.SUBMITTED and case.number.startswith("440604")
    rows = {m.key: m for m in case.materials.all()}
    assert rows["id_card"].state == MaterialState.REUSED
    assert rows["id_card"].reuse_ref == f"registry.person:{world.elder.pk}"
    assert rows["photo"].state == MaterialState.MISSING
    assert case.form_data["id_number"] == world.elder.id_number  # filled from the registry
    assert case.version == world.elder_item and case.department == world.depts["MZJ"]


def test_accept_needs_every_required_material(world):
    case = submit_elder(world)
    before = ledger.log_size()
    with pytest.raises(ValidationFailed) as exc:
        services.case_accept(case=case, actor=world.users["clerk"])
    assert "materials.photo" in exc.value.errors
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and ledger.log_size() == before
    case = services.case_accept(case=case, actor=world.users["clerk"], paper=["photo"])
    assert case.status == Status.ACCEPTED and case.due_date is not None
    assert [s.code for s in case.steps.all()] == ["review", "decide"]


def test_online_application_without_required_upload_is_refused_before_writing(world):
    before = (Case.objects.count(), ledger.log_size())
    with pytest.raises(ValidationFailed) as exc:
        submit_elder(world, actor=world.users["citizen"])
    assert "materials.photo" in exc.value.errors
    _nothing_written(*before)


def test_online_application_with_upload(world):
    citizen = world.users["citizen"]
    upload = services.upload_store(actor=citizen, file=SimpleUploadedFile("photo.jpg", JPEG))
    assert upload.content_type == "image/jpeg" and len(upload.sha256) == 64
    case = submit_elder(world, actor=citizen, materials={"photo": {"upload": upload.pk}})
    assert case.channel == "online" and case.applicant_person == world.elder
    assert CaseMaterial.objects.get(case=case, key="photo").upload == upload


def test_someone_elses_upload_or_paper_online_is_refused(world):
    other = services.upload_store(actor=world.users["stranger"], file=SimpleUploadedFile("a.png", PNG))
    with pytest.raises(ValidationFailed) as exc:
        submit_elder(world, actor=world.users["citizen"], materials={"photo": {"upload": other.pk}})
    assert "materials.photo" in exc.value.errors
    with pytest.raises(ValidationFailed):
        submit_elder(world, actor=world.users["citizen"], materials={"photo": {"paper": True}})


def test_citizen_applies_only_for_themself_and_not_at_a_window(world):
    with pytest.raises(PermissionDenied):
        submit_elder(world, actor=world.users["citizen"], id_number=world.other_person.id_number)
    with pytest.raises(PermissionDenied):
        submit_elder(world, actor=world.users["citizen"], channel="window")


def test_agent_applies_for_the_enterprise_and_business_licence_is_reused(world):
    case = services.case_submit(
        actor=world.users["agent"],
        item=world.licence_item.item.implementation_code,
        channel="online",
        materials={
            "layout": {
                "upload": services.upload_store(
                    actor=world.users["agent"], file=SimpleUploadedFile("plan.pdf", PDF)
                ).pk
            }
        },
    )
    assert case.applicant_enterprise == world.enterprise
    assert (
        case.materials.get(key="business_licence").reuse_ref == f"registry.enterprise:{world.enterprise.pk}"
    )


def test_idempotent_submission_returns_the_first_case(world):
    first = submit_elder(world, idempotency_key="k-1")
    size = ledger.log_size()
    again = submit_elder(world, idempotency_key="k-1")
    assert again.pk == first.pk and Case.objects.count() == 1 and ledger.log_size() == size
    other = submit_elder(world, actor=world.users["clerk_zm"], idempotency_key="k-1")  # keys are per user
    assert other.pk != first.pk


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("scan.pdf", PDF, True),
        ("photo.png", PNG, True),
        ("photo.jpg", JPEG, True),
        ("evil.pdf", b"MZ\x90\x00 this is an exe", False),  # disguised by its extension
        ("page.png", b"<html><script>", False),
        ("empty.pdf", b"", False),
    ],
)
def test_uploads_are_recognised_by_content(world, name, content, ok):
    actor = world.users["citizen"]
    if ok:
        assert services.upload_store(actor=actor, file=SimpleUploadedFile(name, content)).size == len(content)
    else:
        with pytest.raises(ValidationFailed) as exc:
            services.upload_store(actor=actor, file=SimpleUploadedFile(name, content))
        assert "file" in exc.value.errors
        assert not Upload.objects.exists()


def test_oversized_upload_is_refused(world, monkeypatch):
    monkeypatch.setattr(materials, "MAX_UPLOAD_BYTES", 1024)
    with pytest.raises(ValidationFailed) as exc:
        services.upload_store(
            actor=world.users["citizen"], file=SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)
        )
    assert "20 MB" in exc.value.message and not Upload.objects.exists()


def test_twenty_megabytes_is_the_limit():
    assert materials.MAX_UPLOAD_BYTES == 20 * 1024 * 1024


def test_intake_correction_then_resubmission(world):
    clerk = world.users["clerk"]
    case = services.case_request_correction(
        case=submit_elder(world), actor=clerk, missing=["photo"], note="请补照片"
    )
    assert case.status == Status.CORRECTION and "近期免冠照片" in case.correction_request
    assert case.due_date is None  # the clock has not started
    with pytest.raises(ValidationFailed):
        services.case_resubmit(case=case, actor=world.users["citizen"], materials={})
    upload = services.upload_store(actor=world.users["citizen"], file=SimpleUploadedFile("p.png", PNG))
    case = services.case_resubmit(
        case=case, actor=world.users["citizen"], materials={"photo": {"upload": upload.pk}}
    )
    assert case.status == Status.SUBMITTED and case.correction_request == ""


def test_correction_must_name_known_materials(world):
    case = submit_elder(world)
    for missing in ([], ["nope"]):
        with pytest.raises(ValidationFailed):
            services.case_request_correction(case=case, actor=world.users["clerk"], missing=missing)


def test_refusal_needs_a_reason_and_a_clerk(world):
    case = submit_elder(world)
    with pytest.raises(ValidationFailed):
        services.case_refuse(case=case, actor=world.users["clerk"], reason=" ")
    with pytest.raises(PermissionDenied):
        services.case_refuse(case=case, actor=world.users["approver_mz"], reason="不符合")
    case = services.case_refuse(case=case, actor=world.users["clerk"], reason="不符合受理条件")
    assert case.status == Status.REFUSED and case.reason == "不符合受理条件"
