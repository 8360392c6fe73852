"""Reads of the command centre, by concern:

- `scope`: who may see it, and the question asked (the period, the territory, unit, category
  and channel), checked once into a `Scope` and a `Period`;
- `kpis`: the figures summed from the rollups, the KPIs, scores and ranks, the drill-down, and
  the work orders behind a figure;
- `workload`: the workload now (open, overdue, red-card counts from OpenWork, and the inbox
  counts of workorders), and the grid workers' assessment;
- `dashboard`: the dashboard's volumes, bars, map layers and lists;
- `mediation`: the disputes' figures (化解率, 零跑率 …) for a territory and per organisation.

The names the views, the API and the services use are importable from here."""

from shanzhi.command.periods import Period, month_period, today
from shanzhi.command.selectors.dashboard import (
    Dashboard,
    categories_in,
    daily_volumes,
    dashboard,
    fold_lag,
    grid_layer,
    leader_overview,
    regions_below,
    urgent_latest,
    volumes_in,
    volumes_today,
)
from shanzhi.command.selectors.kpis import (
    KpiValue,
    UnitRow,
    assessment_drift,
    average_handling_hours,
    figures,
    handling_units,
    kpi_rules,
    kpis_of,
    min_dispatched,
    orders_behind,
    red_black,
    region_table,
    score,
    score_explained,
    unit_table,
)
from shanzhi.command.selectors.mediation import (
    MediationFigures,
    OrgRow,
    mediation_figures,
    org_table,
)
from shanzhi.command.selectors.scope import (
    Scope,
    code_range,
    may_publish,
    orders_in,
    parse_period,
    parse_scope,
    require_viewer,
)
from shanzhi.command.selectors.workload import (
    Workload,
    grid_overdue,
    grid_worker_table,
    live_counts,
    live_orders,
    open_work,
)

__all__ = [
    "Dashboard",
    "KpiValue",
    "MediationFigures",
    "OrgRow",
    "Period",
    "Scope",
    "UnitRow",
    "Workload",
    "assessment_drift",
    "average_handling_hours",
    "categories_in",
    "code_range",
    "daily_volumes",
    "dashboard",
    "fold_lag",
    "figures",
    "grid_layer",
    "grid_overdue",
    "grid_worker_table",
    "handling_units",
    "kpi_rules",
    "leader_overview",
    "kpis_of",
    "min_dispatched",
    "live_counts",
    "live_orders",
    "may_publish",
    "mediation_figures",
    "org_table",
    "month_period",
    "open_work",
    "orders_behind",
    "orders_in",
    "parse_period",
    "parse_scope",
    "red_black",
    "region_table",
    "regions_below",
    "require_viewer",
    "score",
    "score_explained",
    "today",
    "unit_table",
    "urgent_latest",
    "volumes_in",
    "volumes_today",
]
