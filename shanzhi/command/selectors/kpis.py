"""The figures and what is made of them: measures summed from the rollups for a scope and a
period (`figures`), the KPIs (`kpis_of`), the scores and ranks of the handling units
(`unit_table`), the drill-down by sub-region (`region_table`), and the work orders behind a
figure (`orders_behind`). Whole months come from the monthly rollups, the days at the edges of a
period from DayFigures, so a year costs at most twelve month rows per cell however many orders
it held."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from shanzhi.command.cases import past_only_measures
from shanzhi.command.cases.workorders import WORK_ORDERS
from shanzhi.command.choices import KPIS, MEASURES, Measure
from shanzhi.command.models import (
    AreaMonth,
    AssessmentSettings,
    DayFigures,
    KpiRule,
    MonthFigures,
    UnitMonth,
)
from shanzhi.command.periods import Period, before_today, split_period
from shanzhi.command.selectors.scope import Scope, code_range, next_level_length, orders_in
from shanzhi.core.errors import InvalidInput
from shanzhi.core.models import AuditEvent
from shanzhi.org.choices import UnitKind
from shanzhi.org.models import Unit
from shanzhi.territory.models import Region
from shanzhi.workorders.models import WorkOrder


def _figure_filter(scope: Scope) -> Q:
    q = code_range("area_code", scope.prefix)
    if scope.unit:
        q &= Q(unit_id=scope.unit.pk)
    if scope.category_ids is not None:
        q &= Q(category_id__in=scope.category_ids)
    if scope.channel:
        q &= Q(channel=scope.channel)
    return q


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
    (key () without group). The measures of deadlines count only the period's days before
    today (`CaseType.past_only`): on 5 December, December's 应办结 are the orders due 1–4
    December, not those due on the 23rd."""
    result = _summed(scope, period, group, base)
    past = before_today(period)
    if past == period:
        return result
    late = past_only_measures()
    settled = _summed(scope, past, group, base) if past else {}
    for key, values in result.items():
        for m in late:
            values[m] = settled.get(key, {}).get(m, 0)
    return result


def _summed(scope: Scope, period: Period, group: list[str] | None, base) -> dict:
    months, edges = split_period(period)
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
    definition: str = ""

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


