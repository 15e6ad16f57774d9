"""数据沉淀: an accepted case updates the applicant's registry record, with the case as provenance; a
refused or correction case, or bad data, changes nothing; what is shown is masked."""

from pathlib import Path

import pytest
import yaml
from django.test import Client

from yimen.cases import services, settle
from yimen.cases.models import Case, Status
from yimen.cases.tests.factories import submit_elder
from yimen.common.errors import ValidationFailed
from yimen.ledger import selectors as ledger
from yimen.registry import services as registry
from yimen.registry.models import FieldSource, Person

NEW_PHONE = "13912345678"
NEW_ADDRESS = "祖庙街道岭南大道北88号3座1201房"
FORM = {"card_form": "电子证", "phone": NEW_PHONE, "address": NEW_ADDRESS}


@pytest.fixture
def mapped(world, monkeypatch):
    """The test item maps its form's phone and address to the person's record."""
    code = world.elder_item.item.implementation_code
    table = {code: {"person": {"phone": "phone", "address": "residence_address"}}}
    monkeypatch.setattr(settle, "_table", lambda: table)
    return world


def _record(person: Person) -> tuple[str, str]:
    person.refresh_from_db()
    return person.phone, person.residence_address


def test_accepted_case_updates_the_record_with_provenance(mapped):
    w = mapped
    old_phone, old_address = _record(w.elder)
    case = submit_elder(w, form_data=FORM)
    assert _record(w.elder) == (old_phone, old_address)  # filing alone settles nothing
    case = services.case_accept(case=case, actor=w.users["clerk"], paper=["photo"])
    assert _record(w.elder) == (NEW_PHONE, NEW_ADDRESS)
    rows = {r.field: r for r in FieldSource.objects.filter(person=w.elder)}
    assert set(rows) == {"phone", "residence_address"}
    phone = rows["phone"]
    assert phone.source == f"cases.case:{case.pk}" and phone.source_label == case.number
    assert phone.actor == w.users["clerk"]
    assert phone.old_digest == registry.value_digest(old_phone) and old_phone not in phone.old_digest
    entry = ledger.entry_get(index=phone.ledger_index)
    assert entry.kind == "registry.person.settle" and entry.subject == f"registry.person:{w.elder.pk}"


def test_values_the_registry_already_holds_write_no_provenance(mapped):
    w = mapped
    phone, address = _record(w.elder)
    case = submit_elder(w, form_data={"card_form": "电子证", "phone": phone, "address": address})
    services.case_accept(case=case, actor=w.users["clerk"], paper=["photo"])
    assert not FieldSource.objects.exists()  # unchanged values are not news


@pytest.mark.parametrize("decision", ["refuse", "request_correction"])
def test_refused_or_correction_changes_nothing(mapped, decision):
    w = mapped
    before = _record(w.elder)
    case = services.case_take_in(
        actor=w.users["clerk"],
        decision=decision,
        item=w.elder_item.item.implementation_code,
        id_number=w.elder.id_number,
        form_data=FORM,
        missing=["photo"],
        note="不符合受理条件",
    )
    assert case.status in (Status.REFUSED, Status.CORRECTION)
    assert _record(w.elder) == before
    assert not FieldSource.objects.exists()


def test_rejected_after_acceptance_keeps_what_acceptance_settled(mapped):
    """Settling happens once, at acceptance; later steps neither add nor undo provenance."""
    w = mapped
    case = services.case_accept(case=submit_elder(w, form_data=FORM), actor=w.users["clerk"], paper=["photo"])
    case = services.case_step_complete(case=case, actor=w.users["approver_mz"], opinion="材料齐全")
    services.case_reject(case=case, actor=w.users["approver_mz"], reason="年龄不符")
    assert FieldSource.objects.filter(person=w.elder).count() == 2


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"phone": "12"}, "form.phone"),
        ({"phone": "电话号码"}, "form.phone"),
        ({"address": "x"}, "form.address"),
        ({"address": "长" * 200}, "form.address"),
    ],
)
def test_bad_mapped_data_is_a_field_error_and_writes_nothing(mapped, form, field):
    w = mapped
    before = (_record(w.elder), Case.objects.count(), ledger.log_size())
    with pytest.raises(ValidationFailed) as exc:
        submit_elder(w, form_data={"card_form": "电子证", **form})
    assert field in exc.value.errors, exc.value.errors
    assert (_record(w.elder), Case.objects.count(), ledger.log_size()) == before
    assert not FieldSource.objects.exists()


def test_unmapped_items_settle_nothing(world):
    case = submit_elder(world, form_data=FORM)  # no mapping for this item in settle.yaml
    services.case_accept(case=case, actor=world.users["clerk"], paper=["photo"])
    assert not FieldSource.objects.exists()


def test_my_data_page_and_api_show_sources_masked(mapped):
    w = mapped
    case = services.case_accept(case=submit_elder(w, form_data=FORM), actor=w.users["clerk"], paper=["photo"])
    citizen = Client()
    citizen.force_login(w.users["citizen"])
    page = citizen.get("/cases/mine/").content.decode()
    assert case.number in page and f"/cases/{case.pk}/" in page
    assert NEW_PHONE not in page and NEW_ADDRESS not in page
    assert "139****5678" in page
    data = citizen.get("/api/registry/me/sources/").json()
    assert {r["field"] for r in data} == {"phone", "residence_address"}
    assert all(r["case_id"] == case.pk and r["case_number"] == case.number for r in data)
    assert NEW_PHONE not in str(data) and NEW_ADDRESS not in str(data)
    assert all("digest" not in key for r in data for key in r)
    stranger = Client()
    stranger.force_login(w.users["stranger"])
    assert stranger.get(f"/api/registry/persons/{w.elder.pk}/sources/").status_code in (403, 404)


def test_mapping_file_names_only_whitelisted_registry_fields():
    data = yaml.safe_load(Path(settle.__file__).with_name("settle.yaml").read_text(encoding="utf-8"))
    allowed = {"person": registry.PERSON_SETTLE_FIELDS, "enterprise": registry.ENTERPRISE_SETTLE_FIELDS}
    assert data["items"]
    for code, kinds in data["items"].items():
        for kind, fields in kinds.items():
            assert set(fields.values()) <= set(allowed[kind]), code
