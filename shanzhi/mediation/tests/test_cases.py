"""A dispute's journey through the API and the pages, as its people meet it: the window takes it
in (one code), the system recommends mediators, the centre assigns, the mediator reaches an
agreement, or the case goes up a level or out of mediation. Refusals change nothing."""

import json

import pytest

from shanzhi.core.models import AuditEvent
from shanzhi.mediation.models import DisputeCase, Mediator, Party

pytestmark = pytest.mark.django_db

YUEHE_VILLAGE = "330502001001"  # 月河街道's first community
TOWNSHIP_MEDIATOR = "tj3305020011"  # 月河街道人民调解委员会's first mediator (an account)


def body(**overrides) -> dict:
    data = {
        "dispute_type": "0203",
        "title": "楼上漏水",
        "facts": "楼上卫生间漏水，楼下天花板发霉。",
        "request": "维修并赔偿",
        "region": YUEHE_VILLAGE,
        "parties": [
            {
                "role": "applicant",
                "name": "李四",
                "phone": "13812345678",
                "id_number": "330502199001011234",
            },
            {"role": "respondent", "name": "王五", "phone": "13912345678"},
        ],
    }
    data.update(overrides)
    return data


def post(client, url, data=None, **headers):
    response = client.post(url, json.dumps(data or {}), content_type="application/json", **headers)
    return response.status_code, response.json()


def register(client, **overrides) -> dict:
    status, answer = post(client, "/api/v1/mediation/cases", body(**overrides))
    assert status == 201, answer
    return answer


def township_mediator() -> Mediator:
    return Mediator.objects.get(user__username=TOWNSHIP_MEDIATOR)


def test_window_to_agreement(client_as, outbox, django_capture_on_commit_callbacks):
    centre = client_as("mediator")
    case = register(centre)
    assert case["code"].startswith("TJ") and case["state"] == "pending"
    assert case["dispatch_org"] == "吴兴区人民调解委员会" and case["level"] == "county"
    # The centre's own staff see the parties in full, and that view is logged.
    assert not case["parties_masked"]
    assert case["parties"][0]["phone"] == "13812345678"
    assert AuditEvent.objects.filter(
        action="mediation.parties_view", object_id=str(case["id"])
    ).exists()
    # At the county centre already: nothing above to escalate to.
    assert case["allowed_actions"] == ["assign", "refer_out"]

    recommended = centre.get(f"/api/v1/mediation/cases/{case['id']}/recommendations").json()
    assert len(recommended) == 3
    assert recommended[0]["reasons"] and all(r["reasons"] for r in recommended)
    assert any("漏水渗水" in reason for r in recommended for reason in r["reasons"])

    mediator = township_mediator()
    with django_capture_on_commit_callbacks(execute=True):
        status, assigned = post(
            centre,
            f"/api/v1/mediation/cases/{case['id']}/actions/assign",
            {"mediator": mediator.pk},
        )
    assert status == 200 and assigned["state"] == "mediating"
    # The mediator is told of the new case, each party of who mediates it.
    told = [m for m in outbox if m.object_id == case["code"]]
    assert [m.user_id for m in told if m.kind == "mediation.assigned"] == [mediator.user_id]
    parties = sorted(m.phone for m in told if m.kind == "mediation.assigned_party")
    assert parties == ["13812345678", "13912345678"] and mediator.name in told[-1].text
    assert assigned["mediator"] == mediator.name and assigned["level"] == "township"

    handler = client_as(TOWNSHIP_MEDIATOR)
    mine = handler.get("/api/v1/mediation/cases?box=mine").json()
    assert [c["code"] for c in mine["items"]] == [case["code"]]
    status, agreed = post(
        handler,
        f"/api/v1/mediation/cases/{case['id']}/actions/agree",
        {"agreement": "楼上住户于十日内维修防水，赔偿楼下 2000 元。"},
    )
    assert status == 200 and agreed["state"] == "agreed"
    assert [step["action"] for step in agreed["timeline"]] == ["register", "assign", "agree"]

    # Agreed twice: a conflict, and nothing changes.
    version = DisputeCase.objects.get(pk=case["id"]).version
    status, answer = post(
        handler, f"/api/v1/mediation/cases/{case['id']}/actions/agree", {"agreement": "再来一次"}
    )
    assert status == 409, answer
    stored = DisputeCase.objects.get(pk=case["id"])
    assert stored.version == version and stored.agreement.startswith("楼上住户")


