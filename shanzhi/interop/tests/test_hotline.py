"""12345 hotline hand-over: a platform pushes orders to POST /api/v1/inbound/hotline with its
own token; the order number is the idempotency key; its category code goes through the mapping
administrators edit; every refusal stores nothing; status callbacks on 签收, 回复 and 办结 reach
the platform's URL (a local HTTP server failing on purpose) through the outbox."""

import datetime
import hashlib
import hmac
import json
import threading
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from shanzhi.core import outbox
from shanzhi.core.models import AuditEvent, Delivery
from shanzhi.core.selectors import audit_chain_verify
from shanzhi.core.services import api_token_create
from shanzhi.interop.models import CategoryMapping, HotlineOrder, HotlinePlatform
from shanzhi.org import services as org
from shanzhi.org.choices import Role
from shanzhi.org.models import Unit
from shanzhi.workorders.models import Appeal, Category, WorkOrder
from shanzhi.workorders.services import deadlines_sweep
from shanzhi.workorders.tests.helpers import NEIGHBOURS, PHONE, ROAD_DAMAGE, act, point_in

pytestmark = pytest.mark.django_db
URL = "/api/v1/inbound/hotline"


def make_platform(callback_url: str = "", secret: str = "cb-secret"):  # noqa: S107
    user = org.person_create(actor="test", username="hz12345", full_name="湖州12345", password=None)
    centre = Unit.objects.get(name="吴兴区社会治理中心")
    org.membership_grant(actor="test", user=user, unit=centre, role=Role.OPERATOR)
    platform = HotlinePlatform.objects.create(
        name="湖州市12345政务服务热线", user=user, callback_url=callback_url, secret=secret
    )
    mapping = CategoryMapping.objects.create(
        platform=platform,
        external_code="A0301",
        external_name="道路破损",
        category=Category.objects.get(code=ROAD_DAMAGE),
    )
    token = api_token_create(user=user, name="12345")
    return SimpleNamespace(platform=platform, user=user, token=token, mapping=mapping)


@pytest.fixture
def hotline(db):
    return make_platform()


def order(**overrides) -> dict:
    lon, lat = point_in()
    body = {
        "order_no": "HZ12345-20261122-0001",
        "category_code": "A0301",
        "category_name": "道路破损",
        "title": "人行道塌陷",
        "content": "市民来电：小区门口人行道塌陷，老人摔倒。",
        "appellant_name": "李四",
        "appellant_phone": PHONE,
        "address": "月河街道某小区门口",
        "lon": lon,
        "lat": lat,
        "urgency": "紧急",
        "nature": "投诉",
        "occurred_at": "2026-11-22T08:30:00",
        "deadline": "2026-12-05T17:00:00+08:00",
    }
    body.update(overrides)
    return body


def push(token, body, client=None, **extra):
    client = client or Client()
    data = body if isinstance(body, bytes | str) else json.dumps(body, ensure_ascii=False)
    response = client.post(
        URL, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", **extra
    )
    return response.status_code, response.json()


def counts(table_counts) -> dict:
    return {
        **table_counts(),
        "WorkOrder": WorkOrder.objects.count(),
        "Appeal": Appeal.objects.count(),
        "HotlineOrder": HotlineOrder.objects.count(),
        "Delivery": Delivery.objects.count(),
    }


def test_a_pushed_order_becomes_a_hotline_work_order(hotline):
    status, ack = push(hotline.token, order())
    assert status == 201, ack
    assert ack["created"] is True and ack["accepted"] is True
    assert ack["order_no"] == "HZ12345-20261122-0001" and ack["state"] == "pending_dispatch"
    link = HotlineOrder.objects.select_related("appeal__work_order").get()
    appeal = link.appeal
    assert (appeal.tracking_code, appeal.work_order.code) == (
        ack["tracking_code"],
        ack["work_order_code"],
    )
    assert (appeal.channel, appeal.nature, appeal.urgency) == ("hotline", "complaint", "urgent")
    assert appeal.category.code == ROAD_DAMAGE and appeal.submitted_by == hotline.user
    assert appeal.work_order.dispatch_unit.name == "月河街道综合指挥室"
    # A time without a zone is the platform's local time (Beijing).
    assert timezone.localtime(appeal.occurred_at).hour == 8
    assert link.deadline.isoformat().startswith("2026-12-05T09:00:00")
    event = AuditEvent.objects.filter(action="hotline.receive").get()
    assert event.after["order_no"] == "HZ12345-20261122-0001"
    assert audit_chain_verify().ok


