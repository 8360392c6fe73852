"""按时办结率 early in the month (issue #11 item 13): "due in the period" means the deadline fell
within the period and before today. On 2 December an order due on the 23rd is not yet due, and
neither is one due at 15:00 today; November's figures are whole."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shanzhi.command.selectors import Scope, figures, kpis_of, orders_behind, parse_period
from shanzhi.command.services import rollups_fold
from shanzhi.org.models import Unit
from shanzhi.workorders import services
from shanzhi.workorders.models import WorkOrder
from shanzhi.workorders.tests.helpers import ROAD_DAMAGE, point_in

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=TZ)


def order(operator, housing, *, deadline, replied=None):
    lon, lat = point_in()
    with time_machine.travel(at(2026, 11, 20, 9, 0), tick=False):
        appeal = services.appeal_register(
            actor=operator,
            data=services.AppealInput(
                channel="hotline",
                nature="complaint",
                category_code=ROAD_DAMAGE,
                content="路灯不亮",
                lon=lon,
                lat=lat,
                appellant_phone="13800000000",
            ),
        ).appeal
    # The deadline and the reply are set on the row: the cohort rules read only these fields.
    WorkOrder.objects.filter(pk=appeal.work_order_id).update(
        lead_unit=housing, handle_deadline=deadline, replied_at=replied
    )
    return appeal.work_order_id


@pytest.fixture
def orders(user_named):
    operator = user_named("operator")
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    made = {
        "nov": order(operator, housing, deadline=at(2026, 11, 30, 18), replied=at(2026, 11, 29, 9)),
        "dec1_on_time": order(
            operator, housing, deadline=at(2026, 12, 1, 23, 59), replied=at(2026, 12, 1, 10)
        ),
        "dec1_late": order(operator, housing, deadline=at(2026, 12, 1, 23, 59)),
        "today": order(operator, housing, deadline=at(2026, 12, 2, 15)),
        "dec23": order(operator, housing, deadline=at(2026, 12, 23, 23, 59)),
    }
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=False):
        rollups_fold()
    return made, housing


def test_on_the_second_only_the_orders_due_before_today_are_due(orders):
    made, housing = orders
    scope = Scope(region=None, unit=housing)
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=False):
        december = parse_period({"period": "month", "date": "2026-12"})
        values = figures(scope, december)[()]
        previous = figures(scope, december.previous())[()]
        behind = set(orders_behind(scope, december, "due").values_list("pk", flat=True))
        on_time_behind = set(orders_behind(scope, december, "on_time").values_list("pk", flat=True))
        today = figures(scope, parse_period({"period": "day", "date": "2026-12-02"}))[()]
    assert values["due"] == 2  # 1 December's two; not today's, not the 23rd's
    assert values["on_time"] == 1 and values["due_replied"] == 1
    assert behind == {made["dec1_on_time"], made["dec1_late"]}
    assert on_time_behind == {made["dec1_on_time"]}
    assert today["due"] == 0
    kpis = {k.key: k for k in kpis_of(values, previous)}
    assert (kpis["on_time_rate"].numerator, kpis["on_time_rate"].denominator) == (1, 2)
    assert kpis["on_time_rate"].rate == 0.5
    assert kpis["on_time_rate"].previous == 1.0  # November: one order due, replied in time
    assert previous["due"] == 1 and previous["on_time"] == 1
    # Measures of other days are not held back: December's reply counts at once.
    assert values["replied"] == 1

    # A day later the order due at 15:00 on the 2nd is due (and late), the 23rd's still not.
    with time_machine.travel(at(2026, 12, 3, 9, 0), tick=False):
        values = figures(scope, parse_period({"period": "month", "date": "2026-12"}))[()]
    assert (values["on_time"], values["due"]) == (1, 3)

    # Once December is over, all four of its orders are due (with the demo's own orders of
    # this month, whose deadlines lie after the 2nd), and the figure is the list behind it.
    with time_machine.travel(at(2027, 1, 4, 9, 0), tick=False):
        december = parse_period({"period": "month", "date": "2026-12"})
        values = figures(scope, december)[()]
        behind = set(orders_behind(scope, december, "due").values_list("pk", flat=True))
    mine = {made[k] for k in ("dec1_on_time", "dec1_late", "today", "dec23")}
    assert mine <= behind and made["nov"] not in behind
    assert values["due"] == len(behind)


def test_the_kpi_table_and_the_dashboard_agree_early_in_the_month(orders, api_as):
    made, housing = orders
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=False):
        status, body = api_as("leader").get(
            "/api/v1/command/kpis?period=month&date=2026-12&by=unit"
        )
    assert status == 200
    row = next(r for r in body["rows"] if r["unit_id"] == housing.pk)
    rate = next(k for k in row["kpis"] if k["key"] == "on_time_rate")
    assert (rate["numerator"], rate["denominator"]) == (1, 2)


def test_each_kpi_has_its_definition_beside_it(client_as):
    from shanzhi.command.choices import KPIS

    for path, who in (("/command/?region=330502000000", "commander"), ("/command/kpis/", "leader")):
        page = client_as(who).get(path).content.decode()
        assert page.count('data-testid="kpi-help"') >= len(KPIS), path
        assert "且在今天之前已经到期的工单中" in page, path
