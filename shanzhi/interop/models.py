from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
