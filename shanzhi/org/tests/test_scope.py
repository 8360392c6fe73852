"""Scope by territory code prefix: each persona sees its own jurisdiction; the outsider (织里镇)
sees nothing of 月河街道, gets the same 404 as for something missing, and changes nothing."""

import pytest

from shanzhi.conftest import DISPATCHER_TOWNSHIP

pytestmark = pytest.mark.django_db

YUEHE_GRID = "330502001001001"  # 月河街道, first village, first grid: households registered


@pytest.mark.parametrize(
    ("persona", "roles", "scope"),
    [
        ("resident", ["resident"], []),
        ("gridworker", ["grid_worker"], ["330502001001"]),
        ("villageclerk", ["village_clerk"], ["330502001001"]),
        ("dispatcher", ["township_dispatcher"], ["330502001"]),
        ("outsider", ["township_dispatcher"], ["330502101"]),
        ("department", ["department_handler"], ["330502"]),
        ("commander", ["district_commander"], ["330502"]),
        ("mediator", ["mediator"], ["330502"]),
        ("leader", ["leader"], ["3305"]),
        ("admin", ["admin"], [""]),
    ],
)
def test_me_names_roles_and_scope_of_every_persona(api_as, persona, roles, scope):
    status, body = api_as(persona).get("/api/v1/me")
    assert status == 200
    assert body["username"] == persona
    assert [m["role"] for m in body["memberships"]] == roles
    assert body["scope"] == scope


def test_outsider_cannot_reach_another_townships_grids_or_households(
    client_as, api_as, table_counts
):
    before = table_counts()
    outsider = client_as("outsider")
    refused = [
        f"/territory/grids/{YUEHE_GRID}/",
        f"/territory/?within={DISPATCHER_TOWNSHIP}",
        f"/api/v1/grids/{YUEHE_GRID}",
        f"/api/v1/grids?within={DISPATCHER_TOWNSHIP}",
        f"/api/v1/households?grid={YUEHE_GRID}",
    ]
    for url in refused:
        assert outsider.get(url).status_code == 404, url
    # The same answer as for a grid that does not exist.
    assert (
        outsider.get("/api/v1/households?grid=330502001001999").json()
        == outsider.get(f"/api/v1/households?grid={YUEHE_GRID}").json()
    )
    # Nothing of 月河街道 in the outsider's own lists and pages.
    _, grids = api_as("outsider").get("/api/v1/grids")
    assert not [f for f in grids["features"] if f["id"].startswith("330502001")]
    page = outsider.get("/territory/").content.decode()
    assert "织里镇" in page and "月河街道" not in page
    assert table_counts() == before


def test_households_are_listed_with_masked_phones(client_as, api_as):
    from shanzhi.org.models import Household

    status, body = api_as("dispatcher").get(f"/api/v1/households?grid={YUEHE_GRID}")
    stored = {h.pk: h.phone for h in Household.objects.filter(grid_id=YUEHE_GRID)}
    assert status == 200 and len(body) == len(stored) >= 12
    for row in body:
        phone = stored[row["id"]]
        assert row["phone"] == phone[:3] + "****" + phone[-4:]
    page = client_as("dispatcher").get(f"/territory/grids/{YUEHE_GRID}/").content.decode()
    assert not [p for p in stored.values() if p in page]
    assert f'data-testid="household-count">{len(stored)}<' in page
    # On a phone the table is a column of cards (app.css .sz-cards), each fact labelled.
    assert 'class="table table-sm mb-0 sz-cards" data-testid="households"' in page
    assert page.count('data-label="户主"') == len(stored)


def test_residents_have_no_staff_pages(client_as):
    resident = client_as("resident")
    assert resident.get("/territory/").status_code == 404
    assert resident.get(f"/territory/grids/{YUEHE_GRID}/").status_code == 404
    home = resident.get("/").content.decode()
    assert "网格地图" not in home and "王秀英" in home


def test_grid_worker_sees_own_village_only(api_as):
    status, body = api_as("gridworker").get("/api/v1/grids")
    assert status == 200
    assert sorted(f["id"] for f in body["features"]) == [
        "330502001001001",
        "330502001001002",
        "330502001001003",
    ]
    status, _ = api_as("gridworker").get("/api/v1/grids/330502001002001")
    assert status == 404
