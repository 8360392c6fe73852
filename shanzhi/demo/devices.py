"""The demo's sensors and cameras (物联感知设备) in 吴兴区, the alarm type → category
rules, and three alarms received through the same service the MQTT consumer uses, so that the
grid map shows alarm markers on the first start. Publish more with mosquitto_pub (see
docs/integration.md)."""

import datetime
import random

from django.utils import timezone

from shanzhi.interop.alarms import alarm_receive, alarm_type_rule_save, device_save
from shanzhi.interop.choices import AlarmType, DeviceKind
from shanzhi.territory.models import Grid
from shanzhi.workorders.choices import Nature

ACTOR = "demo"

# alarm type → (category leaf code, nature); codes from data.CATEGORIES
ALARM_RULES = {
    AlarmType.SMOKE: ("030101", Nature.HELP),  # 出租房消防隐患
    AlarmType.GAS_LEAK: ("030101", Nature.HELP),
    AlarmType.MANHOLE_MOVED: ("010302", Nature.HELP),  # 井盖缺失
    AlarmType.WATER_LEVEL: ("010304", Nature.HELP),  # 排水不畅
    AlarmType.CROWD: ("060201", Nature.HELP),  # 治安隐患
    AlarmType.FIRE_LANE_BLOCKED: ("090101", Nature.REPORT),  # 乱停车
}

# (device id, name, kind, grid code or None for a device without a fixed point, address)
DEVICES = [
    (
        "YH-YG-0001",
        "月河出租房烟感 1 号",
        DeviceKind.SMOKE_DETECTOR,
        "330502001004001",
        "出租房 3 楼",
    ),
    (
        "YH-RQ-0002",
        "月河餐饮店燃气探测器",
        DeviceKind.GAS_DETECTOR,
        "330502001002002",
        "沿街餐饮店后厨",
    ),
    (
        "YH-JG-0003",
        "月河污水井盖 3 号",
        DeviceKind.MANHOLE_SENSOR,
        "330502001003001",
        "人行道污水井",
    ),
    (
        "YH-SW-0004",
        "月河下穿通道水位计",
        DeviceKind.WATER_GAUGE,
        "330502001004003",
        "下穿通道最低点",
    ),
    (
        "YH-SP-0005",
        "月河文化广场视频监控",
        DeviceKind.CAMERA,
        "330502001005002",
        "文化广场东侧立杆",
    ),
    ("YH-SP-0006", "月河巡逻车载摄像头", DeviceKind.CAMERA, None, "巡逻车（随车移动）"),
    ("ZL-YG-0001", "织里童装厂宿舍烟感", DeviceKind.SMOKE_DETECTOR, "330502101201001", "宿舍 2 楼"),
    # 朝阳街道: its alarms are the demo's (the tests count the orders of 月河街道 and 织里镇).
    (
        "ZY-YG-0001",
        "朝阳出租房烟感 1 号",
        DeviceKind.SMOKE_DETECTOR,
        "330502002002001",
        "出租房 4 楼",
    ),
    (
        "ZY-JG-0002",
        "朝阳污水井盖 2 号",
        DeviceKind.MANHOLE_SENSOR,
        "330502002003002",
        "人行道污水井",
    ),
]
TOWNSHIP = "330502001000"  # 月河街道: the region of the device without a fixed point


def _point_in(grid: Grid, rng: random.Random) -> tuple[float, float]:
    from shanzhi.demo.workorders import _point_in as point_in

    return point_in(grid, rng)


def build_devices(seed: int) -> int:
    rng = random.Random(seed + 311)  # its own stream: the rest of the demo stays as it was
    for alarm_type, (category_code, nature) in ALARM_RULES.items():
        alarm_type_rule_save(
            actor=ACTOR, alarm_type=alarm_type, category_code=category_code, nature=nature
        )
    for device_id, name, kind, grid_code, address in DEVICES:
        lon = lat = None
        if grid_code:
            lon, lat = _point_in(Grid.objects.get(code=grid_code), rng)
        device_save(
            actor=ACTOR,
            device_id=device_id,
            name=name,
            kind=kind,
            lon=lon,
            lat=lat,
            region_code="" if grid_code else TOWNSHIP,
            address=address,
        )
    return len(DEVICES)


def build_alarms() -> int:
    """In 朝阳街道, a few minutes ago: a smoke alarm that went off twice (one work order, the
    second alarm folded into it) and a moved manhole cover."""
    now = timezone.now().replace(microsecond=0)
    alarms = [
        ("ZY-YG-0001", "demo-0001", "smoke", "critical", now - datetime.timedelta(minutes=6)),
        ("ZY-YG-0001", "demo-0002", "smoke", "critical", now - datetime.timedelta(minutes=5)),
        ("ZY-JG-0002", "demo-0003", "manhole_moved", "major", now - datetime.timedelta(minutes=3)),
    ]
    orders = set()
    for device, alarm_id, alarm_type, level, at in alarms:
        received = alarm_receive(
            payload={
                "device": device,
                "id": alarm_id,
                "type": alarm_type,
                "level": level,
                "time": at.isoformat(),
                "message": "演示数据",
            },
            topic=f"shanzhi/alarms/{device}",
        )
        orders.add(received.work_order.pk)
    return len(orders)  # the work orders they opened
