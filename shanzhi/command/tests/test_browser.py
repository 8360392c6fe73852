"""The dashboard in a real browser (Debian's Chromium): the leader of 湖州市 opens the big
screen; the grid map draws every grid of the city and colours it, the SVG charts and the KPI table
render; the commander's laptop view drills into his district. Screenshots go to
SHANZHI_ARTIFACTS_DIR (printed in the test output)."""

import pytest

from shanzhi.command.services import rollups_fold
from shanzhi.territory.models import Grid
from shanzhi.workorders.tests.test_browser import (  # noqa: F401 (fixtures)
    browser,
    shots,
    signed_in,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_leader_sees_the_big_screen_with_map_and_charts(live_server, browser, shots):  # noqa: F811
    rollups_fold()
    page = signed_in(browser, live_server.url, "leader", 1920, 1080)
    page.goto(f"{live_server.url}/command/?screen=big")
    page.wait_for_selector("#command-map[data-grid-count]")
    assert page.get_attribute("#command-map", "data-grid-count") == str(Grid.objects.count())
    page.wait_for_selector("#command-map path.leaflet-interactive")
    assert page.locator("[data-testid=trend-chart] svg polyline").count() == 1
    assert page.locator("[data-testid=category-chart] svg rect").count() >= 1
    assert page.locator("[data-testid=dashboard-kpis] tr[data-kpi]").count() == 8
    assert page.inner_text("h1").startswith("湖州市")
    page.screenshot(path=str(shots / "command-dashboard-1920.png"))

    laptop = signed_in(browser, live_server.url, "commander", 1366, 768)
    laptop.goto(f"{live_server.url}/command/")
    laptop.wait_for_selector("#command-map[data-grid-count]")
    assert laptop.inner_text("h1").startswith("吴兴区")
    district_grids = Grid.objects.filter(code__startswith="330502").count()
    assert laptop.get_attribute("#command-map", "data-grid-count") == str(district_grids)
    laptop.screenshot(path=str(shots / "command-dashboard-1366.png"), full_page=True)
