from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.interop.choices import AlarmLevel, AlarmType, DeviceKind
from shanzhi.workorders.choices import Nature

# ---------------------------------------------------------------------------------------------
# Sensor and video alarms over MQTT (物联感知告警): the device registry, the alarm type → category
# mapping, and every alarm received. Migration interop/0001_devices. See docs/adr/0006.
# ---------------------------------------------------------------------------------------------


class Device(models.Model):
    """A sensor or camera that sends alarms (烟感、智能井盖、水位计、视频智能分析 …), registered
    by an administrator. Alarms from unknown or inactive devices are refused. A device installed
    at a fixed point has its grid and region derived from that point; a device without one
    belongs to the region chosen for it, and its alarms must carry their own point inside it."""

    device_id = models.CharField(_("设备编号"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("设备类型"), max_length=32, choices=DeviceKind.choices)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("安装位置"), max_length=200, blank=True)
    region = models.ForeignKey(
        "territory.Region",
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("有坐标时按坐标所在网格自动确定"),
    )
    grid = models.ForeignKey(
        "territory.Grid",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The grid code, else the region code: scope checks are prefix matches on it.
    area_code = models.CharField(_("区域编码"), max_length=15, db_index=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    last_seen_at = models.DateTimeField(_("最近报警"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("感知设备")
        verbose_name_plural = _("感知设备")
        ordering = ["device_id"]

    def __str__(self):
        return f"{self.name}（{self.device_id}）"


class AlarmTypeRule(models.Model):
    """Which leaf category (and nature) the work order opened by an alarm of a type is filed
    under. An alarm whose type has no rule is refused: nothing guesses a category."""

    alarm_type = models.CharField(
        _("告警类型"), max_length=32, choices=AlarmType.choices, unique=True
    )
    category = models.ForeignKey(
        "workorders.Category",
        verbose_name=_("事项分类"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("须为最细一级分类"),
    )
    nature = models.CharField(
        _("诉求性质"), max_length=16, choices=Nature.choices, default=Nature.HELP
    )

    class Meta:
        verbose_name = _("告警分类规则")
        verbose_name_plural = _("告警分类规则")
        ordering = ["alarm_type"]

    def __str__(self):
        return f"{self.get_alarm_type_display()} → {self.category}"


class Alarm(models.Model):
    """One alarm as received (after validation), kept as the device's history. The first alarm
    of an incident opens a work order (`opened`); later alarms of the same device and type
    within the de-duplication window, while that order is open, are folded into it and counted
    on the opening alarm (`repeat_count`). (device, key) is unique: a message the broker
    delivers twice is recorded once."""

    device = models.ForeignKey(
        Device, verbose_name=_("设备"), on_delete=models.PROTECT, related_name="alarms"
    )
    key = models.CharField(_("告警标识"), max_length=80)
    alarm_type = models.CharField(_("告警类型"), max_length=32, choices=AlarmType.choices)
    level = models.CharField(_("告警级别"), max_length=16, choices=AlarmLevel.choices)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    area_code = models.CharField(_("区域编码"), max_length=15, db_index=True)
    value = models.FloatField(_("读数"), null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    message = models.CharField(_("说明"), max_length=200, blank=True)
    topic = models.CharField(_("主题"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("报警时间"))
    received_at = models.DateTimeField(_("接收时间"), db_index=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("工单"),
        on_delete=models.PROTECT,
        related_name="alarms",
    )
    opened = models.BooleanField(_("开单告警"), default=False)
    repeat_count = models.PositiveIntegerField(_("重复次数"), default=0)

    class Meta:
        verbose_name = _("告警记录")
        verbose_name_plural = _("告警记录")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "key"], name="alarm_device_key_unique")
        ]
        indexes = [models.Index(fields=["device", "alarm_type", "-occurred_at"])]

    def __str__(self):
        return f"{self.device.device_id} {self.get_alarm_type_display()} {self.key}"
