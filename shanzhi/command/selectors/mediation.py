"""The mediation centre's figures (矛调): volumes by source and type, 化解率, 按期结案率, 零跑率,
一次跑率, 诉前化解, 司法确认, average duration and satisfaction, for a territory and period and
per organisation. All from the rollups the fold keeps (command/cases/mediation.py), like the
work orders' figures."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce

from shanzhi.command.choices import MEDIATION_KPIS, Measure
from shanzhi.command.models import TownshipDay
from shanzhi.command.periods import Period, local_range
from shanzhi.command.selectors.kpis import KpiValue, figures, kpis_of
from shanzhi.command.selectors.scope import Scope, code_range
from shanzhi.mediation.choices import DisputeSource
from shanzhi.mediation.models import DisputeCase, DisputeType, MediationOrg
from shanzhi.org.choices import UnitKind
from shanzhi.org.models import Unit

MINUTES_A_DAY = 24 * 60
TOWNSHIP_PREFIX = 9


def average_days(values: dict) -> float | None:
    """Average natural days from intake to closing of the cases closed in the period."""
    if not values[Measure.DISPUTES_CLOSED]:
        return None
    return values[Measure.DISPUTE_MINUTES] / values[Measure.DISPUTES_CLOSED] / MINUTES_A_DAY


@dataclass
class MediationFigures:
    values: dict
    kpis: list[KpiValue]
    average_days: float | None
    by_source: list[tuple[str, int]] = field(default_factory=list)
    by_type: list[tuple[str, int]] = field(default_factory=list)


def mediation_figures(scope: Scope, period: Period, *, details: bool = True) -> MediationFigures:
    """The territory's dispute figures for the period; with `details`, last period's rates for
    the trend arrows and the intake by source and by type family."""
    scope = Scope(region=scope.region, prefix=scope.prefix)  # no category or channel of orders
    values = figures(scope, period)[()]
    before = figures(scope, period.previous())[()] if details else None
    sources, types = _volumes(scope, period) if details else ([], [])
    return MediationFigures(
        values=values,
        kpis=kpis_of(values, before, kpis=MEDIATION_KPIS),
        average_days=average_days(values),
        by_source=sources,
        by_type=types,
    )


def _volumes(scope: Scope, period: Period) -> tuple[list, list]:
    """Disputes taken in, by source and by first-level type: TownshipDay keeps them per day ×
    township (source in `channel`, type family in `nature`)."""
    if len(scope.prefix) > TOWNSHIP_PREFIX:  # a village: its own cases, a few hundred a year
        rows = (
            DisputeCase.objects.filter(
                code_range("area_code", scope.prefix), local_range("registered_at", period)
            )
            .values(
                channel=F("source"),
                nature=Coalesce("dispute_type__parent__code", "dispute_type__code"),
            )
            .annotate(n=Count("pk"))
            .order_by()
        )
    else:
        rows = (
            TownshipDay.objects.filter(
                code_range("township_code", scope.prefix),
                day__range=(period.start, period.end),
                disputes__gt=0,
            )
            .values("channel", "nature")
            .annotate(n=Sum("disputes"))
            .order_by()
        )
    sources: dict[str, int] = {}
    types: dict[str, int] = {}
    for row in rows:
        sources[row["channel"]] = sources.get(row["channel"], 0) + row["n"]
        types[row["nature"]] = types.get(row["nature"], 0) + row["n"]
    source_labels = dict(DisputeSource.choices)
    type_labels = dict(DisputeType.objects.filter(parent__isnull=True).values_list("code", "name"))
    return (
        sorted(
            ((str(source_labels.get(k, k)), n) for k, n in sources.items()), key=lambda x: -x[1]
        ),
        sorted(((type_labels.get(k, k), n) for k, n in types.items()), key=lambda x: -x[1]),
    )


@dataclass
class OrgRow:
    unit: Unit
    kind_label: str
    level_label: str
    values: dict
    kpis: list[KpiValue]
    average_days: float | None


def org_table(scope: Scope, period: Period) -> list[OrgRow]:
    """Every mediation organisation of the territory with its figures for the period, the
    busiest first (each case counts for the organisation that has it)."""
    orgs = MediationOrg.objects.select_related("unit").filter(unit__kind=UnitKind.MEDIATION)
    if scope.prefix:
        orgs = orgs.filter(code_range("unit__region_id", scope.prefix))
    by_unit = figures(Scope(region=scope.region, prefix=""), period, group=["unit_id"])
    rows = []
    for org in orgs:
        values = by_unit.get((org.unit_id,))
        if values is None:
            continue
        rows.append(
            OrgRow(
                unit=org.unit,
                kind_label=org.get_kind_display(),
                level_label=org.get_level_display(),
                values=values,
                kpis=kpis_of(values, kpis=MEDIATION_KPIS),
                average_days=average_days(values),
            )
        )
    rows.sort(
        key=lambda r: (
            -r.values[Measure.DISPUTES],
            -r.values[Measure.DISPUTES_CLOSED],
            r.unit.name,
        )
    )
    return rows