def test_escalation_goes_up_one_level_and_out_of_the_township(client_as):
    centre = client_as("mediator")
    case = register(centre)
    post(
        centre,
        f"/api/v1/mediation/cases/{case['id']}/actions/assign",
        {"mediator": township_mediator().pk},
    )
    handler = client_as(TOWNSHIP_MEDIATOR)
    status, escalated = post(
        handler,
        f"/api/v1/mediation/cases/{case['id']}/actions/escalate",
        {"reason": "涉及房屋结构鉴定，需县级会商"},
    )
    assert status == 200 and escalated["state"] == "pending" and escalated["level"] == "county"
    assert escalated["mediator"] is None
    # At the county, nothing is above: a second escalation is refused.
    status, answer = post(
        centre, f"/api/v1/mediation/cases/{case['id']}/actions/escalate", {"reason": "再上报"}
    )
    assert status == 409, answer


def test_referral_out_and_failure_record_where_it_went(client_as):
    centre = client_as("mediator")
    case = register(centre, dispute_type="0501", title="拖欠工资")
    status, referred = post(
        centre,
        f"/api/v1/mediation/cases/{case['id']}/actions/refer_out",
        {"target": "arbitration", "reason": "用人单位拒不到场"},
    )
    assert status == 200 and referred["state"] == "referred"
    assert referred["referral_target"] == "arbitration"

    other = register(centre)
    me = Mediator.objects.get(user__username="mediator")
    post(centre, f"/api/v1/mediation/cases/{other['id']}/actions/assign", {"mediator": me.pk})
    status, failed = post(
        centre,
        f"/api/v1/mediation/cases/{other['id']}/actions/fail",
        {"reason": "双方分歧过大", "target": "litigation"},
    )
    assert (
        status == 200 and failed["state"] == "failed" and failed["referral_target"] == "litigation"
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"parties": [{"role": "applicant", "name": "李四", "phone": "13812345678"}]}, "parties"),
        (
            {
                "parties": [
                    {"role": "applicant", "name": "李四"},
                    {"role": "respondent", "name": "王五"},
                ]
            },
            "parties",
        ),
        ({"dispute_type": "99"}, "dispute_type"),
        ({"region": "330503101001"}, "region"),  # 南浔区: not the centre's territory
        ({"region": "999999999999"}, "region"),
    ],
)
def test_bad_applications_are_refused_with_the_field_and_nothing_is_made(
    client_as, table_counts, overrides, field
):
    counts = table_counts()
    status, answer = post(client_as("mediator"), "/api/v1/mediation/cases", body(**overrides))
    assert status == 400 and answer["errors"][0]["field"] == field, answer
    assert table_counts() == counts


def test_who_sees_what(client_as):
    case = register(client_as("mediator"))
    url = f"/api/v1/mediation/cases/{case['id']}"
    # A leader of the city sees it, with the parties masked, and no view of them is logged.
    views = AuditEvent.objects.filter(action="mediation.parties_view").count()
    seen = client_as("commander").get(url).json()
    assert seen["parties_masked"] and seen["parties"][0]["name"] == "李*"
    assert seen["parties"][0]["phone"] != "13812345678" and seen["allowed_actions"] == []
    assert AuditEvent.objects.filter(action="mediation.parties_view").count() == views
    # Others: not found, the same as a case that does not exist.
    for persona in ("outsider", "department", "resident", "gridworker"):
        assert client_as(persona).get(url).status_code == 404, persona
    # A township mediator does not take in disputes at a window of another level.
    status, _answer = post(client_as("department"), "/api/v1/mediation/cases", body())
    assert status == 403


def test_a_stale_version_is_refused(client_as):
    centre = client_as("mediator")
    case = register(centre)
    mediator = township_mediator()
    stale = {"HTTP_IF_MATCH": str(case["version"])}
    post(
        centre,
        f"/api/v1/mediation/cases/{case['id']}/actions/refer_out",
        {"target": "petition", "reason": "转信访"},
    )
    status, answer = post(
        centre,
        f"/api/v1/mediation/cases/{case['id']}/actions/assign",
        {"mediator": mediator.pk},
        **stale,
    )
    assert status == 409, answer
    assert DisputeCase.objects.get(pk=case["id"]).mediator_id is None


