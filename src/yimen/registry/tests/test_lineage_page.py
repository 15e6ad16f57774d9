"""The staff lineage page (数据血缘): for each field of a person, the masked current value, its source,
department, source record, extract date and load time; reached from the registry lookup; staff only."""

import datetime as dt

import pytest
from django.test import Client

from yimen.registry import services
from yimen.registry.fusion_load import fused_load
from yimen.registry.models import Person
from yimen.registry.tests.factories import PersonFactory
from yimen.registry.tests.fused import person, write_output
from yimen.registry.tests.test_fusion_load import CHEN, chen

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(places, tmp_path) -> Person:
    out = write_output(
        tmp_path / "o",
        [
            person(
                chen(),
                record_id="GA-0001",
                as_of=dt.date(2026, 6, 30),
                provenance={"phone": ("hrss_insured", "SB-77", dt.date(2026, 5, 31))},
                conflicts=[
                    {
                        "field": "phone",
                        "value": "13900000000",
                        "source": "police_hukou",
                        "record_id": "GA-0001",
                    }
                ],
            )
        ],
    )
    fused_load(out_dir=out)
    return Person.objects.get(id_number=CHEN)


def page_for(user, path: str, **headers):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(path, headers=headers)


def test_staff_see_where_each_value_came_from_masked(loaded, staff):
    response = page_for(staff["clerk"], f"/workbench/registry/persons/{loaded.pk}/lineage/")
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "数据血缘",
        "公安局",
        "GA-0001",
        "人力资源和社会保障局",
        "SB-77",
        "2026-05-31",
        "2026-06-30",
    ):
        assert text in body, text
    assert "hrss_insured" in body and "1 个冲突值" in body
    assert "138****8000" in body and "陈*文" in body and "1985-**-**" in body and "培德社区" in body
    for secret in ("13800138000", "陈大文", CHEN, "福宁路12号", "13900000000"):
        assert secret not in body, secret


def test_the_lookup_page_links_to_it(loaded, staff):
    client = Client()
    client.force_login(staff["clerk"])
    body = client.get("/workbench/registry/", {"id_number": CHEN}).content.decode()
    assert f'href="/workbench/registry/persons/{loaded.pk}/lineage/"' in body


def test_a_value_a_case_changed_later_is_marked_and_the_case_listed(loaded, staff):
    services.person_settle(
        person=loaded,
        fields={"phone": "13611112222"},
        source="cases.case:9",
        source_label="44060420260101000009",
        actor=staff["clerk"],
    )
    body = page_for(staff["clerk"], f"/workbench/registry/persons/{loaded.pk}/lineage/").content.decode()
    assert "136****2222" in body and "加载后已更新" in body and "44060420260101000009" in body
    assert "13611112222" not in body


def test_a_person_never_loaded_shows_no_sources(places, staff):
    someone = PersonFactory(residence_division=places["peide"])
    body = page_for(staff["clerk"], f"/workbench/registry/persons/{someone.pk}/lineage/").content.decode()
    assert body.count("未经融合库加载") == 7


def test_refused_to_non_staff_and_outside_scope(loaded, staff, places):
    path = f"/workbench/registry/persons/{loaded.pk}/lineage/"
    assert page_for(staff["citizen"], path).status_code == 403
    assert page_for(None, path).status_code == 302  # to the sign-in page
    assert page_for(staff["grid_zumiao"], path).status_code == 200  # 培德 lies in 祖庙
    outside = PersonFactory(residence_division=places["lanshi"])
    lanshi = f"/workbench/registry/persons/{outside.pk}/lineage/"
    assert page_for(staff["grid_zumiao"], lanshi).status_code == 404
    assert page_for(staff["clerk"], "/workbench/registry/persons/999999/lineage/").status_code == 404


def test_english(loaded, staff):
    body = page_for(
        staff["clerk"], f"/workbench/registry/persons/{loaded.pk}/lineage/", **{"Accept-Language": "en"}
    ).content.decode()
    assert "Data lineage" in body and "Source department" in body and "1 conflicting value" in body
    assert "数据血缘" not in body