def test_the_same_order_number_twice_is_one_work_order(hotline):
    status, first = push(hotline.token, order())
    assert status == 201
    before = WorkOrder.objects.count()
    status, again = push(hotline.token, order(content="平台重推，内容略有不同"))
    assert status == 200 and again == {**first, "created": False}
    assert WorkOrder.objects.count() == before and HotlineOrder.objects.count() == 1


def test_another_platform_may_use_the_same_number(hotline):
    push(hotline.token, order())
    other_user = org.person_create(
        actor="t", username="zj12345", full_name="省12345", password=None
    )
    org.membership_grant(
        actor="t",
        user=other_user,
        unit=Unit.objects.get(name="吴兴区社会治理中心"),
        role="operator",
    )
    other = HotlinePlatform.objects.create(name="浙江省12345", user=other_user)
    CategoryMapping.objects.create(
        platform=other, external_code="A0301", category=Category.objects.get(code=ROAD_DAMAGE)
    )
    status, ack = push(api_token_create(user=other_user), order())
    assert status == 201 and HotlineOrder.objects.count() == 2


def test_an_unknown_category_code_is_refused_naming_it(hotline, table_counts):
    before = counts(table_counts)
    status, body = push(hotline.token, order(category_code="Z9999"))
    assert status == 400
    assert "Z9999" in body["detail"] and body["errors"][0]["field"] == "category_code"
    assert counts(table_counts) == before


def test_mapping_edits_in_the_admin_take_effect_at_once(hotline, client_as):
    neighbours = Category.objects.get(code=NEIGHBOURS)
    admin = client_as("admin")
    url = f"/admin/interop/categorymapping/{hotline.mapping.pk}/change/"
    fields = {"platform": hotline.platform.pk, "external_code": "A0301", "external_name": "邻里"}
    branch = Category.objects.get(code=NEIGHBOURS[:4])
    response = admin.post(url, {**fields, "category": branch.pk})
    assert response.status_code == 200 and "最细一级" in response.content.decode()
    response = admin.post(url, {**fields, "category": neighbours.pk})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="categorymapping.update").exists()
    status, ack = push(hotline.token, order())
    assert status == 201
    assert WorkOrder.objects.get(code=ack["work_order_code"]).category == neighbours
    # A new code added by the administrator works on the next push.
    admin.post(
        "/admin/interop/categorymapping/add/",
        {**fields, "external_code": "B0101", "category": neighbours.pk},
    )
    status, _ = push(hotline.token, order(order_no="HZ-2", category_code="B0101"))
    assert status == 201