def test_the_pages_take_a_dispute_from_the_window_to_an_agreement(client_as):
    centre = client_as("mediator")
    inbox = centre.get("/mediation/")
    assert inbox.status_code == 200 and "待分派" in inbox.content.decode()
    form = centre.get("/mediation/new/")
    assert form.status_code == 200
    org = form.context["form"].fields["org"].choices[0][0]
    response = centre.post(
        "/mediation/new/",
        {
            "org": org,
            "dispute_type": "0202",
            "title": "广场舞扰民",
            "facts": "每晚十点后仍有音响声。",
            "region": YUEHE_VILLAGE,
            "people_involved": 2,
            "applicant_name": "赵六",
            "applicant_phone": "13800001111",
            "respondent_name": "广场舞队",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = DisputeCase.objects.get(title="广场舞扰民")
    assert Party.objects.filter(case=case).count() == 2
    page = centre.get(f"/mediation/{case.pk}/").content.decode()
    assert case.code in page and "推荐调解员" in page and "赵六" in page
    me = Mediator.objects.get(user__username="mediator")
    response = centre.post(
        f"/mediation/{case.pk}/act/assign/", {"mediator": me.pk, "version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    response = centre.post(
        f"/mediation/{case.pk}/act/agree/",
        {"agreement": "活动时间改为晚七点至八点半。", "version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "agreed"
    assert "活动时间改为" in centre.get(f"/mediation/{case.pk}/").content.decode()
    # The agreement to print and sign, with the parties in full; a leader may not print it.
    printed = centre.get(f"/mediation/{case.pk}/agreement/").content.decode()
    assert "人民调解协议书" in printed and "赵六" in printed and "活动时间改为" in printed
    assert client_as("commander").get(f"/mediation/{case.pk}/agreement/").status_code == 403


def test_similar_past_cases_come_with_their_agreements_gist(client_as):
    centre = client_as("mediator")
    me = Mediator.objects.get(user__username="mediator")
    done = register(centre, title="楼上洗衣机漏水")
    post(centre, f"/api/v1/mediation/cases/{done['id']}/actions/assign", {"mediator": me.pk})
    post(
        centre,
        f"/api/v1/mediation/cases/{done['id']}/actions/agree",
        {"agreement": "楼上更换排水管，赔偿楼下粉刷费 800 元。"},
    )
    other = register(centre, dispute_type="0501", title="欠薪")  # another type: not similar
    new = register(centre)
    similar = centre.get(f"/api/v1/mediation/cases/{new['id']}/similar").json()
    titles = [s["title"] for s in similar]
    assert titles[0] == "楼上洗衣机漏水" and similar[0]["gist"].startswith("楼上更换排水管")
    assert similar[0]["same_township"] and other["title"] not in titles
    assert "楼上更换排水管" in centre.get(f"/mediation/{new['id']}/").content.decode()
    # Someone who may not see the case gets nothing of it.
    assert (
        client_as("outsider").get(f"/api/v1/mediation/cases/{new['id']}/similar").status_code == 404
    )


def test_the_demo_mediator_has_work_on_day_one(client_as):
    home = client_as("mediator").get("/").content.decode()
    assert 'data-testid="mediation-inboxes"' in home and "我调解的" in home
    mine = client_as("mediator").get("/api/v1/mediation/cases?box=mine").json()
    assert mine["count"] >= 2
    pending = client_as("mediator").get("/api/v1/mediation/cases?box=assign").json()
    assert pending["count"] >= 1


def test_a_session_is_scheduled_the_parties_are_told_and_the_minutes_kept(
    client_as, outbox, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from shanzhi.mediation.models import MediationSession

    centre = client_as("mediator")
    case = register(centre)
    me = Mediator.objects.get(user__username="mediator")
    post(centre, f"/api/v1/mediation/cases/{case['id']}/actions/assign", {"mediator": me.pk})
    url = f"/api/v1/mediation/cases/{case['id']}/actions/"

    sessions = MediationSession.objects.count()
    past = (timezone.now() - datetime.timedelta(days=2)).isoformat()
    status, answer = post(
        centre, url + "schedule", {"kind": "room", "starts_at": past, "place": "月河街道说事室"}
    )
    assert status == 400 and answer["errors"][0]["field"] == "starts_at", answer
    assert MediationSession.objects.count() == sessions

    now = timezone.localtime().replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        status, scheduled = post(
            centre,
            url + "schedule",
            {"kind": "room", "starts_at": now.isoformat(), "place": "月河街道说事室"},
        )
    assert status == 200, scheduled
    (session,) = scheduled["sessions"]
    assert session["state"] == "scheduled" and session["place"] == "月河街道说事室"
    told = sorted(m.phone for m in outbox if m.kind == "mediation.session")
    assert told == ["13812345678", "13912345678"]
    assert case["code"] in outbox[-1].text and "月河街道说事室" in outbox[-1].text
    today = centre.get("/api/v1/mediation/cases?box=today").json()
    # (the demo's own session of 孙静 is today too when the demo was built before 15:00)
    assert case["code"] in [c["code"] for c in today["items"]]

    record = {
        "session": session["id"],
        "attendance": "双方均到场",
        "minutes": "申请人陈述漏水经过；被申请人同意检修。",
        "outcome": "同意先检修再谈赔偿",
    }
    status, recorded = post(centre, url + "record", record)
    assert status == 200 and recorded["sessions"][0]["state"] == "held"
    assert recorded["sessions"][0]["minutes"].startswith("申请人陈述")
    status, answer = post(centre, url + "record", record)
    assert status == 409, answer
    today = centre.get("/api/v1/mediation/cases?box=today").json()
    assert case["code"] not in [c["code"] for c in today["items"]]


def test_a_party_follows_the_case_with_the_code_and_four_digits(client, client_as, settings):
    from shanzhi.workorders.models import TrackingFailures

    centre = client_as("mediator")
    case = register(centre)
    me = Mediator.objects.get(user__username="mediator")
    post(centre, f"/api/v1/mediation/cases/{case['id']}/actions/assign", {"mediator": me.pk})
    post(centre, f"/api/v1/mediation/cases/{case['id']}/actions/agree", {"agreement": "十日内修好"})

    # A party's phone opens it; no one's personal data is shown.
    seen = client.get(f"/api/v1/mediation/track/{case['code']}?phone_tail=5678").json()
    assert seen["state"] == "agreed" and seen["agreement"] == "十日内修好"
    assert "李四" not in str(seen) and "13812345678" not in str(seen)
    page = client.get("/mediation/track/", {"code": case["code"].lower(), "phone_tail": "5678"})
    assert page.status_code == 200 and "十日内修好" in page.content.decode()
    assert "李四" not in page.content.decode()

    # Wrong tails: the same 404 as an unknown code, then the code is locked for the day.
    wrong = client.get(f"/api/v1/mediation/track/{case['code']}?phone_tail=0000")
    unknown = client.get("/api/v1/mediation/track/TJ261205ZZZZZZZ?phone_tail=5678")
    assert (wrong.status_code, unknown.status_code) == (404, 404)
    assert wrong.json()["detail"] == unknown.json()["detail"]
    for _ in range(settings.TRACKING_FAILURE_LIMIT):
        client.get(f"/api/v1/mediation/track/{case['code']}?phone_tail=0000")
    locked = client.get(f"/api/v1/mediation/track/{case['code']}?phone_tail=5678")
    assert locked.status_code == 403
    assert TrackingFailures.objects.filter(code=case["code"], locked_at__isnull=False).exists()
    page = client.get("/mediation/track/", {"code": case["code"], "phone_tail": "12a4"})
    assert page.status_code == 400 and "后四位" in page.content.decode()


def test_the_mediation_period_is_warned_then_marked_overdue_once(
    client_as, outbox, django_capture_on_commit_callbacks
):
    import datetime

    from shanzhi.mediation.services import deadlines_sweep

    centre = client_as("mediator")
    case = register(centre)
    me = Mediator.objects.get(user__username="mediator")
    post(centre, f"/api/v1/mediation/cases/{case['id']}/actions/assign", {"mediator": me.pk})
    stored = DisputeCase.objects.get(pk=case["id"])
    # 15 working days for 邻里纠纷 › 漏水渗水, counted on the calendar from the intake.
    assert stored.due_at > stored.registered_at + datetime.timedelta(days=15)

    with django_capture_on_commit_callbacks(execute=True):
        assert deadlines_sweep(now=stored.due_at - datetime.timedelta(days=4))["warned"] == 0
        deadlines_sweep(now=stored.due_at - datetime.timedelta(days=2))
        deadlines_sweep(now=stored.due_at - datetime.timedelta(days=1))  # nothing new
    stored.refresh_from_db()
    assert stored.warned_at is not None and not stored.is_overdue
    warned = [m for m in outbox if m.kind == "mediation.warn" and m.object_id == stored.code]
    assert len(warned) == 1 and warned[0].user_id == me.user_id

    with django_capture_on_commit_callbacks(execute=True):
        deadlines_sweep(now=stored.due_at + datetime.timedelta(minutes=1))
        deadlines_sweep(now=stored.due_at + datetime.timedelta(hours=1))
    stored.refresh_from_db()
    assert stored.is_overdue
    assert (
        len([m for m in outbox if m.kind == "mediation.overdue" and m.object_id == stored.code])
        == 1
    )
    steps = [
        s["action"] for s in centre.get(f"/api/v1/mediation/cases/{case['id']}").json()["timeline"]
    ]
    assert steps == ["register", "assign", "warn", "overdue"]
    overdue = centre.get("/api/v1/mediation/cases?box=overdue").json()
    assert case["code"] in [c["code"] for c in overdue["items"]]


def test_the_public_applies_through_a_window_code_and_follows_the_case(
    client, client_as, outbox, django_capture_on_commit_callbacks, table_counts
):
    from shanzhi.mediation.models import MediationOrg

    township = MediationOrg.objects.get(unit__name="月河街道人民调解委员会")
    # The township committee's staff print its 解纷码, which opens the form for it.
    codes = client_as(TOWNSHIP_MEDIATOR).get("/mediation/codes/")
    assert codes.status_code == 200 and "<svg" in codes.content.decode()
    assert f"/mediation/apply/?org={township.pk}" in codes.content.decode()
    assert client_as("resident").get("/mediation/codes/").status_code == 403

    form = client.get(f"/mediation/apply/?org={township.pk}")
    assert form.status_code == 200 and "月河街道人民调解委员会" in form.content.decode()
    application = {
        "dispute_type": "0202",
        "title": "楼下烧烤油烟",
        "facts": "楼下饭店夜间烧烤，油烟进屋。",
        "region": YUEHE_VILLAGE,
        "people_involved": 2,
        "applicant_name": "周小燕",
        "applicant_phone": "13600001234",
        "respondent_name": "某烧烤店",
    }
    counts = table_counts()
    refused = client.post(f"/mediation/apply/?org={township.pk}", {**application, "region": ""})
    assert refused.status_code == 400 and table_counts() == counts
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/mediation/apply/?org={township.pk}", application)
    assert done.status_code == 200
    case = DisputeCase.objects.get(title="楼下烧烤油烟")
    assert case.code in done.content.decode()
    assert (case.source, case.state, case.dispatch_unit_id) == ("online", "pending", township.pk)
    (sms,) = [m for m in outbox if m.kind == "mediation.applied"]
    assert sms.phone == "13600001234" and case.code in sms.text
    # The committee sees it waiting for assignment; the applicant follows it with four digits.
    waiting = client_as(TOWNSHIP_MEDIATOR).get("/api/v1/mediation/cases?box=assign").json()
    assert case.code in [c["code"] for c in waiting["items"]]
    tracked = client.get(f"/api/v1/mediation/track/{case.code}?phone_tail=1234").json()
    assert tracked["state"] == "pending" and tracked["org"] == "月河街道人民调解委员会"

    # The API does the same for apps; a village committee has no window, a wrong org none.
    status, answer = post(
        client,
        "/api/v1/mediation/applications",
        {**body(), "org": township.pk},
    )
    assert status == 201 and answer["code"].startswith("TJ")
    village = MediationOrg.objects.filter(level="village").first()
    status, answer = post(client, "/api/v1/mediation/applications", {**body(), "org": village.pk})
    assert status == 400 and answer["errors"][0]["field"] == "org"
    assert client.get(f"/mediation/apply/?org={village.pk}").status_code == 404


def test_a_major_dispute_gets_its_3_plus_x_consultation(client_as):
    from django.utils import timezone

    centre = client_as("mediator")
    ordinary = register(centre)
    major = register(centre, is_group=True, people_involved=40, title="预付卡退费")
    held = timezone.localtime().replace(microsecond=0).isoformat()
    record = {
        "held_at": held,
        "participants": "吴兴区法院法官、首席调解员、法律援助律师、区市场监管局",
        "plan": "市场监管局督促经营者退费，法院指导集体诉讼准备。",
        "tasks": "市场监管局：七日内约谈；调解员：登记会员名单。",
    }
    status, answer = post(
        centre, f"/api/v1/mediation/cases/{ordinary['id']}/actions/consult", record
    )
    assert status == 409, answer  # not a major or group dispute
    assert "consult" not in ordinary["allowed_actions"] and "consult" in major["allowed_actions"]
    status, consulted = post(
        centre, f"/api/v1/mediation/cases/{major['id']}/actions/consult", record
    )
    assert status == 200 and consulted["consultations"][0]["plan"].startswith("市场监管局督促")
    assert "法律援助律师" in centre.get(f"/mediation/{major['id']}/").content.decode()


def test_a_suspension_stops_the_clock_and_resuming_moves_the_deadline(client_as):
    import datetime

    import time_machine
    from django.utils import timezone

    from shanzhi.core import workdays
    from shanzhi.mediation.services import deadlines_sweep

    centre = client_as("mediator")
    case = register(centre)
    me = Mediator.objects.get(user__username="mediator")
    post(centre, f"/api/v1/mediation/cases/{case['id']}/actions/assign", {"mediator": me.pk})
    url = f"/api/v1/mediation/cases/{case['id']}/actions/"
    status, suspended = post(centre, url + "suspend", {"reason": "双方同意等待房屋渗漏鉴定"})
    assert status == 200 and suspended["suspended"]
    assert post(centre, url + "suspend", {"reason": "再次中止"})[0] == 409
    stored = DisputeCase.objects.get(pk=case["id"])
    due, suspended_at = stored.due_at, stored.suspended_at
    # While suspended, the end of the period passes without a warning or an overdue mark.
    deadlines_sweep(now=due + datetime.timedelta(days=1))
    stored.refresh_from_db()
    assert stored.warned_at is None and not stored.is_overdue

    later = timezone.now() + datetime.timedelta(days=10)
    with time_machine.travel(later, tick=False):
        status, resumed = post(centre, url + "resume", {})
    assert status == 200 and not resumed["suspended"]
    stored.refresh_from_db()
    # The deadline moved on by exactly the working time the case stood still.
    paused = workdays.working_time_between(suspended_at, later)
    assert paused > datetime.timedelta(0)
    assert stored.due_at == workdays.add_working_time(due, paused)
    assert stored.suspended_at is None
    assert post(centre, url + "resume", {})[0] == 409
    steps = [s["action"] for s in resumed["timeline"]]
    assert steps[-2:] == ["suspend", "resume"]


def test_a_party_rates_the_mediation_once_it_is_closed(client, client_as):
    centre = client_as("mediator")
    case = register(centre)
    url = f"/api/v1/mediation/track/{case['code']}/rating"
    status, answer = post(client, url, {"phone_tail": "5678", "rating": "satisfied"})
    assert status == 409, answer  # not closed yet
    me = Mediator.objects.get(user__username="mediator")
    post(centre, f"/api/v1/mediation/cases/{case['id']}/actions/assign", {"mediator": me.pk})
    post(centre, f"/api/v1/mediation/cases/{case['id']}/actions/agree", {"agreement": "已修好"})
    status, answer = post(client, url, {"phone_tail": "5678", "rating": "dissatisfied"})
    assert status == 400 and answer["errors"][0]["field"] == "comment"
    page = client.get("/mediation/track/", {"code": case["code"], "phone_tail": "5678"})
    assert 'data-testid="rate-form"' in page.content.decode()
    rated = client.post(
        "/mediation/track/rate/",
        {"code": case["code"], "phone_tail": "5678", "rating": "basically", "comment": ""},
    )
    assert rated.status_code == 200 and 'data-testid="rated"' in rated.content.decode()
    stored = DisputeCase.objects.get(pk=case["id"])
    assert (stored.rating, stored.rated_at is not None) == ("basically", True)
    status, answer = post(client, url, {"phone_tail": "5678", "rating": "satisfied"})
    assert status == 409 and DisputeCase.objects.get(pk=case["id"]).rating == "basically"
    assert (
        centre.get(f"/api/v1/mediation/cases/{case['id']}").json()["timeline"][-1]["action"]
        == "rate"
    )


def test_a_point_gives_the_grid_and_the_village(client_as):
    from shanzhi.workorders.tests.helpers import YUEHE_GRID, point_in

    lon, lat = point_in(YUEHE_GRID)
    case = register(client_as("mediator"), lon=lon, lat=lat, region=YUEHE_GRID[:12])
    stored = DisputeCase.objects.get(pk=case["id"])
    # The area is the village (12 digits), the grid kept beside it.
    assert (stored.area_code, stored.grid.code) == (YUEHE_GRID[:12], YUEHE_GRID)
