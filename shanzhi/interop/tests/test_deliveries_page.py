"""The delivery log page (消息投递): who may open it, what they see of it (masked phones,
their own territory), the filters and counts, and "retry now" for dead rows (audited)."""

import pytest

from shanzhi.core.models import AuditEvent, Delivery
from shanzhi.core.outbox import Outgoing, enqueue

pytestmark = pytest.mark.django_db
URL = "/deliveries/"


@pytest.fixture
def rows():
    """An SMS in 吴兴区 (delivered), a callback in 吴兴区 (dead), a robot post in 南浔区 (dead)."""
    sms, callback, robot = enqueue(
        [
            Outgoing("sms", "13812345678", "appeal.registered", {"text": "您的诉求已受理"},
                     object_type="appeal", object_id="S1", area_code="330502001002"),
            Outgoing("webhook", "https://12345.example/cb?token=abc", "hotline.signed",
                     {"order_no": "HZ-1", "status_label": "已签收"}, route="hotline:1",
                     object_type="hotline_order", object_id="1", area_code="330502001002"),
            Outgoing("dingtalk", "default", "workorder.new", {"text": "新工单待派单"},
                     object_type="workorder", object_id="1", area_code="330503001000"),
        ]
    )  # fmt: skip
    Delivery.objects.filter(pk=sms.pk).update(state="delivered", attempts=1)
    Delivery.objects.filter(pk__in=[callback.pk, robot.pk]).update(
        state="dead", attempts=10, last_error="HTTP 500 boom", last_status=500
    )
    return {"sms": sms, "callback": callback, "robot": robot}


def _shown(response) -> set[int]:
    return {d.pk for d in response.context["page"].object_list}


def test_an_administrator_sees_every_delivery_with_phones_masked(client_as, rows):
    response = client_as("admin").get(URL)
    assert response.status_code == 200
    assert _shown(response) == {d.pk for d in rows.values()}
    page = response.content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert "token=abc" not in page  # a callback URL is shown without its query
    assert "HTTP 500 boom" in page and "重新投递" in page
    counts = {t["state"]: t["count"] for t in response.context["tiles"]}
    assert counts == {"pending": 0, "sending": 0, "delivered": 1, "dead": 2}


def test_filters_by_state_channel_and_platform(client_as, rows):
    admin = client_as("admin")
    assert _shown(admin.get(URL, {"state": "dead"})) == {rows["callback"].pk, rows["robot"].pk}
    assert _shown(admin.get(URL, {"channel": "sms"})) == {rows["sms"].pk}
    response = admin.get(URL, {"channel": "webhook", "state": "dead"})
    assert _shown(response) == {rows["callback"].pk}
    counts = {t["state"]: t["count"] for t in response.context["tiles"]}
    assert counts["dead"] == 1 and counts["delivered"] == 0  # counts follow the channel filter
    assert admin.get(URL, {"state": "lost"}).status_code == 400


def test_a_district_commander_sees_only_their_district(client_as, rows):
    response = client_as("commander").get(URL)
    assert response.status_code == 200
    assert _shown(response) == {rows["sms"].pk, rows["callback"].pk}  # not 南浔区's


@pytest.mark.parametrize("persona", ["dispatcher", "department", "operator", "leader", "resident"])
def test_other_roles_may_not_open_the_log(client_as, rows, persona):
    assert client_as(persona).get(URL).status_code == 403
    response = client_as(persona).post(f"{URL}{rows['callback'].pk}/retry/")
    assert response.status_code == 403
    assert Delivery.objects.get(pk=rows["callback"].pk).state == "dead"


def test_signed_out_visitors_are_sent_to_the_login(client, rows):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_retry_now_requeues_a_dead_delivery_and_audits_it(client_as, rows):
    admin = client_as("admin")
    events = AuditEvent.objects.count()
    back = f"{URL}?state=dead"
    response = admin.post(f"{URL}{rows['robot'].pk}/retry/", {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    robot = Delivery.objects.get(pk=rows["robot"].pk)
    assert (robot.state, robot.attempts) == ("pending", 0)
    event = AuditEvent.objects.latest("pk")
    assert AuditEvent.objects.count() == events + 1 and event.action == "delivery.retry"
    assert event.actor.username == "admin"


def test_retry_refusals_change_nothing(client_as, rows):
    commander = client_as("commander")
    events = AuditEvent.objects.count()
    # Outside the commander's district: the same 404 as a missing row.
    assert commander.post(f"{URL}{rows['robot'].pk}/retry/").status_code == 404
    assert commander.post(f"{URL}999999999/retry/").status_code == 404
    # Not dead: refused with a message.
    response = commander.post(f"{URL}{rows['sms'].pk}/retry/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == URL
    page = commander.get(URL).content.decode()
    assert "只有投递失败的消息可以重新投递" in page
    assert commander.get(f"{URL}{rows['callback'].pk}/retry/").status_code == 405
    assert AuditEvent.objects.count() == events
    states = dict(Delivery.objects.values_list("pk", "state"))
    assert states == {rows["sms"].pk: "delivered", rows["callback"].pk: "dead",
                      rows["robot"].pk: "dead"}  # fmt: skip


def test_the_navigation_offers_the_log_to_administrators_and_commanders(client_as):
    assert "消息投递" in client_as("commander").get("/").content.decode()
    assert "消息投递" not in client_as("dispatcher").get("/").content.decode()


def test_the_platform_admin_links_to_its_callback_log(client_as):
    from shanzhi.interop.tests.test_hotline import make_platform

    hotline = make_platform("https://12345.example/cb")
    page = client_as("admin").get("/admin/interop/hotlineplatform/").content.decode()
    assert f"/deliveries/?channel=webhook&amp;route=hotline%3A{hotline.platform.pk}" in page
