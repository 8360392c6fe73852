"""Two people acting on the same work order at the same moment: one succeeds, the other gets
409 with a clear message, and no half-applied action remains. Real threads, real connections,
committed data (these tests run last: they end by flushing the database)."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from shanzhi.core.selectors import audit_chain_verify
from shanzhi.org.models import Unit
from shanzhi.workorders import services
from shanzhi.workorders.models import Assignment, WorkOrder
from shanzhi.workorders.tests.helpers import ROAD_DAMAGE, point_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _new_order() -> WorkOrder:
    lon, lat = point_in()
    return services.appeal_register(
        actor=_user("operator"),
        data=services.AppealInput(
            channel="hotline",
            nature="complaint",
            category_code=ROAD_DAMAGE,
            content="并发测试",
            lon=lon,
            lat=lat,
            appellant_phone="13800000000",
        ),
    ).appeal.work_order


def _dispatched_order() -> WorkOrder:
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    return services.workorder_dispatch(
        actor=_user("dispatcher"), order_id=_new_order().pk, lead_unit_id=housing.pk
    )


def _race(username: str, url: str, body: dict, runners: int = 2) -> list[tuple[int, dict]]:
    """POST the same action from several clients at once, each on its own connection."""
    barrier = threading.Barrier(runners)
    results: list = [None] * runners
    user = _user(username)

    def run(index):
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            response = client.post(url, json.dumps(body), content_type="application/json")
            results[index] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(results, key=lambda r: r[0])


def test_two_signatures_at_once():
    order = _dispatched_order()
    results = _race("department", f"/api/v1/workorders/{order.pk}/actions/sign", {})
    assert [status for status, _ in results] == [200, 409]
    assert "待签收" not in results[1][1]["detail"] and "刷新" in results[1][1]["detail"]
    order.refresh_from_db()
    assert order.state == "handling" and order.version == 3  # register, dispatch, one sign
    assert Assignment.objects.filter(work_order=order, state="signed").count() == 1
    assert audit_chain_verify().ok


def test_two_replies_at_once_leave_one_reply():
    order = _dispatched_order()
    services.workorder_sign(actor=_user("department"), order_id=order.pk)
    results = _race(
        "department",
        f"/api/v1/workorders/{order.pk}/actions/reply",
        {"result": "solved", "text": "已修复"},
        runners=3,
    )
    assert [status for status, _ in results] == [200, 409, 409]
    order.refresh_from_db()
    assert (order.state, order.version) == ("pending_verify", 4)
    assert audit_chain_verify().ok


def test_concurrent_dispatches_without_if_match_have_one_winner():
    """An independent test fired 20 dispatches at one new order: all 20 succeeded (20 events,
    20 assignments, 20 notifications). Now one wins; the others see a dispatched order, and a
    改派 without the version they saw is a conflict."""
    from shanzhi.core.models import AuditEvent

    order = _new_order()
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    results = _race(
        "dispatcher",
        f"/api/v1/workorders/{order.pk}/actions/dispatch",
        {"lead_unit": housing.pk},
        runners=6,
    )
    assert [status for status, _ in results] == [200] + [409] * 5, results
    assert all("刷新" in body["detail"] for _status, body in results[1:])
    order.refresh_from_db()
    assert (order.state, order.version) == ("pending_sign", 2)
    assert Assignment.objects.filter(work_order=order).count() == 1
    events = AuditEvent.objects.filter(object_type="workorder", object_id=str(order.pk))
    assert events.filter(action="dispatch").count() == 1
    assert audit_chain_verify().ok


def _together(*requests) -> list[int]:
    """Send several different requests at once, each (username, url, body, headers) from its own
    client on its own connection; their statuses in the same order."""
    barrier = threading.Barrier(len(requests))
    statuses: list = [None] * len(requests)
    errors: list = []

    def run(index, username, url, body, headers):
        client = Client()
        client.force_login(_user(username))
        barrier.wait()
        try:
            response = client.post(
                url, json.dumps(body), content_type="application/json", **headers
            )
            statuses[index] = response.status_code
        except Exception as error:  # noqa: BLE001 (reported by the test below)
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return statuses


def test_a_sign_racing_a_redispatch_leaves_consistent_assignments():
    """The sign-for waited on the row the re-dispatch changed; with joins under FOR UPDATE it saw
    lead_unit None while lead_unit_id was set, and the order became 办理中 with its lead
    assignment still 待签收. Now either the sign wins (then the re-dispatch is stale: 409) or
    the re-dispatch wins (then the old unit may not sign: refused), never both halves."""
    enforcement = Unit.objects.get(name="月河街道综合执法平台")
    for _trial in range(4):
        order = _dispatched_order()
        url = f"/api/v1/workorders/{order.pk}/actions/"
        sign, dispatch = _together(
            ("department", url + "sign", {}, {}),
            (
                "dispatcher",
                url + "dispatch",
                {"lead_unit": enforcement.pk},
                {"HTTP_IF_MATCH": str(order.version)},
            ),
        )
        assert sorted([sign, dispatch]) in ([200, 403], [200, 409]), (sign, dispatch)
        order.refresh_from_db()
        lead = Assignment.objects.get(
            work_order=order, unit_id=order.lead_unit_id, state__in=["pending_sign", "signed"]
        )
        if order.state == "handling":
            assert sign == 200
            assert (lead.state, lead.signed_at is not None) == ("signed", True)
        else:
            assert (order.state, dispatch) == ("pending_sign", 200)
            assert order.lead_unit_id == enforcement.pk
            assert (lead.state, lead.signed_at) == ("pending_sign", None)
    assert audit_chain_verify().ok
