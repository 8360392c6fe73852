"""Rollups of the work orders for the command centre, the KPI scoring rules and the frozen
monthly assessments. The rollups are derived data: `shanzhi manage rebuild_rollups` recomputes
them from the work orders, and the fold keeps them current by following the audit trail."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shanzhi.command.choices import MEASURES, KpiKey


class Measures(models.Model):
    """Every measure of command/choices.py Measure, as a column."""

    registered = models.IntegerField(default=0)
    direct = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    signed_in_time = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    due = models.IntegerField(default=0)
    due_replied = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    replied_rated = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    handling_minutes = models.BigIntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    dissatisfied = models.IntegerField(default=0)
    red_cards = models.IntegerField(default=0)
    disputes = models.IntegerField(default=0)
    disputes_closed = models.IntegerField(default=0)
    disputes_resolved = models.IntegerField(default=0)
    disputes_on_time = models.IntegerField(default=0)
    dispute_minutes = models.BigIntegerField(default=0)
    disputes_zero_visit = models.IntegerField(default=0)
    disputes_one_visit = models.IntegerField(default=0)
    court_closed = models.IntegerField(default=0)
    court_resolved = models.IntegerField(default=0)
    disputes_rated = models.IntegerField(default=0)
    disputes_satisfied = models.IntegerField(default=0)
    confirmed = models.IntegerField(default=0)

    COLUMNS = tuple(MEASURES)

    class Meta:
        abstract = True


FIGURES_KEY = ("day", "area_code", "unit_id", "category_id", "channel")


class Figures(Measures):
    """Counts of one cell: period × area × unit × category × channel. `area_code` is the 12-digit
    region code of the order (its village, else the township or county it was filed under);
    `unit_id` is the unit the count is attributed to (0: none). Any combination of filters is
    answered from here; the common questions have smaller tables below."""

    day = models.DateField(_("日期"))
    area_code = models.CharField(_("区域编码"), max_length=12)
    unit_id = models.IntegerField(_("单位"), default=0)
    category_id = models.IntegerField(_("事项分类"))
    channel = models.CharField(_("来源渠道"), max_length=16)

    KEY = FIGURES_KEY

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.day} {self.area_code} {self.unit_id} {self.category_id} {self.channel}"


class DayFigures(Figures):
    """Figures per local (Asia/Shanghai) day: for custom periods and the edges of a period."""

    class Meta:
        verbose_name = _("日汇总")
        verbose_name_plural = _("日汇总")
        constraints = [models.UniqueConstraint(fields=FIGURES_KEY, name="dayfigures_cell")]


class MonthFigures(Figures):
    """The same figures per month (`day` is the first of the month)."""

    class Meta:
        verbose_name = _("月汇总")
        verbose_name_plural = _("月汇总")
        constraints = [models.UniqueConstraint(fields=FIGURES_KEY, name="monthfigures_cell")]


UNIT_MONTH_KEY = ("day", "unit_id")
AREA_MONTH_KEY = ("day", "area_code")
CATEGORY_MONTH_KEY = ("day", "area_code", "category_id")


class UnitMonth(Measures):
    """Every measure per month × unit: the KPI table of all units, the ranking and the
    assessment read a few hundred rows a month, however many orders the month held."""

    day = models.DateField(_("月份"))
    unit_id = models.IntegerField(_("单位"))

    KEY = UNIT_MONTH_KEY

    class Meta:
        verbose_name = _("单位月汇总")
        verbose_name_plural = _("单位月汇总")
        constraints = [models.UniqueConstraint(fields=UNIT_MONTH_KEY, name="unitmonth_cell")]

    def __str__(self):
        return f"{self.day:%Y-%m} {self.unit_id}"


class AreaMonth(Measures):
    """Every measure per month × area (village): a territory's KPIs and its drill-down."""

    day = models.DateField(_("月份"))
    area_code = models.CharField(_("区域编码"), max_length=12)

    KEY = AREA_MONTH_KEY

    class Meta:
        verbose_name = _("区域月汇总")
        verbose_name_plural = _("区域月汇总")
        constraints = [models.UniqueConstraint(fields=AREA_MONTH_KEY, name="areamonth_cell")]

    def __str__(self):
        return f"{self.day:%Y-%m} {self.area_code}"


