"""Enums shared by every app. Each member: value, Chinese label; colours for badges live beside."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("休息日")  # a weekday that is not worked (statutory holiday)
    WORKDAY = "workday", _("工作日")  # a weekend day that is worked (调休 make-up day)


class CalendarDaySource(models.TextChoices):
    PACKAGE = "package", _("法定节假日数据")
    ADMIN = "admin", _("管理员录入")


class DurationUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    NATURAL_DAYS = "natural_days", _("自然日")
    HOURS = "hours", _("小时")
