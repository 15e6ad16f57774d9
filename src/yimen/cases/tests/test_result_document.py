"""An item whose result is a document (证明): applied for online with every material reused (a
multiple-choice form field as checkboxes), approved, and the result downloaded as a PDF by the
applicant only."""

import pytest
from django.test import Client

from yimen.cases import certificates, services
from yimen.cases.models import Case, MaterialState, Status, Upload
from yimen.catalog.tests.factories import ItemVersionFactory, MaterialFactory

FORM = {
    "type": "object",
    "required": ["insurance_types", "period_from"],
    "properties": {
        "insurance_types": {
            "type": "array",
            "title": "险种",
            "items": {"type": "string", "enum": ["养老保险", "医疗保险", "失业保险"]},
        },
        "period_from": {"type": "string", "title": "起始年月", "pattern": "^[0-9]{4}-[0-9]{2}$"},
    },
}

needs_font = pytest.mark.skipif(certificates.cjk_font() is None, reason="no CJK font for the PDF")


@pytest.fixture
def proof_item(world):
    version = ItemVersionFactory(
        published=True,
        name="个人参保证明打印",
        department=world.depts["MZJ"],
        result_type="document",
        result_name="个人社会保险参保缴费证明",
        online_depth=4,
        form_schema=FORM,
    )
    MaterialFactory(
        version=version, key="id_card", name="居民身份证", source="e_certificate", source_ref="居民身份证"
    )
    MaterialFactory(
        version=version,
        key="record",
        name="社会保险缴费记录",
        source="government_data",
        source_ref="registry.social_insurance",
    )
    return version


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@needs_font
def test_online_application_with_zero_uploads_and_the_result_download(world, proof_item):
    code = proof_item.item.implementation_code
    citizen = _client(world.users["citizen"])
    page = citizen.get(f"/cases/apply/{code}/").content.decode()
    assert 'type="file"' not in page and page.count("免提交") == 2
    assert 'type="checkbox" name="form.insurance_types" value="医疗保险"' in page
    r = citizen.post(
        f"/cases/apply/{code}/",
        {
            "form.insurance_types": ["养老保险", "医疗保险"],
            "form.period_from": "2024-01",
            "idempotency_key": "k1",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get()
    assert case.form_data["insurance_types"] == ["养老保险", "医疗保险"]
    assert set(case.materials.values_list("state", flat=True)) == {MaterialState.REUSED}
    assert not Upload.objects.exists()
    assert citizen.get(f"/cases/{case.pk}/result.pdf").status_code == 404  # not decided yet
    case = services.case_accept(case=case, actor=world.users["clerk"])
    case = services.case_approve(case=case, actor=world.users["approver_mz"], opinion="同意")
    assert case.status == Status.APPROVED and not hasattr(case, "certificate")
    assert "下载办理结果" in citizen.get(f"/cases/{case.pk}/").content.decode()
    r = citizen.get(f"/cases/{case.pk}/result.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and world.elder.id_number.encode() not in r.content
    assert _client(world.users["stranger"]).get(f"/cases/{case.pk}/result.pdf").status_code == 404


@needs_font
def test_certificate_items_have_no_result_document(world):
    from yimen.cases.tests.factories import case_in

    case = case_in(world, Status.APPROVED)
    assert _client(world.users["citizen"]).get(f"/cases/{case.pk}/result.pdf").status_code == 404


def _decided(world, proof_item) -> Case:
    case = services.case_submit(
        actor=world.users["clerk"],
        item=proof_item.item.implementation_code,
        channel="window",
        id_number=world.elder.id_number,
        form_data={"insurance_types": ["养老保险"], "period_from": "2024-01"},
    )
    case = services.case_accept(case=case, actor=world.users["clerk"])
    return services.case_approve(case=case, actor=world.users["approver_mz"], opinion="同意")


def test_a_result_document_is_verified_publicly_by_its_qr_link(world, proof_item):
    case = _decided(world, proof_item)
    url = certificates.document_verify_url(case)
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = Client().get("/" + path)  # anyone, not logged in
    body = page.content.decode()
    assert page.status_code == 200 and "该办理结果由一门出具，真实有效" in body
    assert case.number in body and "个人社会保险参保缴费证明" in body and "<svg" in body
    assert world.elder.id_number not in body and world.elder.name not in body  # masked
    wrong = "/" + path.rstrip("/").rsplit("/", 1)[0] + "/" + "0" * 24 + "/"
    assert Client().get(wrong).status_code == 404
    assert (
        Client().get(f"/cases/documents/{case.number}X/{certificates.document_token(case)}/").status_code
        == 404
    )


def test_an_undecided_or_certificate_case_has_no_document_page(world, proof_item):
    from yimen.cases.tests.factories import case_in

    pending = services.case_submit(
        actor=world.users["clerk"],
        item=proof_item.item.implementation_code,
        channel="window",
        id_number=world.elder.id_number,
        form_data={"insurance_types": ["养老保险"], "period_from": "2024-01"},
    )
    licence = case_in(world, Status.APPROVED)
    for case in (pending, licence):
        url = f"/cases/documents/{case.number}/{certificates.document_token(case)}/"
        assert Client().get(url).status_code == 404


@needs_font
def test_the_result_pdf_carries_the_verification_qr(world, proof_item):
    case = _decided(world, proof_item)
    pdf = certificates.result_document_pdf(case, url=certificates.document_verify_url(case))
    assert pdf.startswith(b"%PDF") and b"/Subtype /Image" in pdf
