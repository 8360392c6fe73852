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


def test_a_party_applies_by_phone_and_the_mediator_takes_it_to_a_signed_agreement(
    live_server, browser, shots
):
    """The 解纷码 journey: a party scans the township committee's code and applies on their
    phone; the township mediator takes the case from 待分派 on her laptop, mediates by video,
    records the agreement and the application for judicial confirmation, and prints the
    协议书; the party follows the case on 调解查询 and rates it."""
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    from shanzhi.conftest import DEMO_PASSWORD
    from shanzhi.mediation.models import DisputeCase, JudicialConfirmation, MediationOrg, Mediator
    from shanzhi.web.tests.test_journeys import fits

    base = live_server.url
    township = MediationOrg.objects.get(unit__name="月河街道人民调解委员会")

    # 1. The party, not signed in, opens the form the 解纷码 opens, on a phone.
    phone = browser.new_context(viewport=PHONE).new_page()
    problems = watch(phone)
    phone.goto(f"{base}/mediation/apply/?org={township.pk}")
    expect(phone.locator("[data-testid=org]")).to_have_text("月河街道人民调解委员会")
    phone.select_option("#id_dispute_type", "0203")
    phone.fill("#id_title", "楼上漏水渗到我家厨房")
    phone.fill("#id_facts", "楼上卫生间防水层破损，我家厨房吊顶发霉，多次沟通未果。")
    phone.select_option("#id_region", "330502001001")
    phone.fill("#id_applicant_name", "周晓梅")
    phone.fill("#id_applicant_phone", "13957120386")
    phone.fill("#id_respondent_name", "吴建国")
    phone.fill("#id_respondent_phone", "13705820417")
    assert fits(phone, PHONE["width"])
    phone.screenshot(path=str(shots / "mediation-apply-phone.png"), full_page=True)
    with phone.expect_navigation():
        phone.click("[data-testid=apply-form] button[type=submit]")
    expect(phone.locator("[data-testid=applied]")).to_contain_text("您的调解申请已受理")
    code = phone.locator("[data-testid=code]").inner_text().strip()
    assert fits(phone, PHONE["width"])
    phone.screenshot(path=str(shots / "mediation-apply-done-phone.png"), full_page=True)
    case = DisputeCase.objects.get(code=code)
    assert (case.source, case.state, case.title, case.dispatch_unit_id) == (
        "online",
        "pending",
        "楼上漏水渗到我家厨房",
        township.pk,
    )

    # 2. The township mediator, on her laptop, takes it from 待分派 to an agreement. The demo
    # creates the township mediators' accounts without a password: she is given one here.
    her = get_user_model().objects.get(username="tj3305020011")
    her.set_password(DEMO_PASSWORD)
    her.save(update_fields=["password"])
    laptop = signed_in(browser, base, "tj3305020011", 1366, 900)
    problems += watch(laptop)
    laptop.goto(f"{base}/mediation/")
    with laptop.expect_navigation():
        laptop.locator("[data-testid=inbox-tabs] a", has_text="待分派").click()
    with laptop.expect_navigation():
        laptop.click(f"[data-testid=case-list] a[data-code={code}]")
    expect(laptop.locator("[data-testid=state]")).to_have_text("待分派")
    expect(laptop.locator("[data-testid=code]")).to_have_text(code)
    me = Mediator.objects.get(user__username="tj3305020011")
    act(laptop, "assign", lambda form: form.locator("select").select_option(str(me.pk)))
    expect(laptop.locator("[data-testid=state]")).to_have_text("调解中")
    expect(laptop.locator("[data-testid=mediator]")).to_contain_text(me.name)
    soon = timezone.localtime() + datetime.timedelta(minutes=30)

    def schedule(form):
        form.locator("select[name=kind]").select_option("video")
        form.locator("input[type=datetime-local]").fill(soon.strftime("%Y-%m-%dT%H:%M"))
        form.locator("input[name=place]").fill("https://meeting.example.cn/yuehe-0386")

    act(laptop, "schedule", schedule)
    expect(laptop.locator("[data-testid=sessions]")).to_contain_text("视频调解")

    def record(form):
        form.locator("input[name=attendance]").fill("双方均通过视频参加")
        form.locator("textarea[name=minutes]").fill(
            "双方确认漏水系楼上卫生间防水层破损所致，同意由楼上修复并赔偿吊顶损失。"
        )
        form.locator("input[name=outcome]").fill("双方同意调解方案")

    act(laptop, "record", record)
    expect(laptop.locator("[data-testid=sessions]")).to_contain_text("已召开")
    agreement = "吴建国于十日内修复卫生间防水层，并赔偿周晓梅吊顶维修费二千元。"
    act(laptop, "agree", lambda form: form.locator("textarea").fill(agreement))
    expect(laptop.locator("[data-testid=state]")).to_have_text("已达成协议")
    expect(laptop.locator("[data-testid=agreement]")).to_have_text(agreement)
    today = timezone.localdate()

    def confirm_apply(form):
        form.locator("input[name=court]").fill("吴兴区人民法院")
        form.locator("input[type=date]").fill(today.isoformat())

    act(laptop, "confirm_apply", confirm_apply)
    confirmation = laptop.locator("[data-testid=confirmation]")
    expect(confirmation).to_contain_text("吴兴区人民法院")
    expect(confirmation).to_contain_text(today.isoformat())
    expect(laptop.locator("[data-testid=confirmation-state]")).to_have_text("已申请")
    expect(laptop.locator("[data-testid=agreement-print]")).to_have_text("打印调解协议书")
    laptop.screenshot(path=str(shots / "mediation-online-case-laptop.png"), full_page=True)
    # The 协议书 to print names the parties in full.
    laptop.goto(f"{base}/mediation/{case.pk}/agreement/")
    body = laptop.locator("body")
    expect(body).to_contain_text("申请人：周晓梅，联系电话 13957120386")
    expect(body).to_contain_text("被申请人：吴建国，联系电话 13705820417")
    expect(laptop.locator("[data-testid=agreement]")).to_have_text(agreement)
    expect(laptop.locator("[data-testid=code]")).to_have_text(code)
    laptop.screenshot(path=str(shots / "mediation-agreement-print.png"), full_page=True)

    # 3. The party follows the case on 调解查询 with four digits of their phone, and rates it.
    phone.goto(f"{base}/mediation/track/")
    phone.fill("input[name=code]", code)
    phone.fill("input[name=phone_tail]", "0386")
    with phone.expect_navigation():
        phone.click("[data-testid=track-form] button[type=submit]")
    expect(phone.locator("[data-testid=state]")).to_have_text("已达成协议")
    expect(phone.locator("[data-testid=agreement]")).to_have_text(agreement)
    expect(phone.locator("[data-testid=confirmation]")).to_contain_text("吴兴区人民法院")
    tracked = phone.locator("[data-testid=tracked]").inner_text()
    assert "13957120386" not in tracked and "13705820417" not in tracked  # no one's phone
    assert fits(phone, PHONE["width"])
    phone.screenshot(path=str(shots / "mediation-track-agreed-phone.png"), full_page=True)
    phone.check("input[name=rating][value=satisfied]")
    phone.fill("textarea[name=comment]", "调解员很耐心，视频调解不用跑腿。")
    with phone.expect_navigation():
        phone.click("[data-testid=rate-form] button[type=submit]")
    expect(phone.locator("[data-testid=rated]")).to_have_text("您已评价，感谢支持。")
    expect(phone.locator("[data-testid=rate-form]")).to_have_count(0)
    assert fits(phone, PHONE["width"])
    phone.screenshot(path=str(shots / "mediation-track-rated-phone.png"), full_page=True)

    case.refresh_from_db()
    judicial = JudicialConfirmation.objects.get(case=case)
    assert (case.state, case.source, case.mediator_id, case.lead_unit_id, case.visits) == (
        "agreed",
        "online",
        me.pk,
        township.unit_id,
        0,
    )
    assert (case.rating, case.rating_comment) == ("satisfied", "调解员很耐心，视频调解不用跑腿。")
    assert (judicial.court, judicial.applied_on, judicial.state) == (
        "吴兴区人民法院",
        today,
        "applied",
    )
    assert problems == []
