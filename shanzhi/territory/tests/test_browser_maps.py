# ruff: noqa: F811  (the browser fixtures are imported from test_browser)
"""The maps on an offline install (no tile server): the real city and county outlines and their
names are drawn under the grids, on a resident's phone and on a dispatcher's laptop."""

import pytest

from shanzhi.web.tests.test_journeys import PHONE, watch
from shanzhi.workorders.tests.test_browser import (  # noqa: F401  (fixtures)
    browser,
    shots,
    signed_in,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_map_without_tiles_still_shows_real_places(live_server, browser, shots, settings):
    from playwright.sync_api import expect

    settings.MAP_BASE_LAYERS = []
    base = live_server.url

    # The resident's appeal form on a phone: county outlines under the pin, with their names.
    phone = browser.new_context(viewport=PHONE).new_page()
    problems = watch(phone)
    phone.goto(f"{base}/appeal/")
    picker = phone.locator("#sz-picker")
    expect(picker).to_have_attribute("data-outline-count", "6")
    assert phone.locator("#sz-picker path.sz-outline-county").count() == 5
    assert phone.locator("#sz-picker path.sz-outline-city").count() == 1
    expect(phone.locator(".sz-outline-name-county span", has_text="吴兴区")).to_be_visible()
    phone.screenshot(path=shots / "offline-map-resident-phone.png", full_page=True)
    assert not problems

    # The dispatcher's territory map on a laptop: the same outlines, the grids on top.
    page = signed_in(browser, base, "dispatcher")
    problems = watch(page)
    page.goto(f"{base}/territory/")
    expect(page.locator("#grid-map")).to_have_attribute("data-outline-count", "6")
    expect(page.locator("#grid-map")).to_have_attribute("data-grid-count", "15")
    assert page.locator("#grid-map path.sz-outline-county").count() == 5
    # Zoomed out, a grid's name is a hover tooltip; zoomed in, every grid carries its name.
    assert page.locator(".sz-grid-label").count() == 0
    for _click in range(2):
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(400)
    expect(page.locator(".sz-grid-label", has_text="碧浪社区第1网格")).to_be_visible()
    page.screenshot(path=shots / "offline-map-dispatcher.png")
    assert not problems
