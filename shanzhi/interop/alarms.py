"""Sensor and video alarms (物联感知告警): the writes of the device registry and `alarm_receive`,
which turns one alarm message into a new work order (channel 视频/物联感知) or folds it into the
open order of the same device and type. The MQTT consumer (`interop/mqtt.py`) calls it for every
message; the rules are in docs/adr/0006-mqtt-alarms.md and docs/integration.md.

(The alarm services live in this module rather than in `services.py` to keep them apart from
the other channel adapters of the app.)"""

import datetime
import hashlib
import json
import logging
import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from shanzhi.core.errors import InvalidInput
from shanzhi.core.services import audit_record
from shanzhi.core.text import clean_text
from shanzhi.interop.choices import LEVEL_URGENCY, AlarmLevel, AlarmType, DeviceKind
from shanzhi.interop.models import Alarm, AlarmTypeRule, Device
from shanzhi.territory import locate
from shanzhi.territory.choices import RegionLevel, territory_prefix
from shanzhi.territory.geo import GeometryError, check_lon_lat
from shanzhi.territory.models import Grid, Region
from shanzhi.workorders.access import SENSOR_GATEWAY_USERNAME
from shanzhi.workorders.choices import OPEN_STATES, Channel
from shanzhi.workorders.services import AppealInput, appeal_register

logger = logging.getLogger(__name__)

ALARM_MAX_BYTES = 16 * 1024  # a larger message is refused unread
MAX_FUTURE = datetime.timedelta(minutes=5)  # device clocks drift a little, not more
MAX_AGE = datetime.timedelta(days=7)  # older alarms (a dead clock, a stale queue) are refused
GATEWAY_USERNAME = SENSOR_GATEWAY_USERNAME  # registers the work orders that alarms open
GATEWAY_NAME = "物联感知网关"
IDENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")  # device ids and alarm ids
DEVICE_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)


class AlarmRejected(InvalidInput):
    """An alarm that is not stored, with the reason (logged by the consumer)."""


# -- the device registry -----------------------------------------------------------------------


@dataclass(frozen=True)
class DevicePlace:
    region: Region
    grid: Grid | None
    lon: float | None
    lat: float | None

    @property
    def area_code(self) -> str:
        return self.grid.code if self.grid else self.region.code


def device_place(*, lon=None, lat=None, region_code: str = "") -> DevicePlace:
    """Where a device belongs: a fixed point decides its grid and village; without one, the
    region chosen for it (county, township or village). Raises InvalidInput naming the field."""
    if lon is not None or lat is not None:
        if lon is None or lat is None:
            raise InvalidInput(_("经度和纬度须同时填写"), "lon")
        try:
            lon, lat = check_lon_lat(lon, lat)
        except GeometryError as error:
            raise InvalidInput(str(error), "lon") from None
        place = locate.locate(lon, lat)
        if place is None:
            raise InvalidInput(_("该位置不在本平台的网格范围内"), "lon")
        grid = Grid.objects.select_related("village").get(code=place.grid.code)
        if region_code and not grid.code.startswith(territory_prefix(region_code)):
            raise InvalidInput(_("坐标不在所选区域内"), "region")
        return DevicePlace(grid.village, grid, lon, lat)
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if region is None:
        raise InvalidInput(_("请填写设备坐标，或选择所属区域"), "region")
    if region.level not in DEVICE_LEVELS:
        raise InvalidInput(_("请选择县区、乡镇街道或村社区"), "region")
    return DevicePlace(region, None, None, None)


def device_save(
    *,
    actor,
    device_id: str,
    name: str,
    kind: str,
    lon: float | None = None,
    lat: float | None = None,
    region_code: str = "",
    address: str = "",
    is_active: bool = True,
    note: str = "",
) -> Device:
    """Register a device, or change the one with this device id. Audited."""
    device_id = (device_id or "").strip()
    if not IDENT_RE.match(device_id):
        raise InvalidInput(
            _("设备编号只能由字母、数字和 _ . : - 组成，最多 64 个字符"), "device_id"
        )
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(_("请填写设备名称（最多 100 字）"), "name")
    if kind not in DeviceKind.values:
        raise InvalidInput(_("未知的设备类型"), "kind")
    if len(address or "") > 200 or len(note or "") > 200:
        raise InvalidInput(_("安装位置和备注各不能超过 200 字"), "address")
    place = device_place(lon=lon, lat=lat, region_code=region_code)
    fields = {
        "name": name,
        "kind": kind,
        "lon": place.lon,
        "lat": place.lat,
        "region": place.region,
        "grid": place.grid,
        "area_code": place.area_code,
        "address": (address or "").strip(),
        "is_active": bool(is_active),
        "note": (note or "").strip(),
    }
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(device_id=device_id).first()
        before = _device_snapshot(device) if device else None
        if device is None:
            device = Device.objects.create(device_id=device_id, **fields)
        else:
            for attribute, value in fields.items():
                setattr(device, attribute, value)
            device.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=actor,
            action="device.update" if before else "device.create",
            object_type="device",
            object_id=device.pk,
            before=before,
            after=_device_snapshot(device),
        )
    return device


