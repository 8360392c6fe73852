"""The mediation centre's figures on hand-built disputes with known answers (November 2024, a
month no demo data reaches): intake by source and type, 化解率, 按期结案率, 零跑率 and 一次跑率
(a dispute applied for online and mediated by video never brings the applicant in), 诉前化解,
司法确认 and satisfaction; the fold equals the rebuild, and each figure equals the count of
the cases behind it."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shanzhi.command.cases.mediation import DISPUTES, cases_behind
from shanzhi.command.choices import Measure
from shanzhi.command.periods import Period
from shanzhi.command.selectors import Scope, mediation_figures, org_table
from shanzhi.command.services import rollups_fold, rollups_rebuild
from shanzhi.command.tests.test_rollups import rollup_rows
from shanzhi.mediation.models import DisputeCase, MediationOrg, Mediator
from shanzhi.mediation.tests.test_cases import YUEHE_VILLAGE, body, post, register

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
NOVEMBER = Period("month", datetime.date(2024, 11, 1), datetime.date(2024, 11, 30))
WUXING = "330502"


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=CST)


def act(client, case_id, name, data, moment):
    with time_machine.travel(moment, tick=False):
        status, answer = post(client, f"/api/v1/mediation/cases/{case_id}/actions/{name}", data)
    assert status == 200, answer
    return answer


def build_month(client_as, client):
    """Five disputes of 吴兴区 in November 2024, all handled by the county centre's 孙静."""
    centre = client_as("mediator")
    me = Mediator.objects.get(user__username="mediator").pk
    centre_org = MediationOrg.objects.get(mediators__pk=me).pk
    cases = {}
    # 1. Walk-in (one visit), agreed the same day with no session: 一次跑, on time; later
    #    judicially confirmed; rated 满意.
    with time_machine.travel(at(2024, 11, 4, 9, 0), tick=False):
        cases["walk_in"] = register(centre)["id"]
    act(centre, cases["walk_in"], "assign", {"mediator": me}, at(2024, 11, 4, 9, 30))
    act(centre, cases["walk_in"], "agree", {"agreement": "当场达成协议。"}, at(2024, 11, 4, 11, 0))
    act(
        centre,
        cases["walk_in"],
        "confirm_apply",
        {"court": "吴兴区人民法院", "applied_on": "2024-11-05"},
        at(2024, 11, 5, 9, 0),
    )
    act(
        centre,
        cases["walk_in"],
        "confirm_accept",
        {"accepted": True, "decided_on": "2024-11-06"},
        at(2024, 11, 6, 9, 0),
    )
    act(
        centre,
        cases["walk_in"],
        "confirm_rule",
        {"confirmed": True, "ruled_on": "2024-11-20", "ruling_number": "（2024）浙0502民特7号"},
        at(2024, 11, 20, 9, 0),
    )
    # 2. Online application, a video session, agreed: 零跑 (the applicant never came).
    with time_machine.travel(at(2024, 11, 5, 20, 0), tick=False):
        status, applied = post(
            client,
            "/api/v1/mediation/applications",
            {**body(dispute_type="0501", title="拖欠工资"), "org": centre_org},
        )
    assert status == 201, applied
    cases["online"] = DisputeCase.objects.get(code=applied["code"]).pk
    act(centre, cases["online"], "assign", {"mediator": me}, at(2024, 11, 6, 9, 0))
    act(
        centre,
        cases["online"],
        "schedule",
        {
            "kind": "video",
            "starts_at": "2024-11-08T14:00:00+08:00",
            "place": "https://meet.example/1",
        },
        at(2024, 11, 6, 9, 5),
    )
    session = DisputeCase.objects.get(pk=cases["online"]).sessions.get().pk
    act(
        centre,
        cases["online"],
        "record",
        {"session": session, "attendance": "双方在线", "minutes": "笔录", "outcome": "达成一致"},
        at(2024, 11, 8, 15, 0),
    )
    act(centre, cases["online"], "agree", {"agreement": "月底前付清工资。"}, at(2024, 11, 8, 15, 5))
    # 3. Walk-in, a session in the room on another day (two visits), failed.
    with time_machine.travel(at(2024, 11, 11, 10, 0), tick=False):
        cases["two_visits"] = register(centre, dispute_type="0203")["id"]
    act(centre, cases["two_visits"], "assign", {"mediator": me}, at(2024, 11, 11, 10, 5))
    act(
        centre,
        cases["two_visits"],
        "schedule",
        {"kind": "room", "starts_at": "2024-11-13T09:00:00+08:00", "place": "说事室"},
        at(2024, 11, 11, 10, 10),
    )
    session = DisputeCase.objects.get(pk=cases["two_visits"]).sessions.get().pk
    act(
        centre,
        cases["two_visits"],
        "record",
        {"session": session, "attendance": "双方到场", "minutes": "笔录", "outcome": "分歧大"},
        at(2024, 11, 13, 11, 0),
    )
    act(centre, cases["two_visits"], "fail", {"reason": "分歧过大"}, at(2024, 11, 13, 11, 5))
    # 4. Referred by the court (as the court's referral will take it in): agreed, 诉前化解,
    #    but after its period: not on time; rated 不满意.
    with time_machine.travel(at(2024, 11, 1, 9, 0), tick=False):
        cases["court"] = register(centre)["id"]
    DisputeCase.objects.filter(pk=cases["court"]).update(source="court", visits=0)
    act(centre, cases["court"], "assign", {"mediator": me}, at(2024, 11, 1, 9, 5))
    DisputeCase.objects.filter(pk=cases["court"]).update(due_at=at(2024, 11, 15, 23, 59, 59))
    act(centre, cases["court"], "agree", {"agreement": "分期赔偿。"}, at(2024, 11, 25, 16, 0))
    # 5. Still open at the end of the month.
    with time_machine.travel(at(2024, 11, 28, 9, 0), tick=False):
        cases["open"] = register(centre, region=YUEHE_VILLAGE)["id"]
    # Ratings by the parties.
    for key, rating, comment in (("walk_in", "satisfied", ""), ("court", "dissatisfied", "太慢")):
        code = DisputeCase.objects.get(pk=cases[key]).code
        with time_machine.travel(at(2024, 11, 27, 10, 0), tick=False):
            response = client.post(
                f"/api/v1/mediation/track/{code}/rating",
                json.dumps({"phone_tail": "5678", "rating": rating, "comment": comment}),
                content_type="application/json",
            )
        assert response.status_code == 200, response.content
    return cases


