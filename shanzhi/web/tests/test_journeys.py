# ruff: noqa: F811  (the browser fixtures are imported from test_browser)
"""Each persona's main journey in a real browser (Playwright driving Debian's Chromium), at the
size they work at: residents and grid workers on a 390×844 phone, staff on a laptop. Each
asserts what that person must see and do; screenshots go to SHANZHI_ARTIFACTS_DIR. The loop
through dispatcher and department is shanzhi/workorders/tests/test_browser.py."""

import re

import pytest

from shanzhi.org.models import GridAssignment, Household
from shanzhi.territory.models import Grid
from shanzhi.workorders.models import Appeal, WorkOrder
from shanzhi.workorders.tests.test_browser import (  # noqa: F401  (fixtures)
    PNG,
    browser,
    shots,
    signed_in,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PHONE = {"width": 390, "height": 844}


def watch(page):
    """Fail the journey on any page error or server error the browser meets."""
    problems = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None,
    )
    return problems


def fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_resident_on_a_phone_keeps_the_photo_when_the_form_is_refused(
    live_server, browser, shots, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    grid = Grid.objects.get(code="330502001002001")
    phone = browser.new_context(
        viewport=PHONE,
        geolocation={"latitude": grid.lat, "longitude": grid.lon},
        permissions=["geolocation"],
    ).new_page()
    problems = watch(phone)
    phone.goto(f"{live_server.url}/appeal/")
    phone.select_option("select[name=nature]", "complaint")
    phone.select_option("select[name=category]", "010301")
    phone.set_input_files(
        "input[name=photos]", files=[{"name": "hole.png", "mimeType": "image/png", "buffer": PNG}]
    )
    phone.click("#sz-locate-me")
    phone.wait_for_function("document.querySelector('input[name=lon]').value !== ''")
    phone.fill("input[name=appellant_phone]", "13812345678")
    # The description is left empty: the form is refused, and says the photo is kept.
    with phone.expect_navigation():
        phone.click("form[data-testid=appeal-form] button[type=submit]")
    assert phone.locator("[data-testid=photos-kept]").inner_text().endswith("hole.png")
    assert phone.input_value("input[name=appellant_phone]") == "13812345678"
    assert fits(phone, 390)
    phone.screenshot(path=shots / "resident-1-refused-photo-kept.png", full_page=True)
    phone.fill("textarea[name=content]", "小区门口人行道塌陷，晚上很危险。")
    with phone.expect_navigation():
        phone.click("form[data-testid=appeal-form] button[type=submit]")
    code = phone.locator("[data-testid=tracking-code]").inner_text().strip()
    phone.screenshot(path=shots / "resident-2-filed.png", full_page=True)
    appeal = Appeal.objects.select_related("work_order").get(tracking_code=code)
    assert appeal.work_order.attachments.count() == 1  # the photo chosen before the refusal
    # Following it: the code and the last four digits in a form, nothing of the phone in the URL.
    phone.goto(f"{live_server.url}/track/")
    phone.fill("input[name=code]", code)
    phone.fill("input[name=phone_tail]", "5678")
    with phone.expect_navigation():
        phone.click("form button[type=submit]")
    assert "5678" not in phone.url
    assert phone.locator("[data-testid=state]").inner_text().strip() == "待派单"
    phone.screenshot(path=shots / "resident-3-tracking.png", full_page=True)
    assert problems == []


def test_a_grid_worker_on_a_phone_settles_a_matter_and_visits_a_household(
    live_server, browser, shots, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    assignment = GridAssignment.objects.select_related("grid").filter(user__username="gridworker")[
        0
    ]
    grid = assignment.grid
    page = signed_in(browser, base, "gridworker", **PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": grid.lat, "longitude": grid.lon})
    problems = watch(page)

    # Their order list is a column of cards on the phone.
    page.goto(f"{base}/workorders/")
    assert fits(page, 390)
    page.screenshot(path=shots / "gridworker-1-orders.png", full_page=True)

    # A matter settled on the spot: the message says what happened.
    page.goto(f"{base}/workorders/report/")
    page.click("#sz-locate-me")
    page.wait_for_function("document.querySelector('input[name=lon]').value !== ''")
    page.select_option("select[name=category]", "010301")
    page.fill("textarea[name=content]", "楼道杂物堵塞消防通道，已当场劝导清理。")
    page.check("input[name=settled]")
    page.fill("textarea[name=settlement]", "已联系住户当场清理完毕。")
    page.set_input_files(
        "input[name=photos]", files=[{"name": "after.png", "mimeType": "image/png", "buffer": PNG}]
    )
    with page.expect_navigation():
        page.click("form[data-testid=report-form] button[type=submit]")
    outcome = page.locator("[data-testid=report-outcome]").inner_text()
    assert "已当场化解（直办），等待群众评价" in outcome and "已进入分拨" not in outcome
    code = re.search(r"工单 (\S+) ", outcome).group(1)
    order = WorkOrder.objects.get(code=code)
    assert (order.state, order.answered_directly, order.attachments.count()) == (
        "pending_rating",
        True,
        1,
    )
    page.screenshot(path=shots / "gridworker-2-settled.png", full_page=True)

    # The grid's household table fits the phone and takes a visit.
    page.goto(f"{base}/territory/grids/{grid.code}/")
    assert fits(page, 390)
    household = Household.objects.filter(grid=grid).order_by("pk")[0]
    row = page.locator(f"tr[data-household='{household.pk}']")
    row.locator("input[name=note]").fill("走访了解独居老人近况，身体良好。")
    with page.expect_navigation():
        row.locator("button").click()
    assert household.visits.count() == 1
    page.screenshot(path=shots / "gridworker-3-households.png", full_page=True)
    assert problems == []


def test_an_operator_sees_a_callers_history_and_finds_their_orders_by_number(
    live_server, browser, shots
):
    base = live_server.url
    known = Appeal.objects.exclude(appellant_phone="").select_related("work_order")
    known = known.filter(work_order__area_code__startswith="330502").order_by("pk")[0]
    page = signed_in(browser, base, "operator")
    problems = watch(page)
    page.goto(f"{base}/workorders/new/")
    page.fill("input[name=appellant_phone]", known.appellant_phone)
    page.locator("input[name=appellant_phone]").blur()
    history = page.locator("[data-testid=caller-history]")
    history.wait_for()
    assert "以往来电：此号码反映过" in history.inner_text()
    assert known.work_order.code in history.inner_text()
    page.screenshot(path=shots / "operator-1-caller-history.png", full_page=True)

    # A consultation answered from the knowledge base: the entry's answer fills the 直办 answer.
    page.fill("#sz-kb-q", "社保卡")
    page.locator("[data-testid=knowledge-results] .sz-kb-use").first.click()
    assert page.input_value("textarea[name=answer]").startswith("可携带身份证")
    assert page.input_value("input[name=entry]") != ""
    page.screenshot(path=shots / "operator-2-knowledge.png", full_page=True)

    # In the console, the full number finds the caller's orders (phones are masked on screen).
    page.goto(f"{base}/workorders/?box=all")
    page.locator("details.sz-filters > summary").click()
    page.fill("input[name=phone]", known.appellant_phone)
    with page.expect_navigation():
        page.locator("form[data-testid=filter-form] button[type=submit]").click()
    orders = page.locator("[data-testid=orders]")
    assert known.work_order.code in orders.inner_text()
    assert known.appellant_phone not in orders.inner_html()  # masked in the list
    page.screenshot(path=shots / "operator-3-found-by-number.png", full_page=True)
    assert problems == []


def test_a_village_clerk_works_from_their_inboxes(live_server, browser, shots):
    page = signed_in(browser, live_server.url, "villageclerk")
    problems = watch(page)
    boxes = page.locator("[data-testid=inbox-counts] [data-box]")
    assert boxes.count() >= 7
    page.locator("[data-testid=inbox-counts] a").first.click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=orders]").is_visible()
    page.screenshot(path=shots / "villageclerk-1-inbox.png", full_page=True)
    assert problems == []


def test_a_commander_follows_a_dashboard_tile_to_its_orders(live_server, browser, shots):
    page = signed_in(browser, live_server.url, "commander")
    problems = watch(page)
    page.goto(f"{live_server.url}/command/")
    open_count = int(page.locator("[data-testid=open-count]").inner_text())
    page.screenshot(path=shots / "commander-1-dashboard.png")
    with page.expect_navigation():
        page.click("[data-testid=tile-open]")
    assert f"共 {open_count} 件工单" in page.content()
    page.screenshot(path=shots / "commander-2-open-orders.png", full_page=True)
    assert problems == []


def test_a_leader_lands_on_figures_and_red_cards(live_server, browser, shots):
    page = signed_in(browser, live_server.url, "leader")
    problems = watch(page)
    workbench = page.locator("[data-testid=leader-workbench]")
    assert workbench.is_visible()
    assert page.locator("[data-testid=inbox-counts]").count() == 0
    assert page.locator("[data-testid=leader-kpis] tbody tr").count() == 8
    page.locator("[data-testid=kpi-help] summary").nth(1).click()
    assert "今天之前已经到期" in page.locator("[data-testid=kpi-help]").nth(1).inner_text()
    page.screenshot(path=shots / "leader-1-workbench.png", full_page=True)
    assert problems == []


def test_an_administrator_finds_the_admin_in_chinese(live_server, browser, shots):
    page = signed_in(browser, live_server.url, "admin")
    problems = watch(page)
    page.goto(f"{live_server.url}/admin/")
    text = page.locator("#content-main").inner_text()
    for chinese in ("工作日历", "考核规则", "考核设置", "审计事件", "登录防护", "后台任务"):
        assert chinese in text
    for english in ("Access attempts", "Task Results", "Axes"):
        assert english not in text
    with page.expect_navigation():
        page.click("text=审计事件")
    assert "受理" in page.locator("#result_list").inner_text()
    page.screenshot(path=shots / "admin-1-audit-trail.png", full_page=True)
    assert problems == []
