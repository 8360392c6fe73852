"""Reads of the command centre: the question (period, territory, unit, category, channel) is
checked once into a `Scope`, then every figure is summed from the rollups. Whole months come
from MonthFigures, the days at the edges of a period from DayFigures, so a year costs at most
twelve month rows per cell however many orders it held."""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.command.choices import KPIS, MEASURES, PUBLISH_ROLES, VIEW_ROLES, Measure, PeriodKind
from shanzhi.command.facts import workload_for
from shanzhi.command.models import (
    OPEN_WORK_KEY,
    AreaMonth,
    CategoryMonth,
    DayFigures,
    GridMonth,
    KpiRule,
    MonthFigures,
    OpenWork,
    OrderFacts,
    RollupCursor,
    TownshipDay,
    UnitMonth,
)
from shanzhi.core.dates import DateOutOfRange, check_day
from shanzhi.core.errors import Forbidden, InvalidInput, NotFound
from shanzhi.core.models import AuditEvent
from shanzhi.core.scoping import in_scope
from shanzhi.org.models import Unit
from shanzhi.org.selectors import user_roles, user_scope
from shanzhi.territory.choices import PREFIX_LENGTH, territory_prefix
from shanzhi.territory.models import Region
from shanzhi.workorders.choices import OPEN_STATES, SATISFIED_RATINGS, Channel, State, Urgency
from shanzhi.workorders.models import Category, WorkOrder

MAX_YEARS = 10


def roles_of(user) -> set[str]:
    return {m.role for m in user_roles(user)}


def require_viewer(user) -> None:
    """Leaders, commanders, dispatchers and administrators see the command centre."""
    if not (getattr(user, "is_superuser", False) or roles_of(user) & VIEW_ROLES):
        raise Forbidden(_("只有领导、指挥长、分拨员和管理员可以查看指挥中心"))


def may_publish(user) -> bool:
    return user.is_superuser or bool(roles_of(user) & PUBLISH_ROLES)


EARLIEST = datetime.date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.DAY:
            return f"{self.start:%Y-%m-%d}"
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == PeriodKind.YEAR:
            return str(self.start.year)
        return f"{self.start:%Y-%m-%d} ~ {self.end:%Y-%m-%d}"

    def previous(self) -> "Period":
        """The period of the same kind just before (the trend arrows compare with it)."""
        if self.kind == PeriodKind.MONTH:
            start = (self.start - datetime.timedelta(days=1)).replace(day=1)
            return month_period(start)
        if self.kind == PeriodKind.QUARTER:
            return _quarter((self.start - datetime.timedelta(days=1)).replace(day=1))
        if self.kind == PeriodKind.YEAR:
            return Period(
                self.kind,
                self.start.replace(year=self.start.year - 1),
                self.start.replace(year=self.start.year - 1, month=12, day=31),
            )
        length = (self.end - self.start).days + 1
        end = self.start - datetime.timedelta(days=1)
        return Period(self.kind, end - datetime.timedelta(days=length - 1), end)

    def as_params(self) -> dict:
        return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}


def today() -> datetime.date:
    return timezone.localdate()


def month_period(day: datetime.date) -> Period:
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(PeriodKind.MONTH, day.replace(day=1), day.replace(day=last))


def _quarter(day: datetime.date) -> Period:
    first = datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    last_month = first.month + 2
    return Period(
        PeriodKind.QUARTER,
        first,
        datetime.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]),
    )


def _date(value: str, name: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise InvalidInput(_("日期格式应为 YYYY-MM-DD"), name) from None
    try:
        return check_day(day, name)  # the one window for days to count by (ADR 0011)
    except DateOutOfRange as error:
        raise InvalidInput(error.message, name) from None


def parse_period(params) -> Period:
    """period=day|week|month|quarter|year with date=YYYY-MM-DD (any day inside; default today),
    or period=custom with from/to. Inverted or absurd ranges and spans over ten years are
    refused with a message naming the field."""
    kind = params.get("period") or PeriodKind.MONTH
    if kind not in PeriodKind.values:
        raise InvalidInput(_("统计周期应为日、周、月、季度、年或自定义"), "period")
    if kind == PeriodKind.CUSTOM:
        if not params.get("from") or not params.get("to"):
            raise InvalidInput(_("自定义周期须填写起止日期"), "from")
        start, end = _date(params["from"], "from"), _date(params["to"], "to")
        if end < start:
            raise InvalidInput(_("结束日期不能早于开始日期"), "to")
        if (end - start).days > 366 * MAX_YEARS:
            raise InvalidInput(_("统计周期不能超过 %(n)s 年") % {"n": MAX_YEARS}, "to")
        return Period(kind, start, end)
    raw = params.get("date") or ""
    if kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR) and len(raw) == 7:
        raw += "-01"  # 2026-11
    if kind == PeriodKind.YEAR and len(raw) == 4:
        raw += "-01-01"
    day = _date(raw, "date") if raw else today()
    if kind == PeriodKind.DAY:
        return Period(kind, day, day)
    if kind == PeriodKind.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return Period(kind, start, start + datetime.timedelta(days=6))
    if kind == PeriodKind.MONTH:
        return month_period(day)
    if kind == PeriodKind.QUARTER:
        return _quarter(day)
    return Period(kind, day.replace(month=1, day=1), day.replace(month=12, day=31))