def _device_snapshot(device: Device) -> dict:
    return {
        "device_id": device.device_id,
        "name": device.name,
        "kind": device.kind,
        "lon": device.lon,
        "lat": device.lat,
        "area": device.area_code,
        "address": device.address,
        "is_active": device.is_active,
    }


def alarm_type_rule_save(*, actor, alarm_type: str, category_code: str, nature: str):
    """File the work orders of one alarm type under a leaf category. Audited."""
    from shanzhi.workorders.choices import Nature
    from shanzhi.workorders.models import Category

    if alarm_type not in AlarmType.values:
        raise InvalidInput(_("未知的告警类型"), "alarm_type")
    if nature not in Nature.values:
        raise InvalidInput(_("未知的诉求性质"), "nature")
    category = Category.objects.filter(code=category_code, is_active=True).first()
    if category is None:
        raise InvalidInput(_("事项分类不存在"), "category")
    if category.children.filter(is_active=True).exists():
        raise InvalidInput(_("请选择最细一级的事项分类"), "category")
    with transaction.atomic():
        rule, created = AlarmTypeRule.objects.update_or_create(
            alarm_type=alarm_type, defaults={"category": category, "nature": nature}
        )
        audit_record(
            actor=actor,
            action="alarmtyperule.create" if created else "alarmtyperule.update",
            object_type="alarmtyperule",
            object_id=rule.pk,
            after={"alarm_type": alarm_type, "category": category.code, "nature": nature},
        )
    return rule


# -- receiving an alarm ------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedAlarm:
    device: Device
    key: str  # the device's alarm id, else derived from type and time
    alarm_type: str
    level: str
    occurred_at: datetime.datetime
    lon: float
    lat: float
    area_code: str  # the grid the point lies in
    value: float | None
    unit: str
    message: str
    rule: AlarmTypeRule
    topic: str


OPENED, FOLDED, DUPLICATE = "opened", "folded", "duplicate"


@dataclass(frozen=True)
class Received:
    alarm: Alarm
    outcome: str  # OPENED a new work order, FOLDED into an open one, DUPLICATE delivery

    @property
    def work_order(self):
        return self.alarm.work_order


