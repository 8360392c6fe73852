"""Sensor alarms without the broker: what `alarm_receive` makes of one message (a new work order,
a folded repeat, a redelivery), every refusal (nothing stored), the device registry in the admin,
and the alarm markers on the grid map. The MQTT transport is tested in test_mqtt.py."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from shanzhi.core.models import AuditEvent
from shanzhi.interop.alarms import (
    ALARM_MAX_BYTES,
    DUPLICATE,
    FOLDED,
    GATEWAY_USERNAME,
    OPENED,
    AlarmRejected,
    alarm_receive,
)
from shanzhi.interop.models import Alarm, Device
from shanzhi.territory.models import Grid
from shanzhi.workorders.models import Appeal, WorkOrder

pytestmark = pytest.mark.django_db

GAS = "YH-RQ-0002"  # 月河街道, fixed point; gas_leak → 出租房消防隐患 (demo rules); no demo alarm
GAUGE = "YH-SW-0004"  # 月河街道, water level → 排水不畅
PATROL = "YH-SP-0006"  # 月河街道, no fixed point: its alarms carry their own
ZHILI = "ZL-YG-0001"  # 织里镇
YUEHE_GRID = "330502001002001"
ZHILI_GRID = "330502101202001"


def alarm(**overrides) -> dict:
    body = {
        "device": GAS,
        "id": uuid.uuid4().hex[:16],
        "type": "gas_leak",
        "level": "critical",
        "time": timezone.now().replace(microsecond=0).isoformat(),
        "value": 0.31,
        "unit": "dB/m",
        "message": "烟雾浓度超限",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def receive(**overrides):
    return alarm_receive(payload=json.dumps(alarm(**overrides)).encode(), topic="t/alarms/x")


def counts():
    return (
        WorkOrder.objects.count(),
        Appeal.objects.count(),
        Alarm.objects.count(),
        AuditEvent.objects.count(),
    )


def test_an_alarm_opens_a_work_order_on_the_sensor_channel():
    device = Device.objects.get(device_id=GAS)
    received = receive(level="critical")
    order = received.work_order
    assert received.outcome == OPENED and received.alarm.opened
    assert (order.channel, order.state, order.urgency) == ("sensor", "pending_dispatch", "critical")
    assert (order.category.code, order.nature) == ("030101", "help")
    assert order.grid_id == device.grid_id and order.area_code == device.area_code
    assert (order.lon, order.lat) == (device.lon, device.lat)
    assert order.title == "燃气泄漏：月河餐饮店燃气探测器"
    assert GAS in order.content and "0.31 dB/m" in order.content
    assert order.dispatch_unit.name == "月河街道综合指挥室"
    appeal = order.appeals.get()
    assert appeal.submitted_by.username == GATEWAY_USERNAME
    assert appeal.channel == "sensor" and appeal.idempotency_key.startswith("alarm:")
    actions = list(AuditEvent.objects.order_by("-pk").values_list("action", flat=True)[:2])
    assert actions == ["alarm.open", "register"]
    device.refresh_from_db()
    assert device.last_seen_at is not None


@pytest.mark.parametrize(("level", "urgency"), [("minor", "normal"), ("major", "urgent")])
def test_the_level_sets_the_urgency(level, urgency):
    assert receive(device=GAUGE, type="water_level", level=level).work_order.urgency == urgency


def test_a_device_without_a_fixed_point_sends_its_own():
    grid = Grid.objects.get(code=YUEHE_GRID)
    order = receive(device=PATROL, type="crowd", lon=grid.lon, lat=grid.lat).work_order
    assert order.grid_id == YUEHE_GRID and order.category.code == "060201"


def test_repeats_within_the_window_fold_into_the_open_order(settings):
    settings.ALARM_DEDUP_SECONDS = 600
    now = timezone.now().replace(microsecond=0)
    first = receive(time=(now - datetime.timedelta(minutes=20)).isoformat())
    second = receive(time=(now - datetime.timedelta(minutes=12)).isoformat())
    third = receive(time=(now - datetime.timedelta(minutes=3)).isoformat())  # 9 min after 2nd
    assert [r.outcome for r in (first, second, third)] == [OPENED, FOLDED, FOLDED]
    assert {r.work_order.pk for r in (first, second, third)} == {first.work_order.pk}
    first.alarm.refresh_from_db()
    assert first.alarm.repeat_count == 2
    assert AuditEvent.objects.latest("pk").action == "alarm.fold"
    # Another type of the same device, or the same type of another device: a matter of its own.
    assert receive(type="smoke").outcome == OPENED
    assert receive(device=GAUGE, type="gas_leak").outcome == OPENED


def test_after_the_window_a_new_order_is_opened(settings):
    settings.ALARM_DEDUP_SECONDS = 60
    now = timezone.now().replace(microsecond=0)
    first = receive(time=(now - datetime.timedelta(minutes=5)).isoformat())
    later = receive(time=now.isoformat())
    assert later.outcome == OPENED and later.work_order.pk != first.work_order.pk


def test_once_the_order_is_answered_a_repeat_opens_a_new_one():
    first = receive()
    WorkOrder.objects.filter(pk=first.work_order.pk).update(state="pending_verify")
    assert receive().work_order.pk != first.work_order.pk


def test_a_window_of_zero_turns_dedup_off(settings):
    settings.ALARM_DEDUP_SECONDS = 0
    assert receive().work_order.pk != receive().work_order.pk


def test_a_redelivered_message_changes_nothing():
    body = alarm()
    first = alarm_receive(payload=json.dumps(body).encode())
    before = counts()
    again = alarm_receive(payload=json.dumps(body).encode())
    assert again.outcome == DUPLICATE and again.alarm.pk == first.alarm.pk
    assert counts() == before


def test_without_an_alarm_id_the_same_type_and_time_is_the_same_alarm():
    body = alarm(id=None)
    first = alarm_receive(payload=body)
    before = counts()
    assert alarm_receive(payload=body).outcome == DUPLICATE
    assert counts() == before
    assert first.alarm.key.startswith("t:")


def _far_away():
    return {"lon": 116.4, "lat": 39.9}  # Beijing: in no grid of the platform


def _zhili_point():
    grid = Grid.objects.get(code=ZHILI_GRID)
    return {"lon": grid.lon, "lat": grid.lat}


BAD_FIELDS = {
    "unknown device": {"device": "NO-SUCH-0001"},
    "malformed device id": {"device": "../../etc"},
    "missing device": {"device": None},
    "unknown type": {"type": "earthquake"},
    "type not a string": {"type": 3},
    "unknown level": {"level": "apocalyptic"},
    "missing time": {"time": None},
    "time without zone": {"time": "2026-11-22T08:30:00"},
    "time not a time": {"time": "yesterday"},
    "time in the future": {"time": "2099-01-01T00:00:00+08:00"},
    "time too old": {"time": "2020-01-01T00:00:00+08:00"},
    "longitude out of range": {"lon": 200.0, "lat": 30.8},
    "latitude out of range": {"lon": 120.1, "lat": -91},
    "coordinates as strings": {"lon": "120.1", "lat": "30.8"},
    "coordinate true": {"lon": True, "lat": 30.8},
    "only a longitude": {"lon": 120.1},
    "point in no grid": "far",
    "point outside the device's region": "zhili",
    "value not a number": {"value": "high"},
    "message too long": {"message": "烟" * 201},
    "NUL in the message": {"message": "a\x00b"},
    "alarm id with spaces": {"id": "a b"},
}


@pytest.mark.parametrize("case", list(BAD_FIELDS))
def test_a_bad_alarm_is_refused_and_nothing_is_stored(case, table_counts):
    overrides = BAD_FIELDS[case]
    if overrides == "far":
        overrides = _far_away()
    elif overrides == "zhili":
        overrides = _zhili_point()
    before, rows = table_counts(), counts()
    with pytest.raises(AlarmRejected):
        receive(**overrides)
    assert (table_counts(), counts()) == (before, rows)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2, 3]",
        b"\xff\xfe\x00",
        b'{"device": "' + b"x" * ALARM_MAX_BYTES + b'"}',
        b"[" * 100_000,
        b'{"device": "YH-YG-0001", "type": "smoke", "message": "\\ud800"}',
        b"",
    ],
    ids=["text", "array", "not utf-8", "too large", "deeply nested", "lone surrogate", "empty"],
)
def test_a_message_that_is_not_an_alarm_is_refused(payload, table_counts):
    before, rows = table_counts(), counts()
    with pytest.raises(AlarmRejected):
        alarm_receive(payload=payload, topic="t")
    assert (table_counts(), counts()) == (before, rows)


def test_an_inactive_device_or_a_type_without_a_rule_is_refused(table_counts):
    from shanzhi.interop.models import AlarmTypeRule

    Device.objects.filter(device_id=GAUGE).update(is_active=False)
    AlarmTypeRule.objects.filter(alarm_type="crowd").delete()
    grid = Grid.objects.get(code=YUEHE_GRID)
    before, rows = table_counts(), counts()
    with pytest.raises(AlarmRejected, match="已停用"):
        receive(device=GAUGE, type="water_level")
    with pytest.raises(AlarmRejected, match="尚未配置"):
        receive(device=PATROL, type="crowd", lon=grid.lon, lat=grid.lat)
    with pytest.raises(AlarmRejected, match="没有坐标"):
        receive(device=PATROL, type="gas_leak")
    assert (table_counts(), counts()) == (before, rows)


def test_a_device_in_another_township_raises_its_own_orders():
    order = receive(device=ZHILI, type="smoke").work_order
    assert order.area_code.startswith("330502101")
    assert order.dispatch_unit.name == "织里镇综合指挥室"


# -- the registry in the admin ----------------------------------------------------------------


def test_the_administrator_registers_a_device_and_its_grid_follows_from_the_point(client_as):
    grid = Grid.objects.get(code=YUEHE_GRID)
    response = client_as("admin").post(
        "/admin/interop/device/add/",
        {
            "device_id": "YH-JG-0099",
            "name": "测试井盖",
            "kind": "manhole_sensor",
            "lon": str(grid.lon),
            "lat": str(grid.lat),
            "address": "路口",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    device = Device.objects.get(device_id="YH-JG-0099")
    assert (device.grid_id, device.region_id, device.area_code) == (
        YUEHE_GRID,
        YUEHE_GRID[:12],
        YUEHE_GRID,
    )
    event = AuditEvent.objects.latest("pk")
    assert (event.action, event.actor.username) == ("device.create", "admin")
    page = client_as("admin").get(f"/admin/interop/device/{device.pk}/change/")
    assert page.status_code == 200 and "暂无告警" in page.content.decode()


def test_a_device_outside_every_grid_is_refused_in_the_admin(client_as, table_counts):
    before, devices = table_counts(), Device.objects.count()
    response = client_as("admin").post(
        "/admin/interop/device/add/",
        {"device_id": "X-1", "name": "远方", "kind": "camera", "lon": "116.4", "lat": "39.9"},
    )
    assert response.status_code == 200
    assert "不在本平台的网格范围内" in response.content.decode()
    assert (table_counts(), Device.objects.count()) == (before, devices)


def test_the_device_page_shows_its_alarm_history(client_as):
    received = receive()
    device = received.alarm.device
    page = client_as("admin").get(f"/admin/interop/device/{device.pk}/change/").content.decode()
    assert received.work_order.code in page and "燃气泄漏" in page


def test_the_administrator_points_an_alarm_type_at_another_category(client_as):
    from shanzhi.interop.models import AlarmTypeRule
    from shanzhi.workorders.models import Category

    rule = AlarmTypeRule.objects.get(alarm_type="crowd")
    target = Category.objects.get(code="090101")  # 乱停车
    url = f"/admin/interop/alarmtyperule/{rule.pk}/change/"
    response = client_as("admin").post(url, {"category": target.pk, "nature": "report"})
    assert response.status_code == 302, response.content.decode()
    rule.refresh_from_db()
    assert (rule.category_id, rule.nature) == (target.pk, "report")
    assert AuditEvent.objects.latest("pk").action == "alarmtyperule.update"
    branch = Category.objects.get(code="0901")
    response = client_as("admin").post(url, {"category": branch.pk, "nature": "report"})
    assert response.status_code == 200 and "请选择最细一级的事项分类" in response.content.decode()
