"""Phone tails cannot be guessed: the tracking limit holds whatever X-Forwarded-For says, counts
are shared by every process, and wrong tails lock a tracking code for the rest of the day on
the pages and the API, for tracking and rating alike (docs/adr/0010-throttles.md)."""

import datetime
import json

import pytest
import time_machine
from django.core.cache import caches
from django.core.cache.backends import locmem
from django.core.cache.backends.db import DatabaseCache
from django.test import Client

from shanzhi.core.models import AuditEvent
from shanzhi.org.models import Unit
from shanzhi.workorders.models import Appeal, TrackingFailures, WorkOrder
from shanzhi.workorders.tests.helpers import PHONE, act, register

pytestmark = pytest.mark.django_db

WRONG = "查询码或手机号后四位不正确"
LOCKED = "该查询码今日尝试次数过多，已锁定至今日24时；如需查询，请拨打12345热线。"
TOO_MANY_API = "请求过于频繁，请稍后再试"


@pytest.fixture
def pending_rating(client_as):
    """An answered order waiting for its appellant's rating; the appeal's phone ends in 5678."""
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    registered = register(client_as("operator"))
    order_id = registered["work_order_id"]
    department, dispatcher = client_as("department"), client_as("dispatcher")
    assert act(dispatcher, order_id, "dispatch", {"lead_unit": housing.pk})[0] == 200
    assert act(department, order_id, "sign")[0] == 200
    assert act(department, order_id, "reply", {"result": "solved", "text": "已修复"})[0] == 200
    assert act(dispatcher, order_id, "verify", {"accept": True})[0] == 200
    assert WorkOrder.objects.get(pk=order_id).state == "pending_rating"
    return registered["tracking_code"]


# -- the per-address limit --------------------------------------------------------------------


@pytest.fixture
def one_window():
    """The limit counts in fixed one-minute windows: a test that fires 30 requests on a busy
    machine must not cross a minute's edge and start a fresh count half-way."""
    with time_machine.travel(
        datetime.datetime(2026, 11, 23, 10, 0, 5, tzinfo=datetime.UTC), tick=False
    ):
        yield


def _lookup(client, where: str, n: int, **headers):
    if where == "api":
        return client.get(f"/api/v1/track/SNOSUCH{n}?phone_tail=1234", **headers)
    return client.get(f"/track/SNOSUCH{n}/?phone_tail=1234", **headers)


