"""Enums shared by every app. Each member: value, Chinese label; colours for badges live beside."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("休息日")  # a weekday that is not worked (statutory holiday)
    WORKDAY = "workday", _("工作日")  # a weekend day that is worked (调休 make-up day)


class CalendarDaySource(models.TextChoices):
    PACKAGE = "package", _("法定节假日数据")  # the chinese-calendar package
    ADMIN = "admin", _("管理员录入")  # entered one by one in the admin
    NOTICE = "notice", _("国务院通知")  # imported from the State Council's annual notice
    # Rule-based, from the `holidays` package, for a year whose official arrangement is not
    # known yet: festivals but no 调休. Does not count as covering the year (workdays.py).
    PROVISIONAL = "provisional", _("临时（按规则推算）")


class DurationUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    NATURAL_DAYS = "natural_days", _("自然日")
    HOURS = "hours", _("小时")


class DeliveryChannel(models.TextChoices):
    """How a notification leaves the system (docs/integration.md#notifications)."""

    SMS = "sms", _("短信")  # through the configured HTTP SMS gateway
    DINGTALK = "dingtalk", _("钉钉机器人")  # a unit's group robot, or the global one
    WEBHOOK = "webhook", _("回调")  # a JSON POST to a connected system (12345 status callbacks)


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("待投递")  # waiting for its (next) attempt
    SENDING = "sending", _("投递中")  # claimed by a worker, being sent now
    DELIVERED = "delivered", _("已送达")  # the receiver accepted it (2xx)
    DEAD = "dead", _("投递失败")  # gave up after the last attempt; an administrator may retry


DELIVERY_STATE_COLOURS = {
    DeliveryState.PENDING: "warning",
    DeliveryState.SENDING: "info",
    DeliveryState.DELIVERED: "success",
    DeliveryState.DEAD: "danger",
}
