"""司法确认 after an agreement, on the calendar of civil procedure across the 2026 National Day
holidays (10-01…07 off, Saturday 10-10 a make-up working day): the parties' 30 days to apply,
the court's 3 days to accept, the reminders, and the refusals that change nothing."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shanzhi.core.models import AuditEvent
from shanzhi.mediation.models import DisputeCase, JudicialConfirmation, Mediator
from shanzhi.mediation.services import deadlines_sweep
from shanzhi.mediation.tests.test_cases import post, register

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=CST)


def moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def agreed_case(centre, moment: datetime.datetime) -> dict:
    """A case taken in, assigned to the centre's own mediator and agreed at `moment`."""
    with time_machine.travel(moment, tick=False):
        case = register(centre)
        me = Mediator.objects.get(user__username="mediator")
        url = f"/api/v1/mediation/cases/{case['id']}/actions/"
        assert post(centre, url + "assign", {"mediator": me.pk})[0] == 200
        status, agreed = post(
            centre, url + "agree", {"agreement": "十日内修复防水层，赔偿 2000 元。"}
        )
    assert status == 200, agreed
    return agreed


def act(client, case, name, data, moment):
    with time_machine.travel(moment, tick=False):
        return post(client, f"/api/v1/mediation/cases/{case['id']}/actions/{name}", data)


def test_apply_within_thirty_days_then_the_court_accepts_and_confirms(client_as, client):
    centre = client_as("mediator")
    case = agreed_case(centre, at(2026, 9, 1, 16, 0))
    # 30 days from 1 September end on 1 October, a holiday: the window runs to 8 October.
    assert moment(case["confirmation"]["apply_by"]) == at(2026, 10, 8, 23, 59, 59)
    assert case["confirmation"]["state"] == ""
    assert "apply" not in case["allowed_actions"] and "confirm_apply" in case["allowed_actions"]

    # Recorded on the 9th, too late: 409 and nothing stored.
    version = DisputeCase.objects.get(pk=case["id"]).version
    status, answer = act(
        centre,
        case,
        "confirm_apply",
        {"court": "吴兴区人民法院", "applied_on": "2026-10-09"},
        at(2026, 10, 9, 10, 0),
    )
    assert status == 409 and "2026-10-08" in answer["detail"]
    assert not JudicialConfirmation.objects.exists()
    assert DisputeCase.objects.get(pk=case["id"]).version == version

    # Applied on the last day (the 8th), recorded the next morning: in time. The court's three
    # days from the 8th end on Sunday 11 October, so on Monday the 12th.
    status, applied = act(
        centre,
        case,
        "confirm_apply",
        {"court": "吴兴区人民法院", "applied_on": "2026-10-08"},
        at(2026, 10, 9, 10, 5),
    )
    assert status == 200, applied
    assert applied["confirmation"]["state"] == "applied"
    assert moment(applied["confirmation"]["accept_due_at"]) == at(2026, 10, 12, 23, 59, 59)
    assert [a for a in applied["allowed_actions"] if a.startswith("confirm")] == ["confirm_accept"]
    # A second application is a conflict.
    status, _answer = act(
        centre,
        case,
        "confirm_apply",
        {"court": "另一法院", "applied_on": "2026-10-08"},
        at(2026, 10, 9, 10, 6),
    )
    assert status == 409
    assert JudicialConfirmation.objects.get().court == "吴兴区人民法院"

    # The court's ruling cannot come before its acceptance.
    ruling = {
        "confirmed": True,
        "ruled_on": "2026-10-20",
        "ruling_number": "（2026）浙0502民特123号",
    }
    assert act(centre, case, "confirm_rule", ruling, at(2026, 10, 20, 9, 0))[0] == 409
    # A decision before the application, or not accepting without a reason: 400.
    status, answer = act(
        centre,
        case,
        "confirm_accept",
        {"accepted": True, "decided_on": "2026-10-07"},
        at(2026, 10, 12, 9, 0),
    )
    assert status == 400 and answer["errors"][0]["field"] == "decided_on"
    status, answer = act(
        centre,
        case,
        "confirm_accept",
        {"accepted": False, "decided_on": "2026-10-12"},
        at(2026, 10, 12, 9, 0),
    )
    assert status == 400 and answer["errors"][0]["field"] == "reason"
    assert JudicialConfirmation.objects.get().state == "applied"

    status, accepted = act(
        centre,
        case,
        "confirm_accept",
        {"accepted": True, "decided_on": "2026-10-12"},
        at(2026, 10, 12, 9, 0),
    )
    assert status == 200 and accepted["confirmation"]["state"] == "accepted"
    status, confirmed = act(centre, case, "confirm_rule", ruling, at(2026, 10, 20, 9, 0))
    assert status == 200, confirmed
    assert confirmed["confirmation"]["state"] == "confirmed"
    assert confirmed["confirmation"]["ruling_number"] == "（2026）浙0502民特123号"
    assert not [a for a in confirmed["allowed_actions"] if a.startswith("confirm")]
    steps = [s["action"] for s in confirmed["timeline"]]
    assert steps[-3:] == ["confirm_apply", "confirm_accept", "confirm_rule"]

    # The parties see it on their page, without anyone's personal data.
    with time_machine.travel(at(2026, 10, 20, 10, 0), tick=False):
        public = client.get(f"/api/v1/mediation/track/{case['code']}?phone_tail=5678").json()
        page = client.get("/mediation/track/", {"code": case["code"], "phone_tail": "5678"})
    assert public["confirmation"]["state_label"] == "已确认有效"
    assert "已确认有效" in page.content.decode() and "李四" not in page.content.decode()


