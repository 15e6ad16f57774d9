"""数据沉淀 in the registry: whitelisted fields only, cleaned, provenance per changed field, the old value
kept only as a digest, one audit entry in the same transaction; bad data changes nothing."""

import pytest

from yimen.common.errors import ValidationFailed
from yimen.common.testing import assert_masked, client_for
from yimen.ledger import selectors as ledger
from yimen.registry import services
from yimen.registry.models import FieldSource
from yimen.registry.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_person_settle_updates_whitelisted_fields_with_provenance(staff, residents):
    person, clerk = residents["peide"], staff["clerk"]
    old_phone = person.phone
    rows = services.person_settle(
        person=person,
        fields={"phone": " 139-1234-5678 ", "residence_address": "福宁路 9号  之一"},
        source="cases.case:7",
        source_label="44060420260101000007",
        actor=clerk,
    )
    person.refresh_from_db()
    assert (person.phone, person.residence_address) == ("139-1234-5678", "福宁路 9号 之一")
    assert {r.field for r in rows} == {"phone", "residence_address"}
    row = FieldSource.objects.get(person=person, field="phone")
    assert row.source == "cases.case:7" and row.actor == clerk
    assert row.old_digest == services.value_digest(old_phone) and old_phone not in row.old_digest
    entry = ledger.entry_get(index=row.ledger_index)
    assert entry.kind == "registry.person.settle"
    # the same values again: nothing new
    assert (
        services.person_settle(
            person=person, fields={"phone": "139-1234-5678"}, source="cases.case:8", actor=clerk
        )
        == []
    )


@pytest.mark.parametrize(
    ("fields", "source", "field"),
    [
        ({"name": "王五"}, "cases.case:1", "name"),  # not whitelisted
        ({"id_number": "440604195003011234"}, "cases.case:1", "id_number"),
        ({"phone": "123"}, "cases.case:1", "phone"),
        ({"phone": "13900000000", "residence_address": ""}, "cases.case:1", "residence_address"),
        ({"phone": "13900000000"}, "somewhere", "source"),
    ],
)
def test_bad_data_changes_nothing(staff, residents, fields, source, field):
    person = residents["peide"]
    before = (person.phone, person.residence_address, person.name, ledger.log_size())
    with pytest.raises(ValidationFailed) as exc:
        services.person_settle(person=person, fields=fields, source=source, actor=staff["clerk"])
    assert field in exc.value.errors
    person.refresh_from_db()
    assert (person.phone, person.residence_address, person.name, ledger.log_size()) == before
    assert not FieldSource.objects.exists()


def test_enterprise_settle(staff, places):
    enterprise = EnterpriseFactory(division=places["peide"])
    services.enterprise_settle(
        enterprise=enterprise,
        fields={"registered_address": "佛山市禅城区季华五路1号", "industry": "餐饮业"},
        source="cases.case:3",
        actor=staff["clerk"],
    )
    enterprise.refresh_from_db()
    assert enterprise.industry == "餐饮业"
    assert set(FieldSource.objects.filter(enterprise=enterprise).values_list("field", flat=True)) == {
        "registered_address",
        "industry",
    }
    with pytest.raises(ValidationFailed):
        services.enterprise_settle(
            enterprise=enterprise, fields={"name": "别的名字"}, source="cases.case:3", actor=staff["clerk"]
        )


def test_sources_api_is_masked_and_scoped(staff, residents):
    person = residents["peide"]
    services.person_settle(
        person=person, fields={"phone": "13912345678"}, source="cases.case:5", actor=staff["clerk"]
    )
    response = client_for(staff["grid_zumiao"]).get(f"/api/registry/persons/{person.pk}/sources/")
    assert response.status_code == 200
    [row] = response.json()
    assert row["field"] == "phone" and row["case_id"] == 5 and row["current"] == "139****5678"
    assert_masked(response.json(), ["13912345678", person.name, person.id_number])
    outside = residents["lanshi"]
    assert client_for(staff["grid_zumiao"]).get(
        f"/api/registry/persons/{outside.pk}/sources/"
    ).status_code in (
        403,
        404,
    )


def test_staff_lookup_page_shows_which_case_each_field_came_from(staff, residents):
    from django.test import Client

    person = residents["peide"]
    services.person_settle(
        person=person,
        fields={"phone": "13912345678"},
        source="cases.case:5",
        source_label="44060420260101000005",
        actor=staff["clerk"],
    )
    clerk = Client()
    clerk.force_login(staff["clerk"])
    page = clerk.get("/workbench/registry/", {"id_number": person.id_number}).content.decode()
    assert "44060420260101000005" in page and "联系电话" in page
    assert "13912345678" not in page and "139****5678" in page