class CategoryMonth(models.Model):
    """Appeals registered per month × area × category: the dashboard's category breakdown."""

    day = models.DateField(_("月份"))
    area_code = models.CharField(_("区域编码"), max_length=12)
    category_id = models.IntegerField(_("事项分类"))
    registered = models.IntegerField(default=0)

    KEY = CATEGORY_MONTH_KEY
    COLUMNS = ("registered",)

    class Meta:
        verbose_name = _("分类月受理量")
        verbose_name_plural = _("分类月受理量")
        constraints = [
            models.UniqueConstraint(fields=CATEGORY_MONTH_KEY, name="categorymonth_cell")
        ]

    def __str__(self):
        return f"{self.day:%Y-%m} {self.area_code} {self.category_id}"


TOWNSHIP_DAY_KEY = ("day", "township_code", "channel", "nature")
GRID_MONTH_KEY = ("day", "grid_code")


class TownshipDay(models.Model):
    """Appeals registered per day × township × channel × nature: the dashboard's 90-day trend
    and today's volumes, a few hundred rows however large the history."""

    day = models.DateField(_("日期"))
    township_code = models.CharField(_("乡镇街道编码"), max_length=12)
    channel = models.CharField(_("来源渠道"), max_length=16)
    nature = models.CharField(_("诉求性质"), max_length=16)
    registered = models.IntegerField(default=0)
    # Disputes taken in: `channel` holds the case's source and `nature` its dispute type's
    # family (the first-level type's code), for the volumes by source and type.
    disputes = models.IntegerField(default=0)

    KEY = TOWNSHIP_DAY_KEY
    COLUMNS = ("registered", "disputes")

    class Meta:
        verbose_name = _("乡镇日受理量")
        verbose_name_plural = _("乡镇日受理量")
        constraints = [models.UniqueConstraint(fields=TOWNSHIP_DAY_KEY, name="townshipday_cell")]

    def __str__(self):
        return f"{self.day} {self.township_code} {self.channel} {self.nature}"


class GridMonth(models.Model):
    """Appeals registered per month × grid: the density layer of the dashboard's map."""

    day = models.DateField(_("月份"))
    grid_code = models.CharField(_("网格编码"), max_length=15)
    registered = models.IntegerField(default=0)

    KEY = GRID_MONTH_KEY
    COLUMNS = ("registered",)

    class Meta:
        verbose_name = _("网格月受理量")
        verbose_name_plural = _("网格月受理量")
        constraints = [models.UniqueConstraint(fields=GRID_MONTH_KEY, name="gridmonth_cell")]

    def __str__(self):
        return f"{self.day:%Y-%m} {self.grid_code}"


OPEN_WORK_KEY = (
    "area_code",
    "state",
    "dispatch_unit_id",
    "lead_unit_id",
    "co_set",
    "other_set",
    "is_warned",
    "is_overdue",
    "is_sign_overdue",
    "is_red",
)


class OpenWork(models.Model):
    """The workload now: how many unfinished work orders (every state but 已归档 and 已合并)
    share one combination of what the inboxes and the dashboard's live counts ask about. The
    orders table holds the whole history; this table only today's workload, a few thousand rows
    however long the history. `co_set` (the active co-units) and `other_set` (the units assigned
    the order at some time besides its lead unit: returned, withdrawn, co-units, which still see
    it) are UnitSets, 0 for none; a unit id is 0 for none."""

    area_code = models.CharField(_("区域编码"), max_length=15)
    state = models.CharField(_("状态"), max_length=20)
    dispatch_unit_id = models.IntegerField(_("分拨单位"), default=0)
    lead_unit_id = models.IntegerField(_("主办单位"), default=0)
    co_set = models.IntegerField(_("协办单位（办理中）"), default=0)
    other_set = models.IntegerField(_("其他曾交办单位"), default=0)
    is_warned = models.BooleanField(default=False)
    is_overdue = models.BooleanField(default=False)
    is_sign_overdue = models.BooleanField(default=False)
    is_red = models.BooleanField(default=False)
    orders = models.IntegerField(default=0)

    KEY = OPEN_WORK_KEY
    COLUMNS = ("orders",)

    class Meta:
        verbose_name = _("在办工单汇总")
        verbose_name_plural = _("在办工单汇总")
        constraints = [models.UniqueConstraint(fields=OPEN_WORK_KEY, name="openwork_cell")]
        indexes = [
            models.Index(fields=["orders"], condition=Q(orders=0), name="openwork_empty"),
            # What an inbox reads: its units' cells, and the 待回访 cells of its territory.
            models.Index(fields=["dispatch_unit_id"], name="openwork_dispatch"),
            models.Index(fields=["lead_unit_id"], name="openwork_lead"),
            models.Index(fields=["state", "area_code"], name="openwork_state_area"),
            models.Index(fields=["co_set"], name="openwork_co_set"),
            models.Index(fields=["other_set"], name="openwork_other_set"),
        ]

    def __str__(self):
        return f"{self.area_code} {self.state} {self.orders}"


