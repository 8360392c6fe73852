"""Enums of the connected systems: value, Chinese label."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HotlineStatus(models.TextChoices):
    """The steps a 12345 platform hears about (status callbacks)."""

    SIGNED = "signed", _("已签收")  # 签收: the lead unit took the order
    REPLIED = "replied", _("已回复")  # 回复: the lead unit's answer, with the result
    CLOSED = "closed", _("已办结")  # 办结/归档: the order is archived
