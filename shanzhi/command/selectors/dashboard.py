"""The dashboard (一屏展示): volumes today, this month and over 90 days, the category bars,
the grid map's layers, the newest urgent appeals and the sub-regions to drill down to, read
once for the page and the API alike."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.command.choices import PeriodKind
from shanzhi.command.models import CategoryMonth, DayFigures, GridMonth, TownshipDay
from shanzhi.command.periods import Period, local_range, month_period, split_period, today
from shanzhi.command.selectors.kpis import KpiValue, figures, kpis_of
from shanzhi.command.selectors.scope import Scope, code_range, next_level_length, orders_in
from shanzhi.command.selectors.workload import grid_overdue, live_counts, live_orders
from shanzhi.territory.choices import territory_prefix
from shanzhi.territory.models import Region
from shanzhi.workorders.choices import State, Urgency
from shanzhi.workorders.models import Category, WorkOrder


def _daily_registered(scope: Scope, start: datetime.date, end: datetime.date):
    """Registrations per day × channel × nature: from the township table, or for a village
    (finer than a township) from its work orders, a few thousand a month at most."""
    if len(scope.prefix) > 9:
        return (
            WorkOrder.objects.filter(
                orders_in(scope),
                local_range("registered_at", Period(PeriodKind.CUSTOM, start, end)),
            )
            .annotate(day=TruncDate("registered_at", tzinfo=timezone.get_current_timezone()))
            .values("day", "channel", "nature")
            .annotate(n=Count("pk"))
            .order_by()
        )
    return (
        TownshipDay.objects.filter(
            code_range("township_code", scope.prefix), day__range=(start, end), registered__gt=0
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
    months, edges = split_period(period)
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
            code_range("grid_code", scope.prefix), day__in=split_period(period)[0] or [period.start]
        )
        .values("grid_code")
        .annotate(n=Sum("registered"))
        .values_list("grid_code", "n")
    )
    return {"density": density, "overdue": grid_overdue(scope)}


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


@dataclass
class Overview:
    """A leader's workbench: the territory's live figures and this month's KPIs (as on the
    dashboard) and the orders under red-card supervision, most urgent deadline first."""

    month: Period
    live: dict
    kpis: list
    red_orders: list


def leader_overview(scope: Scope, red_limit: int = 10) -> Overview:
    month = month_period(today())
    return Overview(
        month=month,
        live=live_counts(scope),
        kpis=kpis_of(figures(scope, month)[()], figures(scope, month.previous())[()]),
        red_orders=list(
            live_orders(scope, "red")
            .select_related("lead_unit")
            .order_by(F("handle_deadline").asc(nulls_last=True), "id")[:red_limit]
        ),
    )


def fold_lag(now=None) -> tuple[int, float]:
    """How far the figures are behind the work orders: audit events not yet folded into the
    rollups, and the age in seconds of the oldest of them (0, 0 when caught up). For /healthz
    and /metrics."""
    from shanzhi.command.models import RollupCursor
    from shanzhi.core.models import AuditChainHead, AuditEvent

    now = now or timezone.now()
    folded = RollupCursor.objects.values_list("last_event_id", flat=True).first() or 0
    head = AuditChainHead.objects.values_list("last_event_id", flat=True).first() or 0
    oldest = (
        AuditEvent.objects.filter(pk__gt=folded)
        .order_by("pk")
        .values_list("created_at", flat=True)
        .first()
    )
    seconds = max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
    return max(head - folded, 0), round(seconds, 1)