@dataclass
class Scope:
    """What a question is about, checked against what the viewer may see."""

    region: Region | None  # None: everything (administrators)
    unit: Unit | None = None
    category: Category | None = None
    category_ids: list[int] | None = None
    channel: str = ""
    prefix: str = ""
    params: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.region.name if self.region else _("全部区域")


def _home_region(user) -> Region | None:
    prefixes = user_scope(user)
    if not prefixes:
        raise NotFound(_("没有可查看的区域"))
    if "" in prefixes:
        return None
    shortest = min(prefixes, key=len)
    return Region.objects.filter(code=shortest.ljust(12, "0")).first()


def parse_scope(user, params) -> Scope:
    """region=CODE (default: the viewer's own territory), unit=ID, category=CODE, channel=…
    Unknown ones are 400; a territory or unit outside the viewer's scope is 404."""
    prefixes = user_scope(user)
    code = (params.get("region") or "").strip()
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise InvalidInput(_("区划代码 %(code)s 不存在") % {"code": code[:20]}, "region")
        if not in_scope(region.code, prefixes):
            raise NotFound(_("无权查看该区域"))
    else:
        region = _home_region(user)
    scope = Scope(region=region, prefix=territory_prefix(region.code) if region else "")
    raw_unit = (params.get("unit") or "").strip()
    if raw_unit:
        unit = Unit.objects.filter(pk=int(raw_unit)).first() if raw_unit.isdigit() else None
        if unit is None:
            raise InvalidInput(_("单位不存在"), "unit")
        if not in_scope(unit.region_id, prefixes):
            raise NotFound(_("无权查看该单位"))
        scope.unit = unit
    raw_category = (params.get("category") or "").strip()
    if raw_category:
        category = Category.objects.filter(code=raw_category).first()
        if category is None:
            raise InvalidInput(_("事项分类不存在"), "category")
        scope.category = category
        scope.category_ids = list(
            Category.objects.filter(
                Q(path=category.path) | Q(path__startswith=category.path + "/")
            ).values_list("pk", flat=True)
        )
    channel = (params.get("channel") or "").strip()
    if channel and channel not in Channel.values:
        raise InvalidInput(_("未知的来源渠道"), "channel")
    scope.channel = channel
    scope.params = {
        k: v
        for k, v in {
            "region": code,
            "unit": raw_unit,
            "category": raw_category,
            "channel": channel,
        }.items()
        if v
    }
    return scope


def code_range(field_name: str, prefix: str) -> Q:
    """Codes starting with `prefix` as a range (index-friendly with any collation)."""
    if not prefix:
        return Q()
    upper = str(int(prefix) + 1).zfill(len(prefix))
    return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": upper})


def orders_in(scope: Scope) -> Q:
    """Work orders of the territory, written as a prefix match: the planner then reaches them
    through a more selective index (open states, the registration time) instead of walking the
    territory's whole history by area code (SQLite does not use an index for this LIKE)."""
    return Q(area_code__startswith=scope.prefix) if scope.prefix else Q()


def _figure_filter(scope: Scope) -> Q:
    q = code_range("area_code", scope.prefix)
    if scope.unit:
        q &= Q(unit_id=scope.unit.pk)
    if scope.category_ids is not None:
        q &= Q(category_id__in=scope.category_ids)
    if scope.channel:
        q &= Q(channel=scope.channel)
    return q


