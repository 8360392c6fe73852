"""大屏模式 in a real browser (issue #11 item 16): the dashboard fits one 1920×1080 screen, with
no navigation bar and nothing to scroll."""

import pytest

from shanzhi.workorders.tests.test_browser import browser, shots, signed_in  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_big_screen_fits_1920_by_1080(live_server, browser, shots):  # noqa: F811
    page = signed_in(browser, live_server.url, "commander", 1920, 1080)
    page.goto(f"{live_server.url}/command/?region=330502000000&screen=big")
    page.wait_for_selector("[data-testid=dashboard-kpis]")
    width, height = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert width <= 1920 and height <= 1080
    assert not page.locator("nav.sz-navbar").is_visible()
    assert page.locator("[data-testid=command-map]").is_visible()
    assert page.locator("[data-testid=urgent-list]").is_visible()
    page.screenshot(path=shots / "commander-big-screen.png")
    # The ordinary dashboard keeps its navigation, and the way back is one click.
    page.click("[data-testid=leave-big]")
    assert page.locator("nav.sz-navbar").is_visible()
