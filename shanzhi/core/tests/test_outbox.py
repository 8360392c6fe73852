"""The durable outbox against real HTTP servers on 127.0.0.1 that fail on purpose: rows are
written with the change (and vanish with a rolled-back one), retried with back-off, dead after
the last attempt, retried by an administrator, and never sent twice at once."""

import base64
import datetime
import hashlib
import hmac
import json
import threading
import urllib.parse

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shanzhi.core import outbox
from shanzhi.core.errors import Conflict, ServiceError
from shanzhi.core.models import AuditEvent, Delivery, DingTalkRobot
from shanzhi.core.notify import Message, notify, notify_all
from shanzhi.core.selectors import audit_chain_verify
from shanzhi.org.models import Unit
from shanzhi.workorders import services
from shanzhi.workorders.models import WorkOrder
from shanzhi.workorders.tests.helpers import PHONE, ROAD_DAMAGE, appeal_body, point_in, post

pytestmark = pytest.mark.django_db


def _sms(phone=PHONE, text="您的诉求已受理", object_id="S1"):
    notify(Message(kind="appeal.registered", text=text, phone=phone, object_type="appeal",
                   object_id=object_id, area_code="330502001002"))  # fmt: skip
    return Delivery.objects.latest("pk")


def _run_at(moment):
    with time_machine.travel(moment, tick=True):
        return outbox.deliveries_send()


@pytest.fixture
def gateway(settings, receiver):
    """An SMS gateway failing `fail_first` times; back-off of 30 s, doubling."""

    def make(**options):
        server = receiver(**options)
        settings.SMS_GATEWAY_URL = server.url + "/sms"
        settings.SMS_GATEWAY_TOKEN = "gw-token"
        settings.DELIVERY_BACKOFF_SECONDS = 30
        settings.DELIVERY_BACKOFF_MAX_SECONDS = 3600
        settings.DELIVERY_MAX_ATTEMPTS = 5
        settings.DELIVERY_TIMEOUT = 2
        return server

    return make


def test_without_gateways_messages_stay_local(outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(Message(kind="appeal.registered", text="t", phone=PHONE))
        notify(Message(kind="workorder.new", text="t", unit_id=1))
    assert Delivery.objects.count() == 0
    assert [m.kind for m in outbox] == ["appeal.registered", "workorder.new"]


def test_an_sms_fails_twice_then_arrives_after_back_off(gateway):
    server = gateway(fail_first=2, fail_status=503)
    start = timezone.now()
    with time_machine.travel(start, tick=True):
        delivery = _sms()
    assert (delivery.channel, delivery.state, delivery.attempts) == ("sms", "pending", 0)

    assert _run_at(start)["retry"] == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 503)
    assert "HTTP 503" in delivery.last_error
    assert start + datetime.timedelta(seconds=29) < delivery.next_attempt_at
    assert delivery.next_attempt_at < start + datetime.timedelta(seconds=40)

    assert _run_at(start + datetime.timedelta(seconds=10)) == dict.fromkeys(
        ["delivered", "retry", "dead", "released", "recovered"], 0
    )  # not due yet: nothing is sent
    assert len(server.requests) == 1

    assert _run_at(start + datetime.timedelta(seconds=35))["retry"] == 1
    delivery.refresh_from_db()
    wait = delivery.next_attempt_at - (start + datetime.timedelta(seconds=35))
    assert datetime.timedelta(seconds=59) < wait < datetime.timedelta(seconds=70)  # doubled

    assert _run_at(start + datetime.timedelta(seconds=100))["delivered"] == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("delivered", 3, "")
    assert delivery.delivered_at is not None
    assert len(server.requests) == 3
    first = server.requests[0]
    assert first.path == "/sms"
    assert first.headers["Authorization"] == "Bearer gw-token"
    assert first.headers["X-Shanzhi-Delivery"] == str(delivery.pk)
    assert first.json() == {
        "phone": PHONE,
        "text": "您的诉求已受理",
        "kind": "appeal.registered",
        "id": delivery.pk,
    }
    assert {r.body for r in server.requests} == {first.body}  # the same request each time


def test_always_failing_is_dead_after_the_last_attempt(gateway, settings):
    server = gateway(fail_first=100, fail_status=500)
    settings.DELIVERY_BACKOFF_SECONDS = 0  # every attempt due at once
    settings.DELIVERY_MAX_ATTEMPTS = 3
    delivery = _sms()
    results = [outbox.deliveries_send() for _ in range(4)]
    assert [r["retry"] for r in results] == [1, 1, 0, 0]
    assert [r["dead"] for r in results] == [0, 0, 1, 0]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("dead", 3, 500)
    assert "failing on purpose" in delivery.last_error
    assert len(server.requests) == 3


def test_a_refusal_of_the_request_itself_is_dead_at_once(gateway):
    server = gateway(fail_first=1, fail_status=400)
    delivery = _sms()
    assert outbox.deliveries_send()["dead"] == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("dead", 1, 400)
    assert len(server.requests) == 1


