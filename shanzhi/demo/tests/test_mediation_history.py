"""The demo's past year of disputes: consistent with the services' rules (the sweep finds
nothing to do on it, the visits follow the rule of `_visits`), and its figures look like the
reports it follows."""

import datetime

import pytest
from django.utils import timezone

from shanzhi.command.periods import Period
from shanzhi.command.selectors import Scope, mediation_figures
from shanzhi.command.services import rollups_rebuild
from shanzhi.demo.mediation_history import seed_disputes
from shanzhi.mediation.models import DisputeCase, JudicialConfirmation
from shanzhi.mediation.services import _visits, deadlines_sweep

pytestmark = pytest.mark.django_db


def test_a_seeded_year_of_disputes(outbox):
    before = DisputeCase.objects.count()
    assert seed_disputes(cases=600, seed=7) == 600
    assert DisputeCase.objects.count() == before + 600
    # What the sweep would have done is done: no warning, overdue mark or reminder is due.
    assert set(deadlines_sweep().values()) == {0}
    seeded = DisputeCase.objects.order_by("-pk")[:600]
    assert all(case.visits == _visits(case) for case in seeded)
    assert JudicialConfirmation.objects.filter(state="confirmed").exists()

    rollups_rebuild()
    today = timezone.localdate()
    year = Period("custom", today - datetime.timedelta(days=365), today)
    figures = mediation_figures(Scope(region=None), year)
    values = figures.values
    assert values["disputes"] == DisputeCase.objects.count()
    rates = {k.key: k.rate for k in figures.kpis}
    # 普陀: about three quarters resolved with no visit, one in six with one; 诸暨: about three
    # in ten of the court's referrals mediated.
    assert 0.65 < rates["zero_visit_rate"] < 0.9
    assert 0.1 < rates["one_visit_rate"] < 0.3
    assert 0.15 < rates["court_resolve_rate"] < 0.45
    assert rates["dispute_on_time_rate"] > 0.95 and rates["dispute_satisfaction_rate"] > 0.95
    assert values["confirmed"] == JudicialConfirmation.objects.filter(state="confirmed").count()
