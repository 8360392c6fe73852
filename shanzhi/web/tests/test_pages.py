"""Signing in, the workbench and the map page, as a person in a browser would use them."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from shanzhi.core.services import audit_record

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_and_refuses_a_wrong_password(client):
    from shanzhi.conftest import DEMO_PASSWORD

    page = client.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    login = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in login and "登录" in login and "密码" in login
    wrong = client.post("/accounts/login/", {"username": "dispatcher", "password": "nope"})
    assert wrong.status_code == 200 and "用户名或密码不正确" in wrong.content.decode()
    right = client.post("/accounts/login/", {"username": "dispatcher", "password": DEMO_PASSWORD})
    assert (right.status_code, right["Location"]) == (302, "/")
    home = client.get("/").content.decode()
    assert "张伟" in home and "月河街道综合指挥室" in home and "乡镇分拨员" in home


def test_dispatcher_map_shows_the_township_and_its_villages(client_as):
    page = client_as("dispatcher").get("/territory/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<title>网格地图 · 月河街道" in html
    assert "15 个网格" in html
    assert html.count('<li class="list-group-item py-2"><a href="?within=3305020010') == 5
    assert "/static/vendor/leaflet/leaflet.js" in html and "cdn" not in html.lower()
    assert '"gridsUrl": "/api/v1/grids?within=330502001000"' in html


def test_map_page_drills_down_and_refuses_foreign_codes(client_as):
    commander = client_as("commander")
    html = commander.get("/territory/?within=330502101000").content.decode()
    assert "织里镇" in html and "15 个网格" in html
    assert commander.get("/territory/?within=330503000000").status_code == 404  # 南浔区
    assert commander.get("/territory/?within=nonsense").status_code == 404


def test_grid_page_lists_staff(client_as):
    html = client_as("villageclerk").get("/territory/grids/330502001001002/").content.decode()
    assert "陈丽华" in html and "网格长" in html and "专职网格员" in html


def test_static_assets_are_served_by_the_application(client):
    for path in [
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/bootstrap/css/bootstrap.min.css",
        "/static/territory/map.js",
        "/static/web/app.css",
        "/static/web/favicon.svg",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 100


def test_every_page_names_the_favicon(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml">' in page


def test_healthz_reports_the_database_and_the_workers(client):
    from shanzhi.command.services import rollups_fold
    from shanzhi.core.worker import heartbeat

    rollups_fold()
    assert client.get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "workers": {"alive": 0, "last_beat_seconds": None},
        "fold": {"lag_events": 0, "lag_seconds": 0.0},
    }
    heartbeat("host-1-abc", now=timezone.now() - datetime.timedelta(seconds=3))
    heartbeat("host-2-def", now=timezone.now() - datetime.timedelta(minutes=5))  # lost
    workers = client.get("/healthz").json()["workers"]
    assert workers["alive"] == 1 and 3 <= workers["last_beat_seconds"] < 10
    # Work orders changed three minutes ago and not folded since: the figures are behind.
    from shanzhi.core.models import AuditEvent
    from shanzhi.workorders.models import WorkOrder

    order = WorkOrder.objects.order_by("pk").first()
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=3), tick=False):
        audit_record(actor="test", action="test", object_type="workorder", object_id=str(order.pk))
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert health.json()["fold"]["lag_events"] == 1
    assert 175 <= health.json()["fold"]["lag_seconds"] <= 200
    assert AuditEvent.objects.count() > 0
    with mock.patch("shanzhi.web.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {"status": "error", "database": "unreachable"}


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_outage_is_a_503_that_says_when_to_retry(client_as, client, error):
    """A restart or fail-over of the database is not the request's fault: pages, the API and
    Open311 answer 503 with Retry-After (in their own formats), never a 500."""
    outage = error("connection to server at 127.0.0.1, port 5432 failed: Connection refused")
    client.raise_request_exception = False
    staff = client_as("dispatcher")
    staff.raise_request_exception = False
    with mock.patch("shanzhi.web.views.user_scope", side_effect=outage):
        page = staff.get("/")
    assert page.status_code == 503 and page["Retry-After"] == "10"
    assert "系统暂时无法访问" in page.content.decode()
    assert "connection to server" not in page.content.decode()

    with mock.patch("shanzhi.territory.selectors.outlines_within", side_effect=outage):
        api = client.get("/api/v1/public/outlines")
    assert api.status_code == 503 and api["Retry-After"] == "10"
    assert api.json() == {"detail": "数据库暂时无法访问，请稍后重试。", "errors": []}

    with mock.patch("shanzhi.interop.selectors.services_list", side_effect=outage):
        open311 = client.get("/open311/v2/services.json")
    assert open311.status_code == 503 and open311["Retry-After"] == "10"
    assert open311.json() == [{"code": 503, "description": "数据库暂时无法访问，请稍后重试。"}]


def test_navigation_follows_roles(client_as):
    dispatcher = client_as("dispatcher").get("/").content.decode()
    assert 'href="/territory/"' in dispatcher and 'href="/admin/"' not in dispatcher
    admin = client_as("admin").get("/").content.decode()
    assert 'href="/territory/"' in admin and 'href="/admin/"' in admin


def test_user_text_is_rendered_inert(client_as):
    from shanzhi.org.models import Household

    Household.objects.filter(grid_id="330502001001001").update(
        head_name="<script>alert(1)</script>", address='=HYPERLINK("http://x")'
    )
    html = client_as("dispatcher").get("/territory/grids/330502001001001/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_api_docs_load_nothing_from_outside(client_as):
    import re

    html = client_as("dispatcher").get("/api/v1/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/static/") for a in assets)


def test_pages_are_chinese_unless_english_is_chosen(client_as):
    client = client_as("dispatcher")
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html and "工作台" in html
    assert ">简体中文</button>" in html and ">English</button>" in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert 'lang="en"' in html and "Workbench" in html and "Township dispatcher" in html