def _text(data: dict, name: str, limit: int, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise AlarmRejected(_("缺少字段 %(name)s") % {"name": name}, name)
        return ""
    if not isinstance(value, str):
        raise AlarmRejected(_("字段 %(name)s 必须是字符串") % {"name": name}, name)
    if "\x00" in value or len(value) > limit or not _encodable(value):
        raise AlarmRejected(
            _("字段 %(name)s 过长或含非法字符（最多 %(n)s 字）") % {"name": name, "n": limit},
            name,
        )
    return clean_text(value).strip()  # control and bidirectional characters removed (ADR 0011)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a JSON escape
        return False
    return True


def _number(data: dict, name: str) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AlarmRejected(_("字段 %(name)s 必须是有限数字") % {"name": name}, name)
    return float(value)


def _decode(payload) -> dict:
    if isinstance(payload, dict):
        return payload
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogatepass")
    if not isinstance(payload, bytes | bytearray):
        raise AlarmRejected(_("告警消息必须是 JSON 对象"), "payload")
    if len(payload) > ALARM_MAX_BYTES:
        raise AlarmRejected(_("告警消息超过 %(n)s 字节") % {"n": ALARM_MAX_BYTES}, "payload")
    try:
        data = json.loads(bytes(payload).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise AlarmRejected(_("告警消息不是合法的 UTF-8 JSON"), "payload") from None
    if not isinstance(data, dict):
        raise AlarmRejected(_("告警消息必须是 JSON 对象"), "payload")
    return data


def alarm_parse(payload, topic: str = "") -> ParsedAlarm:
    """Check one alarm message; raise AlarmRejected with the reason. Reads only."""
    data = _decode(payload)
    device_id = _text(data, "device", 64, required=True)
    if not IDENT_RE.match(device_id):
        raise AlarmRejected(_("设备编号格式不正确"), "device")
    device = Device.objects.filter(device_id=device_id).select_related("region").first()
    if device is None:
        raise AlarmRejected(_("未登记的设备 %(id)s") % {"id": device_id}, "device")
    if not device.is_active:
        raise AlarmRejected(_("设备 %(id)s 已停用") % {"id": device_id}, "device")
    alarm_type = _text(data, "type", 32, required=True)
    if alarm_type not in AlarmType.values:
        raise AlarmRejected(_("未知的告警类型 %(type)s") % {"type": alarm_type}, "type")
    level = _text(data, "level", 16, required=True)
    if level not in AlarmLevel.values:
        raise AlarmRejected(_("未知的告警级别 %(level)s") % {"level": level}, "level")
    occurred_at = _time(_text(data, "time", 40, required=True))
    alarm_id = _text(data, "id", 64)
    if alarm_id and not IDENT_RE.match(alarm_id):
        raise AlarmRejected(_("告警编号格式不正确"), "id")
    if alarm_id:
        key = f"id:{alarm_id}"
    else:  # a redelivered message has the same type and time, hence the same key
        stamp = occurred_at.astimezone(datetime.UTC).isoformat()
        key = "t:" + hashlib.sha256(f"{alarm_type}|{stamp}".encode()).hexdigest()[:40]
    lon, lat, area_code = _point(data, device)
    rule = AlarmTypeRule.objects.filter(alarm_type=alarm_type).select_related("category").first()
    if rule is None:
        raise AlarmRejected(
            _("告警类型 %(type)s 尚未配置事项分类（管理后台“告警分类规则”）")
            % {"type": alarm_type},
            "type",
        )
    return ParsedAlarm(
        device=device,
        key=key,
        alarm_type=alarm_type,
        level=level,
        occurred_at=occurred_at,
        lon=lon,
        lat=lat,
        area_code=area_code,
        value=_number(data, "value"),
        unit=_text(data, "unit", 16),
        message=_text(data, "message", 200),
        rule=rule,
        topic=(topic or "")[:200],
    )


def _time(text: str) -> datetime.datetime:
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise AlarmRejected(_("时间格式不正确，应如 2026-11-22T08:30:00+08:00"), "time")
    if timezone.is_naive(moment):
        raise AlarmRejected(_("时间必须带时区，如 +08:00 或 Z"), "time")
    now = timezone.now()
    if moment > now + MAX_FUTURE:
        raise AlarmRejected(_("报警时间晚于当前时间"), "time")
    if moment < now - MAX_AGE:
        raise AlarmRejected(_("报警时间早于 7 天前"), "time")
    return moment


def _point(data: dict, device: Device) -> tuple[float, float, str]:
    """The alarm's own point, else the device's; inside a grid of the device's region."""
    if "lon" in data or "lat" in data:
        lon, lat = _number(data, "lon"), _number(data, "lat")
        if lon is None or lat is None:
            raise AlarmRejected(_("经度和纬度须同时给出"), "lon")
    elif device.lon is not None and device.lat is not None:
        lon, lat = device.lon, device.lat
    else:
        raise AlarmRejected(_("告警没有坐标，设备也没有登记坐标"), "lon")
    try:
        lon, lat = check_lon_lat(lon, lat)
    except GeometryError as error:
        raise AlarmRejected(str(error), "lon") from None
    place = locate.locate(lon, lat)
    if place is None:
        raise AlarmRejected(_("坐标不在本平台的网格范围内"), "lon")
    if not place.grid.code.startswith(territory_prefix(device.region_id)):
        raise AlarmRejected(_("坐标不在设备所属区域内"), "lon")
    return lon, lat, place.grid.code


def gateway_user():
    """The account that registers the work orders alarms open (created on first use)."""
    from shanzhi.org.services import person_create

    User = get_user_model()
    user = User.objects.filter(username=GATEWAY_USERNAME).first()
    if user is None:
        try:
            with transaction.atomic():
                user = person_create(
                    actor="mqtt", username=GATEWAY_USERNAME, full_name=GATEWAY_NAME, password=None
                )
        except (InvalidInput, IntegrityError):  # created by another process meanwhile
            user = User.objects.get(username=GATEWAY_USERNAME)
    return user


def alarm_receive(*, payload, topic: str = "") -> Received:
    """Validate one alarm and record it, all in one transaction: the first alarm of a device
    and type opens a work order through `appeal_register`; another within
    ALARM_DEDUP_SECONDS of an alarm of that open order is folded into it and counted. A message
    delivered again (same device and alarm id, or same type and time) changes nothing.
    Raises AlarmRejected (nothing stored) for a message that cannot be taken."""
    parsed = alarm_parse(payload, topic)
    try:
        return _record(parsed)
    except IntegrityError:
        # The same message raced in through another connection; the other one recorded it.
        existing = Alarm.objects.filter(device=parsed.device, key=parsed.key).first()
        if existing is None:
            raise
        return Received(existing, DUPLICATE)


def _record(parsed: ParsedAlarm) -> Received:
    window = datetime.timedelta(seconds=max(settings.ALARM_DEDUP_SECONDS, 0))
    with transaction.atomic():
        # One device's alarms are taken one at a time, so the dedup decision is consistent.
        device = Device.objects.select_for_update().get(pk=parsed.device.pk)
        existing = (
            Alarm.objects.filter(device=device, key=parsed.key).select_related("work_order").first()
        )
        if existing is not None:
            return Received(existing, DUPLICATE)
        gateway = gateway_user()
        now = timezone.now()
        previous = None
        if window:
            previous = (
                Alarm.objects.filter(
                    device=device,
                    alarm_type=parsed.alarm_type,
                    work_order__state__in=OPEN_STATES,
                    occurred_at__gte=parsed.occurred_at - window,
                    occurred_at__lte=parsed.occurred_at + window,
                )
                .order_by("-occurred_at", "-pk")
                .first()
            )
        fields = {
            "device": device,
            "key": parsed.key,
            "alarm_type": parsed.alarm_type,
            "level": parsed.level,
            "lon": parsed.lon,
            "lat": parsed.lat,
            "area_code": parsed.area_code,
            "value": parsed.value,
            "unit": parsed.unit,
            "message": parsed.message,
            "topic": parsed.topic,
            "occurred_at": parsed.occurred_at,
            "received_at": now,
        }
        if previous is not None:
            alarm = Alarm.objects.create(work_order_id=previous.work_order_id, **fields)
            Alarm.objects.filter(work_order_id=previous.work_order_id, opened=True).update(
                repeat_count=F("repeat_count") + 1
            )
            outcome = FOLDED
        else:
            try:
                registered = appeal_register(
                    actor=gateway,
                    data=_appeal_input(parsed, device),
                    idempotency_key=_idempotency_key(device, parsed.key),
                )
            except InvalidInput as error:  # e.g. no triage unit there, category switched off
                raise AlarmRejected(error.message, error.field) from None
            alarm = Alarm.objects.create(
                work_order_id=registered.appeal.work_order_id, opened=True, **fields
            )
            outcome = OPENED
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        audit_record(
            actor=gateway,
            action=f"alarm.{'open' if outcome == OPENED else 'fold'}",
            object_type="alarm",
            object_id=alarm.pk,
            after={
                "device": device.device_id,
                "key": parsed.key,
                "type": parsed.alarm_type,
                "level": parsed.level,
                "area": parsed.area_code,
                "occurred_at": parsed.occurred_at,
                "work_order": alarm.work_order_id,
            },
        )
    return Received(Alarm.objects.select_related("work_order", "device").get(pk=alarm.pk), outcome)


def _idempotency_key(device: Device, key: str) -> str:
    return "alarm:" + hashlib.sha256(f"{device.device_id}\n{key}".encode()).hexdigest()[:48]


def _appeal_input(parsed: ParsedAlarm, device: Device) -> AppealInput:
    type_label = str(AlarmType(parsed.alarm_type).label)
    level_label = str(AlarmLevel(parsed.level).label)
    local = timezone.localtime(parsed.occurred_at)
    lines = [
        f"{type_label}（{level_label}）",
        _("设备：%(name)s（%(id)s，%(kind)s）")
        % {"name": device.name, "id": device.device_id, "kind": device.get_kind_display()},
    ]
    if device.address:
        lines.append(_("安装位置：%(address)s") % {"address": device.address})
    if parsed.value is not None:
        reading = f"{parsed.value:g} {parsed.unit}".strip()
        lines.append(_("读数：%(reading)s") % {"reading": reading})
    if parsed.message:
        lines.append(_("说明：%(message)s") % {"message": parsed.message})
    lines.append(_("报警时间：%(time)s") % {"time": f"{local:%Y-%m-%d %H:%M:%S}"})
    return AppealInput(
        channel=Channel.SENSOR,
        nature=parsed.rule.nature,
        category_code=parsed.rule.category.code,
        title=f"{type_label}：{device.name}"[:200],
        content="\n".join(lines),
        urgency=LEVEL_URGENCY[AlarmLevel(parsed.level)],
        lon=parsed.lon,
        lat=parsed.lat,
        address=device.address,
        occurred_at=parsed.occurred_at,
    )
