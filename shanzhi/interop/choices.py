"""Enums of the interop app: value, Chinese label and (for badges) colour.

The steps a 12345 platform hears about; sensor and video alarms (物联感知告警): the kinds of
device, the types of alarm they raise and the levels, with the urgency each level gives the work
order it opens."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.workorders.choices import Urgency


class HotlineStatus(models.TextChoices):
    """The steps a 12345 platform hears about (status callbacks)."""

    SIGNED = "signed", _("已签收")  # 签收: the lead unit took the order
    REPLIED = "replied", _("已回复")  # 回复: the lead unit's answer, with the result
    CLOSED = "closed", _("已办结")  # 办结/归档: the order is archived


class CourtReferralKind(models.TextChoices):
    """How a court hands a dispute to mediation."""

    PRE_LITIGATION = "pre_litigation", _("诉前委派调解")  # before the case is filed
    ENTRUSTED = "entrusted", _("诉中委托调解")  # a filed case, entrusted to mediation


class CourtStatus(models.TextChoices):
    """The steps a court hears about (status callbacks of its referrals)."""

    ASSIGNED = "assigned", _("已分派调解员")
    AGREED = "agreed", _("调解成功")
    FAILED = "failed", _("调解不成")
    REFERRED = "referred", _("已转出调解")


class DeviceKind(models.TextChoices):
    SMOKE_DETECTOR = "smoke_detector", _("烟感探测器")
    GAS_DETECTOR = "gas_detector", _("可燃气体探测器")
    MANHOLE_SENSOR = "manhole_sensor", _("智能井盖")
    WATER_GAUGE = "water_gauge", _("水位监测仪")
    CAMERA = "camera", _("视频监控（智能分析）")
    OTHER = "other", _("其他设备")


class AlarmType(models.TextChoices):
    """What a device reports. Each type is mapped to a leaf category by an AlarmTypeRule."""

    SMOKE = "smoke", _("烟感报警")
    GAS_LEAK = "gas_leak", _("燃气泄漏")
    MANHOLE_MOVED = "manhole_moved", _("井盖位移")
    WATER_LEVEL = "water_level", _("水位超限")
    CROWD = "crowd", _("人群聚集")
    FIRE_LANE_BLOCKED = "fire_lane_blocked", _("消防通道占用")


class AlarmLevel(models.TextChoices):
    MINOR = "minor", _("一般告警")
    MAJOR = "major", _("重要告警")
    CRITICAL = "critical", _("紧急告警")


# The urgency of the work order an alarm opens.
LEVEL_URGENCY = {
    AlarmLevel.MINOR: Urgency.NORMAL,
    AlarmLevel.MAJOR: Urgency.URGENT,
    AlarmLevel.CRITICAL: Urgency.CRITICAL,
}
LEVEL_COLOURS = {
    AlarmLevel.MINOR: "info",
    AlarmLevel.MAJOR: "warning",
    AlarmLevel.CRITICAL: "danger",
}
