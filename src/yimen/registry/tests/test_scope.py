"""Object-level scope: staff see only their division subtree; clerks identify anyone by exact ID."""

import pytest

from yimen.common.testing import client_for

pytestmark = pytest.mark.django_db


def test_grid_worker_sees_residents_of_own_street_only(staff, residents):
    client = client_for(staff["grid_zumiao"])
    assert client.get(f"/api/registry/persons/{residents['peide'].pk}/").status_code == 200
    assert client.get(f"/api/registry/persons/{residents['lanshi'].pk}/").status_code == 404
    listing = client.get("/api/registry/persons/", {"division": "440604"}).json()
    assert [r["id"] for r in listing["results"]] == [residents["peide"].pk]


def test_exact_id_lookup_respects_scope_for_non_clerks(staff, residents):
    client = client_for(staff["grid_zumiao"])
    response = client.get("/api/registry/persons/", {"id_number": residents["lanshi"].id_number})
    assert response.status_code == 404


def test_a_general_window_clerk_identifies_any_resident(staff, residents):
    client = client_for(staff["clerk"])
    for person in residents.values():
        response = client.get("/api/registry/persons/", {"id_number": person.id_number})
        assert response.status_code == 200
        assert response.json()["results"][0]["id"] == person.pk


def test_handler_of_one_department_cannot_read_another_streets_staff_only_data(staff, residents):
    hb = client_for(staff["handler_hb"])  # scoped to 石湾镇街道
    assert hb.get(f"/api/registry/persons/{residents['peide'].pk}/").status_code == 404
    assert hb.get(f"/api/registry/persons/{residents['lanshi'].pk}/").status_code == 200


def test_approver_cannot_reveal_outside_scope(staff, residents, places):
    approver = staff["approver_mz"]
    approver.division = places["shiwan"]
    approver.save()
    response = client_for(approver).post(
        f"/api/registry/persons/{residents['peide'].pk}/reveal/",
        {"fields": ["name"], "reason": "审批核对申请人"},
        format="json",
    )
    assert response.status_code == 404