def _split(period: Period) -> tuple[list[datetime.date], list[tuple[datetime.date, datetime.date]]]:
    """Whole months inside the period (their first days) and the leftover day ranges."""
    months, edges = [], []
    day = period.start
    while day <= period.end:
        last = month_period(day).end
        if day.day == 1 and last <= period.end:
            months.append(day)
            day = last + datetime.timedelta(days=1)
        else:
            stop = min(last, period.end)
            edges.append((day, stop))
            day = stop + datetime.timedelta(days=1)
    return months, edges


def _sums(queryset, group: list[str] | None = None):
    sums = {m: Sum(m) for m in MEASURES}
    if group:
        return queryset.values(*group).annotate(**sums).order_by()
    return [queryset.aggregate(**sums)]


def _month_table(scope: Scope, group: list[str] | None):
    """The smallest monthly rollup that answers the question, and its filter: a unit's figures
    (UnitMonth), a territory's (AreaMonth), anything else from the full cube (MonthFigures)."""
    plain = scope.category_ids is None and not scope.channel
    if plain and not scope.prefix and (group == ["unit_id"] or (not group and scope.unit)):
        return UnitMonth, Q(unit_id=scope.unit.pk) if scope.unit else Q()
    if plain and not scope.unit and group in (None, ["sub"]):
        return AreaMonth, code_range("area_code", scope.prefix)
    return MonthFigures, _figure_filter(scope)


def figures(scope: Scope, period: Period, *, group: list[str] | None = None, base=None):
    """Summed measures for the period, optionally grouped by columns of the rollups (or by an
    annotation such as a code prefix given through `base`). Returns {group key: {measure: n}}
    (key () without group)."""
    months, edges = _split(period)
    parts = []
    if months:
        model, q = _month_table(scope, group)
        parts.append(model.objects.filter(q, day__in=months))
    for start, end in edges:
        parts.append(DayFigures.objects.filter(_figure_filter(scope), day__range=(start, end)))
    result: dict = {}
    for part in parts:
        if base:
            part = base(part)
        for row in _sums(part, group):
            key = tuple(row[g] for g in group) if group else ()
            target = result.setdefault(key, dict.fromkeys(MEASURES, 0))
            for m in MEASURES:
                target[m] += row[m] or 0
    if not group and () not in result:
        result[()] = dict.fromkeys(MEASURES, 0)
    return result


@dataclass
class KpiValue:
    key: str
    label: str
    numerator: int
    denominator: int
    numerator_measure: str
    denominator_measure: str
    higher_is_better: bool
    previous: float | None = None

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def trend(self) -> str:
        if self.rate is None or self.previous is None or abs(self.rate - self.previous) < 1e-9:
            return ""
        return "up" if self.rate > self.previous else "down"

    @property
    def trend_good(self) -> bool:
        return (self.trend == "up") == self.higher_is_better


def kpis_of(values: dict, previous: dict | None = None) -> list[KpiValue]:
    result = []
    for kpi in KPIS:
        item = KpiValue(
            key=kpi.key.value,
            label=str(kpi.label),
            numerator=values[kpi.numerator],
            denominator=values[kpi.denominator],
            numerator_measure=kpi.numerator,
            denominator_measure=kpi.denominator,
            higher_is_better=kpi.higher_is_better,
        )
        if previous is not None and previous[kpi.denominator]:
            item.previous = previous[kpi.numerator] / previous[kpi.denominator]
        result.append(item)
    return result


def average_handling_hours(values: dict) -> float | None:
    if not values[Measure.REPLIED]:
        return None
    return values[Measure.HANDLING_MINUTES] / values[Measure.REPLIED] / 60


# --- scores -----------------------------------------------------------------------------


def kpi_rules() -> list[KpiRule]:
    return list(KpiRule.objects.all())


def score(values: dict, rules: list[KpiRule]) -> tuple[float | None, dict]:
    """Overall score (0–100 when the weights add up to 100) and the score of each KPI. A KPI
    without data (denominator 0) is left out and the others are scaled to the full weight."""
    by_key = {kpi.key.value: kpi for kpi in KPIS}
    parts, weight_used, weight_all = {}, Decimal(0), Decimal(0)
    for rule in rules:
        kpi = by_key[rule.kpi]
        weight_all += rule.weight
        denominator = values[kpi.denominator]
        if not denominator:
            continue
        rate = Decimal(values[kpi.numerator]) / Decimal(denominator)
        zero, full = rule.zero_at, rule.full_at
        if full == zero:
            fraction = Decimal(1) if (rate >= full) == kpi.higher_is_better else Decimal(0)
        else:
            fraction = min(max((rate - zero) / (full - zero), Decimal(0)), Decimal(1))
        parts[rule.kpi] = float(rule.weight * fraction)
        weight_used += rule.weight
    if not weight_used:
        return None, parts
    return float(sum(Decimal(str(v)) for v in parts.values()) * weight_all / weight_used), parts


