"""The admin, as the county IT administrator uses it: every model has a screen, and saves go
through the services, so they are validated and audited."""

import json

import pytest
from django.apps import apps
from django.contrib import admin

from shanzhi.core.models import AuditEvent
from shanzhi.org.models import Unit
from shanzhi.territory.models import Grid, Region

pytestmark = pytest.mark.django_db


def test_every_model_of_shanzhi_has_an_admin_screen():
    ours = [m for m in apps.get_models() if m.__module__.startswith("shanzhi.")]
    assert ours
    missing = [m.__name__ for m in ours if not admin.site.is_registered(m)]
    assert missing == []


def test_every_admin_list_opens(client_as):
    client = client_as("admin")
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url


def test_administrator_adds_a_village_through_the_region_screen(client_as):
    response = client_as("admin").post(
        "/admin/territory/region/add/",
        {"code": "330502001099", "name": "新建村", "lon": "120.1", "lat": "30.8"},
    )
    assert response.status_code == 302
    village = Region.objects.get(code="330502001099")
    assert (village.level, village.parent_id) == ("village", "330502001000")
    event = AuditEvent.objects.latest("pk")
    assert (event.action, event.object_id, event.actor.username) == (
        "region.create",
        "330502001099",
        "admin",
    )


def test_a_village_without_its_township_is_refused(client_as, table_counts):
    before = table_counts()
    response = client_as("admin").post(
        "/admin/territory/region/add/", {"code": "330502555001", "name": "孤村"}
    )
    assert response.status_code == 200
    assert "上级区划不存在：请先建立 330502555000" in response.content.decode()
    assert table_counts() == before


def test_a_grid_drawn_over_another_is_refused_in_the_admin(client_as, table_counts):
    existing = Grid.objects.get(code="330502001001001")
    before = table_counts()
    response = client_as("admin").post(
        "/admin/territory/grid/add/",
        {"code": "330502001001099", "name": "重叠网格", "geometry": json.dumps(existing.geometry)},
    )
    assert response.status_code == 200
    assert "与已有网格 330502001001001重叠 100.0%" in response.content.decode()
    assert table_counts() == before


def test_renaming_a_grid_in_the_admin_is_audited(client_as):
    grid = Grid.objects.get(code="330502001001001")
    response = client_as("admin").post(
        f"/admin/territory/grid/{grid.code}/change/",
        {"name": "碧浪一网格", "geometry": json.dumps(grid.geometry)},
    )
    assert response.status_code == 302
    assert Grid.objects.get(code=grid.code).name == "碧浪一网格"
    event = AuditEvent.objects.latest("pk")
    assert (event.action, event.before["name"], event.after["name"]) == (
        "grid.update",
        grid.name,
        "碧浪一网格",
    )


def test_editing_a_unit_records_what_changed(client_as):
    unit = Unit.objects.get(name="月河街道综合指挥室")
    response = client_as("admin").post(
        f"/admin/org/unit/{unit.pk}/change/",
        {
            "name": unit.name,
            "kind": unit.kind,
            "region": unit.region_id,
            "parent": unit.parent_id,
            "phone": "0572-2345678",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.latest("pk")
    assert (event.action, event.before, event.after) == (
        "unit.update",
        {"phone": ""},
        {"phone": "0572-2345678"},
    )