@pytest.mark.parametrize("where", ["api", "page"])
def test_a_spoofed_forwarded_for_does_not_escape_the_limit(where, one_window):
    """No trusted proxy: the header is the client's own text and changes nothing."""
    client = Client()
    for n in range(30):
        spoof = {"HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"}
        assert _lookup(client, where, n, **spoof).status_code == 404
    refused = _lookup(client, where, 99, HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    if where == "api":
        assert refused.json() == {"detail": TOO_MANY_API, "errors": []}
    else:
        assert "查询过于频繁，请稍后再试" in refused.content.decode()


def test_the_api_refusal_speaks_english_when_asked(settings, one_window):
    settings.TRACK_RATE = "1/m"
    client = Client()
    assert _lookup(client, "api", 1).status_code == 404
    refused = _lookup(client, "api", 2, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert set(refused.json()) == {"detail", "errors"} and refused.json()["errors"] == []


def test_pages_and_api_share_one_count(one_window):
    client = Client()
    for n in range(15):
        assert _lookup(client, "api", n).status_code == 404
        assert _lookup(client, "page", 100 + n).status_code == 404
    assert _lookup(client, "api", 98).status_code == 429
    assert _lookup(client, "page", 99).status_code == 429


def test_behind_a_trusted_proxy_two_clients_are_counted_apart(settings, one_window):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = Client()
    proxy = {"REMOTE_ADDR": "10.1.2.3"}
    for n in range(30):
        # What the client wrote itself (left of the proxy's entry) is ignored.
        hops = f"198.51.100.{n}, 203.0.113.5, 10.9.9.9"
        assert _lookup(client, "api", n, HTTP_X_FORWARDED_FOR=hops, **proxy).status_code == 404
    assert _lookup(client, "api", 98, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == (
        429
    )
    other = _lookup(client, "page", 99, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)
    assert other.status_code == 404


def test_counts_are_shared_by_all_processes(one_window):
    """The counter is not in a process's memory: forgetting every local cache (as a second
    gunicorn worker would have none of it) leaves the count in place."""
    assert isinstance(caches["throttle"], DatabaseCache)
    client = Client()
    for n in range(30):
        assert _lookup(client, "api", n).status_code == 404
    locmem._caches.clear()
    locmem._expire_info.clear()
    del caches["throttle"]  # a fresh connection, as in another process
    assert _lookup(client, "api", 98).status_code == 429
    assert _lookup(client, "page", 99).status_code == 429


# -- the per-code lock ------------------------------------------------------------------------


def _page(client, code, tail):
    response = client.get(f"/track/{code}/?phone_tail={tail}")
    return response.status_code, response.content.decode()


def _api(client, code, tail):
    response = client.get(f"/api/v1/track/{code}?phone_tail={tail}")
    return response.status_code, response.json()["detail"] if response.status_code != 200 else ""


def _rate_page(client, code, tail):
    response = client.post(
        f"/track/{code}/rate/", {"phone_tail": tail, "rating": "dissatisfied", "comment": "差"}
    )
    return response.status_code, response.content.decode()


def _rate_api(client, code, tail):
    response = client.post(
        f"/api/v1/track/{code}/rating",
        json.dumps({"phone_tail": tail, "rating": "dissatisfied"}),
        content_type="application/json",
    )
    body = response.json()
    return response.status_code, body.get("detail", "")


def test_wrong_tails_lock_the_code_for_the_day_on_every_way_in(
    pending_rating, outbox, django_capture_on_commit_callbacks
):
    code = pending_rating
    client = Client()
    events_before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        # Four wrong tails through the four ways in: the same answer as an unknown code.
        for attempt, tail in ((_page, "0000"), (_api, "0001"), (_rate_page, "0002")):
            status, text = attempt(client, code, tail)
            assert status == 404 and WRONG in text
        assert _rate_api(client, code, "0003") == (404, WRONG)
        assert _api(client, "SNOSUCHCODE", "0003") == (404, WRONG)  # no oracle
        # The fifth locks the code, the sixth finds it locked.
        assert _api(client, code, "0004") == (403, LOCKED)
        assert _api(client, code, "0005") == (403, LOCKED)
        # Now even the right tail is refused, everywhere, with the same words.
        status, text = _page(client, code, "5678")
        assert status == 403 and LOCKED in text
        assert _api(client, code, "5678") == (403, LOCKED)
        status, text = _rate_page(client, code, "5678")
        assert status == 403 and LOCKED in text
        assert _rate_api(client, code, "5678") == (403, LOCKED)
    # Nothing was rated or changed.
    appeal = Appeal.objects.select_related("work_order").get(tracking_code=code)
    assert (appeal.rating, appeal.work_order.state) == ("", "pending_rating")
    # Recorded once, on the work order, and the appellant told once.
    added = list(AuditEvent.objects.filter(pk__gt=0).order_by("pk")[events_before:])
    assert [(e.action, e.object_id) for e in added] == [
        ("appeal.tracking_locked", str(appeal.work_order_id))
    ]
    assert added[0].after["appeal"] == code and added[0].after["failures"] == 5
    sms = [m for m in outbox if m.kind == "appeal.tracking_locked"]
    assert len(sms) == 1 and sms[0].phone == PHONE and code in sms[0].text
    assert TrackingFailures.objects.get(code=code).locked_at is not None


def test_the_lock_ends_with_the_local_day(pending_rating):
    code = pending_rating
    client = Client()
    # 23:30 in Shanghai is 15:30 UTC: the lock holds until local midnight, not UTC's.
    evening = datetime.datetime(2026, 12, 4, 15, 30, tzinfo=datetime.UTC)
    with time_machine.travel(evening, tick=False):
        for n in range(5):
            _api(client, code, f"000{n}")
        assert _api(client, code, "5678") == (403, LOCKED)
    with time_machine.travel(evening + datetime.timedelta(minutes=29), tick=False):
        assert _api(client, code, "5678") == (403, LOCKED)
    caches["throttle"].clear()
    with time_machine.travel(evening + datetime.timedelta(minutes=31), tick=False):
        assert _api(client, code, "5678") == (200, "")


def test_an_unknown_code_locks_alike_and_tells_nobody(outbox, django_capture_on_commit_callbacks):
    client = Client()
    before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            assert _api(client, "snosuchcode", f"000{n}") == (404, WRONG)
        assert _api(client, "SNOSUCHCODE", "0009") == (403, LOCKED)
    assert AuditEvent.objects.count() == before and outbox == []
