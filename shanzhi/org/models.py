from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.org.choices import GridDuty, Role, UnitKind


class Unit(models.Model):
    """A handling unit: a governance centre, a township platform, a department, a village
    committee or a mediation organisation. Its jurisdiction is a region; its level is that
    region's level."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=32, choices=UnitKind.choices)
    region = models.ForeignKey(
        "territory.Region",
        verbose_name=_("管辖区域"),
        on_delete=models.PROTECT,
        related_name="units",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unit_name_unique_in_region")
        ]

    def __str__(self):
        return self.name

    @property
    def level(self) -> str:
        return self.region.level


class Membership(models.Model):
    """A person's role in a unit; it grants the unit's jurisdiction as scope (except residents)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class GridAssignment(models.Model):
    """A grid worker or grid leader responsible for a grid."""

    grid = models.ForeignKey(
        "territory.Grid",
        verbose_name=_("网格"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        related_name="grid_assignments",
    )
    duty = models.CharField(_("职务"), max_length=16, choices=GridDuty.choices)
    since = models.DateField(_("起始日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("网格人员")
        verbose_name_plural = _("网格人员")
        constraints = [
            models.UniqueConstraint(fields=["grid", "user"], name="grid_assignment_unique")
        ]

    def __str__(self):
        return f"{self.grid} · {self.user} · {self.get_duty_display()}"


class Household(models.Model):
    """A household in a grid's register. The phone is personal data: masked unless entitled."""

    grid = models.ForeignKey(
        "territory.Grid",
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    address = models.CharField(_("地址"), max_length=200)
    head_name = models.CharField(_("户主"), max_length=50)
    members_count = models.PositiveSmallIntegerField(_("人口数"), default=1)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        ordering = ["grid_id", "address"]

    def __str__(self):
        return f"{self.address}（{self.head_name}）"


class HouseholdVisit(models.Model):
    """入户走访: a grid worker's visit to a household of their grid (counted when they are
    assessed)."""

    household = models.ForeignKey(
        Household, verbose_name=_("住户"), on_delete=models.CASCADE, related_name="visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("走访人"),
        on_delete=models.PROTECT,
        related_name="household_visits",
    )
    visited_at = models.DateTimeField(_("走访时间"), db_index=True)
    note = models.CharField(_("走访情况"), max_length=500)

    class Meta:
        verbose_name = _("入户走访")
        verbose_name_plural = _("入户走访")
        ordering = ["-visited_at"]
        indexes = [models.Index(fields=["visitor", "visited_at"])]

    def __str__(self):
        return f"{self.household} · {self.visited_at:%Y-%m-%d}"


class PartyMember(models.Model):
    """A party member who links a handful of households (联户党员, usually 5–15)."""

    grid = models.ForeignKey(
        "territory.Grid",
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        related_name="party_members",
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("系统账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    households = models.ManyToManyField(
        Household, verbose_name=_("联系住户"), related_name="party_members", blank=True
    )

    class Meta:
        verbose_name = _("联户党员")
        verbose_name_plural = _("联户党员")
        ordering = ["grid_id", "name"]

    def __str__(self):
        return self.name