def kpis_of(values: dict, previous: dict | None = None, *, kpis=KPIS) -> list[KpiValue]:
    result = []
    for kpi in kpis:
        item = KpiValue(
            key=kpi.key.value,
            label=str(kpi.label),
            numerator=values[kpi.numerator],
            denominator=values[kpi.denominator],
            numerator_measure=kpi.numerator,
            denominator_measure=kpi.denominator,
            higher_is_better=kpi.higher_is_better,
            definition=str(kpi.definition),
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


def min_dispatched() -> int:
    """The assessment's minimum volume (AssessmentSettings; 10 until an administrator sets it)."""
    settings = AssessmentSettings.objects.filter(pk=1).first()
    return settings.min_dispatched if settings else AssessmentSettings().min_dispatched


@dataclass
class ScoreLine:
    """One KPI's part of a score: its rate against the zero and full lines, the weight, the
    fraction of the weight earned and the points (None when the KPI has no data)."""

    kpi: str
    label: str
    numerator: int
    denominator: int
    weight: Decimal
    zero_at: Decimal
    full_at: Decimal
    higher_is_better: bool
    rate: Decimal | None = None
    fraction: Decimal | None = None

    @property
    def points(self) -> float | None:
        return None if self.fraction is None else float(self.weight * self.fraction)


@dataclass
class Score:
    lines: list[ScoreLine]
    weight_all: Decimal
    weight_used: Decimal

    @property
    def scale(self) -> Decimal | None:
        """The factor that brings the KPIs with data up to the full weight."""
        return self.weight_all / self.weight_used if self.weight_used else None

    @property
    def total(self) -> float | None:
        if not self.weight_used:
            return None
        earned = sum(Decimal(str(line.points)) for line in self.lines if line.points is not None)
        return float(earned * self.scale)


def score_explained(values: dict, rules: list[KpiRule]) -> Score:
    """How a unit's figures make its score: each rule's KPI is zero at or beyond its zero line,
    full weight at or beyond its full line and linear in between; a KPI without data
    (denominator 0) is left out and the others are scaled to the full weight."""
    by_key = {kpi.key.value: kpi for kpi in KPIS}
    lines, weight_used, weight_all = [], Decimal(0), Decimal(0)
    for rule in rules:
        kpi = by_key[rule.kpi]
        weight_all += rule.weight
        line = ScoreLine(
            kpi=rule.kpi,
            label=str(kpi.label),
            numerator=values[kpi.numerator],
            denominator=values[kpi.denominator],
            weight=rule.weight,
            zero_at=rule.zero_at,
            full_at=rule.full_at,
            higher_is_better=kpi.higher_is_better,
        )
        lines.append(line)
        if not line.denominator:
            continue
        rate = Decimal(line.numerator) / Decimal(line.denominator)
        zero, full = rule.zero_at, rule.full_at
        if full == zero:
            fraction = Decimal(1) if (rate >= full) == kpi.higher_is_better else Decimal(0)
        else:
            fraction = min(max((rate - zero) / (full - zero), Decimal(0)), Decimal(1))
        line.rate, line.fraction = rate, fraction
        weight_used += rule.weight
    return Score(lines=lines, weight_all=weight_all, weight_used=weight_used)


def score(values: dict, rules: list[KpiRule]) -> tuple[float | None, dict]:
    """Overall score (0–100 when the weights add up to 100) and the points of each KPI."""
    explained = score_explained(values, rules)
    parts = {line.kpi: line.points for line in explained.lines if line.points is not None}
    return explained.total, parts


@dataclass
class UnitRow:
    unit: Unit
    values: dict
    score: float | None
    parts: dict
    rank: int | None = None
    previous_rank: int | None = None
    below_minimum: bool = False  # fewer lead assignments than the assessment's minimum

    @property
    def kpis(self) -> list[KpiValue]:
        return kpis_of(self.values)


def handling_units(scope: Scope):
    """Units that handle work orders in the territory (not the centres, command rooms and
    mediation organisations, whose figures are the disputes': selectors.mediation)."""
    units = Unit.objects.select_related("region").exclude(
        kind__in=[UnitKind.CENTRE, UnitKind.COMMAND_ROOM, UnitKind.MEDIATION]
    )
    if scope.prefix:
        units = units.filter(code_range("region_id", scope.prefix))
    if scope.unit:
        units = units.filter(pk=scope.unit.pk)
    return units.order_by("region_id", "kind", "name")


def unit_table(scope: Scope, period: Period, *, with_previous: bool = False) -> list[UnitRow]:
    """Every handling unit of the territory with its figures, score and rank: ranked units
    first, by the order of `_rank`; then the units below the minimum volume and those without
    any scored KPI, unranked."""
    rules = kpi_rules()
    minimum = min_dispatched()
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
        rows.append(
            UnitRow(
                unit=unit,
                values=values,
                score=total,
                parts=parts,
                below_minimum=values[Measure.DISPATCHED] < minimum,
            )
        )
    _rank(rows)
    if with_previous:
        previous = {row.unit.pk: row.rank for row in unit_table(scope, period.previous())}
        for row in rows:
            row.previous_rank = previous.get(row.unit.pk)
    return rows


def _rate(values: dict, numerator: str, denominator: str) -> float:
    return values[numerator] / values[denominator] if values[denominator] else -1.0


def rank_key(row: UnitRow) -> tuple:
    """The ranking order, ties broken so that no two units share a rank: the higher score, then
    more lead assignments (the larger workload), then the higher 按时办结率, then the higher
    满意率, then the unit's region code and name."""
    v = row.values
    return (
        -(row.score or 0),
        -v[Measure.DISPATCHED],
        -_rate(v, Measure.ON_TIME, Measure.DUE),
        -_rate(v, Measure.SATISFIED, Measure.RATED),
        row.unit.region_id,
        row.unit.name,
    )


def _rank(rows: list[UnitRow]) -> None:
    def ranked(row):
        return row.score is not None and not row.below_minimum

    rows.sort(
        key=lambda r: (not ranked(r), rank_key(r) if ranked(r) else (r.unit.region_id, r.unit.name))
    )
    for position, row in enumerate((r for r in rows if ranked(r)), start=1):
        row.rank = position


def red_black(ranked: list, size: int = 5) -> tuple[list, list]:
    """红黑榜: the best and the worst `size` of ranked rows (best first, worst first), never
    overlapping: with fewer than twice `size` rows each list takes half."""
    size = min(size, len(ranked) // 2)
    if not size:
        return [], []
    return ranked[:size], list(reversed(ranked[-size:]))


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


def orders_behind(scope: Scope, period: Period, measure: str):
    """The work orders counted by a measure, read from the work orders themselves by the query
    forms of the work orders' rules (command/cases/workorders.py; a test holds them to the
    figures)."""
    if measure not in WORK_ORDERS.measures:
        raise InvalidInput(_("未知的统计项"), "measure")
    if measure in WORK_ORDERS.past_only:
        period = before_today(period)
        if period is None:
            return WorkOrder.objects.none()
    orders = WorkOrder.objects.filter(orders_in(scope))
    if scope.category_ids is not None:
        orders = orders.filter(category_id__in=scope.category_ids)
    if scope.channel:
        orders = orders.filter(channel=scope.channel)
    return WORK_ORDERS.behind(orders, measure, period, scope.unit.pk if scope.unit else None)


def assessment_drift(month: Period) -> list[dict]:
    """Changes to a published month's figures recorded by the fold since publication."""
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
