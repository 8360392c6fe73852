"""Work orders as a case type of the command centre.

Each measure is one `Rule` below, written once: where its rows come from (the order, each of
its lead assignments, or its first appeal's rating), which of their times gives the day it is
counted on, which unit it is counted for, and its condition in its two forms side by side:
`test` on the rows the fold reads, `where` as a query on the work orders. The facts (what an
order contributes to the rollups) and the orders behind a figure are both made from these
rules, and the rollup test holds the two forms to the same numbers."""

import datetime
import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Q, QuerySet

from shanzhi.command.cases import CaseType
from shanzhi.command.choices import Measure as M
from shanzhi.command.models import OrderFacts
from shanzhi.command.periods import Period, local_range
from shanzhi.core import workdays
from shanzhi.workorders.choices import (
    ACTIVE_ASSIGNMENT,
    CLOSED_STATES,
    SATISFIED_RATINGS,
    AssignmentRole,
    AssignmentState,
    Rating,
    State,
    Supervision,
)
from shanzhi.workorders.models import Appeal, Assignment, WorkOrder

KIND = "workorder"  # the audit trail's object_type of a work order
LOCAL = ZoneInfo(settings.TIME_ZONE)

ORDER_FIELDS = (
    "id",
    "state",
    "area_code",
    "category_id",
    "channel",
    "nature",
    "dispatch_unit_id",
    "lead_unit_id",
    "registered_at",
    "dispatched_at",
    "replied_at",
    "handle_deadline",
    "is_warned",
    "is_overdue",
    "is_sign_overdue",
    "answered_directly",
    "reopen_count",
    "supervision",
)
_CELL = ("category_id", "channel", "nature")  # the cell's coordinates besides the area

# Where a measure's rows come from, and how the query reaches them from the work order.
ORDER, LEAD_ASSIGNMENT, RATING = "order", "lead_assignment", "rating"
_PATH = {ORDER: "", LEAD_ASSIGNMENT: "assignments__", RATING: "appeals__"}
_SOURCE = {
    ORDER: Q(),
    LEAD_ASSIGNMENT: Q(assignments__role=AssignmentRole.LEAD),
    RATING: Q(appeals__is_primary=True),
}
# Whom a measure is counted for.
DISPATCHER, LEAD, ASSIGNEE, LEAD_ELSE_DISPATCHER = "dispatcher", "lead", "assignee", "lead|disp"


def _always(row, order, rating) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    """One measure of work orders: counted once per row of `source` whose `day` field is set
    and that meets the condition, on that field's local day, for the unit `unit`. `test(row,
    order, rating)` is the condition on the rows the fold reads (`rating`: the first appeal's,
    None before it is rated); `where` is the same condition as a query on the work orders
    (through `assignments__` or `appeals__` for those sources). Merged orders count only where
    `merged_too`."""

    measure: str
    source: str
    day: str
    unit: str
    test: Callable[[dict, dict, dict | None], bool] = _always
    where: Q = Q()
    merged_too: bool = False
    value: Callable[[dict], int] | None = None  # default 1


def _has_lead(order) -> bool:
    return bool(order["lead_unit_id"])


_HAS_LEAD = Q(lead_unit__isnull=False)