def test_the_figures_of_a_month_have_known_answers(client_as, client):
    build_month(client_as, client)
    rollups_fold()
    scope = Scope(region=None, prefix=WUXING)
    figures = mediation_figures(scope, NOVEMBER)
    v = figures.values
    assert (v["disputes"], v["disputes_closed"], v["disputes_resolved"]) == (5, 4, 3)
    assert (v["disputes_zero_visit"], v["disputes_one_visit"]) == (2, 1)  # online and court
    assert (v["disputes_on_time"], v["court_closed"], v["court_resolved"]) == (3, 1, 1)
    assert (v["disputes_rated"], v["disputes_satisfied"], v["confirmed"]) == (2, 1, 1)
    rates = {k.key: (k.numerator, k.denominator) for k in figures.kpis}
    assert rates == {
        "resolve_rate": (3, 4),
        "dispute_on_time_rate": (3, 4),
        "dispute_satisfaction_rate": (1, 2),
        "zero_visit_rate": (2, 4),
        "one_visit_rate": (1, 4),
        "court_resolve_rate": (1, 1),
    }
    assert dict(figures.by_source) == {"窗口受理": 3, "网上申请": 1, "法院委派": 1}
    assert dict(figures.by_type) == {"邻里纠纷": 4, "劳动争议": 1}
    # Minutes from intake to closing: 2 h, 2 d 19 h 5 min, 2 d 1 h 5 min, 24 d 7 h.
    minutes = 120 + (2 * 1440 + 19 * 60 + 5) + (2 * 1440 + 65) + (24 * 1440 + 7 * 60)
    assert v["dispute_minutes"] == minutes
    assert figures.average_days == pytest.approx(minutes / 4 / 1440)
    # The county centre has them all; no other organisation has a figure this month.
    rows = org_table(scope, NOVEMBER)
    assert [r.unit.name for r in rows] == ["吴兴区人民调解委员会"]
    assert rows[0].values["disputes"] == 5
    # Each figure is the count of the cases behind it.
    for measure in DISPUTES.measures:
        if measure == Measure.DISPUTE_MINUTES:
            continue
        behind = cases_behind(
            DisputeCase.objects.filter(area_code__startswith=WUXING), measure, NOVEMBER
        )
        assert behind.count() == v[measure], measure
    # The fold equals a rebuild.
    folded = rollup_rows()
    rollups_rebuild()
    assert rollup_rows() == folded


def test_the_pages_show_the_figures_to_leaders_only(client_as, client):
    build_month(client_as, client)
    rollups_fold()
    leader = client_as("leader")
    page = leader.get("/command/mediation/", {"period": "month", "date": "2024-11"})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="disputes">5<' in text and 'data-testid="confirmed">1<' in text
    assert "吴兴区人民调解委员会" in text and "75.0%" in text  # 化解率 3/4
    # The dashboard's panel shows this year (none of November 2024's disputes).
    board = leader.get("/command/").content.decode()
    assert 'data-testid="dashboard-mediation"' in board
    assert client_as("mediator").get("/command/mediation/").status_code == 403
    assert leader.get("/command/mediation/", {"period": "fortnight"}).status_code == 400
