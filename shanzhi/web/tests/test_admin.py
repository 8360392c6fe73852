"""The admin, as the county IT administrator uses it: every model has a screen, and saves go
through the services, so they are validated and audited. (The people-and-units screens have
their own tests in org/tests/test_admin.py.)"""

import json

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import RequestFactory

from shanzhi.command.models import KpiRule
from shanzhi.core.admin_mixins import ServiceAdmin
from shanzhi.core.models import ApiToken, AuditEvent
from shanzhi.core.services import api_token_create
from shanzhi.org.models import Unit
from shanzhi.territory.models import Grid, Region

pytestmark = pytest.mark.django_db


def test_every_model_of_shanzhi_has_an_admin_screen():
    ours = [m for m in apps.get_models() if m.__module__.startswith("shanzhi.")]
    assert ours
    missing = [m.__name__ for m in ours if not admin.site.is_registered(m)]
    assert missing == []


def test_every_admin_screen_that_writes_calls_the_services():
    """No screen of ours saves or deletes with Django's own ModelAdmin methods: each is a
    ServiceAdmin with save_model (and delete_model, when it may delete) written with its app's
    services, or it writes nothing at all."""
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username="admin")
    writing_without_services = []
    for model, screen in admin.site._registry.items():
        if not model.__module__.startswith("shanzhi.") and model is not get_user_model():
            continue
        saves = screen.has_add_permission(request) or screen.has_change_permission(request)
        deletes = screen.has_delete_permission(request)
        own = type(screen)
        if (saves or deletes) and not isinstance(screen, ServiceAdmin):
            writing_without_services.append(model.__name__)
        if saves and own.save_model is admin.ModelAdmin.save_model:
            writing_without_services.append(f"{model.__name__}.save_model")
        if deletes and own.delete_model is admin.ModelAdmin.delete_model:
            writing_without_services.append(f"{model.__name__}.delete_model")
    assert writing_without_services == []
    # Roles are memberships: Django's permission groups have no screen to be edited on.
    assert not admin.site.is_registered(Group)


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


def test_a_kpi_rule_whose_full_line_is_worse_is_refused_on_its_field(client_as):
    rule = KpiRule.objects.get(kpi="sign_rate")
    before = (rule.weight, rule.zero_at, rule.full_at)
    events = AuditEvent.objects.count()
    response = client_as("admin").post(
        f"/admin/command/kpirule/{rule.pk}/change/",
        {"kpi": rule.kpi, "weight": "20", "zero_at": "0.90", "full_at": "0.80"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "full_at": ["满分线应比零分线更好（该指标越高越好）"]
    }
    rule.refresh_from_db()
    assert (rule.weight, rule.zero_at, rule.full_at) == before
    assert AuditEvent.objects.count() == events
    response = client_as("admin").post(
        f"/admin/command/kpirule/{rule.pk}/change/",
        {"kpi": rule.kpi, "weight": "20", "zero_at": "0.80", "full_at": "0.95"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.latest("pk")
    assert (event.action, event.after["full_at"]) == ("kpirule.update", "0.95")


def test_tokens_are_renamed_and_revoked_in_the_admin_never_restored(client_as):
    api_token_create(user=get_user_model().objects.get(username="dispatcher"), name="旧名")
    token = ApiToken.objects.latest("pk")
    url = f"/admin/core/apitoken/{token.pk}/change/"
    response = client_as("admin").post(url, {"name": "巡查终端", "revoked": "on"})
    assert response.status_code == 302
    token.refresh_from_db()
    assert (token.name, token.revoked) == ("巡查终端", True)
    actions = list(AuditEvent.objects.order_by("-pk").values_list("action", flat=True)[:2])
    assert actions == ["api_token.revoke", "api_token.rename"]
    response = client_as("admin").post(url, {"name": "巡查终端"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "revoked": ["已吊销的令牌不能恢复，请新建令牌"]
    }
    token.refresh_from_db()
    assert token.revoked