@pytest.mark.parametrize(
    "body, status, field",
    [
        (b"{not json", 400, None),
        (b"[1, 2]", 400, None),
        ("\ufffe".encode("utf-16"), 400, None),
        (lambda: order(content=""), 422, "content"),
        (lambda: order(lon="东经"), 422, "lon"),
        (lambda: order(order_no="HZ 1"), 422, "order_no"),
        (lambda: {k: v for k, v in order().items() if k != "order_no"}, 422, "order_no"),
        (lambda: order(nature="吐槽"), 400, "nature"),
        (lambda: order(lon=None, lat=None, region_code=""), 400, "region"),
        (lambda: order(appellant_phone="12"), 400, "appellant_phone"),
        (lambda: order(content="含有\u0000空字符"), 400, None),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(hotline, table_counts, body, status, field):
    before = counts(table_counts)
    got, answer = push(hotline.token, body() if callable(body) else body)
    assert got == status, answer
    assert answer["detail"]
    if field:
        assert field in {e["field"] for e in answer["errors"]}
    assert counts(table_counts) == before


def test_an_oversized_body_is_413_and_stores_nothing(hotline, table_counts, settings):
    before = counts(table_counts)
    status, answer = push(hotline.token, order(content="很长" * 140_000))
    assert status == 413 and "KB" in answer["detail"]
    # Beyond Django's own limit the answer is still 413 in the API's format, never a 500.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    status, answer = push(hotline.token, order(content="长" * 60_000))
    assert status == 413
    assert counts(table_counts) == before


def test_only_a_token_bound_to_an_active_platform_gets_in(hotline, user_named, table_counts):
    operator = api_token_create(user=user_named("operator"))  # a token, but not a platform's
    before = counts(table_counts)
    assert Client().post(URL, order(), content_type="application/json").status_code == 401
    status, body = push("sz_wrong", order())
    assert status == 401
    status, body = push(operator, order())
    assert status == 403 and "12345" in body["detail"]
    hotline.platform.is_active = False
    hotline.platform.save()
    status, _ = push(hotline.token, order())
    assert status == 403
    assert counts(table_counts) == before


def test_a_session_does_not_open_the_hotline_endpoint(hotline, client_as):
    response = client_as("admin").post(URL, order(), content_type="application/json")
    assert response.status_code == 401


def test_a_platform_account_without_the_operator_role_is_refused(hotline, table_counts):
    hotline.user.memberships.update(is_active=False)
    before = counts(table_counts)
    status, body = push(hotline.token, order())
    assert status == 403 and "话务员" in body["detail"]
    assert counts(table_counts) == before


# -- status callbacks ------------------------------------------------------------------------


@pytest.fixture
def listening(receiver, settings):
    server = receiver(fail_first=1, fail_status=502)
    settings.DELIVERY_BACKOFF_SECONDS = 0  # retries due at once
    return SimpleNamespace(server=server, hotline=make_platform(server.url + "/callback"))


def _handle(order_id, client_as):
    dispatcher, department = client_as("dispatcher"), client_as("department")
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    assert act(dispatcher, order_id, "dispatch", {"lead_unit": housing.pk})[0] == 200
    assert act(department, order_id, "sign")[0] == 200
    reply = {"result": "solved", "text": "路面已修复。"}
    assert act(department, order_id, "reply", reply)[0] == 200
    assert act(dispatcher, order_id, "verify", {"accept": True})[0] == 200


def _drain(times=6):
    for _ in range(times):
        outbox.deliveries_send()


def test_callbacks_on_sign_reply_and_close_arrive_in_order_with_retries(listening, client_as):
    hotline, server = listening.hotline, listening.server
    status, ack = push(hotline.token, order())
    order_id = WorkOrder.objects.get(code=ack["work_order_code"]).pk
    _handle(order_id, client_as)
    status, _ = (
        Client()
        .post(
            f"/api/v1/track/{ack['tracking_code']}/rating",
            json.dumps({"phone_tail": PHONE[-4:], "rating": "satisfied"}),
            content_type="application/json",
        )
        .status_code,
        None,
    )
    assert status == 200
    assert WorkOrder.objects.get(pk=order_id).state == "archived"
    rows = Delivery.objects.filter(channel="webhook").order_by("pk")
    assert [d.kind for d in rows] == ["hotline.signed", "hotline.replied", "hotline.closed"]
    assert {d.route for d in rows} == {hotline.platform.route}

    _drain()
    received = [(r.json()["status"], r.headers["X-Shanzhi-Delivery"]) for r in server.requests]
    # The first attempt failed on purpose; nothing overtook it.
    assert [s for s, _ in received] == ["signed", "signed", "replied", "closed"]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}
    signed = Delivery.objects.get(kind="hotline.signed")
    assert signed.attempts == 2 and signed.last_error == ""

    replied, closed = server.requests[2], server.requests[3]
    body = replied.json()
    assert body["order_no"] == "HZ12345-20261122-0001"
    assert body["work_order_code"] == ack["work_order_code"]
    assert body["tracking_code"] == ack["tracking_code"]
    assert (body["status_label"], body["result"], body["reply"]) == (
        "已回复",
        "solved",
        "路面已修复。",
    )
    assert body["unit"] == "吴兴区住房和城乡建设局" and body["at"].endswith("+08:00")
    assert closed.json()["rating"] == "satisfied"
    # Signed with the platform's secret over "<timestamp>.<body>".
    timestamp = replied.headers["X-Shanzhi-Timestamp"]
    mac = hmac.new(b"cb-secret", timestamp.encode() + b"." + replied.body, hashlib.sha256)
    assert replied.headers["X-Shanzhi-Signature"] == "sha256=" + mac.hexdigest()
    assert replied.headers["X-Shanzhi-Event"] == "hotline.replied"


def test_an_order_left_unrated_is_closed_by_the_sweep_with_a_callback(listening, client_as):
    status, ack = push(listening.hotline.token, order())
    order_id = WorkOrder.objects.get(code=ack["work_order_code"]).pk
    _handle(order_id, client_as)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8), tick=True):
        assert deadlines_sweep()["archived"] >= 1
        closed = Delivery.objects.get(kind="hotline.closed")
        assert closed.payload["status"] == "closed" and closed.payload["rating"] == ""
        _drain()
    assert [r.json()["status"] for r in listening.server.requests][-1] == "closed"


