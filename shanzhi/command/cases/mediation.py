"""Dispute cases (mediation) as a case type of the command centre.

As for work orders (command/cases/workorders.py), each measure is one `Rule`: the row it counts
(the case, or its judicial confirmation), the field whose local day it is counted on, and its
condition twice, side by side: `test` on the rows the fold reads, `where` as a query on the
cases. Every measure is counted for the organisation that has the case: the one whose mediator
handles it, else the one that assigns it.

The facts' cell is [area, "", 0, source, type family]: no grid (the grid map counts appeals),
no work-order category; the source (窗口受理, 网上申请, 法院委派, 工单转入) in the channel
column and the code of the first-level dispute type in the nature column, which give the
volumes by source and type (TownshipDay.disputes)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Q, QuerySet

from shanzhi.command.cases import CaseType
from shanzhi.command.choices import Measure as M
from shanzhi.command.models import DisputeFacts
from shanzhi.command.periods import Period, local_range
from shanzhi.mediation.choices import ConfirmationState, DisputeSource, DisputeState
from shanzhi.mediation.models import DisputeCase, DisputeType, JudicialConfirmation
from shanzhi.workorders.choices import SATISFIED_RATINGS

KIND = "mediation"  # the audit trail's object_type of a dispute case
LOCAL = ZoneInfo(settings.TIME_ZONE)

CASE_FIELDS = (
    "id",
    "state",
    "source",
    "area_code",
    "dispute_type_id",
    "dispatch_unit_id",
    "lead_unit_id",
    "registered_at",
    "closed_at",
    "due_at",
    "visits",
    "rated_at",
    "rating",
)
CASE, CONFIRMATION = "case", "confirmation"


def _always(row, case) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    """One measure of disputes: counted once per row of `source` whose `day` field is set and
    that meets the condition, on that day, for the organisation that has the case."""

    measure: str
    source: str
    day: str
    test: Callable[[dict, dict], bool] = _always
    where: Q = Q()
    value: Callable[[dict], int] | None = None  # default 1


def _minutes(case) -> int:
    return int((case["closed_at"] - case["registered_at"]).total_seconds() // 60)


def _from_court(case) -> bool:
    return case["source"] == DisputeSource.COURT


_AGREED = Q(state=DisputeState.AGREED)
_COURT = Q(source=DisputeSource.COURT)

RULES = (
    Rule(M.DISPUTES, CASE, "registered_at"),
    Rule(M.DISPUTES_CLOSED, CASE, "closed_at"),
    Rule(
        M.DISPUTES_RESOLVED,
        CASE,
        "closed_at",
        test=lambda c, _c: c["state"] == DisputeState.AGREED,
        where=_AGREED,
    ),
    Rule(
        M.DISPUTES_ON_TIME,
        CASE,
        "closed_at",
        test=lambda c, _c: c["closed_at"] <= c["due_at"],
        where=Q(closed_at__lte=F("due_at")),
    ),
    Rule(M.DISPUTE_MINUTES, CASE, "closed_at", value=_minutes),
    Rule(
        M.DISPUTES_ZERO_VISIT,
        CASE,
        "closed_at",
        test=lambda c, _c: c["visits"] == 0,
        where=Q(visits=0),
    ),
    Rule(
        M.DISPUTES_ONE_VISIT,
        CASE,
        "closed_at",
        test=lambda c, _c: c["visits"] == 1,
        where=Q(visits=1),
    ),
    Rule(M.COURT_CLOSED, CASE, "closed_at", test=lambda c, _c: _from_court(c), where=_COURT),
    Rule(
        M.COURT_RESOLVED,
        CASE,
        "closed_at",
        test=lambda c, _c: _from_court(c) and c["state"] == DisputeState.AGREED,
        where=_COURT & _AGREED,
    ),
    Rule(M.DISPUTES_RATED, CASE, "rated_at"),
    Rule(
        M.DISPUTES_SATISFIED,
        CASE,
        "rated_at",
        test=lambda c, _c: c["rating"] in SATISFIED_RATINGS,
        where=Q(rating__in=SATISFIED_RATINGS),
    ),
    Rule(
        M.CONFIRMED,
        CONFIRMATION,
        "ruled_on",
        test=lambda r, _c: r["state"] == ConfirmationState.CONFIRMED,
        where=Q(confirmation__state=ConfirmationState.CONFIRMED),
    ),
)
RULE_OF = {rule.measure: rule for rule in RULES}


def _day(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(LOCAL).date().isoformat()
    return value.isoformat()


def measures_of(case: dict, confirmation: dict | None) -> list[list]:
    """The case's facts [[measure, day, unit, value], …] by the rules' Python forms."""
    rows = {CASE: case, CONFIRMATION: confirmation}
    unit = case["lead_unit_id"] or case["dispatch_unit_id"] or 0
    facts = []
    for rule in RULES:
        row = rows[rule.source]
        if row is None or row[rule.day] is None or not rule.test(row, case):
            continue
        value = rule.value(case) if rule.value else 1
        facts.append([rule.measure, _day(row[rule.day]), unit, value])
    return facts


def cases_behind(
    cases: QuerySet[DisputeCase], measure: str, period: Period, unit: int | None = None
) -> QuerySet[DisputeCase]:
    """The dispute cases a measure counts in the period (for the organisation), by the rules'
    query forms: a filter of `cases`."""
    rule = RULE_OF[measure]
    if rule.source == CONFIRMATION:
        condition = Q(confirmation__ruled_on__range=(period.start, period.end))
    else:
        condition = local_range(rule.day, period)
    condition &= rule.where
    if unit:
        condition &= Q(lead_unit_id=unit) | Q(lead_unit__isnull=True, dispatch_unit_id=unit)
    return cases.filter(condition)


def _families() -> dict[int, str]:
    """Each dispute type's first-level code (a tree of two levels; an administrator's deeper
    type takes its root's)."""
    rows = {
        pk: (code, parent)
        for pk, code, parent in DisputeType.objects.values_list("pk", "code", "parent_id")
    }
    families = {}
    for pk in rows:
        node, seen = pk, 0
        while rows[node][1] is not None and seen < 10:
            node, seen = rows[node][1], seen + 1
        families[pk] = rows[node][0]
    return families


def facts_for(case_ids=None, *, id_range: tuple[int, int] | None = None) -> dict[int, dict]:
    """{case id: facts} for the cases that exist, by id or by an inclusive id range: three
    queries for the batch."""
    if id_range is not None:
        cases_q = Q(pk__range=id_range)
        related_q = Q(case_id__gte=id_range[0], case_id__lte=id_range[1])
    else:
        cases_q, related_q = Q(pk__in=case_ids), Q(case_id__in=case_ids)
    confirmations = {
        row["case_id"]: row
        for row in JudicialConfirmation.objects.filter(related_q).values(
            "case_id", "state", "ruled_on"
        )
    }
    families = _families()
    return {
        case["id"]: {
            "cell": [
                case["area_code"][:12],
                "",
                0,
                case["source"],
                families.get(case["dispute_type_id"], ""),
            ],
            "m": measures_of(case, confirmations.get(case["id"])),
        }
        for case in DisputeCase.objects.filter(cases_q).values(*CASE_FIELDS)
    }


DISPUTES = CaseType(
    kind=KIND,
    model=DisputeCase,
    facts_model=DisputeFacts,
    facts_for=facts_for,
    behind=cases_behind,
    measures=tuple(RULE_OF),
)
