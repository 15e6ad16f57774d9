import pytest

from yimen.common.masking import mask_id_number, mask_name
from yimen.common.testing import assert_masked, assert_paginated, assert_requires_login, client_for
from yimen.ledger.models import Entry
from yimen.registry.models import FullRead
from yimen.registry.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def personal_values(p):
    return [p.id_number, p.name, p.phone, p.birth_date.isoformat(), p.residence_address]


def test_every_person_field_is_masked_in_list_and_detail(staff, residents):
    person = residents["peide"]
    client = client_for(staff["clerk"])
    listing = client.get("/api/registry/persons/", {"id_number": person.id_number})
    assert listing.status_code == 200
    assert_paginated(listing.json())
    assert_masked(listing.json(), personal_values(person))
    row = listing.json()["results"][0]
    assert row["id_number"] == mask_id_number(person.id_number)
    assert row["name"] == mask_name(person.name)
    assert row["birth_date"].endswith("-**-**")
    detail = client.get(f"/api/registry/persons/{person.pk}/")
    assert detail.status_code == 200
    assert_masked(detail.json(), personal_values(person))


def test_enterprise_legal_representative_is_masked(staff, places):
    enterprise = EnterpriseFactory(division=places["peide"])
    enterprise.legal_representative.residence_division = places["peide"]
    enterprise.legal_representative.save()
    response = client_for(staff["clerk"]).get(f"/api/registry/enterprises/{enterprise.pk}/")
    assert response.status_code == 200
    assert response.json()["uscc"] == enterprise.uscc  # public
    assert_masked(
        response.json(), [enterprise.legal_representative.id_number, enterprise.legal_representative.name]
    )


def test_anonymous_and_citizens_cannot_browse_the_person_library(staff, residents):
    assert_requires_login("/api/registry/persons/?name=x")
    response = client_for(staff["citizen"]).get("/api/registry/persons/", {"name": residents["peide"].name})
    assert response.status_code == 403


def test_a_listing_needs_a_filter(staff):
    response = client_for(staff["clerk"]).get("/api/registry/persons/")
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_reveal_returns_full_values_and_is_logged(staff, residents):
    person = residents["peide"]
    before = Entry.objects.count()
    response = client_for(staff["clerk"]).post(
        f"/api/registry/persons/{person.pk}/reveal/",
        {"fields": ["id_number", "phone"], "reason": "窗口受理核对身份"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"id_number": person.id_number, "phone": person.phone}
    read = FullRead.objects.get(person=person)
    assert read.actor == staff["clerk"] and read.fields == ["id_number", "phone"]
    assert Entry.objects.count() == before + 1
    assert Entry.objects.order_by("-index").first().kind == "registry.person.full_read"
    assert read.ledger_index is not None


def test_reveal_without_permission_or_reason_changes_nothing(staff, residents):
    person = residents["peide"]
    grid = client_for(staff["grid_zumiao"])
    denied = grid.post(
        f"/api/registry/persons/{person.pk}/reveal/",
        {"fields": ["name"], "reason": "巡查核实"},
        format="json",
    )
    assert denied.status_code == 403
    no_reason = client_for(staff["clerk"]).post(
        f"/api/registry/persons/{person.pk}/reveal/", {"fields": ["name"], "reason": "x"}, format="json"
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    bad_field = client_for(staff["clerk"]).post(
        f"/api/registry/persons/{person.pk}/reveal/",
        {"fields": ["password"], "reason": "核对身份信息"},
        format="json",
    )
    assert bad_field.status_code == 400 and "fields" in bad_field.json()["errors"]
    assert not FullRead.objects.exists()


def test_citizen_sees_own_record_and_who_read_it(staff, residents):
    person = residents["peide"]
    citizen = staff["citizen"]
    citizen.person = person
    citizen.save()
    client_for(staff["clerk"]).post(
        f"/api/registry/persons/{person.pk}/reveal/",
        {"fields": ["name"], "reason": "窗口受理核对身份"},
        format="json",
    )
    me = client_for(citizen).get("/api/registry/me/")
    assert me.status_code == 200
    assert_masked(me.json(), personal_values(person))
    reads = client_for(citizen).get("/api/registry/me/reads/").json()
    assert len(reads) == 1 and reads[0]["reason"] == "窗口受理核对身份"
    other = residents["lanshi"]
    assert client_for(citizen).get(f"/api/registry/persons/{other.pk}/").status_code == 403