@dataclass
class UnitRow:
    unit: Unit
    values: dict
    score: float | None
    parts: dict
    rank: int | None = None
    previous_rank: int | None = None

    @property
    def kpis(self) -> list[KpiValue]:
        return kpis_of(self.values)


def handling_units(scope: Scope):
    """Units that handle work orders in the territory (not the centres and command rooms)."""
    from shanzhi.org.choices import UnitKind

    units = Unit.objects.select_related("region").exclude(
        kind__in=[UnitKind.CENTRE, UnitKind.COMMAND_ROOM]
    )
    if scope.prefix:
        units = units.filter(code_range("region_id", scope.prefix))
    if scope.unit:
        units = units.filter(pk=scope.unit.pk)
    return units.order_by("region_id", "kind", "name")


def unit_table(scope: Scope, period: Period, *, with_previous: bool = False) -> list[UnitRow]:
    """Every handling unit of the territory with its figures, score and rank (highest score
    first; units without any scored KPI last, unranked)."""
    rules = kpi_rules()
    unit_scope = Scope(
        region=scope.region,
        category_ids=scope.category_ids,
        channel=scope.channel,
        prefix="",  # a unit's figures count wherever its orders were, e.g. a district department
    )
    by_unit = figures(unit_scope, period, group=["unit_id"])
    empty = dict.fromkeys(MEASURES, 0)
    rows = []
    for unit in handling_units(scope):
        values = by_unit.get((unit.pk,), empty)
        total, parts = score(values, rules)
        rows.append(UnitRow(unit=unit, values=values, score=total, parts=parts))
    _rank(rows)
    if with_previous:
        previous = {row.unit.pk: row.rank for row in unit_table(scope, period.previous())}
        for row in rows:
            row.previous_rank = previous.get(row.unit.pk)
    return rows


def _rank(rows: list[UnitRow]) -> None:
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.unit.region_id, r.unit.name))
    rank, last = 0, None
    for position, row in enumerate(rows, start=1):
        if row.score is None:
            continue
        if row.score != last:
            rank, last = position, row.score
        row.rank = rank


