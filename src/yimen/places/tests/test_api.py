import pytest
from rest_framework.test import APIClient

from yimen.places import selectors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference")]

BASE = "/api/places"


@pytest.fixture
def client():
    return APIClient()  # anonymous: divisions and departments are public


def test_list_streets(client):
    response = client.get(f"{BASE}/divisions/", {"level": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [d["code"] for d in body["results"]] == ["440604010", "440604011", "440604012", "440604100"]
    assert body["results"][2] | {"centroid": None} == {
        "code": "440604012",
        "name": "祖庙街道",
        "short_name": "祖庙街道",
        "level": 2,
        "level_label": "镇街",
        "parent": "440604",
        "path": "/440604/440604012/",
        "centroid": None,
    }


def test_filter_by_parent_within_and_name(client):
    areas = client.get(f"{BASE}/divisions/", {"parent": "440604012"}).json()
    assert areas["count"] == selectors.areas("440604012").count()
    assert all(d["level"] == 3 for d in areas["results"])
    villages = client.get(f"{BASE}/divisions/", {"within": "440604", "level": 4, "limit": 1}).json()
    assert villages["count"] == 147
    found = client.get(f"{BASE}/divisions/", {"q": "澜石", "level": 4}).json()
    assert [d["name"] for d in found["results"]] == ["澜石社区居委会"]


def test_bad_filters_are_400_or_404(client):
    assert client.get(f"{BASE}/divisions/", {"level": 9}).status_code == 400
    response = client.get(f"{BASE}/divisions/", {"parent": "999"})
    assert response.status_code == 404
    assert response.json()["errors"] == {"parent": ["未找到区划 999"]}


def test_detail_has_ancestors_and_children(client):
    village = selectors.division_by_code("440604010001")
    response = client.get(f"{BASE}/divisions/440604010001/")
    assert response.status_code == 200
    body = response.json()
    assert [a["code"] for a in body["ancestors"]] == ["440604", "440604010", village.parent.code]
    assert body["parent"] == village.parent.code
    assert [c["code"] for c in body["children"]] == list(village.children.values_list("code", flat=True))
    assert body["children"][0]["name"] == "澜石社区第1网格"
    assert client.get(f"{BASE}/divisions/000000/").status_code == 404


def test_geojson_of_a_street_has_its_areas_and_a_grid_has_itself(client):
    response = client.get(f"{BASE}/divisions/440604012/geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert {f["id"] for f in body["features"]} == set(
        selectors.areas("440604012").values_list("code", flat=True)
    )
    ring = body["features"][0]["geometry"]["coordinates"][0]
    lng, lat = ring[0]
    assert 113.0 < lng < 113.2 and 22.9 < lat < 23.1  # GeoJSON order: lng, lat
    assert ring[0] == ring[-1]

    grid = selectors.grids().first()
    own = client.get(f"{BASE}/divisions/{grid.code}/geojson").json()
    assert [f["id"] for f in own["features"]] == [grid.code]
    assert own["features"][0]["properties"]["parent"] == grid.parent.code


def test_grids_geojson_by_village_and_street(client):
    village = selectors.division_by_code("440604012061")
    by_village = client.get(f"{BASE}/grids.geojson", {"village": village.code}).json()
    assert [f["id"] for f in by_village["features"]] == list(village.children.values_list("code", flat=True))
    by_street = client.get(f"{BASE}/grids.geojson", {"street": "440604100"}).json()
    assert len(by_street["features"]) == selectors.grids(selectors.division_by_code("440604100")).count()
    assert all(f["id"].startswith("440604100") for f in by_street["features"])


def test_grids_geojson_refuses_ambiguous_or_wrong_level_filters(client):
    assert (
        client.get(f"{BASE}/grids.geojson", {"village": "440604012061", "street": "440604012"}).status_code
        == 400
    )
    wrong_level = client.get(f"{BASE}/grids.geojson", {"village": "440604012"})
    assert wrong_level.status_code == 404 and "village" in wrong_level.json()["errors"]


def test_locate(client):
    response = client.get(f"{BASE}/locate", {"lat": 23.03, "lng": 113.11})
    assert response.status_code == 200
    body = response.json()
    assert body["street"]["code"] == "440604012"
    assert body["grid"]["code"].startswith(body["village"]["code"])
    assert body["area"]["code"].startswith("440604012P")


def test_locate_outside_or_malformed_is_400_with_a_field_message(client):
    outside = client.get(f"{BASE}/locate", {"lat": 23.2, "lng": 113.5})
    assert outside.status_code == 400
    assert outside.json()["errors"] == {"location": ["该位置不在禅城区范围内"]}
    malformed = client.get(f"{BASE}/locate", {"lat": "abc", "lng": 113.1})
    assert malformed.status_code == 400 and "lat" in malformed.json()["errors"]
    missing = client.get(f"{BASE}/locate", {"lat": 23.03})
    assert missing.status_code == 400 and "lng" in missing.json()["errors"]


def test_departments(client):
    body = client.get(f"{BASE}/departments/").json()
    assert body["count"] == 27
    offices = client.get(f"{BASE}/departments/", {"kind": "street_office"}).json()
    assert [d["code"] for d in offices["results"]] == [
        "JD440604010",
        "JD440604011",
        "JD440604012",
        "JD440604100",
    ]
    swj = client.get(f"{BASE}/departments/SWJ/").json()
    assert swj | {"phone": ""} == {
        "code": "SWJ",
        "name": "国家税务总局佛山市禅城区税务局",
        "kind": "district",
        "kind_label": "区直部门",
        "division": "440604",
        "division_name": "禅城区",
        "phone": "",
        "address": "",
    }
    assert client.get(f"{BASE}/departments/NOPE/").status_code == 404
    assert client.get(f"{BASE}/departments/", {"kind": "other"}).status_code == 400


def test_read_only(client):
    assert client.post(f"{BASE}/divisions/", {"code": "1"}).status_code == 405
    assert client.post(f"{BASE}/departments/", {}).status_code == 405


def test_schema_documents_the_parameters(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]

    def params(path):
        return {p["name"] for p in paths[path]["get"].get("parameters", [])}

    assert {"lat", "lng"} <= params(f"{BASE}/locate")
    assert {"level", "parent", "within", "q"} <= params(f"{BASE}/divisions/")
    assert {"village", "area", "street"} <= params(f"{BASE}/grids.geojson")
    assert "kind" in params(f"{BASE}/departments/")
