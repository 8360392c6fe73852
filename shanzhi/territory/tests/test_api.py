"""Regions, grids and locate through the API, as the pages and clients use them."""

import pytest
import shapely
from shapely.geometry import shape

from shanzhi.conftest import DISPATCHER_TOWNSHIP, DISTRICT
from shanzhi.territory.models import Grid

pytestmark = pytest.mark.django_db


def inside(code: str) -> tuple[float, float]:
    point = shape(Grid.objects.get(code=code).geometry).representative_point()
    return point.x, point.y


def test_locate_returns_the_grid_and_every_region_above_it(api_as):
    lon, lat = inside("330502001001002")
    status, body = api_as("resident").get(f"/api/v1/grids/locate?lon={lon}&lat={lat}")
    assert status == 200
    assert body["found"] is True
    assert body["grid"]["code"] == "330502001001002"
    assert [(r["code"], r["level"]) for r in body["regions"]] == [
        ("330502001001", "village"),
        ("330502001000", "township"),
        ("330502000000", "county"),
        ("330500000000", "city"),
        ("330000000000", "province"),
    ]
    assert [r["name"] for r in body["regions"][1:]] == ["月河街道", "吴兴区", "湖州市", "浙江省"]


def test_a_point_in_no_grid_is_not_an_error(api_as):
    status, body = api_as("dispatcher").get("/api/v1/grids/locate?lon=116.39&lat=39.9")
    assert (status, body) == (200, {"found": False, "grid": None, "regions": []})


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lon=181&lat=30", "lon"),
        ("lon=120&lat=-91", "lat"),
        ("lon=abc&lat=30", "lon"),
        ("lat=30", "lon"),
        ("lon=120", "lat"),
        ("lon=nan&lat=30", "lon"),
    ],
)
def test_bad_coordinates_name_the_field(api_as, query, field):
    status, body = api_as("dispatcher").get(f"/api/v1/grids/locate?{query}")
    assert status == 422
    assert [e["field"] for e in body["errors"]] == [field]
    assert field in body["detail"]


def test_english_error_messages_are_available(client_as):
    response = client_as("dispatcher").get(
        "/api/v1/grids/locate?lon=181&lat=30", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "Value too large"


def test_regions_lists_children_and_rejects_unknown_codes(api_as):
    status, body = api_as("dispatcher").get(f"/api/v1/regions?parent={DISTRICT}")
    assert status == 200
    assert [(r["code"], r["name"]) for r in body] == [
        ("330502001000", "月河街道"),
        ("330502002000", "朝阳街道"),
        ("330502101000", "织里镇"),
    ]
    status, body = api_as("dispatcher").get("/api/v1/regions?parent=990000000000")
    assert status == 400
    assert body["errors"] == [{"field": "parent", "message": "区划代码 990000000000 不存在"}]
    status, body = api_as("dispatcher").get("/api/v1/regions")
    assert status == 200 and len(body) == 34  # provinces and equivalents
    assert {"code": "330000000000", "name": "浙江省"}.items() <= next(
        r for r in body if r["code"] == "330000000000"
    ).items()


@pytest.mark.parametrize(
    ("persona", "count", "prefix"),
    [
        ("dispatcher", 15, "330502001"),
        ("outsider", 15, "330502101"),
        ("villageclerk", 3, "330502001001"),
        ("commander", 45, "330502"),
        ("department", 45, "330502"),
        ("leader", 225, "3305"),
        ("admin", 225, "3305"),
        ("resident", 0, None),
    ],
)
def test_grids_are_scoped_to_the_viewer(api_as, persona, count, prefix):
    status, body = api_as(persona).get("/api/v1/grids")
    assert status == 200 and body["type"] == "FeatureCollection"
    codes = [f["id"] for f in body["features"]]
    assert len(codes) == count
    assert all(code.startswith(prefix) for code in codes)


def test_grids_within_a_region(api_as):
    status, body = api_as("commander").get(f"/api/v1/grids?within={DISPATCHER_TOWNSHIP}")
    assert status == 200 and len(body["features"]) == 15
    feature = body["features"][0]
    assert feature["properties"]["village_code"] == feature["id"][:12]
    assert shapely.geometry.shape(feature["geometry"]).is_valid
    status, body = api_as("dispatcher").get("/api/v1/grids?within=330502001001")
    assert status == 200 and len(body["features"]) == 3
    status, body = api_as("dispatcher").get("/api/v1/grids?within=12345")
    assert status == 400 and body["errors"][0]["field"] == "within"


def test_another_townships_grids_are_not_found(api_as):
    status, body = api_as("outsider").get(f"/api/v1/grids?within={DISPATCHER_TOWNSHIP}")
    assert status == 404
    status, _ = api_as("outsider").get("/api/v1/grids/330502001001001")
    assert status == 404
    # … exactly as a grid that does not exist at all.
    status, body_missing = api_as("outsider").get("/api/v1/grids/330502101299009")
    assert (status, body_missing) == (404, body)


def test_grid_detail_lists_staff_and_counts(api_as):
    status, body = api_as("dispatcher").get("/api/v1/grids/330502001001001")
    assert status == 200
    assert body["code"] == "330502001001001"
    assert {(s["username"], s["duty"]) for s in body["staff"]} == {
        ("gridworker", "full_time"),
        ("villageclerk", "leader"),
    }
    assert body["households"] >= 12 and body["party_members"] >= 1


def test_the_api_needs_a_session_or_a_token(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["detail"] == "需要登录或有效的 API 令牌"
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer sz_not-a-real-token")
    assert response.status_code == 401