def test_the_court_may_refuse_and_outsiders_cannot_record_anything(client_as):
    centre = client_as("mediator")
    case = agreed_case(centre, at(2026, 11, 2, 10, 0))
    # Another township's mediator and a leader: 404 and 403, nothing stored.
    other = client_as("tj3305020021")
    assert (
        act(
            other,
            case,
            "confirm_apply",
            {"court": "某法院", "applied_on": "2026-11-03"},
            at(2026, 11, 3, 9, 0),
        )[0]
        == 404
    )
    assert (
        act(
            client_as("leader"),
            case,
            "confirm_apply",
            {"court": "某法院", "applied_on": "2026-11-03"},
            at(2026, 11, 3, 9, 0),
        )[0]
        == 403
    )
    # A day in the future is refused.
    status, answer = act(
        centre,
        case,
        "confirm_apply",
        {"court": "吴兴区人民法院", "applied_on": "2026-11-04"},
        at(2026, 11, 3, 9, 0),
    )
    assert status == 400 and answer["errors"][0]["field"] == "applied_on"
    assert not JudicialConfirmation.objects.exists()

    act(
        centre,
        case,
        "confirm_apply",
        {"court": "吴兴区人民法院", "applied_on": "2026-11-03"},
        at(2026, 11, 3, 9, 0),
    )
    act(
        centre,
        case,
        "confirm_accept",
        {"accepted": True, "decided_on": "2026-11-04"},
        at(2026, 11, 4, 9, 0),
    )
    status, answer = act(
        centre,
        case,
        "confirm_rule",
        {"confirmed": False, "ruled_on": "2026-11-10", "ruling_number": "（2026）浙0502民特9号"},
        at(2026, 11, 10, 9, 0),
    )
    assert status == 400 and answer["errors"][0]["field"] == "reason"
    status, refused = act(
        centre,
        case,
        "confirm_rule",
        {
            "confirmed": False,
            "ruled_on": "2026-11-10",
            "ruling_number": "（2026）浙0502民特9号",
            "reason": "协议内容损害案外人利益",
        },
        at(2026, 11, 10, 9, 0),
    )
    assert status == 200 and refused["confirmation"]["state"] == "refused"
    assert refused["confirmation"]["note"] == "协议内容损害案外人利益"