def red_black(ranked: list, size: int = 5) -> tuple[list, list]:
    """红黑榜: the best and the worst `size` of ranked rows (best first, worst first), never
    overlapping: with fewer than twice `size` rows each list takes half."""
    size = min(size, len(ranked) // 2)
    if not size:
        return [], []
    return ranked[:size], list(reversed(ranked[-size:]))


def next_level_length(prefix: str) -> int | None:
    """Length of the code prefix one level down (city → district → township → village)."""
    for length in sorted(set(PREFIX_LENGTH.values())):
        if length > len(prefix):
            return length
    return None


def region_table(scope: Scope, period: Period) -> list[dict]:
    """The figures of each sub-region one level down (drill-down)."""
    length = next_level_length(scope.prefix)
    if length is None or length > 12:
        return []
    grouped = figures(
        scope,
        period,
        group=["sub"],
        base=lambda qs: qs.annotate(sub=Substr("area_code", 1, length)),
    )
    codes = {key[0].ljust(12, "0"): key[0] for key in grouped}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    rows = []
    for code, prefix in sorted(codes.items()):
        values = grouped[(prefix,)]
        rows.append(
            {"code": code, "name": names.get(code, code), "values": values, "kpis": kpis_of(values)}
        )
    return rows


# --- the workload now ----------------------------------------------------------------------

UNFOLDED_LIMIT = 2000  # beyond this many changes not yet folded, count the work orders instead


@dataclass
class Workload:
    """The workload as of this moment. `cells`: the OpenWork rows a filter selected, summed over
    the fields asked for. `changes`: the orders changed since the last fold, each as its full
    OpenWork key with orders -1 (the cell it was folded into) or +1 (the one it is in now), not
    filtered: the caller adds those that meet its own condition."""

    cells: list[dict]
    changes: list[dict]


def _cursor() -> int:
    return RollupCursor.objects.filter(pk=1).values_list("last_event_id", flat=True).first() or 0


def open_work(q: Q, fields: tuple[str, ...], **annotations) -> Workload | None:
    """The workload cells that `q` (a filter on OpenWork) selects, summed in the database over
    `fields` (and any `annotations` of the rows), with the changes since the last fold. None
    when the fold is too far behind (its worker stopped): the caller then counts the work
    orders themselves.

    Consistent without a transaction: the fold moves its cursor in the same transaction as the
    cells, so if the cursor is the same before and after the reads, no fold came in between."""
    names = (*fields, *annotations)
    for _attempt in range(3):
        before = _cursor()
        cells = list(
            OpenWork.objects.filter(q)
            .annotate(**annotations)
            .values(*names)
            .annotate(orders=Sum("orders"))
            .order_by()
        )
        changed = list(
            AuditEvent.objects.filter(pk__gt=before, object_type="workorder").values_list(
                "object_id", flat=True
            )[: UNFOLDED_LIMIT + 1]
        )
        if len(changed) > UNFOLDED_LIMIT:
            return None
        ids = {int(i) for i in changed if i.isdigit()}
        folded = {
            order_id: facts.get("w")
            for order_id, facts in OrderFacts.objects.filter(order_id__in=ids).values_list(
                "order_id", "facts"
            )
        }
        live = workload_for(ids) if ids else {}
        if _cursor() == before:
            break
    else:
        return None
    changes = []
    for order_id in sorted(ids):
        old, new = folded.get(order_id), live.get(order_id)
        if old != new:
            if old:
                changes.append({**dict(zip(OPEN_WORK_KEY, old, strict=True)), "orders": -1})
            if new:
                changes.append({**dict(zip(OPEN_WORK_KEY, new, strict=True)), "orders": 1})
    return Workload(cells, changes)


# 在办 on the dashboard: open, or replied and waiting for the dispatcher's check.
WORKLOAD_STATES = sorted(OPEN_STATES | {State.PENDING_VERIFY})
# The states in which an order can be overdue (its clock was started by a dispatch).
OVERDUE_STATES = sorted(OPEN_STATES - {State.PENDING_DISPATCH})


def live_counts(scope: Scope) -> dict:
    """Open and overdue work orders now, from the workload table (open orders are today's
    workload, not the history); from the work orders themselves if the fold is behind."""
    work = open_work(
        code_range("area_code", scope.prefix) & Q(state__in=WORKLOAD_STATES),
        ("is_warned", "is_overdue", "is_red"),
    )
    if work is None:
        return _live_counts_of_orders(scope)
    counts = {"open": 0, "overdue": 0, "warned": 0, "red": 0}
    changes = [
        c
        for c in work.changes
        if c["state"] in WORKLOAD_STATES and c["area_code"].startswith(scope.prefix)
    ]
    for cell in work.cells + changes:
        counts["open"] += cell["orders"]
        counts["overdue"] += cell["orders"] if cell["is_overdue"] else 0
        counts["warned"] += cell["orders"] if cell["is_warned"] and not cell["is_overdue"] else 0
        counts["red"] += cell["orders"] if cell["is_red"] else 0
    return counts


def _live_counts_of_orders(scope: Scope) -> dict:
    open_orders = WorkOrder.objects.filter(orders_in(scope), state__in=WORKLOAD_STATES)
    return open_orders.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(is_overdue=True)),
        warned=Count("pk", filter=Q(is_warned=True, is_overdue=False)),
        red=Count("pk", filter=Q(supervision="red")),
    )


# --- the dashboard ----------------------------------------------------------------------


def _daily_registered(scope: Scope, start: datetime.date, end: datetime.date):
    """Registrations per day × channel × nature: from the township table, or for a village
    (finer than a township) from its work orders, a few thousand a month at most."""
    if len(scope.prefix) > 9:
        return (
            WorkOrder.objects.filter(
                orders_in(scope),
                _local_range("registered_at", Period(PeriodKind.CUSTOM, start, end)),
            )
            .annotate(day=TruncDate("registered_at", tzinfo=timezone.get_current_timezone()))
            .values("day", "channel", "nature")
            .annotate(n=Count("pk"))
            .order_by()
        )
    return (
        TownshipDay.objects.filter(
            code_range("township_code", scope.prefix), day__range=(start, end)
        )
        .values("day", "channel", "nature")
        .annotate(n=Sum("registered"))
        .order_by()
    )


