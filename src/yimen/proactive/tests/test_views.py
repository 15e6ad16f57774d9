"""The staff pages render (Chinese and English) and refuse citizens; the builder's htmx partial."""

import pytest

from yimen.accounts.models import Role
from yimen.proactive.models import SegmentExport
from yimen.registry.tests.factories import UserFactory


@pytest.fixture
def staff_client(client, computed):
    client.force_login(UserFactory(role=Role.APPROVER))
    return client


def test_tag_library(staff_client):
    html = staff_client.get("/proactive/tags/").content.decode()
    assert "标签库" in html and "独居老人" in html and "household_size: 1" in html
    english = staff_client.get("/proactive/tags/", headers={"Accept-Language": "en"}).content.decode()
    assert "Tag library" in english


def test_person_tags_page_explains(staff_client, computed):
    alone = computed.p["alone85"]
    html = staff_client.get(f"/proactive/persons/{alone.pk}/tags/").content.decode()
    assert "80岁及以上" in html and "户内在世人数 1（要求 = 1）" in html
    assert f"{alone.birth_date.year}-**-** → 85岁 ≥ 80" in html
    assert alone.name not in html and alone.id_number not in html


def test_segment_builder_and_live_count(staff_client):
    page = staff_client.get("/proactive/segments/", {"expression": "80岁及以上 且 独居"}).content.decode()
    assert 'hx-post="/proactive/segments/result/"' in page and "<strong>1</strong>" in page
    partial = staff_client.post(
        "/proactive/segments/result/", {"expression": "60岁及以上 且 独居"}, headers={"HX-Request": "true"}
    )
    html = partial.content.decode()
    assert partial.status_code == 200 and "<strong>3</strong>" in html and "<html" not in html
    error = staff_client.post("/proactive/segments/result/", {"expression": "独居 且 (独居"}).content.decode()
    assert "位置 6：括号没有闭合" in error


def test_export_from_the_page_needs_a_reason(staff_client):
    refused = staff_client.post("/proactive/segments/export/", {"expression": "独居", "reason": ""})
    assert refused.status_code == 302 and not SegmentExport.objects.exists()
    done = staff_client.post(
        "/proactive/segments/export/", {"expression": "独居", "reason": "独居人员安全检查"}
    )
    assert done.status_code == 200 and done["Content-Type"].startswith("text/csv")
    assert b"".join(done.streaming_content).decode("utf-8-sig").count("\n") == 14
    assert SegmentExport.objects.get().count == 13


def test_save_and_reopen_a_segment(staff_client):
    response = staff_client.post("/proactive/segments/save/", {"name": "独居人员", "expression": "独居"})
    assert response.status_code == 302
    html = staff_client.get(response["Location"]).content.decode()
    assert "独居人员" in html and "<strong>13</strong>" in html


@pytest.mark.parametrize("path", ["/proactive/tags/", "/proactive/segments/", "/proactive/segments/result/"])
def test_citizens_are_refused(client, computed, path):
    client.force_login(UserFactory(role=Role.CITIZEN))
    assert client.get(path).status_code == 403
    client.logout()
    assert client.get(path).status_code == 302  # to the login page


def test_a_citizen_cannot_see_tags_even_their_own(client, computed):
    alone = computed.p["alone85"]
    client.force_login(UserFactory(role=Role.CITIZEN, person=alone))
    assert client.get(f"/proactive/persons/{alone.pk}/tags/").status_code == 403
