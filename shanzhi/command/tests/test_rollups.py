"""The rollups kept by the fold equal the rollups rebuilt from scratch, whatever the sequence
of actions; and every count in them is the number of work orders (or assignments) that the
figure links to."""

import datetime
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from shanzhi.command.cases.workorders import WORK_ORDERS
from shanzhi.command.choices import Measure
from shanzhi.command.models import MonthFigures, OpenWork, UnitSet, UnitSetMember
from shanzhi.command.rebuild import ROLLUPS
from shanzhi.command.selectors import (
    Period,
    Scope,
    figures,
    grid_overdue,
    live_counts,
    orders_behind,
)
from shanzhi.command.selectors.workload import grid_overdue_of_orders, live_counts_of_orders
from shanzhi.command.services import rollups_fold, rollups_lag, rollups_rebuild
from shanzhi.org.models import Unit
from shanzhi.workorders import services
from shanzhi.workorders.models import Assignment
from shanzhi.workorders.selectors import inbox_counts, inbox_counts_of_orders
from shanzhi.workorders.services.deadlines import deadlines_sweep
from shanzhi.workorders.tests.test_state_machine import ORDER, WorkOrderMachine

EVERYTHING = Period("custom", datetime.date(2020, 1, 1), datetime.date(2030, 12, 31))
ASSIGNMENT_MEASURES = {Measure.DISPATCHED, Measure.SIGNED_IN_TIME, Measure.RETURNED}


def rollup_rows() -> dict:
    """Every non-empty cell of every rollup table (a unit set named by its members)."""
    members = dict(UnitSet.objects.values_list("pk", "key")) | {0: ""}
    rows = {}
    for model in ROLLUPS:
        for row in model.objects.values(*model.KEY, *model.COLUMNS):
            values = tuple(row[c] for c in model.COLUMNS)
            if model is OpenWork:
                row["co_set"], row["other_set"] = members[row["co_set"]], members[row["other_set"]]
            if any(values):
                rows[model.__name__, *(row[k] for k in model.KEY)] = values
    return rows


def assert_unit_sets_are_whole():
    """Every unit set a workload cell names is stored, with the members its key names."""
    members = defaultdict(list)
    for set_id, unit in UnitSetMember.objects.order_by("unit_id").values_list(
        "unit_set_id", "unit_id"
    ):
        members[set_id].append(unit)
    keys = dict(UnitSet.objects.values_list("pk", "key"))
    for co, other in OpenWork.objects.values_list("co_set", "other_set"):
        for set_id in {co, other} - {0}:
            assert members[set_id], set_id
            assert keys[set_id] == ",".join(str(u) for u in members[set_id]), set_id


def assert_figures_match_orders():
    totals = figures(Scope(region=None), EVERYTHING)[()]
    for measure in WORK_ORDERS.measures:
        if measure == Measure.HANDLING_MINUTES:
            continue
        if measure in ASSIGNMENT_MEASURES:
            lead = Assignment.objects.filter(role="lead").exclude(work_order__state="merged")
            expected = {
                Measure.DISPATCHED: lead,
                Measure.SIGNED_IN_TIME: lead.filter(signed_in_time=True),
                Measure.RETURNED: lead.filter(state="returned"),
            }[measure].count()
        else:
            expected = orders_behind(Scope(region=None), EVERYTHING, measure).count()
        assert totals[measure] == expected, measure


def assert_workload_counts_match_orders(user_ids):
    """The inbox counts and the dashboard's live counts, read from the workload table (with the
    correction for orders not yet folded), equal the counts of the work orders themselves."""
    for user in get_user_model().objects.filter(pk__in=user_ids):
        assert inbox_counts(user) == inbox_counts_of_orders(user), user.username
    assert_unit_sets_are_whole()
    for prefix in ("", "330502", "330502001"):
        scope = Scope(region=None, prefix=prefix)
        assert live_counts(scope) == live_counts_of_orders(scope), prefix
        assert grid_overdue(scope) == grid_overdue_of_orders(scope), prefix


class RollupMachine(WorkOrderMachine):
    def __init__(self):
        super().__init__()
        self.enforcement = Unit.objects.get(name="吴兴区综合行政执法局").pk
        self.user_ids["admin"] = get_user_model().objects.get(username="admin").pk

    @rule(index=ORDER)
    def dispatch_with_housing_as_co_unit(self, index):
        def dispatch(order_id):
            services.workorder_dispatch(
                actor=self.user(self.dispatcher_of(order_id)),
                order_id=order_id,
                lead_unit_id=self.enforcement,
                co_unit_ids=[self.housing],
            )

        self.attempt(index, dispatch)

    @rule(days=st.sampled_from([1, 3, 10]))
    def time_passes(self, days):
        """The sweep as it would run `days` later: warnings, overdue flags, archiving."""
        deadlines_sweep(now=timezone.now() + datetime.timedelta(days=days))

    @invariant()
    def folded_rollups_equal_rebuilt_ones(self):
        assert_workload_counts_match_orders(self.user_ids.values())  # before the fold
        rollups_fold()
        assert rollups_lag() == 0
        assert_workload_counts_match_orders(self.user_ids.values())
        folded = rollup_rows()
        rollups_rebuild()
        assert rollup_rows() == folded
        assert_figures_match_orders()


@pytest.mark.django_db
def test_folded_rollups_equal_rebuilt_ones_after_any_sequence_of_actions():
    run_state_machine_as_test(
        RollupMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


@pytest.mark.django_db
def test_the_demo_figures_match_its_work_orders():
    rollups_fold()
    assert_figures_match_orders()
    registered = MonthFigures.objects.aggregate(n=Sum("registered"))["n"]
    from shanzhi.workorders.models import WorkOrder

    assert registered == WorkOrder.objects.count() > 0