def daily_volumes(scope: Scope, days: int = 90) -> list[tuple[datetime.date, int]]:
    end = today()
    start = end - datetime.timedelta(days=days - 1)
    counts: dict[datetime.date, int] = {}
    for row in _daily_registered(scope, start, end):
        counts[row["day"]] = counts.get(row["day"], 0) + row["n"]
    return [
        (start + datetime.timedelta(days=i), counts.get(start + datetime.timedelta(days=i), 0))
        for i in range(days)
    ]


def volumes_today(scope: Scope) -> dict:
    return _by_channel_nature(_daily_registered(scope, today(), today()))


def volumes_in(scope: Scope, period: Period) -> dict:
    return _by_channel_nature(_daily_registered(scope, period.start, period.end))


def _by_channel_nature(rows) -> dict:
    total, channels, natures = 0, {}, {}
    for row in rows:
        total += row["n"]
        channels[row["channel"]] = channels.get(row["channel"], 0) + row["n"]
        natures[row["nature"]] = natures.get(row["nature"], 0) + row["n"]
    return {"total": total, "channels": channels, "natures": natures}


def categories_in(scope: Scope, period: Period, top: int = 8) -> list[tuple[str, int]]:
    """Appeals per first-level category (branches of the tree), largest first."""
    months, edges = _split(period)
    counts_by_leaf: dict[int, int] = {}
    parts = [
        CategoryMonth.objects.filter(code_range("area_code", scope.prefix), day__in=months)
    ] + [
        DayFigures.objects.filter(code_range("area_code", scope.prefix), day__range=edge)
        for edge in edges
    ]
    for part in parts:
        for category_id, n in (
            part.values("category_id").annotate(n=Sum("registered")).values_list("category_id", "n")
        ):
            counts_by_leaf[category_id] = counts_by_leaf.get(category_id, 0) + (n or 0)
    paths = dict(Category.objects.values_list("pk", "path"))
    roots = {c.path: c.name for c in Category.objects.filter(depth=1)}
    counts: dict[str, int] = {}
    for category_id, n in counts_by_leaf.items():
        root = roots.get(paths.get(category_id, "").split("/")[0], _("其他"))
        counts[root] = counts.get(root, 0) + n
    return sorted(((n, c) for n, c in counts.items() if c), key=lambda x: -x[1])[:top]


def grid_layer(scope: Scope, period: Period) -> dict:
    """Per grid of the territory: appeals registered in the period and open overdue orders."""
    density = dict(
        GridMonth.objects.filter(
            code_range("grid_code", scope.prefix), day__in=_split(period)[0] or [period.start]
        )
        .values("grid_code")
        .annotate(n=Sum("registered"))
        .values_list("grid_code", "n")
    )
    return {"density": density, "overdue": grid_overdue(scope)}


def grid_overdue(scope: Scope) -> dict[str, int]:
    """Open overdue orders per grid code of the territory, from the workload table."""
    work = open_work(
        code_range("area_code", scope.prefix) & Q(is_overdue=True, state__in=OVERDUE_STATES),
        ("area_code",),
    )
    if work is None:
        return _grid_overdue_of_orders(scope)
    changes = [
        c
        for c in work.changes
        if c["is_overdue"]
        and c["state"] in OVERDUE_STATES
        and c["area_code"].startswith(scope.prefix)
    ]
    overdue = defaultdict(int)
    for cell in work.cells + changes:
        if len(cell["area_code"]) == 15:  # a grid's code
            overdue[cell["area_code"]] += cell["orders"]
    return {code: n for code, n in overdue.items() if n}


def _grid_overdue_of_orders(scope: Scope) -> dict[str, int]:
    return dict(
        WorkOrder.objects.filter(
            orders_in(scope), state__in=OVERDUE_STATES, is_overdue=True, grid__isnull=False
        )
        .values("grid_id")
        .annotate(n=Count("pk"))
        .values_list("grid_id", "n")
    )


def urgent_latest(scope: Scope, limit: int = 8, days: int = 7):
    """The newest urgent appeals of the last week (a window on the registration index keeps the
    work to the week's orders, however long the history)."""
    return list(
        WorkOrder.objects.filter(
            orders_in(scope),
            urgency__in=[Urgency.URGENT, Urgency.CRITICAL],
            registered_at__gte=timezone.now() - datetime.timedelta(days=days),
        )
        .exclude(state=State.MERGED)
        .select_related("category")
        .order_by("-registered_at", "-id")[:limit]
    )


