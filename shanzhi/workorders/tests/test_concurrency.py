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


def _dispatched_order() -> WorkOrder:
    lon, lat = point_in()
    appeal = services.appeal_register(
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
    ).appeal
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    return services.workorder_dispatch(
        actor=_user("dispatcher"), order_id=appeal.work_order_id, lead_unit_id=housing.pk
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
