"""The command centre through its pages: who sees what, bad questions, the numbers on the
dashboard and in the tables against the work orders, the exports."""

import io

import pytest
from openpyxl import load_workbook

from shanzhi.command.services import rollups_fold
from shanzhi.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db
PAGES = [
    "/command/",
    "/command/?partial=1",
    "/command/map.json",
    "/command/kpis/",
    "/command/kpis/?by=region",
    "/command/assessment/",
    "/command/orders/?measure=registered",
    "/command/export/kpis.xlsx",
]


@pytest.mark.parametrize("persona", ["leader", "commander", "dispatcher", "admin"])
def test_the_command_pages_open_for_those_who_lead(client_as, persona):
    client = client_as(persona)
    for url in PAGES:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["gridworker", "department", "resident", "operator"])
def test_others_are_refused(client_as, persona):
    client = client_as(persona)
    for url in PAGES:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("region=999999999999", "不存在"),
        ("unit=999999", "单位不存在"),
        ("unit=abc", "单位不存在"),
        ("category=nope", "事项分类不存在"),
        ("channel=pigeon", "未知的来源渠道"),
        ("period=fortnight", "统计周期"),
        ("period=custom&from=2026-05-01&to=2026-01-01", "结束日期不能早于开始日期"),
        ("period=custom&from=2001-01-01&to=2026-01-01", "不能超过 10 年"),
        ("period=custom&from=1900-01-01&to=2026-01-01", "from 超出允许范围"),
        ("period=month&date=2026-13", "日期格式"),
        ("period=custom&from=2026-01-01", "起止日期"),
        ("by=colour", "分组方式"),
    ],
)
def test_bad_questions_get_a_clear_400(client_as, query, message):
    response = client_as("commander").get(f"/command/kpis/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_territory_outside_the_viewers_scope_is_404(client_as):
    # The 月河街道 dispatcher may not look at 织里镇 (another township of the district).
    client = client_as("dispatcher")
    assert client.get("/command/?region=330502101000").status_code == 404
    assert client.get("/command/kpis/?region=330502101000").status_code == 404
    assert client_as("outsider").get("/command/?region=330502001000").status_code == 404


def test_the_dashboard_counts_match_the_work_orders(client_as):
    rollups_fold()
    client = client_as("commander")
    response = client.get("/command/")
    page = response.content.decode()
    district = WorkOrder.objects.filter(area_code__startswith="330502")
    from django.utils import timezone

    today = timezone.localdate()
    registered_today = sum(
        1 for o in district if timezone.localtime(o.registered_at).date() == today
    )
    assert f'data-testid="today-total">{registered_today}<' in page
    open_now = district.filter(
        state__in=["pending_dispatch", "pending_sign", "handling", "suspended", "pending_verify"]
    )
    assert f'data-testid="open-count">{open_now.count()}<' in page
    assert f'data-testid="overdue-count">{open_now.filter(is_overdue=True).count()}<' in page
    assert "<svg" in page and 'data-testid="trend-chart"' in page


def test_export_of_the_order_list_masks_phones(client_as):
    response = client_as("commander").get("/command/export/orders.xlsx?box=all")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "工单编号"
    phones = [row[-1] for row in rows[1:] if row[-1]]
    assert phones and all("****" in phone for phone in phones)
    assert len(rows) - 1 == WorkOrder.objects.filter(area_code__startswith="330502").count()


def test_the_api_gives_the_same_figures_and_refuses_the_same_things(client_as, api_as):
    rollups_fold()
    api = api_as("commander")
    status, body = api.get("/api/v1/command/kpis?period=month")
    assert status == 200, body
    page = client_as("commander").get("/command/kpis/?period=month").content.decode()
    for kpi in body["kpis"]:
        assert f">{kpi['numerator']}</a> / <a" in page
    assert {row["name"] for row in body["rows"]} >= {"吴兴区住房和城乡建设局"}
    status, body = api.get("/api/v1/command/kpis?period=custom&from=2026-05-01&to=2026-01-01")
    assert status == 400 and body["errors"][0]["field"] == "to"
    status, body = api.get("/api/v1/command/dashboard?region=330502101000")
    assert status == 200 and body["territory_name"] == "织里镇"
    status, body = api_as("dispatcher").get("/api/v1/command/dashboard?region=330502101000")
    assert status == 404
    status, body = api_as("department").get("/api/v1/command/dashboard")
    assert status == 403
    status, body = api.get("/api/v1/command/kpis?by=region")
    assert status == 200 and [r["name"] for r in body["rows"]]


def test_the_map_layer_shows_sensor_alarms_of_the_territory(client_as):
    from shanzhi.interop.models import Alarm

    layer = client_as("commander").get("/command/map.json").json()
    opened = Alarm.objects.filter(opened=True, work_order__area_code__startswith="330502")
    open_ids = {a.work_order_id for a in opened if a.work_order.state in ("pending_dispatch",)}
    assert open_ids and {e["id"] for e in layer["events"]} >= open_ids
    assert all(set(e) >= {"lon", "lat", "code", "title"} for e in layer["events"])
    # 月河街道's dispatcher does not see the alarms of 朝阳街道.
    mine = client_as("dispatcher").get("/command/map.json").json()
    assert not {e["id"] for e in mine["events"]} & open_ids


def test_a_village_dashboard_counts_its_own_orders(client_as):
    from django.utils import timezone

    rollups_fold()
    village = "330502001001"  # 月河街道's first community
    page = client_as("commander").get(f"/command/?region={village}").content.decode()
    today = timezone.localdate()
    expected = sum(
        1
        for o in WorkOrder.objects.filter(area_code__startswith=village)
        if timezone.localtime(o.registered_at).date() == today
    )
    assert expected > 0
    assert f'data-testid="today-total">{expected}<' in page