def regions_below(scope: Scope) -> list[Region]:
    length = next_level_length(scope.prefix)
    if length is None or length > 12:
        return []
    regions = Region.objects.filter(code_range("code", scope.prefix)).order_by("code")
    return [r for r in regions if len(territory_prefix(r.code)) == length]


# --- the work orders behind a figure -------------------------------------------------------


def _local_range(field_name: str, period: Period) -> Q:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(period.start, datetime.time(0), tzinfo=tz)
    end = datetime.datetime.combine(
        period.end + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz
    )
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def orders_behind(scope: Scope, period: Period, measure: str):
    """The work orders counted by a measure, read from the work orders themselves (the same
    rules as command/facts.py; a test holds the two to the same numbers)."""
    if measure not in MEASURES:
        raise InvalidInput(_("未知的统计项"), "measure")
    orders = WorkOrder.objects.filter(orders_in(scope))
    if scope.category_ids is not None:
        orders = orders.filter(category_id__in=scope.category_ids)
    if scope.channel:
        orders = orders.filter(channel=scope.channel)
    unit = scope.unit.pk if scope.unit else None
    M = Measure
    if measure in (M.REGISTERED, M.DIRECT):
        orders = orders.filter(_local_range("registered_at", period))
        if unit:
            orders = orders.filter(dispatch_unit_id=unit)
        if measure == M.DIRECT:
            orders = orders.filter(answered_directly=True).exclude(state=State.MERGED)
        return orders
    orders = orders.exclude(state=State.MERGED)
    if measure in (M.DISPATCHED, M.SIGNED_IN_TIME, M.RETURNED):
        lead = Q(assignments__role="lead") & _local_range("assignments__assigned_at", period)
        if unit:
            lead &= Q(assignments__unit_id=unit)
        if measure == M.SIGNED_IN_TIME:
            lead &= Q(assignments__signed_in_time=True)
        if measure == M.RETURNED:
            lead &= Q(assignments__state="returned")
        return orders.filter(lead).distinct()
    if unit and measure not in (M.RATED, M.SATISFIED, M.DISSATISFIED):
        orders = orders.filter(lead_unit_id=unit)
    if measure in (M.DUE, M.DUE_REPLIED, M.ON_TIME, M.OVERDUE):
        orders = orders.filter(_local_range("handle_deadline", period), lead_unit__isnull=False)
        if measure == M.DUE_REPLIED:
            orders = orders.filter(replied_at__isnull=False)
        if measure == M.ON_TIME:
            orders = orders.filter(replied_at__lte=F("handle_deadline"))
        if measure == M.OVERDUE:
            orders = orders.filter(is_overdue=True)
        return orders
    if measure in (M.REPLIED, M.REPLIED_RATED, M.REOPENED, M.HANDLING_MINUTES):
        orders = orders.filter(_local_range("replied_at", period), lead_unit__isnull=False)
        if measure == M.REPLIED_RATED:
            orders = orders.filter(appeals__is_primary=True, appeals__rating__gt="")
        if measure == M.REOPENED:
            orders = orders.filter(reopen_count__gt=0)
        return orders
    if measure == M.RED_CARDS:
        return orders.filter(_local_range("registered_at", period), supervision="red")
    # Ratings of the first appeal, counted for the lead unit (or the dispatcher before one).
    if unit:
        orders = orders.filter(
            Q(lead_unit_id=unit) | Q(lead_unit__isnull=True, dispatch_unit_id=unit)
        )
    rated = Q(appeals__is_primary=True) & _local_range("appeals__rated_at", period)
    if measure == M.SATISFIED:
        rated &= Q(appeals__rating__in=SATISFIED_RATINGS)
    elif measure == M.DISSATISFIED:
        rated &= Q(appeals__rating="dissatisfied")
    else:
        rated &= Q(appeals__rating__gt="")
    return orders.filter(rated)


def assessment_drift(month: Period) -> list[dict]:
    """Changes to a published month's figures recorded by the fold since publication."""
    from shanzhi.core.models import AuditEvent

    events = AuditEvent.objects.filter(
        object_type="assessment", object_id=month.label, action="assessment.figures_changed"
    ).order_by("pk")
    names = {}
    result = []
    for event in events:
        unit_ids = (event.after or {}).get("units", [])
        missing = [u for u in unit_ids if u not in names]
        names.update(dict(Unit.objects.filter(pk__in=missing).values_list("pk", "name")))
        result.append({"at": event.created_at, "units": [names.get(u, u) for u in unit_ids]})
    return result