def _handling_minutes(order) -> int:
    spent = workdays.working_time_between(order["dispatched_at"], order["replied_at"])
    return int(spent.total_seconds() // 60)


RULES = (
    Rule(M.REGISTERED, ORDER, "registered_at", DISPATCHER, merged_too=True),
    Rule(
        M.DIRECT,
        ORDER,
        "registered_at",
        DISPATCHER,
        test=lambda o, _o, _r: o["answered_directly"],
        where=Q(answered_directly=True),
    ),
    # Each lead assignment: a re-dispatch is another one.
    Rule(M.DISPATCHED, LEAD_ASSIGNMENT, "assigned_at", ASSIGNEE),
    Rule(
        M.SIGNED_IN_TIME,
        LEAD_ASSIGNMENT,
        "assigned_at",
        ASSIGNEE,
        test=lambda a, _o, _r: a["signed_in_time"],
        where=Q(assignments__signed_in_time=True),
    ),
    Rule(
        M.RETURNED,
        LEAD_ASSIGNMENT,
        "assigned_at",
        ASSIGNEE,
        test=lambda a, _o, _r: a["state"] == AssignmentState.RETURNED,
        where=Q(assignments__state=AssignmentState.RETURNED),
    ),
    Rule(
        M.DUE,
        ORDER,
        "handle_deadline",
        LEAD,
        test=lambda o, _o, _r: _has_lead(o),
        where=_HAS_LEAD,
    ),
    Rule(
        M.DUE_REPLIED,
        ORDER,
        "handle_deadline",
        LEAD,
        test=lambda o, _o, _r: _has_lead(o) and o["replied_at"] is not None,
        where=_HAS_LEAD & Q(replied_at__isnull=False),
    ),
    Rule(
        M.ON_TIME,
        ORDER,
        "handle_deadline",
        LEAD,
        test=lambda o, _o, _r: (
            _has_lead(o) and o["replied_at"] is not None and o["replied_at"] <= o["handle_deadline"]
        ),
        where=_HAS_LEAD & Q(replied_at__lte=F("handle_deadline")),
    ),
    Rule(
        M.OVERDUE,
        ORDER,
        "handle_deadline",
        LEAD,
        test=lambda o, _o, _r: _has_lead(o) and o["is_overdue"],
        where=_HAS_LEAD & Q(is_overdue=True),
    ),
    Rule(
        M.REPLIED,
        ORDER,
        "replied_at",
        LEAD,
        test=lambda o, _o, _r: _has_lead(o),
        where=_HAS_LEAD,
    ),
    Rule(
        M.REPLIED_RATED,
        ORDER,
        "replied_at",
        LEAD,
        test=lambda o, _o, rating: _has_lead(o) and rating is not None,
        where=_HAS_LEAD & Q(appeals__is_primary=True, appeals__rating__gt=""),
    ),
    Rule(
        M.REOPENED,
        ORDER,
        "replied_at",
        LEAD,
        test=lambda o, _o, _r: _has_lead(o) and o["reopen_count"] > 0,
        where=_HAS_LEAD & Q(reopen_count__gt=0),
    ),
    # The minutes count for the orders dispatched before their reply; the orders behind the
    # average are the replied ones, its denominator.
    Rule(
        M.HANDLING_MINUTES,
        ORDER,
        "replied_at",
        LEAD,
        test=lambda o, _o, _r: _has_lead(o) and o["dispatched_at"] is not None,
        where=_HAS_LEAD,
        value=_handling_minutes,
    ),
    # The first appeal's rating, for the lead unit (or the dispatcher before there is one).
    Rule(M.RATED, RATING, "rated_at", LEAD_ELSE_DISPATCHER, where=Q(appeals__rating__gt="")),
    Rule(
        M.SATISFIED,
        RATING,
        "rated_at",
        LEAD_ELSE_DISPATCHER,
        test=lambda r, _o, _r: r["rating"] in SATISFIED_RATINGS,
        where=Q(appeals__rating__in=SATISFIED_RATINGS),
    ),
    Rule(
        M.DISSATISFIED,
        RATING,
        "rated_at",
        LEAD_ELSE_DISPATCHER,
        test=lambda r, _o, _r: r["rating"] == Rating.DISSATISFIED,
        where=Q(appeals__rating=Rating.DISSATISFIED),
    ),
    Rule(
        M.RED_CARDS,
        ORDER,
        "registered_at",
        LEAD,
        test=lambda o, _o, _r: o["supervision"] == Supervision.RED,
        where=Q(supervision=Supervision.RED),
    ),
)
RULE_OF = {rule.measure: rule for rule in RULES}
# Consecutive rules of one source, so that the facts keep the order of the rules (each lead
# assignment's three measures together).
_RUNS = [(source, tuple(run)) for source, run in itertools.groupby(RULES, lambda r: r.source)]


def _unit(rule: Rule, row: dict, order: dict) -> int | None:
    if rule.unit == DISPATCHER:
        return order["dispatch_unit_id"]
    if rule.unit == LEAD:
        return order["lead_unit_id"]
    if rule.unit == ASSIGNEE:
        return row["unit_id"]
    return order["lead_unit_id"] or order["dispatch_unit_id"]


def _unit_q(rule: Rule, unit: int) -> Q:
    if rule.unit == DISPATCHER:
        return Q(dispatch_unit_id=unit)
    if rule.unit == LEAD:
        return Q(lead_unit_id=unit)
    if rule.unit == ASSIGNEE:
        return Q(assignments__unit_id=unit)
    return Q(lead_unit_id=unit) | Q(lead_unit__isnull=True, dispatch_unit_id=unit)


def _day(moment: datetime.datetime) -> str:
    return moment.astimezone(LOCAL).date().isoformat()


def measures_of(order: dict, lead_assignments: list[dict], rating: dict | None) -> list[list]:
    """The order's facts [[measure, day, unit, value], …] by the rules' Python forms."""
    rows = {ORDER: [order], LEAD_ASSIGNMENT: lead_assignments, RATING: [rating] if rating else []}
    merged = order["state"] == State.MERGED
    facts = []
    for source, rules in _RUNS:
        for row in rows[source]:
            for rule in rules:
                if merged and not rule.merged_too:
                    continue
                moment = row[rule.day]
                if moment is None or not rule.test(row, order, rating):
                    continue
                value = rule.value(order) if rule.value else 1
                facts.append([rule.measure, _day(moment), _unit(rule, row, order) or 0, value])
    return facts


def orders_behind(
    orders: QuerySet[WorkOrder], measure: str, period: Period, unit: int | None = None
) -> QuerySet[WorkOrder]:
    """The work orders a measure counts in the period (for the unit), by the rules' query
    forms: a filter of `orders`."""
    rule = RULE_OF[measure]
    if not rule.merged_too:
        orders = orders.exclude(state=State.MERGED)
    condition = local_range(_PATH[rule.source] + rule.day, period) & _SOURCE[rule.source]
    condition &= rule.where
    if unit:
        condition &= _unit_q(rule, unit)
    orders = orders.filter(condition)  # one filter: the conditions on a relation meet one row
    return orders.distinct() if rule.source == LEAD_ASSIGNMENT else orders


# --- the facts ---------------------------------------------------------------------------


def _rows(orders_q: Q, related_q: Q) -> tuple[list[dict], dict[int, list[dict]]]:
    orders = list(WorkOrder.objects.filter(orders_q).values(*ORDER_FIELDS))
    assignments = defaultdict(list)
    for row in Assignment.objects.filter(related_q).values(
        "work_order_id", "unit_id", "role", "assigned_at", "signed_in_time", "state"
    ):
        assignments[row["work_order_id"]].append(row)
    return orders, assignments


def facts_for(order_ids=None, *, id_range: tuple[int, int] | None = None) -> dict[int, dict]:
    """{order id: facts} (see command/cases/__init__.py) for the orders that exist, given by id
    or by an inclusive id range (cheaper for large batches); three queries for the batch."""
    if id_range is not None:
        orders_q = Q(pk__range=id_range)
        related_q = Q(work_order_id__gte=id_range[0], work_order_id__lte=id_range[1])
    else:
        orders_q = Q(pk__in=order_ids)
        related_q = Q(work_order_id__in=order_ids)
    orders, assignments = _rows(orders_q, related_q)
    ratings = {
        row["work_order_id"]: row
        for row in Appeal.objects.filter(related_q, is_primary=True)
        .exclude(rating="")
        .values("work_order_id", "rating", "rated_at")
    }
    return {o["id"]: _facts(o, assignments[o["id"]], ratings.get(o["id"])) for o in orders}


def _facts(order: dict, assignments: list[dict], rating: dict | None) -> dict:
    code = order["area_code"]
    cell = [code[:12], code if len(code) == 15 else "", *[order[f] for f in _CELL]]
    lead = [a for a in assignments if a["role"] == AssignmentRole.LEAD]
    facts = {"cell": cell, "m": measures_of(order, lead, rating)}
    workload = _workload(order, assignments)
    if workload is not None:
        facts["w"] = workload
    return facts


# --- the workload ------------------------------------------------------------------------

# An unfinished order's place in the workload ("w" in its facts): the fields of its OpenWork
# key, with the unit sets as sorted lists of unit ids (OpenWork names each set by its id, see
# command/openwork.py).
WORKLOAD_FIELDS = (
    "area_code",
    "state",
    "dispatch_unit_id",
    "lead_unit_id",
    "co_units",  # the active co-units
    "other_units",  # the units assigned the order at some time besides its lead unit
    "is_warned",
    "is_overdue",
    "is_sign_overdue",
    "is_red",
)


def workload_for(order_ids) -> dict[int, list | None]:
    """Only the workload part of the facts ("w"; None for a finished order): two queries."""
    orders, assignments = _rows(Q(pk__in=order_ids), Q(work_order_id__in=order_ids))
    return {o["id"]: _workload(o, assignments[o["id"]]) for o in orders}


def _workload(order: dict, assignments: list[dict]) -> list | None:
    """The order's workload key (WORKLOAD_FIELDS), or None once it is finished."""
    if order["state"] in CLOSED_STATES:
        return None
    co = {
        a["unit_id"]
        for a in assignments
        if a["role"] == AssignmentRole.CO and a["state"] in ACTIVE_ASSIGNMENT
    }
    others = {a["unit_id"] for a in assignments if a["unit_id"] != order["lead_unit_id"]}
    return [
        order["area_code"],
        order["state"],
        order["dispatch_unit_id"] or 0,
        order["lead_unit_id"] or 0,
        sorted(co),
        sorted(others),
        order["is_warned"],
        order["is_overdue"],
        order["is_sign_overdue"],
        order["supervision"] == Supervision.RED,
    ]


WORK_ORDERS = CaseType(
    kind=KIND,
    model=WorkOrder,
    facts_model=OrderFacts,
    facts_for=facts_for,
    behind=orders_behind,
    measures=tuple(RULE_OF),
    workload_for=workload_for,
    # 应办结 and what is made of it: counted on the deadline's day, once that day is past.
    past_only=frozenset(rule.measure for rule in RULES if rule.day == "handle_deadline"),
)
