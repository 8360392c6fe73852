"""Tables of the interop app: the 12345 hotline platforms and their hand-overs, and the sensor
devices with their alarms (物联感知)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.interop.choices import AlarmLevel, AlarmType, CourtReferralKind, DeviceKind
from shanzhi.workorders.choices import Nature


class HotlinePlatform(models.Model):
    """A 12345 hotline platform (provincial or city) that pushes work orders to this county and
    receives status callbacks. It signs in with the API tokens of its own account, which needs
    the 话务员 role in a unit (intake checks it like any hotline registration)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接口账号"),
        on_delete=models.PROTECT,
        related_name="hotline_platform",
        help_text=_("平台推送工单所用令牌的账号（shanzhi token create 账号名）"),
    )
    callback_url = models.URLField(
        _("状态回调地址"),
        max_length=500,
        blank=True,
        help_text=_("签收、回复、办结时向该地址 POST JSON；留空则不回调"),
    )
    secret = models.CharField(
        _("回调签名密钥"),
        max_length=200,
        blank=True,
        help_text=_("填写后回调带 X-Shanzhi-Signature（HMAC-SHA256）"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("12345 热线平台")
        verbose_name_plural = _("12345 热线平台")

    def __str__(self):
        return self.name

    @property
    def route(self) -> str:
        """How the outbox names this platform's callbacks (filter and signing key)."""
        return f"hotline:{self.pk}"


class CategoryMapping(models.Model):
    """A platform's category code and the leaf of our category tree it stands for. An order
    whose code has no mapping is refused with 400 naming the code; edits apply at once."""

    platform = models.ForeignKey(
        HotlinePlatform,
        verbose_name=_("热线平台"),
        on_delete=models.CASCADE,
        related_name="mappings",
    )
    external_code = models.CharField(_("平台分类编码"), max_length=64)
    external_name = models.CharField(_("平台分类名称"), max_length=100, blank=True)
    category = models.ForeignKey(
        "workorders.Category",
        verbose_name=_("本平台事项分类"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("热线分类映射")
        verbose_name_plural = _("热线分类映射")
        ordering = ["platform_id", "external_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_code"], name="hotline_mapping_code_unique"
            )
        ]

    def __str__(self):
        return f"{self.external_code} {self.external_name} → {self.category}"


class HotlineOrder(models.Model):
    """A work order pushed by a platform: its order number there (unique per platform, so a
    second push returns the first result) and the appeal it became here. Callbacks of the
    appeal's work order carry the number back."""

    platform = models.ForeignKey(
        HotlinePlatform, verbose_name=_("热线平台"), on_delete=models.PROTECT, related_name="orders"
    )
    external_no = models.CharField(_("平台工单号"), max_length=64)
    external_category = models.CharField(_("平台分类编码"), max_length=64)
    appeal = models.OneToOneField(
        "workorders.Appeal",
        verbose_name=_("诉求"),
        on_delete=models.PROTECT,
        related_name="hotline_order",
    )
    deadline = models.DateTimeField(_("平台要求办结时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("接收时间"))

    class Meta:
        verbose_name = _("热线来件")
        verbose_name_plural = _("热线来件")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_no"], name="hotline_order_number_unique"
            )
        ]

    def __str__(self):
        return f"{self.platform} {self.external_no}"


class Court(models.Model):
    """A court that refers disputes to the county's mediation centre (委派/委托调解) through
    `POST /api/v1/mediation/referrals`, with the API tokens of its own account, and hears back
    through status callbacks."""

    name = models.CharField(_("法院名称"), max_length=100, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接口账号"),
        on_delete=models.PROTECT,
        related_name="court",
        help_text=_("法院推送委派调解所用令牌的账号（shanzhi token create 账号名）"),
    )
    centre = models.ForeignKey(
        "mediation.MediationOrg",
        verbose_name=_("接收的调解组织"),
        on_delete=models.PROTECT,
        related_name="courts",
        help_text=_("委派的纠纷在这里受理、分派（通常是县级矛调中心）"),
    )
    callback_url = models.URLField(
        _("状态回调地址"),
        max_length=500,
        blank=True,
        help_text=_("分派、调解成功、调解不成、转出时向该地址 POST JSON；留空则不回调"),
    )
    secret = models.CharField(
        _("回调签名密钥"),
        max_length=200,
        blank=True,
        help_text=_("填写后回调带 X-Shanzhi-Signature（HMAC-SHA256）"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("委派法院")
        verbose_name_plural = _("委派法院")

    def __str__(self):
        return self.name

    @property
    def route(self) -> str:
        """How the outbox names this court's callbacks (filter and signing key)."""
        return f"court:{self.pk}"


class CourtReferral(models.Model):
    """A dispute a court referred: its case number there (unique per court, so a second push
    returns the first result) and the dispute case it became here."""

    court = models.ForeignKey(
        Court, verbose_name=_("委派法院"), on_delete=models.PROTECT, related_name="referrals"
    )
    case_number = models.CharField(_("法院案号"), max_length=64)
    kind = models.CharField(_("委派方式"), max_length=16, choices=CourtReferralKind.choices)
    judge = models.CharField(_("承办法官"), max_length=50, blank=True)
    case = models.OneToOneField(
        "mediation.DisputeCase",
        verbose_name=_("调解案件"),
        on_delete=models.PROTECT,
        related_name="court_referral",
    )
    received_at = models.DateTimeField(_("接收时间"))

    class Meta:
        verbose_name = _("法院委派")
        verbose_name_plural = _("法院委派")
        constraints = [
            models.UniqueConstraint(
                fields=["court", "case_number"], name="court_referral_number_unique"
            )
        ]

    def __str__(self):
        return f"{self.court} {self.case_number}"


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
