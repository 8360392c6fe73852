"""The workload now: open and overdue counts read from the workload table (OpenWork) with the
changes not yet folded, for the dashboard and the map (and, through the counter registered in
CommandConfig.ready(), for the inboxes of workorders); and the grid workers' assessment, read
from their records."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.utils.translation import gettext as _

from shanzhi.command.cases.workorders import WORK_ORDERS, WORKLOAD_FIELDS
from shanzhi.command.models import OpenWork, RollupCursor, UnitSetMember
from shanzhi.command.periods import Period, before_today, local_range
from shanzhi.command.selectors.scope import Scope, code_range, orders_in
from shanzhi.core.errors import InvalidInput
from shanzhi.core.models import AuditEvent
from shanzhi.org.models import GridAssignment, HouseholdVisit
from shanzhi.workorders.choices import (
    OPEN_STATES,
    SATISFIED_RATINGS,
    Channel,
    State,
    Supervision,
)
from shanzhi.workorders.models import Appeal, WorkOrder
from shanzhi.workorders.selectors import (
    ASSIGNED,
    CO_HANDLES,
    COUNTED_BOXES,
    DISPATCHES,
    INBOX_FLAGS,
    INBOX_RULES,
    LEADS,
    RELATIONS,
    SUPERVISES,
    TERRITORY,
    InboxViewer,
    inbox_boxes,
    inbox_states,
    inbox_viewer,
    relations_to,
)

UNFOLDED_LIMIT = 2000  # beyond this many changes not yet folded, count the work orders instead


@dataclass
class Workload:
    """The workload as of this moment. `cells`: the OpenWork rows a filter selected, summed over
    the fields asked for. `changes`: the orders changed since the last fold, each as its full
    workload key (WORKLOAD_FIELDS: the unit sets as lists of ids) with orders -1 (the cell it was
    folded into) or +1 (the one it is in now), not filtered: the caller adds those that meet its
    own condition."""

    cells: list[dict]
    changes: list[dict]


def _cursor() -> int:
    return RollupCursor.objects.filter(pk=1).values_list("last_event_id", flat=True).first() or 0


def open_work(read_cells: Callable[[], list[dict]]) -> Workload | None:
    """The workload cells that `read_cells()` reads (summed in the database over what its
    caller asks about), with the changes since the last fold. None when the fold is too far
    behind (its worker stopped): the caller then counts the work orders themselves.

    Consistent without a transaction: the fold moves its cursor in the same transaction as the
    cells, so if the cursor is the same before and after the reads, no fold came in between."""
    for _attempt in range(3):
        before = _cursor()
        cells = read_cells()
        changed = list(
            AuditEvent.objects.filter(pk__gt=before, object_type=WORK_ORDERS.kind).values_list(
                "object_id", flat=True
            )[: UNFOLDED_LIMIT + 1]
        )
        if len(changed) > UNFOLDED_LIMIT:
            return None
        ids = {int(i) for i in changed if i.isdigit()}
        folded = {
            order_id: facts.get("w")
            for order_id, facts in WORK_ORDERS.facts_model.objects.filter(pk__in=ids).values_list(
                "pk", "facts"
            )
        }
        live = WORK_ORDERS.workload_for(ids) if ids else {}
        if _cursor() == before:
            break
    else:
        return None
    changes = []
    for order_id in sorted(ids):
        old, new = folded.get(order_id), live.get(order_id)
        if old != new:
            if old:
                changes.append({**dict(zip(WORKLOAD_FIELDS, old, strict=True)), "orders": -1})
            if new:
                changes.append({**dict(zip(WORKLOAD_FIELDS, new, strict=True)), "orders": 1})
    return Workload(cells, changes)


def _sums(q: Q, fields: tuple[str, ...], **annotations) -> list[dict]:
    """The orders of the workload cells that `q` selects, summed over `fields` and any
    `annotations` of the cells."""
    return list(
        OpenWork.objects.filter(q)
        .annotate(**annotations)
        .values(*fields, *annotations)
        .annotate(orders=Sum("orders"))
        .order_by()
    )


# 在办 on the dashboard: open, or replied and waiting for the dispatcher's check.
WORKLOAD_STATES = sorted(OPEN_STATES | {State.PENDING_VERIFY})


# The dashboard's 超期 and 临期 are the console's 已超期 and 即将超期 (workorders.selectors
# INBOX_RULES): one condition on state and deadline flags; the dashboard counts it over the
# territory, the console over the orders the person's units dispatch or lead.
LIVE_BOXES = {"overdue": "overdue", "warned": "due_soon"}


def live_condition(name: str) -> Q:
    """The orders behind a live figure of the dashboard (open, overdue, warned, red)."""
    if name == "open":
        return Q(state__in=WORKLOAD_STATES)
    if name == "red":
        return Q(state__in=WORKLOAD_STATES, supervision=Supervision.RED)
    if name in LIVE_BOXES:
        return INBOX_RULES[LIVE_BOXES[name]].condition()
    raise InvalidInput(_("未知的统计项"), "live")


def live_counts(scope: Scope) -> dict:
    """Open, overdue, warned and red-card work orders now, from the workload table (open
    orders are today's workload, not the history); from the work orders themselves if the fold
    is behind."""
    work = open_work(
        lambda: _sums(
            code_range("area_code", scope.prefix) & Q(state__in=WORKLOAD_STATES),
            ("state", "is_warned", "is_overdue", "is_sign_overdue", "is_red"),
        )
    )
    if work is None:
        return live_counts_of_orders(scope)
    counts = {"open": 0, "overdue": 0, "warned": 0, "red": 0}
    changes = [
        c
        for c in work.changes
        if c["state"] in WORKLOAD_STATES and c["area_code"].startswith(scope.prefix)
    ]
    for cell in work.cells + changes:
        counts["open"] += cell["orders"]
        for name, box in LIVE_BOXES.items():
            if INBOX_RULES[box].matches(cell["state"], cell):
                counts[name] += cell["orders"]
        counts["red"] += cell["orders"] if cell["is_red"] else 0
    return counts


def live_counts_of_orders(scope: Scope) -> dict:
    orders = WorkOrder.objects.filter(orders_in(scope))
    return orders.aggregate(
        **{
            name: Count("pk", filter=live_condition(name))
            for name in ("open", "overdue", "warned", "red")
        }
    )


def live_orders(scope: Scope, name: str):
    """The work orders behind a live figure: the list a dashboard tile links to."""
    return WorkOrder.objects.filter(orders_in(scope)).filter(live_condition(name))


def grid_overdue(scope: Scope) -> dict[str, int]:
    """Overdue orders (the dashboard's 超期, live_condition) per grid code of the territory,
    from the workload table."""
    overdue_box = INBOX_RULES[LIVE_BOXES["overdue"]]
    work = open_work(
        lambda: _sums(
            code_range("area_code", scope.prefix) & overdue_box.condition(), ("area_code",)
        )
    )
    if work is None:
        return grid_overdue_of_orders(scope)
    changes = [
        c
        for c in work.changes
        if overdue_box.matches(c["state"], c) and c["area_code"].startswith(scope.prefix)
    ]
    overdue = defaultdict(int)
    for cell in work.cells + changes:
        if len(cell["area_code"]) == 15:  # a grid's code
            overdue[cell["area_code"]] += cell["orders"]
    return {code: n for code, n in overdue.items() if n}


def grid_overdue_of_orders(scope: Scope) -> dict[str, int]:
    return dict(
        WorkOrder.objects.filter(orders_in(scope), live_condition("overdue"), grid__isnull=False)
        .values("grid_id")
        .annotate(n=Count("pk"))
        .values_list("grid_id", "n")
    )


# --- the inboxes of workorders -------------------------------------------------------------


def _yes(condition: Q):
    return Case(When(condition, then=Value(True)), default=Value(False))


def _in_states(*relations: str) -> Q:
    """The states in which these relations can put an order into an inbox, as a condition."""
    found = [inbox_states(relation) for relation in relations]
    if None in found:
        return Q()
    states = sorted(frozenset().union(*found))
    return Q(state=states[0]) if len(states) == 1 else Q(state__in=states)


def _inbox_cells(viewer: InboxViewer) -> list[dict]:
    """The workload cells that can hold orders of this person's inboxes, summed over the state,
    the deadline flags and the person's relations to them (one boolean each). Each relation
    reads an index: the dispatching unit, the lead unit, the co-units' sets, and, only in the
    states where the inboxes ask about them (待回访), the territory and the sets of the units once
    assigned. The sets are looked up first, inside open_work's check of the cursor."""
    if viewer.is_admin:
        return _sums(Q(), ("state", *INBOX_FLAGS))
    everywhere = "" in viewer.territory
    territory = _in_codes(viewer.territory)
    supervised = _in_codes(viewer.supervised)
    handler = sorted(viewer.handler_units)
    sets = list(  # the unit sets that hold one of the person's units (an index-only scan)
        UnitSetMember.objects.filter(unit_id__in=handler).values_list("unit_set_id", flat=True)
    )
    co, other = Q(co_set__in=sets), Q(other_set__in=sets)
    dispatches = Q(dispatch_unit_id__in=viewer.dispatch_units)
    leads = Q(lead_unit_id__in=handler)
    relevant = (
        dispatches
        | leads
        | co
        | _in_states(TERRITORY, ASSIGNED) & (territory | other)
        | _in_states(SUPERVISES) & supervised
    )
    everyone = not viewer.territory or everywhere
    territorial = Value(everywhere) if everyone else _yes(territory)
    relations = {DISPATCHES: dispatches, LEADS: leads, CO_HANDLES: co, _OTHER_ASSIGNED: other}
    return _sums(
        relevant,
        ("state", *INBOX_FLAGS),
        **{name: _yes(condition) for name, condition in relations.items()},
        **{TERRITORY: territorial, SUPERVISES: _flag(supervised, viewer.supervised)},
    )


def _flag(condition: Q, prefixes):
    """Whether a cell meets a territory condition, as a column (constant when it is trivial)."""
    if "" in prefixes or not prefixes:
        return Value(bool(prefixes))
    return _yes(condition)


def _in_codes(prefixes) -> Q:
    """Orders whose area code starts with one of the prefixes ("" is everywhere, none is
    nowhere), as code ranges: indexed, whatever the collation."""
    if "" in prefixes:
        return Q()
    found = Q(pk__in=[])
    for prefix in prefixes:
        found |= code_range("area_code", prefix)
    return found


_OTHER_ASSIGNED = "other_assigned"  # assigned at some time, but not the lead unit


def _cell_relations(cell: dict) -> set[str]:
    found = {r for r in (DISPATCHES, LEADS, CO_HANDLES, TERRITORY, SUPERVISES) if cell[r]}
    if cell[LEADS] or cell[_OTHER_ASSIGNED]:
        found.add(ASSIGNED)
    return found


def workorder_inbox_counts(user) -> dict[str, int] | None:
    """How many orders each inbox of workorders holds for this person, from the workload table
    (a few rows for a unit, however long the history) and the changes not yet folded; None when
    the fold is too far behind. The counter CommandConfig.ready() registers for work orders in
    core.inbox_counts; the conditions are the inboxes' own (workorders.selectors.INBOX_RULES)."""
    viewer = inbox_viewer(user)
    work = open_work(lambda: _inbox_cells(viewer))
    if work is None:
        return None
    counts = dict.fromkeys(COUNTED_BOXES, 0)
    for cell in work.cells:
        relations = set(RELATIONS) if viewer.is_admin else _cell_relations(cell)
        for box in inbox_boxes(cell["state"], cell, relations):
            counts[box] += cell["orders"]
    for change in work.changes:
        relations = relations_to(
            viewer,
            area_code=change["area_code"],
            dispatch_unit_id=change["dispatch_unit_id"],
            lead_unit_id=change["lead_unit_id"],
            co_units=change["co_units"],
            assigned_units=[*change["other_units"], change["lead_unit_id"]],
        )
        for box in inbox_boxes(change["state"], change, relations):
            counts[box] += change["orders"]
    return counts


def grid_worker_table(scope: Scope, period: Period) -> list[dict]:
    """网格员考核 for the period: per grid worker of the territory (with the names of their
    grids), the events they reported,
    the matters they settled on the spot (就地化解), the households they visited, the timeliness
    of their matters ((settled + replied on time) ÷ (settled + due), on the orders they reported)
    and the satisfaction of those orders' appellants. Read from the records themselves: a grid
    worker's month is a few hundred rows."""
    assignments = GridAssignment.objects.filter(code_range("grid_id", scope.prefix))
    grids: dict[int, list[str]] = {}
    for user_id, grid_name in assignments.values_list("user_id", "grid__name"):
        grids.setdefault(user_id, []).append(grid_name)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=grids)}
    reports = Appeal.objects.filter(
        channel=Channel.GRID, is_primary=True, submitted_by_id__in=list(grids)
    )
    counted = {
        row["submitted_by_id"]: row
        for row in reports.filter(local_range("created_at", period))
        .values("submitted_by_id")
        .annotate(
            reported=Count("pk"),
            settled=Count("pk", filter=Q(work_order__answered_directly=True)),
        )
        .order_by()
    }
    # Due: the deadline fell in the period and before today (see kpis.figures).
    past = before_today(period)
    due = {
        row["submitted_by_id"]: row
        for row in (
            reports.filter(local_range("work_order__handle_deadline", past))
            if past
            else reports.none()
        )
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
        for row in reports.filter(local_range("rated_at", period))
        .values("submitted_by_id")
        .annotate(
            rated=Count("pk"),
            satisfied=Count("pk", filter=Q(rating__in=SATISFIED_RATINGS)),
        )
        .order_by()
    }
    visits = dict(
        HouseholdVisit.objects.filter(visitor_id__in=list(grids))
        .filter(local_range("visited_at", period))
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
