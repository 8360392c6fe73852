"""What a work order contributes to the rollups, as a pure function of its current rows: the
order, its assignments and its first appeal. Each fact is (measure, local day, unit, value);
the cell's other coordinates (area, grid, category, channel, nature) are the order's own. An
unfinished order also has its place in the workload ("w", the key of its OpenWork row)."""

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from shanzhi.command.choices import Measure as M
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


LOCAL = ZoneInfo(settings.TIME_ZONE)


def _day(moment: datetime.datetime) -> str:
    return moment.astimezone(LOCAL).date().isoformat()


def _rows(orders_q: Q, related_q: Q) -> tuple[list[dict], dict[int, list[dict]]]:
    orders = list(WorkOrder.objects.filter(orders_q).values(*ORDER_FIELDS))
    assignments = defaultdict(list)
    for row in Assignment.objects.filter(related_q).values(
        "work_order_id", "unit_id", "role", "assigned_at", "signed_in_time", "state"
    ):
        assignments[row["work_order_id"]].append(row)
    return orders, assignments


def facts_for(order_ids=None, *, id_range: tuple[int, int] | None = None) -> dict[int, dict]:
    """{order id: {"cell": [area, grid, category, channel, nature], "m": [[measure, day, unit,
    value], …], "w": [the OpenWork key, unfinished orders only]}} for the orders that exist,
    given by id or by an inclusive id range (cheaper for large batches); three queries for the
    whole batch."""
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


def workload_for(order_ids) -> dict[int, list | None]:
    """Only the workload part of the facts ("w"; None for a finished order): two queries."""
    orders, assignments = _rows(Q(pk__in=order_ids), Q(work_order_id__in=order_ids))
    return {o["id"]: _workload(o, assignments[o["id"]]) for o in orders}


def unit_set(units) -> str:
    """A set of unit ids as OpenWork stores it: ",3,17," (empty for none)."""
    ids = sorted(set(units))
    return f",{','.join(str(u) for u in ids)}," if ids else ""


def units_in(stored: str) -> set[int]:
    """The unit ids of a set stored by unit_set."""
    return {int(u) for u in stored.strip(",").split(",") if u}


def _workload(order: dict, assignments: list[dict]) -> list | None:
    """The order's OpenWork key, or None once it is finished."""
    if order["state"] in CLOSED_STATES:
        return None
    co = [
        a["unit_id"]
        for a in assignments
        if a["role"] == AssignmentRole.CO and a["state"] in ACTIVE_ASSIGNMENT
    ]
    return [
        order["area_code"],
        order["state"],
        order["dispatch_unit_id"] or 0,
        order["lead_unit_id"] or 0,
        unit_set(co),
        unit_set(a["unit_id"] for a in assignments if a["unit_id"] != order["lead_unit_id"]),
        order["is_warned"],
        order["is_overdue"],
        order["is_sign_overdue"],
        order["supervision"] == Supervision.RED,
    ]


def _facts(order: dict, assignments: list[dict], rating: dict | None) -> dict:
    workload = _workload(order, assignments)
    facts = _measures(order, [a for a in assignments if a["role"] == AssignmentRole.LEAD], rating)
    if workload is not None:
        facts["w"] = workload
    return facts


def _measures(order: dict, assignments: list[dict], rating: dict | None) -> dict:
    code = order["area_code"]
    cell = [code[:12], code if len(code) == 15 else "", *[order[f] for f in _CELL]]
    facts = []

    def add(measure, moment, unit, value=1):
        facts.append([measure, _day(moment), unit or 0, value])

    registered, dispatcher, lead = order["registered_at"], order["dispatch_unit_id"], None
    add(M.REGISTERED, registered, dispatcher)
    if order["state"] == State.MERGED:
        return {"cell": cell, "m": facts}
    lead = order["lead_unit_id"]
    if order["answered_directly"]:
        add(M.DIRECT, registered, dispatcher)
    for a in assignments:
        add(M.DISPATCHED, a["assigned_at"], a["unit_id"])
        if a["signed_in_time"]:
            add(M.SIGNED_IN_TIME, a["assigned_at"], a["unit_id"])
        if a["state"] == AssignmentState.RETURNED:
            add(M.RETURNED, a["assigned_at"], a["unit_id"])
    deadline, replied = order["handle_deadline"], order["replied_at"]
    if deadline and lead:
        add(M.DUE, deadline, lead)
        if replied:
            add(M.DUE_REPLIED, deadline, lead)
            if replied <= deadline:
                add(M.ON_TIME, deadline, lead)
        if order["is_overdue"]:
            add(M.OVERDUE, deadline, lead)
    if replied and lead:
        add(M.REPLIED, replied, lead)
        if rating:
            add(M.REPLIED_RATED, replied, lead)
        if order["reopen_count"]:
            add(M.REOPENED, replied, lead)
        if order["dispatched_at"]:
            spent = workdays.working_time_between(order["dispatched_at"], replied)
            add(M.HANDLING_MINUTES, replied, lead, int(spent.total_seconds() // 60))
    if rating:
        add(M.RATED, rating["rated_at"], lead or dispatcher)
        if rating["rating"] in SATISFIED_RATINGS:
            add(M.SATISFIED, rating["rated_at"], lead or dispatcher)
        elif rating["rating"] == Rating.DISSATISFIED:
            add(M.DISSATISFIED, rating["rated_at"], lead or dispatcher)
    if order["supervision"] == Supervision.RED:
        add(M.RED_CARDS, registered, lead)
    return {"cell": cell, "m": facts}
