"""Portal pages with Django's test client (the browser journeys are in e2e/)."""

import pytest
from django.test import Client

from yimen.catalog.tests.factories import department_all
from yimen.common.masking import mask_id_number
from yimen.registry.models import FullRead
from yimen.registry.tests.factories import PersonFactory, UserFactory, chancheng

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample_catalog(db):
    from yimen.catalog.services import catalog_load_sample

    department_all()
    catalog_load_sample()


def test_home_lists_the_eight_life_stages_and_themes(client: Client, sample_catalog):
    body = client.get("/").content.decode()
    for stage in ["出生", "入学", "就业", "婚育", "置业", "退休", "养老", "身后"]:
        assert f"<h3>{stage}</h3>" in body
    assert "我要开餐馆" in body


def test_a_life_stage_page_is_headed_by_its_name_in_the_active_language(client: Client, sample_catalog):
    assert "<h1>养老</h1>" in client.get("/stages/elderly_care/").content.decode()
    english = client.get("/stages/elderly_care/", headers={"accept-language": "en"}).content.decode()
    assert "<h1>Elderly care</h1>" in english


def test_search_returns_a_fragment_for_htmx_and_a_page_without(client: Client, sample_catalog):
    fragment = client.get("/search/", {"q": "优待证"}, headers={"HX-Request": "true"}).content.decode()
    assert "老年人优待证" in fragment and "<html" not in fragment
    page = client.get("/search/", {"q": "优待证"}).content.decode()
    assert "老年人优待证" in page and "<html" in page
    nothing = client.get("/search/", {"q": "火星移民"}).content.decode()
    assert "没有找到" in nothing


def test_item_guide_and_unknown_item(client: Client, sample_catalog):
    from yimen.catalog import selectors

    code = selectors.items_search("老年人优待证", limit=1)[0].item.implementation_code
    body = client.get(f"/items/{code}/").content.decode()
    assert "申请材料" in body and "居民身份证" in body and "承诺办结时限" in body
    assert client.get("/items/NO-SUCH-ITEM/").status_code == 404


def test_theme_page_shows_the_merge(client: Client, sample_catalog):
    body = client.get("/themes/").content.decode()
    assert "我要开餐馆" in body
    from yimen.catalog import selectors

    code = next(t.code for t in selectors.themes() if t.name == "我要开餐馆")
    detail = client.get(f"/themes/{code}/").content.decode()
    assert "合并后的材料清单" in detail and "只交一次" in detail


def test_workbench_needs_a_staff_login(client: Client):
    response = client.get("/workbench/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    citizen = UserFactory()
    client.force_login(citizen)
    assert client.get("/workbench/").status_code == 403


def test_clerk_identifies_a_resident_masked_then_reveals_with_a_reason(client: Client):
    from yimen.accounts.models import Role

    places = chancheng()
    person = PersonFactory(residence_division=places["peide"])
    clerk = UserFactory(role=Role.WINDOW_CLERK)
    client.force_login(clerk)
    assert client.get("/workbench/").status_code == 200
    page = client.get("/workbench/registry/", {"id_number": person.id_number}).content.decode()
    assert mask_id_number(person.id_number) in page
    assert person.phone not in page
    revealed = client.post(
        "/workbench/registry/",
        {
            "id_number": person.id_number,
            "fields": ["phone"],
            "reason": "窗口受理核对身份",
            "reveal": "1",
        },
    ).content.decode()
    assert person.phone in revealed
    assert FullRead.objects.filter(person=person, actor=clerk).count() == 1
    refused = client.post(
        "/workbench/registry/",
        {
            "id_number": person.id_number,
            "fields": ["phone"],
            "reason": "",
            "reveal": "1",
        },
    ).content.decode()
    assert "查阅事由" in refused and FullRead.objects.count() == 1


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    """Every enum has a meaningful name and every view a schema: drf-spectacular's warnings fail this."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "SensorReadingResultEnum:" in (tmp_path / "schema.yaml").read_text()


def test_api_schema_and_docs_are_served(client: Client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    assert b"/api/registry/persons/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_language_switch_to_english(client: Client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert b'lang="en"' in response.content


def test_the_guide_of_an_online_item_links_to_the_online_application(client: Client, sample_catalog):
    from yimen.catalog.models import ItemVersion

    online = ItemVersion.objects.filter(status="published", online_depth=4).select_related("item").first()
    code = online.item.implementation_code
    body = client.get(f"/items/{code}/").content.decode()
    assert f'href="/cases/apply/{code}/"' in body and "在线申请" in body
    offline = (
        ItemVersion.objects.filter(status="published", online_depth__lte=2).select_related("item").first()
    )
    assert "/cases/apply/" not in client.get(f"/items/{offline.item.implementation_code}/").content.decode()


def test_signing_in_takes_staff_to_the_workbench_and_citizens_to_the_portal(client: Client):
    from yimen.accounts.models import Role

    UserFactory(username="citizen_login")
    UserFactory(username="clerk_login", role=Role.WINDOW_CLERK)
    r = client.post("/accounts/login/", {"username": "citizen_login", "password": "pw"})
    assert r.status_code == 302 and r["Location"] == "/"
    client.logout()
    r = client.post("/accounts/login/", {"username": "clerk_login", "password": "pw"})
    assert r.status_code == 302 and r["Location"] == "/workbench/"
    client.logout()
    r = client.post("/accounts/login/?next=/notify/", {"username": "citizen_login", "password": "pw"})
    assert r["Location"] == "/notify/"