def test_a_receiver_that_does_not_answer_times_out_and_is_not_tried_again_in_the_run(
    gateway, settings
):
    server = gateway(delay=1.5)
    settings.DELIVERY_TIMEOUT = 0.3
    rows = [_sms(object_id=f"S{i}") for i in range(outbox.CONCURRENCY + 2)]
    counts = outbox.deliveries_send()
    assert counts["retry"] == outbox.CONCURRENCY  # the requests in flight timed out
    assert counts["released"] == 2  # the others were not tried: the gateway is down
    states = {
        d.pk: (d.state, d.attempts) for d in Delivery.objects.filter(pk__in=[r.pk for r in rows])
    }
    assert sorted(states.values()) == [("pending", 0)] * 2 + [("pending", 1)] * outbox.CONCURRENCY
    timed_out = Delivery.objects.filter(pk__in=[r.pk for r in rows], attempts=1).first()
    assert "timed out" in timed_out.last_error
    assert len(server.requests) == outbox.CONCURRENCY


def test_an_unreachable_gateway_is_a_failed_attempt(settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"  # the discard port: nobody listens
    delivery = _sms()
    assert outbox.deliveries_send()["retry"] == 1
    delivery.refresh_from_db()
    assert delivery.state == "pending" and delivery.attempts == 1
    assert delivery.last_error.startswith("无法连接")


def test_a_rolled_back_action_leaves_no_row(gateway, table_counts):
    gateway()
    with pytest.raises(RuntimeError), transaction.atomic():
        _sms()
        assert Delivery.objects.count() == 1
        raise RuntimeError("the action failed after notifying")
    assert Delivery.objects.count() == 0

    # A registration refused half-way (直办 of a complaint is not allowed) leaves nothing either,
    # although its SMS and the dispatcher's message were queued before the refusal.
    before, orders = table_counts(), WorkOrder.objects.count()
    lon, lat = point_in()
    with pytest.raises(ServiceError):
        services.appeal_register(
            actor=_user("operator"),
            data=services.AppealInput(
                channel="hotline", nature="complaint", category_code=ROAD_DAMAGE,
                content="投诉", lon=lon, lat=lat, appellant_phone=PHONE,
            ),
            direct_answer="这是一个投诉，不能直办",
        )  # fmt: skip
    assert Delivery.objects.count() == 0
    assert WorkOrder.objects.count() == orders
    assert table_counts() == before


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_one_insert_for_the_outbox_rows_of_a_registration(gateway, settings, client_as):
    gateway()
    settings.DINGTALK_WEBHOOK = "http://127.0.0.1:9/robot"
    with CaptureQueriesContext(connection) as queries:
        status, body = post(client_as("operator"), "/api/v1/appeals", appeal_body())
    assert status == 201
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "core_delivery"')]
    assert len(inserts) == 1
    rows = Delivery.objects.order_by("pk")
    assert [(d.channel, d.kind) for d in rows] == [
        ("sms", "appeal.registered"),
        ("dingtalk", "workorder.new"),
    ]
    assert rows[0].target == PHONE and body["tracking_code"] in rows[0].payload["text"]
    assert rows[1].target == "default"
    assert {d.area_code for d in rows} == {"330502001002001"}


def test_a_unit_robot_gets_signed_dingtalk_messages(receiver, settings):
    robot = receiver()
    unit = Unit.objects.get(name="吴兴区住房和城乡建设局")
    DingTalkRobot.objects.create(
        unit=unit, webhook_url=robot.url + "/robot/send?access_token=abc", secret="SEC123"
    )
    notify_all(
        [
            Message(kind="workorder.assigned", text="新工单待签收：GD1", unit_id=unit.pk),
            Message(kind="workorder.assigned", text="另一个单位", unit_id=unit.pk + 1),
        ]
    )
    # Only the unit with a robot gets a row; the other stays with the local backend.
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.target) == ("dingtalk", f"unit:{unit.pk}")
    assert outbox.deliveries_send()["delivered"] == 1
    request = robot.requests[0]
    assert request.json() == {"msgtype": "text", "text": {"content": "新工单待签收：GD1"}}
    path, query = request.path.split("?")
    params = urllib.parse.parse_qs(query)
    assert path == "/robot/send" and params["access_token"] == ["abc"]
    timestamp = params["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(b"SEC123", f"{timestamp}\nSEC123".encode(), hashlib.sha256).digest()
    ).decode()
    assert params["sign"] == [expected]


def test_dingtalk_errcode_is_a_failure(receiver, settings):
    robot = receiver(answer=json.dumps({"errcode": 310000, "errmsg": "sign not match"}).encode())
    settings.DINGTALK_WEBHOOK = robot.url + "/robot/send?access_token=x"
    notify(Message(kind="workorder.new", text="t", unit_id=1))
    assert outbox.deliveries_send()["retry"] == 1
    delivery = Delivery.objects.get()
    assert "310000" in delivery.last_error and "sign not match" in delivery.last_error


