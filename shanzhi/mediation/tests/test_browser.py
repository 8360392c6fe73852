# ruff: noqa: F811  (the browser fixtures are imported from the work orders' browser test)
"""The mediator's day in a browser: a walk-in dispute taken in at the centre's window on a
laptop, assigned to herself from the recommendations' roster, then followed on her phone to a
signed agreement."""

import datetime

import pytest
from django.utils import timezone

from shanzhi.web.tests.test_journeys import PHONE, watch
from shanzhi.workorders.tests.test_browser import (  # noqa: F401  (fixtures)
    act,
    browser,
    shots,
    signed_in,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_walk_in_dispute_from_the_window_to_an_agreement(live_server, browser, shots):
    from playwright.sync_api import expect

    from shanzhi.mediation.models import DisputeCase, Mediator

    base = live_server.url
    laptop = signed_in(browser, base, "mediator", 1366, 900)
    problems = watch(laptop)
    laptop.goto(f"{base}/mediation/")
    expect(laptop.locator("[data-testid=inbox-tabs]")).to_contain_text("待分派")
    laptop.click("[data-testid=mediation-new]")
    laptop.select_option("#id_dispute_type", "0202")
    laptop.fill("#id_title", "夜间装修噪声")
    laptop.fill("#id_facts", "楼上夜里十一点后仍在装修，孩子无法入睡。")
    laptop.select_option("#id_region", "330502001001")
    laptop.fill("#id_applicant_name", "钱小红")
    laptop.fill("#id_applicant_phone", "13812340000")
    laptop.fill("#id_respondent_name", "孙大力")
    with laptop.expect_navigation():
        laptop.click("[data-testid=intake-form] button[type=submit]")
    expect(laptop.locator("[data-testid=state]")).to_have_text("待分派")
    expect(laptop.locator("[data-testid=recommendations] li")).to_have_count(3)
    laptop.screenshot(path=str(shots / "mediation-case-laptop.png"), full_page=True)
    me = Mediator.objects.get(user__username="mediator")
    act(laptop, "assign", lambda form: form.locator("select").select_option(str(me.pk)))
    expect(laptop.locator("[data-testid=state]")).to_have_text("调解中")
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)

    def schedule(form):
        form.locator("select").select_option("room")
        form.locator("input[type=datetime-local]").fill(tomorrow.strftime("%Y-%m-%dT15:00"))
        form.locator("input[name=place]").fill("月河街道说事室")

    act(laptop, "schedule", schedule)
    expect(laptop.locator("[data-testid=sessions]")).to_contain_text("月河街道说事室")
    case = DisputeCase.objects.get(title="夜间装修噪声")

    phone = signed_in(browser, base, "mediator", PHONE["width"], PHONE["height"])
    problems += watch(phone)
    phone.goto(f"{base}/mediation/?box=mine")
    phone.click(f"a[data-code={case.code}]")
    act(
        phone,
        "agree",
        lambda form: form.locator("textarea").fill("晚十点后停止施工，周末仅限上午。"),
    )
    expect(phone.locator("[data-testid=state]")).to_have_text("已达成协议")
    expect(phone.locator("[data-testid=agreement]")).to_contain_text("晚十点后停止施工")
    phone.screenshot(path=str(shots / "mediation-agreed-phone.png"), full_page=True)
    assert problems == []