class UnitSet(models.Model):
    """A set of units that workload cells share (the active co-units of some unfinished orders,
    or the units once assigned them), stored once with its members in UnitSetMember, so that
    the cells of a unit are found through the index on the member's unit. `key`, the sorted ids
    ("3,17"), only finds the set again when the fold or the rebuild meets it."""

    key = models.TextField(_("单位集合"), unique=True)

    class Meta:
        verbose_name = _("单位集合")
        verbose_name_plural = _("单位集合")

    def __str__(self):
        return self.key


class UnitSetMember(models.Model):
    """One unit of a UnitSet."""

    unit_set = models.ForeignKey(
        UnitSet,
        verbose_name=_("单位集合"),
        on_delete=models.CASCADE,
        related_name="members",
        db_index=False,  # the unique constraint leads with it
    )
    unit_id = models.IntegerField(_("单位"))

    class Meta:
        verbose_name = _("单位集合成员")
        verbose_name_plural = _("单位集合成员")
        constraints = [
            models.UniqueConstraint(fields=["unit_set", "unit_id"], name="unitsetmember_once")
        ]
        # "The sets that hold one of these units": an index-only scan.
        indexes = [models.Index(fields=["unit_id", "unit_set"], name="unitsetmember_unit")]

    def __str__(self):
        return f"{self.unit_set_id} ∋ {self.unit_id}"


class CaseFacts(models.Model):
    """What one case currently contributes to the rollups (command/cases/__init__.py), so that a
    change can be folded in as the difference between its new and its old contribution. Each
    case type keeps its own table, keyed by the case's id."""

    facts = models.JSONField()

    class Meta:
        abstract = True


class OrderFacts(CaseFacts):
    """The facts of each work order."""

    order_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("工单贡献")
        verbose_name_plural = _("工单贡献")

    def __str__(self):
        return str(self.order_id)


class DisputeFacts(CaseFacts):
    """The facts of each dispute case (mediation)."""

    case_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("纠纷贡献")
        verbose_name_plural = _("纠纷贡献")

    def __str__(self):
        return str(self.case_id)


class RollupCursor(models.Model):
    """The last audit event folded into the rollups (a single row)."""

    last_event_id = models.BigIntegerField(default=0)
    folded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("汇总进度")
        verbose_name_plural = _("汇总进度")

    def __str__(self):
        return f"→ {self.last_event_id}"


class KpiRule(models.Model):
    """How a KPI turns into a score: zero at or beyond `zero_at`, full weight at or beyond
    `full_at`, linear in between (for rates where lower is better, both run the other way).
    The weights of all rules make up the overall score."""

    kpi = models.CharField(_("指标"), max_length=32, choices=KpiKey.choices, unique=True)
    weight = models.DecimalField(_("权重(分)"), max_digits=5, decimal_places=2)
    zero_at = models.DecimalField(
        _("零分线"), max_digits=5, decimal_places=4, help_text=_("如 0.80：低于 80% 得 0 分")
    )
    full_at = models.DecimalField(
        _("满分线"), max_digits=5, decimal_places=4, help_text=_("如 0.98：达到 98% 得满分")
    )

    class Meta:
        verbose_name = _("考核规则")
        verbose_name_plural = _("考核规则")
        ordering = ["kpi"]

    def __str__(self):
        return self.get_kpi_display()


class AssessmentSettings(models.Model):
    """The assessment's settings beside its scoring rules (one row). A unit given fewer lead
    assignments than `min_dispatched` in the period is listed apart and not ranked: with one or
    two orders a rate is 0 % or 100 % by chance, and such units would tie at the top."""

    min_dispatched = models.PositiveIntegerField(
        _("参与排名的最低派单量"),
        default=10,
        help_text=_(
            "统计期内派给该单位的主办任务少于此数时，单列“样本不足”，不参与排名；0 表示不限"
        ),
    )

    class Meta:
        verbose_name = _("考核设置")
        verbose_name_plural = _("考核设置")

    def __str__(self):
        return str(self._meta.verbose_name)


class Assessment(models.Model):
    """A published monthly assessment of one unit. Frozen: later edits of the month's work
    orders change the live figures, never these rows (the fold records such changes)."""

    month = models.DateField(_("月份"))
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, null=True)
    rank = models.PositiveIntegerField(_("排名"), null=True)
    figures = models.JSONField(_("指标数据"))
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("月度考核")
        verbose_name_plural = _("月度考核")
        ordering = ["month", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["month", "unit"], name="assessment_month_unit")
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.unit}"
