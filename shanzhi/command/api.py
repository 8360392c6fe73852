"""The command centre's figures as JSON: the same selectors as the pages, the same scope rules
(403 for roles without the command centre, 404 for a territory outside the viewer's, 400 for a
bad question)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from shanzhi.command import selectors
from shanzhi.command.services import rollups_lag
from shanzhi.core.errors import InvalidInput
from shanzhi.core.replica import reads_from_replica
from shanzhi.core.text import CleanSchema

router = Router(tags=["command"])


class Question(CleanSchema):
    period: str = "month"
    date: str = ""
    from_: str = Field("", alias="from")
    to: str = ""
    region: str = ""
    unit: str = ""
    category: str = ""
    channel: str = ""
    by: str = "unit"

    model_config = {"populate_by_name": True}


class PeriodOut(Schema):
    kind: str
    start: datetime.date
    end: datetime.date
    label: str


class KpiOut(Schema):
    key: str
    label: str
    numerator: int
    denominator: int
    numerator_measure: str
    denominator_measure: str
    rate: float | None
    previous_rate: float | None


class RowOut(Schema):
    unit_id: int | None = None
    region_code: str | None = None
    name: str
    score: float | None = None
    rank: int | None = None
    figures: dict[str, int]
    kpis: list[KpiOut]


class KpiTableOut(Schema):
    period: PeriodOut
    territory: str
    territory_name: str
    figures: dict[str, int]
    kpis: list[KpiOut]
    average_handling_hours: float | None
    rows: list[RowOut]


class DayOut(Schema):
    day: datetime.date
    registered: int


class DashboardOut(Schema):
    territory: str
    territory_name: str
    at: datetime.datetime
    open: int
    overdue: int
    warned: int
    red_cards_open: int
    today: dict
    this_month: dict
    kpis: list[KpiOut]
    trend: list[DayOut]
    categories: list[tuple[str, int]]
    folding: int


def _kpis(values) -> list[dict]:
    return [
        {
            "key": k.key,
            "label": k.label,
            "numerator": k.numerator,
            "denominator": k.denominator,
            "numerator_measure": k.numerator_measure,
            "denominator_measure": k.denominator_measure,
            "rate": k.rate,
            "previous_rate": k.previous,
        }
        for k in values
    ]


def _params(question: Question) -> dict:
    params = question.dict()
    params["from"] = params.pop("from_", "")
    return {k: v for k, v in params.items() if v}


@router.get("/command/kpis", response=KpiTableOut, summary="指标表（按单位或按下级区域）")
@reads_from_replica
def kpi_table(request, question: Query[Question]):
    """KPIs with numerators and denominators for a period (`period` day/week/month/quarter/year
    with `date`, or custom with `from`/`to`), territory (`region`), unit, category subtree and
    channel; rows per unit (`by=unit`, with score and rank) or per sub-region (`by=region`)."""
    selectors.require_viewer(request.user)
    params = _params(question)
    scope = selectors.parse_scope(request.user, params)
    period = selectors.parse_period(params)
    if question.by not in ("unit", "region"):
        raise InvalidInput(_("分组方式应为单位或区域"), "by")
    total = selectors.figures(scope, period)[()]
    previous = selectors.figures(scope, period.previous())[()]
    if question.by == "unit":
        rows = [
            {
                "unit_id": row.unit.pk,
                "name": row.unit.name,
                "score": row.score,
                "rank": row.rank,
                "figures": row.values,
                "kpis": _kpis(row.kpis),
            }
            for row in selectors.unit_table(scope, period)
        ]
    else:
        rows = [
            {
                "region_code": row["code"],
                "name": row["name"],
                "figures": row["values"],
                "kpis": _kpis(row["kpis"]),
            }
            for row in selectors.region_table(scope, period)
        ]
    return {
        "period": {**period.__dict__, "label": period.label},
        "territory": scope.region.code if scope.region else "",
        "territory_name": scope.name,
        "figures": total,
        "kpis": _kpis(selectors.kpis_of(total, previous)),
        "average_handling_hours": selectors.average_handling_hours(total),
        "rows": rows,
    }


@router.get("/command/dashboard", response=DashboardOut, summary="大屏数据")
@reads_from_replica
def dashboard(request, region: str = ""):
    """The figures of the dashboard for the viewer's territory (or `region` inside it)."""
    selectors.require_viewer(request.user)
    scope = selectors.parse_scope(request.user, {"region": region})
    board = selectors.dashboard(scope)
    return {
        "territory": scope.region.code if scope.region else "",
        "territory_name": scope.name,
        "at": timezone.now(),
        "open": board.live["open"],
        "overdue": board.live["overdue"],
        "warned": board.live["warned"],
        "red_cards_open": board.live["red"],
        "today": board.today,
        "this_month": board.this_month,
        "kpis": _kpis(board.kpis),
        "trend": [{"day": d, "registered": n} for d, n in board.trend],
        "categories": board.categories,
        "folding": rollups_lag(),
    }
