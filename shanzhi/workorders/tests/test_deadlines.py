"""Deadlines on the working-day calendar with frozen time, across the 2026 Mid-Autumn and
National Day holidays (09-25…27 and 10-01…07 off; Sunday 09-20 and Saturday 10-10 worked)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shanzhi.core.models import AuditEvent
from shanzhi.org.models import Unit
from shanzhi.workorders.models import WorkOrder
from shanzhi.workorders.services import deadlines_sweep
from shanzhi.workorders.tests.helpers import act, register

CST = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args):
    return datetime.datetime(*args, tzinfo=CST)


def end_of(y, m, d):
    return at(y, m, d, 23, 59, 59)


@pytest.fixture
def housing():
    return Unit.objects.get(name="吴兴区住房和城乡建设局")


def registered_and_dispatched(client_as, housing, when, **appeal):
    with time_machine.travel(when, tick=False):
        order_id = register(client_as("operator"), **appeal)["work_order_id"]
        status, _ = act(client_as("dispatcher"), order_id, "dispatch", {"lead_unit": housing.pk})
        assert status == 200
    return WorkOrder.objects.get(pk=order_id)


def events(order, action):
    return list(
        AuditEvent.objects.filter(object_type="workorder", object_id=str(order.pk), action=action)
    )


def test_a_complaint_dispatched_before_mid_autumn(client_as, housing):
    order = registered_and_dispatched(client_as, housing, at(2026, 9, 24, 10, 0))
    # Sign for within 1 working day: the 25th–27th are holidays, so Monday the 28th.
    assert order.sign_deadline == end_of(2026, 9, 28)
    # 13 working days from the next day: 28, 29, 30, 8, 9, 10 (Sat, worked), 12 … 20.
    assert order.handle_deadline == end_of(2026, 10, 20)
    assert (
        order.warn_at == order.dispatched_at + (order.handle_deadline - order.dispatched_at) * 0.75
    )
    assert (order.sign_limit_unit, order.handle_limit_unit) == ("working_days", "working_days")


def test_a_consultation_gets_three_working_days_and_urgent_matters_hours(client_as, housing):
    consult = registered_and_dispatched(client_as, housing, at(2026, 9, 30, 9, 0), nature="help")
    assert consult.handle_deadline == end_of(2026, 10, 10)  # 8, 9 and the make-up Saturday
    urgent = registered_and_dispatched(client_as, housing, at(2026, 10, 1, 22, 0), urgency="urgent")
    assert urgent.sign_deadline == at(2026, 10, 2, 0, 0)  # 2 hours, through the holiday night
    assert urgent.handle_deadline == at(2026, 10, 2, 22, 0)
    critical = registered_and_dispatched(
        client_as, housing, at(2026, 10, 1, 22, 0), urgency="critical"
    )
    assert (critical.sign_deadline, critical.handle_deadline) == (
        at(2026, 10, 1, 22, 30),
        at(2026, 10, 2, 0, 0),
    )


def test_overdue_then_reminded_the_next_working_morning(
    client_as, housing, outbox, django_capture_on_commit_callbacks
):
    order = registered_and_dispatched(client_as, housing, at(2026, 10, 8, 10, 0))
    assert order.sign_deadline == end_of(2026, 10, 9)  # Friday
    with time_machine.travel(at(2026, 10, 9, 23, 0), tick=False):
        assert deadlines_sweep()["sign_overdue"] == 0
    with (
        time_machine.travel(at(2026, 10, 10, 0, 5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        counts = deadlines_sweep()
    assert (counts["sign_overdue"], counts["reminded"]) == (1, 0)
    order.refresh_from_db()
    # The reminder waits for the next working morning: the make-up Saturday 10-10.
    assert order.is_sign_overdue and order.remind_at == at(2026, 10, 10, 8, 30)
    assert [m.kind for m in outbox] == ["workorder.overdue"]
    with time_machine.travel(at(2026, 10, 10, 8, 31), tick=False):
        assert deadlines_sweep()["reminded"] == 1
        assert deadlines_sweep()["reminded"] == 0  # once only
    assert len(events(order, "remind")) == 1
    order.refresh_from_db()
    assert order.reminded_at == at(2026, 10, 10, 8, 31)


def test_warning_and_handling_overdue(client_as, housing):
    order = registered_and_dispatched(client_as, housing, at(2026, 9, 24, 10, 0))
    with time_machine.travel(at(2026, 9, 24, 11, 0), tick=False):
        act(client_as("department"), order.pk, "sign")
    with time_machine.travel(order.warn_at - datetime.timedelta(minutes=1), tick=False):
        assert deadlines_sweep()["warned"] == 0
    with time_machine.travel(order.warn_at + datetime.timedelta(minutes=1), tick=False):
        assert deadlines_sweep()["warned"] == 1
    with time_machine.travel(at(2026, 10, 21, 0, 1), tick=False):
        counts = deadlines_sweep()
    assert counts["overdue"] == 1
    order.refresh_from_db()
    assert order.is_overdue and order.remind_at == at(2026, 10, 21, 8, 30)
    assert [e.after["stage"] for e in events(order, "overdue")] == ["handle"]


def test_suspension_gives_back_the_working_time_it_took(client_as, housing):
    order = registered_and_dispatched(client_as, housing, at(2026, 9, 24, 10, 0))
    dispatcher = client_as("dispatcher")
    with time_machine.travel(at(2026, 9, 24, 11, 0), tick=False):
        act(client_as("department"), order.pk, "sign")
    with time_machine.travel(at(2026, 9, 29, 12, 0), tick=False):
        assert act(dispatcher, order.pk, "suspend", {"reason": "等待法院判决"})[0] == 200
    # While suspended, the sweep does not mark it overdue, however long it waits.
    with time_machine.travel(at(2026, 11, 30, 9, 0), tick=False):
        deadlines_sweep()
        order.refresh_from_db()
        assert (order.state, order.is_overdue, events(order, "overdue")) == ("suspended", False, [])
        status, detail = act(dispatcher, order.pk, "resume")
    assert (status, detail["state"]) == (200, "handling")
    order.refresh_from_db()
    # At 09-29 12:00 it had 12 h of the 29th, the 30th, and 8 … 20 October (10 days) left:
    # 11.5 working days from 11-30 09:00 → 12-15 21:00, to the end of that day.
    assert order.handle_deadline == end_of(2026, 12, 15)
    assert not order.is_overdue and order.suspended_at is None


def test_an_approved_extension_adds_working_days(client_as, housing):
    order = registered_and_dispatched(client_as, housing, at(2026, 9, 24, 10, 0))
    department, dispatcher = client_as("department"), client_as("dispatcher")
    with time_machine.travel(at(2026, 9, 24, 11, 0), tick=False):
        act(department, order.pk, "sign")
        act(department, order.pk, "request_extension", {"days": 3, "reason": "材料未到"})
        status, detail = act(dispatcher, order.pk, "decide_extension", {"approve": True})
    assert status == 200
    order.refresh_from_db()
    assert order.handle_deadline == end_of(2026, 10, 23)  # 20 + 21, 22, 23
    assert order.extension_days == 3
    with time_machine.travel(at(2026, 9, 25, 9, 0), tick=False):
        act(department, order.pk, "request_extension", {"days": 2, "reason": "再延"})
        status, body = act(dispatcher, order.pk, "decide_extension", {"approve": False})
    assert status == 400 and body["errors"][0]["field"] == "note"  # a refusal needs a reason
    with time_machine.travel(at(2026, 9, 25, 9, 0), tick=False):
        status, _ = act(
            dispatcher, order.pk, "decide_extension", {"approve": False, "note": "理由不充分"}
        )
    assert status == 200
    order.refresh_from_db()
    assert order.handle_deadline == end_of(2026, 10, 23)


def test_unrated_answers_are_archived_after_seven_days(client_as, housing):
    order = registered_and_dispatched(client_as, housing, at(2026, 11, 2, 10, 0))
    department, dispatcher = client_as("department"), client_as("dispatcher")
    with time_machine.travel(at(2026, 11, 3, 10, 0), tick=False):
        act(department, order.pk, "sign")
        act(department, order.pk, "reply", {"result": "solved", "text": "已修复"})
        act(dispatcher, order.pk, "verify", {"accept": True})
    with time_machine.travel(at(2026, 11, 10, 9, 59), tick=False):
        assert deadlines_sweep()["archived"] == 0
    with time_machine.travel(at(2026, 11, 10, 10, 1), tick=False):
        assert deadlines_sweep()["archived"] == 1
    order.refresh_from_db()
    assert order.state == "archived" and order.appeals.get().rating == ""
    assert events(order, "archive")[0].after == {"state": "archived", "auto": True}
