"""The proactive API: count, masked list, logged export, tags, a person's tags; staff only."""

import csv
import io

import pytest

from yimen.accounts.models import Role
from yimen.common.testing import assert_masked, client_for
from yimen.proactive.models import SegmentExport
from yimen.registry.models import Person
from yimen.registry.tests.factories import UserFactory


@pytest.fixture
def staff(computed):
    return UserFactory(role=Role.WINDOW_CLERK)


def secrets() -> list[str]:
    rows = Person.objects.values_list("name", "id_number", "phone", "residence_address")
    return [value for row in rows for value in row]


def test_count(staff):
    response = client_for(staff).post(
        "/api/proactive/segments/count",
        {"expression": "80岁及以上 且 独居 且 祖庙街道培德社区"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1 and body["took_ms"] >= 0
    assert body["expression"] == "(tag:age_80_plus AND tag:living_alone AND div:440604012013)"


def test_a_bad_expression_answers_400_with_the_position(staff):
    response = client_for(staff).post(
        "/api/proactive/segments/count", {"expression": "独居 AND (独居"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"expression": ["位置 8：括号没有闭合"]}
    english = client_for(staff).post(
        "/api/proactive/segments/count",
        {"expression": "独居 OR"},
        format="json",
        headers={"Accept-Language": "en"},
    )
    assert english.json()["detail"] == "position 6: incomplete expression: a condition is missing"


def test_list_is_masked_and_paginated(staff):
    response = client_for(staff).get("/api/proactive/segments/list", {"expression": "独居", "page": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 13 and body["pages"] == 1 and len(body["results"]) == 13
    assert body["results"][0]["name"].count("*") >= 1 and "**" in body["results"][0]["id_number"]
    assert_masked(body, secrets())
    assert (
        client_for(staff).get("/api/proactive/segments/list", {"expression": "独居", "page": 3}).status_code
        == 400
    )


def test_export_is_logged_and_masked(staff):
    from yimen.ledger.models import Entry

    response = client_for(staff).post(
        "/api/proactive/segments/export",
        {"expression": "tag:elderly_living_alone", "reason": "2026年独居老人上门探访"},
        format="json",
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["编号", "姓名", "公民身份号码"] and len(rows) == 1 + 3
    assert_masked(rows[1:], secrets())
    export = SegmentExport.objects.get()
    assert (export.actor, export.count, export.reason) == (staff, 3, "2026年独居老人上门探访")
    entry = Entry.objects.get(kind="proactive.segment.export")
    assert export.ledger_index == entry.index and entry.subject == f"proactive.segmentexport:{export.pk}"
    assert response["X-Export-Count"] == "3"


def test_an_unmasked_export_records_a_full_read_of_every_person_listed(staff):
    from yimen.ledger.models import Entry
    from yimen.registry.models import FullRead

    response = client_for(staff).post(
        "/api/proactive/segments/export",
        {"expression": "tag:elderly_living_alone", "reason": "2026年独居老人上门探访", "unmasked": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    listed = {int(r[0]) for r in rows[1:]}
    full = {p.pk: p for p in Person.objects.filter(pk__in=listed)}
    assert len(listed) == 3 and all(r[2] == full[int(r[0])].id_number for r in rows[1:])
    reads = FullRead.objects.filter(actor=staff)
    assert set(reads.values_list("person_id", flat=True)) == listed
    assert {r.reason for r in reads} == {"2026年独居老人上门探访"}
    bulk = Entry.objects.get(kind="registry.person.full_read_bulk")
    assert {r.ledger_index for r in reads} == {bulk.index}
    assert SegmentExport.objects.get().unmasked is True


def test_an_unmasked_export_needs_the_full_read_capability_and_writes_nothing_without(computed):
    from yimen.registry.models import FullRead

    handler = UserFactory(role=Role.DEPARTMENT_HANDLER)  # may view masked persons, not read them in full
    response = client_for(handler).post(
        "/api/proactive/segments/export",
        {"expression": "tag:elderly_living_alone", "reason": "2026年独居老人上门探访", "unmasked": True},
        format="json",
    )
    assert response.status_code == 403
    assert not FullRead.objects.exists() and not SegmentExport.objects.exists()


def test_export_without_a_reason_is_refused_and_logs_nothing(staff):
    response = client_for(staff).post(
        "/api/proactive/segments/export", {"expression": "独居", "reason": "看看"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"reason": ["请填写导出事由（服务项目名称等，至少4个字）"]}
    assert not SegmentExport.objects.exists()


def test_tags_and_a_persons_tags_with_why(staff, computed):
    tags = client_for(staff).get("/api/proactive/tags/").json()
    assert {t["code"]: t["member_count"] for t in tags}["living_alone"] == 13
    response = client_for(staff).get(f"/api/proactive/persons/{computed.p['alone85'].pk}/tags/")
    assert response.status_code == 200
    rows = {r["code"]: r for r in response.json()}
    assert {"age_80_plus", "living_alone", "childless_elderly", "retiree"} <= set(rows)
    assert (
        rows["living_alone"]["why"]["text"] == "户内在世人数 1（要求 = 1）" and rows["living_alone"]["since"]
    )


def test_saved_segments(staff):
    client = client_for(staff)
    created = client.post(
        "/api/proactive/segments/", {"name": "高龄独居", "expression": "80岁及以上 且 独居"}, format="json"
    )
    assert created.status_code == 201 and created.json()["last_count"] == 1
    assert [s["name"] for s in client.get("/api/proactive/segments/").json()] == ["高龄独居"]
    again = client.post("/api/proactive/segments/", {"name": "高龄独居", "expression": "独居"}, format="json")
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/api/proactive/segments/count", {"expression": "独居"}),
        ("get", "/api/proactive/segments/list?expression=独居", None),
        ("post", "/api/proactive/segments/export", {"expression": "独居", "reason": "上门探访服务"}),
        ("get", "/api/proactive/tags/", None),
    ],
)
def test_citizens_and_anonymous_are_refused(computed, method, path, data):
    citizen = UserFactory(role=Role.CITIZEN, person=computed.p["alone85"])
    assert getattr(client_for(citizen), method)(path, data, format="json").status_code == 403
    assert getattr(client_for(None), method)(path, data, format="json").status_code in (401, 403)
    assert not SegmentExport.objects.exists()


def test_a_person_outside_the_staff_scope_is_not_found(computed):
    grid = UserFactory(role=Role.GRID_WORKER, division=computed.places["lanshi"])
    response = client_for(grid).get(f"/api/proactive/persons/{computed.p['alone85'].pk}/tags/")
    assert response.status_code == 404


def test_the_openapi_schema_documents_the_proactive_api(db):
    text = client_for(None).get("/api/schema/").content.decode()
    for path in ("segments/count", "segments/list", "segments/export", "tags/", "persons/{id}/tags/"):
        assert f"/api/proactive/{path}" in text
