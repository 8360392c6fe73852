"""The rollups kept by the fold equal the rollups rebuilt from scratch, whatever the sequence
of actions; and every count in them is the number of work orders (or assignments) that the
figure links to."""

import datetime

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from shanzhi.command.choices import MEASURES, Measure
from shanzhi.command.models import MonthFigures
from shanzhi.command.rebuild import ROLLUPS
from shanzhi.command.selectors import Period, Scope, figures, orders_behind
from shanzhi.command.services import rollups_fold, rollups_lag, rollups_rebuild
from shanzhi.workorders.models import Assignment
from shanzhi.workorders.tests.test_state_machine import WorkOrderMachine

EVERYTHING = Period("custom", datetime.date(2020, 1, 1), datetime.date(2030, 12, 31))
ASSIGNMENT_MEASURES = {Measure.DISPATCHED, Measure.SIGNED_IN_TIME, Measure.RETURNED}


def rollup_rows() -> dict:
    """Every non-empty cell of every rollup table."""
    rows = {}
    for model in ROLLUPS:
        for row in model.objects.values(*model.KEY, *model.COLUMNS):
            values = tuple(row[c] for c in model.COLUMNS)
            if any(values):
                rows[model.__name__, *(row[k] for k in model.KEY)] = values
    return rows


def assert_figures_match_orders():
    totals = figures(Scope(region=None), EVERYTHING)[()]
    for measure in MEASURES:
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


class RollupMachine(WorkOrderMachine):
    @invariant()
    def folded_rollups_equal_rebuilt_ones(self):
        rollups_fold()
        assert rollups_lag() == 0
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
