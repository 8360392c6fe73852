"""KPI formulas on hand-built orders with known answers: a month boundary, a late sign-for, a
return and re-dispatch, an extension, a suspension, a merge, a reopened order, a direct answer,
a late reply marked overdue by the sweep; then the frozen assessment."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shanzhi.command.models import Assessment, AssessmentSettings
from shanzhi.command.selectors import Scope, figures, kpis_of, parse_period
from shanzhi.command.services import assessment_settings_save, rollups_fold, rollups_rebuild
from shanzhi.core.models import AuditEvent
from shanzhi.org.models import Unit
from shanzhi.workorders import services
from shanzhi.workorders.choices import Rating
from shanzhi.workorders.models import Appeal
from shanzhi.workorders.tests.helpers import MEDICAL_INSURANCE, ROAD_DAMAGE, point_in

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.fixture
def people(user_named):
    return {name: user_named(name) for name in ("operator", "dispatcher", "department")}


def register(people, when, nature="complaint", category=ROAD_DAMAGE):
    """Register now (the caller has set the clock)."""
    lon, lat = point_in()
    appeal = services.appeal_register(
        actor=people["operator"],
        data=services.AppealInput(
            channel="hotline",
            nature=nature,
            category_code=category,
            content="路面塌陷",
            lon=lon,
            lat=lat,
            appellant_phone="13800000000",
        ),
    ).appeal
    return appeal.work_order_id


def do(when, call, **kwargs):
    with time_machine.travel(when, tick=False):
        return call(**kwargs)


def build(people):
    """Five orders in 月河街道 for 吴兴区住房和城乡建设局, acted on in time order."""
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局").pk
    boss, dept, operator = people["dispatcher"], people["department"], people["operator"]
    orders = {}
    steps = []

    def step(when, call, order=None, **kwargs):
        steps.append((when, call, order, kwargs))

    def new(name, nature="complaint", category=ROAD_DAMAGE):
        return lambda: orders.__setitem__(name, register(people, None, nature, category))

    def dispatch(name, when):
        step(when, services.workorder_dispatch, name, actor=boss, lead_unit_id=housing)

    def rate(name, when, rating):
        steps.append(
            (
                when,
                lambda: services.appeal_rate(
                    actor=None,
                    order_id=orders[name],
                    tracking_code=Appeal.objects.filter(work_order_id=orders[name], rating="")
                    .first()
                    .tracking_code,
                    rating=rating,
                ),
                None,
                None,
            )
        )

    # A: registered and dispatched on 31 March, signed 1 April in time, +2 days approved,
    # replied well before its deadline, rated 基本满意.
    steps.append((at(2026, 3, 31, 9, 0), new("A"), None, None))
    dispatch("A", at(2026, 3, 31, 9, 30))
    step(at(2026, 4, 1, 10, 0), services.workorder_sign, "A", actor=dept)
    step(
        at(2026, 4, 2, 10, 0),
        services.workorder_request_extension,
        "A",
        actor=dept,
        days=2,
        reason="需要协调",
    )
    step(at(2026, 4, 2, 11, 0), services.workorder_decide_extension, "A", actor=boss, approve=True)
    step(
        at(2026, 4, 10, 10, 0),
        services.workorder_reply,
        "A",
        actor=dept,
        result="solved",
        text="已修复",
    )
    step(at(2026, 4, 10, 11, 0), services.workorder_verify, "A", actor=boss, accept=True)
    rate("A", at(2026, 4, 11, 9, 0), Rating.BASICALLY)
    # B: dispatched 1 April, signed late (after the Qingming holiday), suspended a day, replied
    # after its deadline; the sweep has marked it overdue by then.
    steps.append((at(2026, 4, 1, 9, 0), new("B"), None, None))
    dispatch("B", at(2026, 4, 1, 9, 30))
    step(at(2026, 4, 7, 9, 0), services.workorder_sign, "B", actor=dept)
    step(at(2026, 4, 8, 9, 0), services.workorder_suspend, "B", actor=boss, reason="等待鉴定")
    step(at(2026, 4, 9, 9, 0), services.workorder_resume, "B", actor=boss)
    steps.append((at(2026, 4, 29, 9, 0), services.deadlines_sweep, None, None))
    step(
        at(2026, 4, 29, 10, 0),
        services.workorder_reply,
        "B",
        actor=dept,
        result="partly",
        text="部分解决",
    )
    # C: a consultation answered on the spot (直办).
    steps.append((at(2026, 4, 2, 9, 0), new("C", "consult", MEDICAL_INSURANCE), None, None))
    step(
        at(2026, 4, 2, 9, 5),
        services.workorder_answer_directly,
        "C",
        actor=operator,
        answer="医保政策如下",
    )
    # D: a duplicate of A, merged into it.
    steps.append((at(2026, 4, 3, 9, 0), new("D"), None, None))
    steps.append(
        (
            at(2026, 4, 3, 9, 10),
            lambda: services.workorder_merge(actor=boss, order_id=orders["D"], into_id=orders["A"]),
            None,
            None,
        )
    )
    # E: returned, dispatched again, signed in time, replied, sent back (重办), replied again,
    # accepted, rated 满意.
    steps.append((at(2026, 4, 8, 9, 0), new("E"), None, None))
    dispatch("E", at(2026, 4, 8, 9, 30))
    step(
        at(2026, 4, 8, 10, 0),
        services.workorder_return,
        "E",
        actor=dept,
        reason="unclear_ownership",
        note="权属不清",
    )
    dispatch("E", at(2026, 4, 8, 11, 0))
    step(at(2026, 4, 8, 14, 0), services.workorder_sign, "E", actor=dept)
    step(
        at(2026, 4, 9, 10, 0),
        services.workorder_reply,
        "E",
        actor=dept,
        result="solved",
        text="已处理",
    )
    step(
        at(2026, 4, 9, 11, 0),
        services.workorder_verify,
        "E",
        actor=boss,
        accept=False,
        note="未解决到位",
    )
    step(
        at(2026, 4, 13, 10, 0),
        services.workorder_reply,
        "E",
        actor=dept,
        result="solved",
        text="已彻底处理",
    )
    step(at(2026, 4, 13, 11, 0), services.workorder_verify, "E", actor=boss, accept=True)
    rate("E", at(2026, 4, 14, 9, 0), Rating.SATISFIED)

    for when, call, order, kwargs in sorted(steps, key=lambda s: s[0]):
        with time_machine.travel(when, tick=False):
            if kwargs is None:
                call()
            else:
                call(order_id=orders[order], **kwargs)
    return orders, housing


def test_kpis_of_april_have_the_known_answers(people):
    build(people)
    rollups_fold()
    april = parse_period({"period": "month", "date": "2026-04"})
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    values = figures(Scope(region=None, unit=housing), april)[()]
    # Cohorts: assignments dispatched in April (B, E twice); deadlines falling in April (A with
    # its extension, B after its suspension, E's fresh deadline from the 重办 on 9 April);
    # replies and ratings in April.
    assert values["dispatched"] == 3
    assert values["signed_in_time"] == 1  # E's second assignment; B signed late
    assert values["returned"] == 1
    assert values["due"] == 3  # A (with its extension), B, E
    assert values["due_replied"] == 3
    assert values["on_time"] == 2  # A and E
    assert values["overdue"] == 1  # B
    assert values["replied"] == 3
    assert values["replied_rated"] == 2
    assert values["reopened"] == 1  # E
    assert values["rated"] == 2 and values["satisfied"] == 2 and values["dissatisfied"] == 0
    kpis = {k.key: k for k in kpis_of(values)}
    assert kpis["sign_rate"].rate == pytest.approx(1 / 3)
    assert kpis["on_time_rate"].rate == pytest.approx(2 / 3)
    assert kpis["close_rate"].rate == 1
    assert kpis["satisfaction_rate"].rate == 1
    assert kpis["visit_rate"].rate == pytest.approx(2 / 3)
    assert kpis["return_rate"].rate == pytest.approx(1 / 3)
    assert kpis["reopen_rate"].rate == pytest.approx(1 / 3)
    # Registration and 直办 belong to the dispatching unit and the day of registration: A is
    # March's, the other four April's; D (merged) counts as registered only.
    everyone = figures(Scope(region=None), april)[()]
    assert everyone["registered"] == 4
    assert everyone["direct"] == 1
    march = figures(Scope(region=None), parse_period({"period": "month", "date": "2026-03"}))[()]
    assert march["registered"] == 1 and march["dispatched"] == 1 and march["signed_in_time"] == 1
    # A custom period across the boundary adds up both sides (day rows at the edges).
    both = parse_period({"period": "custom", "from": "2026-03-31", "to": "2026-04-30"})
    assert figures(Scope(region=None), both)[()]["registered"] == 5
    # And a rebuild from scratch agrees.
    rollups_rebuild()
    assert figures(Scope(region=None, unit=housing), april)[()] == values


def test_a_published_assessment_stays_when_old_orders_change(people, client_as):
    orders, housing = build(people)
    april = parse_period({"period": "month", "date": "2026-04"})
    # Three lead assignments in April: ranked once the minimum volume allows it.
    assessment_settings_save(
        actor=people["dispatcher"], settings=AssessmentSettings(min_dispatched=3)
    )
    with time_machine.travel(at(2026, 5, 6, 9, 0), tick=False):
        response = client_as("commander").post("/command/assessment/publish/", {"month": "2026-04"})
    assert response.status_code == 302
    frozen = Assessment.objects.get(month=april.start, unit_id=housing)
    assert frozen.figures["on_time"] == 2 and frozen.rank == 1
    published = list(Assessment.objects.order_by("pk").values_list("unit_id", "score", "rank"))
    # Publishing twice is refused and changes nothing.
    with time_machine.travel(at(2026, 5, 6, 9, 5), tick=False):
        again = client_as("commander").post("/command/assessment/publish/", {"month": "2026-04"})
    assert again.status_code == 400
    # B is rated in May: April's live figures for housing do not change (rated in May), but a
    # late sweep edit to April's cohort does: B's reply is sent back for 重办 in May.
    do(
        at(2026, 5, 7, 9, 0),
        services.workorder_verify,
        actor=people["dispatcher"],
        order_id=orders["B"],
        accept=False,
        note="重新办理",
    )
    rollups_fold()
    assert list(Assessment.objects.order_by("pk").values_list("unit_id", "score", "rank")) == (
        published
    )
    assert AuditEvent.objects.filter(
        action="assessment.figures_changed", object_id="2026-04"
    ).exists()
    page = client_as("commander").get("/command/assessment/?month=2026-04").content.decode()
    assert 'data-testid="published"' in page and 'data-testid="drift"' in page
