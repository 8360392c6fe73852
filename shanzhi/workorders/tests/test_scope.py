"""Scope: the outsider (织里镇's dispatcher) sees none of 月河街道's work orders through any list,
inbox, search, detail or action, and their refused actions change nothing."""

import pytest

from shanzhi.workorders.models import WorkOrder
from shanzhi.workorders.selectors import INBOXES
from shanzhi.workorders.tests.helpers import act

pytestmark = pytest.mark.django_db

YUEHE = "330502001"


@pytest.fixture
def yuehe_orders():
    orders = list(WorkOrder.objects.filter(area_code__startswith=YUEHE))
    assert len(orders) >= 10  # the demo's orders in 月河街道
    return orders


def test_no_list_or_inbox_shows_another_townships_orders(client_as, yuehe_orders):
    outsider = client_as("outsider")
    for box in INBOXES:
        items = outsider.get(f"/api/v1/workorders?box={box}&limit=200").json()["items"]
        assert not [i for i in items if i["area_code"].startswith(YUEHE)], box
        page = outsider.get(f"/workorders/?box={box}").content.decode()
        assert not [o.code for o in yuehe_orders if o.code in page], box
    own = outsider.get("/api/v1/workorders?limit=200").json()["items"]
    assert own and all(i["area_code"].startswith("330502101") for i in own)


def test_searching_for_another_townships_order_finds_nothing(client_as, yuehe_orders):
    outsider, dispatcher = client_as("outsider"), client_as("dispatcher")
    order = yuehe_orders[0]
    code = order.appeals.first().tracking_code
    for text in (order.code, code, order.title):
        assert dispatcher.get(f"/api/v1/workorders?text={text}").json()["items"], text
        found = outsider.get(f"/api/v1/workorders?text={text}").json()["items"]
        assert order.pk not in [i["id"] for i in found], text
        assert not [i for i in found if i["area_code"].startswith(YUEHE)], text
        assert (
            f"/workorders/{order.pk}/"
            not in outsider.get(f"/workorders/?text={text}").content.decode()
        )
    filtered = outsider.get("/api/v1/workorders?region=330502001000").json()["items"]
    assert filtered == []


def test_details_and_actions_are_404_and_change_nothing(client_as, yuehe_orders, table_counts):
    outsider = client_as("outsider")
    counts = table_counts()
    for order in yuehe_orders:
        assert outsider.get(f"/api/v1/workorders/{order.pk}").status_code == 404
        assert outsider.get(f"/workorders/{order.pk}/").status_code == 404
        for action, body in [
            ("dispatch", {"lead_unit": 1}),
            ("sign", {}),
            ("supervise", {"level": "red", "note": "x"}),
            ("verify", {"accept": True}),
        ]:
            assert act(outsider, order.pk, action, body)[0] == 404
        response = outsider.post(f"/workorders/{order.pk}/act/sign/", {"version": order.version})
        assert response.status_code == 404
    assert table_counts() == counts
    after = {
        o.pk: (o.state, o.version)
        for o in WorkOrder.objects.filter(pk__in=[o.pk for o in yuehe_orders])
    }
    assert after == {o.pk: (o.state, o.version) for o in yuehe_orders}


@pytest.mark.parametrize(
    "persona", ["dispatcher", "commander", "department", "villageclerk", "gridworker", "outsider"]
)
def test_every_inbox_holds_only_visible_orders(user_named, persona):
    from shanzhi.workorders.selectors import INBOXES, inbox, workorders_visible_to

    user = user_named(persona)
    visible = set(workorders_visible_to(user).values_list("pk", flat=True))
    for box in INBOXES:
        assert set(inbox(user, box).values_list("pk", flat=True)) <= visible, box