def test_the_sweep_reminds_before_the_window_closes_and_marks_a_late_court(
    client_as, outbox, django_capture_on_commit_callbacks
):
    centre = client_as("mediator")
    me = Mediator.objects.get(user__username="mediator")
    # Agreed on 10 September: the 30th day is Saturday 10 October, a make-up working day.
    quiet = agreed_case(centre, at(2026, 9, 10, 9, 0))
    stored = DisputeCase.objects.get(pk=quiet["id"])
    assert stored.confirm_due_at == at(2026, 10, 10, 23, 59, 59)

    with django_capture_on_commit_callbacks(execute=True):
        assert deadlines_sweep(now=at(2026, 10, 4, 9, 0))["confirm_reminded"] == 0
        counts = deadlines_sweep(now=at(2026, 10, 6, 9, 0))
        assert counts["confirm_reminded"] == 1
        assert deadlines_sweep(now=at(2026, 10, 6, 9, 1))["confirm_reminded"] == 0
    told = [m for m in outbox if m.kind == "mediation.confirm_remind"]
    assert sorted(m.phone for m in told if m.phone) == ["13812345678", "13912345678"]
    assert [m.user_id for m in told if m.user_id] == [me.user_id]
    assert "2026-10-10" in told[0].text
    with time_machine.travel(at(2026, 10, 6, 9, 2), tick=False):
        box = centre.get("/api/v1/mediation/cases?box=confirm").json()
    assert [c["code"] for c in box["items"]] == [quiet["code"]]

    # Applied on 29 September: the court's 3 days end on 2 October, a holiday → 8 October.
    waiting = agreed_case(centre, at(2026, 9, 28, 9, 0))
    act(
        centre,
        waiting,
        "confirm_apply",
        {"court": "吴兴区人民法院", "applied_on": "2026-09-29"},
        at(2026, 9, 29, 15, 0),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deadlines_sweep(now=at(2026, 10, 8, 23, 0))["court_late"] == 0
        assert deadlines_sweep(now=at(2026, 10, 9, 0, 1))["court_late"] == 1
        assert deadlines_sweep(now=at(2026, 10, 9, 0, 2))["court_late"] == 0
    assert JudicialConfirmation.objects.get(case_id=waiting["id"]).is_accept_late
    late = [m for m in outbox if m.kind == "mediation.confirm_late"]
    assert len(late) == 1 and "吴兴区人民法院" in late[0].text and late[0].user_id == me.user_id
    assert (
        AuditEvent.objects.filter(
            action="confirm_late", object_type="mediation", object_id=str(waiting["id"])
        ).count()
        == 1
    )


def test_the_case_page_records_the_confirmation(client_as):
    centre = client_as("mediator")
    case = agreed_case(centre, at(2026, 11, 2, 10, 0))
    with time_machine.travel(at(2026, 11, 3, 9, 0), tick=False):
        page = centre.get(f"/mediation/{case['id']}/").content.decode()
        assert "如需申请司法确认，双方当事人须于 2026-12-02 前共同向人民法院提出。" in page
        response = centre.post(
            f"/mediation/{case['id']}/act/confirm_apply/",
            {
                "version": DisputeCase.objects.get(pk=case["id"]).version,
                "court": "吴兴区人民法院",
                "applied_on": "2026-11-03",
            },
        )
    assert response.status_code in (200, 302)
    confirmation = JudicialConfirmation.objects.get(case_id=case["id"])
    assert (confirmation.court, confirmation.applied_on) == (
        "吴兴区人民法院",
        datetime.date(2026, 11, 3),
    )
    with time_machine.travel(at(2026, 11, 3, 9, 1), tick=False):
        page = centre.get(f"/mediation/{case['id']}/").content.decode()
    assert 'data-testid="confirmation-state">已申请' in page