# --- grid workers -------------------------------------------------------------------------


def grid_worker_table(scope: Scope, period: Period) -> list[dict]:
    """网格员考核 for the period: per grid worker of the territory, the events they reported,
    the matters they settled on the spot (就地化解), the households they visited, the timeliness
    of their matters ((settled + replied on time) ÷ (settled + due), on the orders they reported)
    and the satisfaction of those orders' appellants. Read from the records themselves: a grid
    worker's month is a few hundred rows."""
    from django.contrib.auth import get_user_model

    from shanzhi.org.models import GridAssignment, HouseholdVisit
    from shanzhi.workorders.models import Appeal

    assignments = GridAssignment.objects.filter(code_range("grid_id", scope.prefix))
    grids: dict[int, list[str]] = {}
    for user_id, grid_id in assignments.values_list("user_id", "grid_id"):
        grids.setdefault(user_id, []).append(grid_id)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=grids)}
    reports = Appeal.objects.filter(
        channel=Channel.GRID, is_primary=True, submitted_by_id__in=list(grids)
    )
    counted = {
        row["submitted_by_id"]: row
        for row in reports.filter(_local_range("created_at", period))
        .values("submitted_by_id")
        .annotate(
            reported=Count("pk"),
            settled=Count("pk", filter=Q(work_order__answered_directly=True)),
        )
        .order_by()
    }
    due = {
        row["submitted_by_id"]: row
        for row in reports.filter(_local_range("work_order__handle_deadline", period))
        .exclude(work_order__state=State.MERGED)
        .values("submitted_by_id")
        .annotate(
            due=Count("pk"),
            on_time=Count(
                "pk", filter=Q(work_order__replied_at__lte=F("work_order__handle_deadline"))
            ),
        )
        .order_by()
    }
    rated = {
        row["submitted_by_id"]: row
        for row in reports.filter(_local_range("rated_at", period))
        .values("submitted_by_id")
        .annotate(
            rated=Count("pk"),
            satisfied=Count("pk", filter=Q(rating__in=SATISFIED_RATINGS)),
        )
        .order_by()
    }
    visits = dict(
        HouseholdVisit.objects.filter(visitor_id__in=list(grids))
        .filter(_local_range("visited_at", period))
        .values("visitor_id")
        .annotate(n=Count("pk"))
        .values_list("visitor_id", "n")
    )
    rows = []
    for user_id, codes in grids.items():
        user = users[user_id]
        c, d, r = counted.get(user_id, {}), due.get(user_id, {}), rated.get(user_id, {})
        settled = c.get("settled", 0)
        timely_n = settled + d.get("on_time", 0)
        timely_d = settled + d.get("due", 0)
        rows.append(
            {
                "user": user,
                "name": user.get_full_name() or user.get_username(),
                "grids": sorted(codes),
                "reported": c.get("reported", 0),
                "settled": settled,
                "visits": visits.get(user_id, 0),
                "timely": (timely_n, timely_d),
                "timely_rate": timely_n / timely_d if timely_d else None,
                "satisfied": (r.get("satisfied", 0), r.get("rated", 0)),
                "satisfied_rate": r["satisfied"] / r["rated"] if r.get("rated") else None,
            }
        )
    rows.sort(key=lambda row: (-row["reported"] - row["visits"], row["name"]))
    return rows


@dataclass
class Dashboard:
    """The figures of the dashboard, read once for the page and the API alike."""

    month: Period
    live: dict
    today: dict
    this_month: dict
    kpis: list[KpiValue]
    month_figures: dict
    trend: list[tuple[datetime.date, int]]
    categories: list[tuple[str, int]]


def dashboard(scope: Scope) -> Dashboard:
    month = month_period(today())
    this_month = figures(scope, month)[()]
    return Dashboard(
        month=month,
        live=live_counts(scope),
        today=volumes_today(scope),
        this_month=volumes_in(scope, month),
        kpis=kpis_of(this_month, figures(scope, month.previous())[()]),
        month_figures=this_month,
        trend=daily_volumes(scope, 90),
        categories=categories_in(scope, month),
    )
