"""One truth for counts (issue #11 item 11): the console's 已超期 and 即将超期 boxes and the
dashboard's 超期 and 临期 figures agree for the same person and territory, and every tile of the
dashboard links to the list of exactly the orders it counts."""

import datetime
import html
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shanzhi.command.services import rollups_fold
from shanzhi.org.models import Unit
from shanzhi.workorders import services
from shanzhi.workorders.tests.helpers import ROAD_DAMAGE, point_in

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
THEN = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
NOW = datetime.datetime(2026, 12, 30, 10, 0, tzinfo=TZ)  # weeks past the deadlines


@pytest.fixture
def overdue_orders(user_named):
    operator, dispatcher = user_named("operator"), user_named("dispatcher")
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局").pk
    made = []
    with time_machine.travel(THEN, tick=False):
        for n in range(3):
            lon, lat = point_in()
            appeal = services.appeal_register(
                actor=operator,
                data=services.AppealInput(
                    channel="hotline",
                    nature="complaint",
                    category_code=ROAD_DAMAGE,
                    content=f"路面坑洼第{n + 1}处",
                    lon=lon,
                    lat=lat,
                    appellant_phone="13800000000",
                ),
            ).appeal
            made.append(appeal.work_order_id)
        for order_id in made[:2]:  # two dispatched (their clocks run), one waits for dispatch
            services.workorder_dispatch(actor=dispatcher, order_id=order_id, lead_unit_id=housing)
    with time_machine.travel(NOW, tick=False):
        services.deadlines_sweep(now=NOW)
        rollups_fold()
    return made


def _number(page: str, testid: str) -> int:
    return int(re.search(rf'data-testid="{testid}">(\d+)<', page).group(1))


def _box(page: str, box: str) -> int:
    return int(re.search(rf'data-box="{box}">(\d+)<', page).group(1))


@pytest.mark.parametrize("persona", ["dispatcher", "commander"])
def test_the_console_and_the_dashboard_count_the_same_overdue_orders(
    overdue_orders, client_as, persona
):
    with time_machine.travel(NOW, tick=False):  # signed in then: sessions expire
        client = client_as(persona)
        console = client.get("/workorders/").content.decode()
        dashboard = client.get("/command/").content.decode()
    overdue = _number(dashboard, "overdue-count")
    assert overdue >= 2  # the two dispatched orders, at least
    assert _box(console, "overdue") == overdue
    assert _box(console, "due_soon") == _number(dashboard, "warned-count")


def test_every_tile_links_to_the_orders_it_counts(overdue_orders, client_as):
    with time_machine.travel(NOW, tick=False):
        client = client_as("commander")
        dashboard = client.get("/command/?region=330502000000").content.decode()
        tiles = {
            "today": "today-total",
            "month": "month-total",
            "open": "open-count",
            "overdue": "overdue-count",
            "warned": "warned-count",
            "red": "red-count",
        }
        for tile, figure in tiles.items():
            href = re.search(rf'href="([^"]+)" data-testid="tile-{tile}"', dashboard).group(1)
            listing = client.get(html.unescape(href))
            assert listing.status_code == 200, tile
            text = listing.content.decode()
            shown = int(re.search(r"共 (\d+) 件工单", text).group(1))
            assert shown == _number(dashboard, figure), tile
        # The overdue list holds the two dispatched orders.
        href = re.search(r'href="([^"]+)" data-testid="tile-overdue"', dashboard).group(1)
        listing = client.get(html.unescape(href)).content.decode()
    for order_id in overdue_orders[:2]:
        assert f"/workorders/{order_id}/" in listing


def test_an_unknown_live_figure_is_refused(client_as):
    response = client_as("commander").get("/command/orders/?live=everything")
    assert response.status_code == 400


def test_a_leaders_workbench_shows_figures_and_red_cards_not_inboxes(
    overdue_orders, client_as, user_named
):
    first = overdue_orders[0]
    with time_machine.travel(NOW, tick=False):
        services.workorder_supervise(
            actor=user_named("commander"), order_id=first, level="red", note="限期办结"
        )
        rollups_fold()
        leader = client_as("leader")
        home = leader.get("/").content.decode()
        dashboard = leader.get("/command/").content.decode()
    assert 'data-testid="leader-workbench"' in home
    assert 'data-testid="inbox-counts"' not in home  # nothing a leader works from
    assert _number(home, "leader-overdue") == _number(dashboard, "overdue-count") >= 2
    assert _number(home, "leader-red") == _number(dashboard, "red-count") >= 1
    red_cards = home.split('data-testid="leader-red-cards"')[1].split("</ul>")[0]
    assert f"/workorders/{first}/" in red_cards
    assert home.count('data-testid="kpi-help"') >= 8
    # Other staff keep their inboxes.
    with time_machine.travel(NOW, tick=False):
        page = client_as("dispatcher").get("/").content.decode()
    assert 'data-testid="inbox-counts"' in page and "leader-workbench" not in page
