"""The main journey in a real browser (Playwright driving Debian's Chromium): a resident reports
a broken pavement with a photo and their position on the map → the township dispatcher
dispatches it → the district's housing bureau signs and replies → the dispatcher accepts the
answer → the resident reads it on the tracking page and rates it. Screenshots of every step are
kept in SHANZHI_ARTIFACTS_DIR (printed in the test output)."""

import os
import tempfile
from pathlib import Path

import pytest

from shanzhi.territory.models import Grid
from shanzhi.workorders.models import Appeal

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHROMIUM = os.environ.get("SHANZHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
# A real 2×2 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73000000164944415478"
    "9c63f8cfc0f09f81e13f03c37f0686ff0c000f6e02fe4c4e63d50000000049454e44ae426082"
)


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium "
            "(or set SHANZHI_CHROMIUM to its path)."
        )
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread; the test's own ORM calls are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
        # ORM calls made while Playwright's loop runs get connections of their own context;
        # close them, or PostgreSQL keeps a session and the test database cannot be dropped.
        from django.db import connections

        connections.close_all()


@pytest.fixture
def shots():
    folder = Path(os.environ.get("SHANZHI_ARTIFACTS_DIR") or tempfile.mkdtemp(prefix="shanzhi-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


def signed_in(browser, base: str, username: str, width: int = 1280, height: int = 800):
    from shanzhi.conftest import DEMO_PASSWORD

    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def act(page, action: str, fill=None):
    """Open the action's panel if it is folded, fill it, submit it, wait for the next page."""
    form = page.locator(f"form[data-action={action}]")
    if not form.is_visible():
        page.locator(f"details:has(form[data-action={action}]) > summary").click()
    if fill:
        fill(form)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_a_resident_report_goes_round_the_loop(live_server, browser, shots, settings, tmp_path):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    grid = Grid.objects.get(code="330502001002001")

    # 1. The resident, on a phone, with the position the browser reports.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        geolocation={"latitude": grid.lat, "longitude": grid.lon},
        permissions=["geolocation"],
    ).new_page()
    phone.goto(f"{base}/appeal/")
    phone.select_option("select[name=nature]", "complaint")
    phone.select_option("select[name=category]", "010301")
    phone.fill("textarea[name=content]", "小区门口人行道塌陷，晚上很危险，老人已经摔倒过。")
    phone.set_input_files(
        "input[name=photos]", files=[{"name": "hole.png", "mimeType": "image/png", "buffer": PNG}]
    )
    phone.click("#sz-locate-me")
    expect(phone.locator("#sz-picker-status")).to_contain_text(grid.name)
    assert float(phone.input_value("input[name=lon]")) == pytest.approx(grid.lon, abs=1e-6)
    phone.fill("input[name=appellant_name]", "李四")
    phone.fill("input[name=appellant_phone]", "13812345678")
    phone.screenshot(path=shots / "1-appeal-form.png", full_page=True)
    with phone.expect_navigation():
        phone.click("form[data-testid=appeal-form] button[type=submit]")
    code = phone.locator("[data-testid=tracking-code]").inner_text().strip()
    phone.screenshot(path=shots / "2-tracking-code.png", full_page=True)
    appeal = Appeal.objects.select_related("work_order").get(tracking_code=code)
    order = appeal.work_order
    assert (order.grid_id, order.state, order.attachments.count()) == (
        grid.code,
        "pending_dispatch",
        1,
    )

    # 2. The township dispatcher dispatches to the unit the rules propose (住建局).
    dispatcher = signed_in(browser, base, "dispatcher")
    dispatcher.goto(f"{base}/workorders/?box=pending_dispatch")
    with dispatcher.expect_navigation():
        dispatcher.click(f"text={order.code}")
    expect(dispatcher.locator("[data-testid=attachments] img")).to_have_count(1)
    act(
        dispatcher,
        "dispatch",
        lambda f: f.locator("select[name=lead_unit]").select_option(
            label="吴兴区住房和城乡建设局（规则建议：市政设施 → 吴兴区住房和城乡建设局）"
        ),
    )
    expect(dispatcher.locator("[data-testid=state]")).to_have_text("待签收")
    dispatcher.screenshot(path=shots / "3-dispatched.png", full_page=True)

    # 3. The housing bureau signs and replies.
    department = signed_in(browser, base, "department")
    department.goto(f"{base}/workorders/?box=pending_sign")
    with department.expect_navigation():
        department.click(f"text={order.code}")
    act(department, "sign")
    expect(department.locator("[data-testid=state]")).to_have_text("办理中")

    def reply(form):
        form.locator("select[name=result]").select_option("solved")
        form.locator("textarea[name=text]").fill("已组织施工队修复路面，并设置了警示标志。")

    act(department, "reply", reply)
    expect(department.locator("[data-testid=state]")).to_have_text("待核查")
    department.screenshot(path=shots / "4-replied.png", full_page=True)

    # 4. The dispatcher accepts the answer.
    dispatcher.reload()
    act(dispatcher, "verify")
    expect(dispatcher.locator("[data-testid=state]")).to_have_text("待回访")

    # 5. The resident follows the appeal with the code and the last four digits, and rates.
    phone.goto(f"{base}/track/")
    phone.fill("input[name=code]", code)
    phone.fill("input[name=phone_tail]", "5678")
    with phone.expect_navigation():
        phone.click("form button[type=submit]")
    expect(phone.locator("[data-testid=answer]")).to_contain_text("已组织施工队修复路面")
    phone.check("input[name=rating][value=satisfied]")
    phone.fill("textarea[name=comment]", "修得很快，谢谢！")
    with phone.expect_navigation():
        phone.click("[data-testid=rate-form] button[type=submit]")
    expect(phone.locator("[data-testid=state]")).to_have_text("已归档")
    phone.screenshot(path=shots / "5-rated.png", full_page=True)
    order.refresh_from_db()
    appeal.refresh_from_db()
    assert (order.state, appeal.rating, appeal.rating_comment) == (
        "archived",
        "satisfied",
        "修得很快，谢谢！",
    )