def test_the_signature_helper_matches_dingtalks_recipe():
    url = outbox.dingtalk_signed("https://x/robot/send?access_token=t", "s", timestamp_ms=1)
    digest = hmac.new(b"s", b"1\ns", hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    assert url == f"https://x/robot/send?access_token=t&timestamp=1&sign={sign}"


def test_rows_of_one_object_go_out_in_order(gateway, settings):
    server = gateway(fail_first=1)
    settings.DELIVERY_BACKOFF_SECONDS = 0
    first = _sms(text="第一条")
    second = _sms(text="第二条")
    outbox.deliveries_send()  # the first fails; the second must wait for it
    assert Delivery.objects.get(pk=second.pk).state == "pending"
    assert [r.json()["text"] for r in server.requests] == ["第一条"]
    outbox.deliveries_send()
    outbox.deliveries_send()
    assert [r.json()["text"] for r in server.requests] == ["第一条", "第一条", "第二条"]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}
    assert first.pk < second.pk


def test_a_claim_takes_each_row_once(gateway):
    gateway()
    for i in range(3):
        _sms(object_id=f"S{i}")
    token1, rows1 = outbox.claim()
    token2, rows2 = outbox.claim()
    assert len(rows1) == 3 and rows2 == [] and token1 != token2
    assert {d.claim for d in Delivery.objects.all()} == {token1}


def test_a_worker_stopping_mid_send_costs_one_attempt(gateway, settings):
    server = gateway()
    settings.DELIVERY_TIMEOUT = 5  # the default (the gateway fixture shortens it)
    start = timezone.now()
    with time_machine.travel(start, tick=True):
        delivery = _sms()
        outbox.claim()  # and then the worker died
    assert Delivery.objects.get().state == "sending"
    assert _run_at(start + datetime.timedelta(seconds=5))["recovered"] == 0  # its lease runs
    # The lease is what a claim can take, and short: DingTalk shows a repeat to people.
    assert outbox._lease() == datetime.timedelta(seconds=35)  # ⌈20 ÷ 4⌉ × 5 s + 10 s
    assert _run_at(start + datetime.timedelta(seconds=34))["recovered"] == 0
    counts = _run_at(start + datetime.timedelta(seconds=36))
    assert counts["recovered"] == 1
    delivery.refresh_from_db()
    assert delivery.state == "pending" and delivery.attempts == 1
    assert "投递中断" in delivery.last_error
    assert _run_at(start + datetime.timedelta(hours=1))["delivered"] == 1
    assert len(server.requests) == 1


def test_an_administrator_retries_a_dead_delivery(gateway, settings):
    server = gateway(fail_first=1, fail_status=404)
    delivery = _sms()
    outbox.deliveries_send()
    delivery.refresh_from_db()
    assert delivery.state == "dead"
    events = AuditEvent.objects.count()
    outbox.delivery_retry(actor=_user("admin"), delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("pending", 0)
    event = AuditEvent.objects.latest("pk")
    assert AuditEvent.objects.count() == events + 1
    assert (event.action, event.object_id, event.before["state"]) == (
        "delivery.retry",
        str(delivery.pk),
        "dead",
    )
    assert outbox.deliveries_send()["delivered"] == 1
    assert len(server.requests) == 2
    with pytest.raises(Conflict):
        outbox.delivery_retry(actor=_user("admin"), delivery_id=delivery.pk)
    assert AuditEvent.objects.count() == events + 1


def test_backoff_doubles_up_to_the_cap(settings):
    settings.DELIVERY_BACKOFF_SECONDS = 30
    settings.DELIVERY_BACKOFF_MAX_SECONDS = 3600
    assert [outbox.backoff_seconds(n) for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600,
    ]  # fmt: skip


def test_the_worker_runs_the_outbox_job(settings):
    assert settings.PERIODIC_JOBS["deliveries_send"][0] == "shanzhi.core.tasks.send_deliveries"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_never_send_a_row_twice(receiver, settings):
    server = receiver()
    settings.SMS_GATEWAY_URL = server.url
    settings.DELIVERY_TIMEOUT = 5
    with transaction.atomic():
        notify_all(
            [
                Message(kind="k", text=f"第 {i} 条", phone=PHONE, object_type="appeal",
                        object_id=f"S{i}")
                for i in range(40)
            ]
        )  # fmt: skip
    barrier = threading.Barrier(2)
    results = [None, None]

    def work(index):
        try:
            barrier.wait()
            results[index] = outbox.deliveries_send(limit=7)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    ids = [r.headers["X-Shanzhi-Delivery"] for r in server.requests]
    assert len(ids) == 40 and len(set(ids)) == 40  # every row once, none twice
    assert sum(r["delivered"] for r in results) == 40
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}
    assert audit_chain_verify().ok