def test_orders_from_elsewhere_send_no_callbacks(listening, client_as):
    from shanzhi.workorders.tests.helpers import register

    created = register(client_as("operator"))
    _handle(created["work_order_id"], client_as)
    assert not Delivery.objects.filter(channel="webhook").exists()


def test_a_refused_action_sends_no_callback(listening, client_as):
    status, ack = push(listening.hotline.token, order())
    order_id = WorkOrder.objects.get(code=ack["work_order_code"]).pk
    # The outsider (another township) cannot sign: 404, and no callback is queued.
    status, _ = act(client_as("outsider"), order_id, "sign")
    assert status in (403, 404)
    assert not Delivery.objects.filter(channel="webhook").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_pushes_of_one_order_at_once_make_one_work_order():
    hotline = make_platform()
    before = WorkOrder.objects.count()
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(index):
        try:
            barrier.wait()
            results[index] = push(hotline.token, order())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _ in results) == [200, 201]
    assert results[0][1]["work_order_code"] == results[1][1]["work_order_code"]
    assert WorkOrder.objects.count() == before + 1
    assert HotlineOrder.objects.count() == 1
    assert audit_chain_verify().ok


def test_dispatchers_follow_the_hand_overs_on_their_own_page(hotline, client_as):
    """热线来件: the platform's number and deadline beside the order, for the dispatcher of the
    township; a unit without a triage role is refused; another township sees none of it."""
    status, ack = push(hotline.token, order(deadline="2026-12-01T17:00:00+08:00"))
    assert status == 201, ack
    page = client_as("dispatcher").get("/hotline/")
    html = page.content.decode()
    assert page.status_code == 200
    link = HotlineOrder.objects.select_related("appeal__work_order").get()
    work_order = link.appeal.work_order
    assert "HZ12345-20261122-0001" in html and "湖州市12345政务服务热线" in html
    assert f'<a href="/workorders/{work_order.pk}/">人行道塌陷</a>' in html
    assert "已超平台时限" in html  # the platform's deadline has passed, the order is open
    assert "热线来件" in client_as("dispatcher").get("/").content.decode()  # in the navigation
    assert client_as("department").get("/hotline/").status_code == 403
    assert "HZ12345-20261122-0001" not in client_as("outsider").get("/hotline/").content.decode()
    finished = client_as("dispatcher").get("/hotline/?open_only=on").content.decode()
    assert "HZ12345-20261122-0001" in finished  # still open
    bad = client_as("dispatcher").get("/hotline/?platform=abc")
    assert bad.status_code == 400
