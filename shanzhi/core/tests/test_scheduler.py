"""Periodic jobs: enqueued once per period however many workers ask."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from shanzhi.core.models import PeriodicJob
from shanzhi.core.scheduler import run_due

pytestmark = pytest.mark.django_db


def test_a_due_job_is_enqueued_once_per_period(settings):
    # Two jobs with their own periods (the outbox's job, whose period is a setting, left out).
    settings.PERIODIC_JOBS = {
        name: settings.PERIODIC_JOBS[name] for name in ("deadlines_sweep", "rollups_fold")
    }
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        # Immediate backend in tests: they ran.
        assert run_due() == ["deadlines_sweep", "rollups_fold"]
        assert run_due() == []  # a second worker asking at the same moment gets nothing
    job = PeriodicJob.objects.get(name="deadlines_sweep")
    assert job.next_run_at == start + datetime.timedelta(seconds=60)
    with time_machine.travel(start + datetime.timedelta(seconds=6), tick=False):
        assert run_due() == ["rollups_fold"]  # every 5 seconds
    with time_machine.travel(start + datetime.timedelta(seconds=59), tick=False):
        assert run_due() == ["rollups_fold"]
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        assert run_due() == ["deadlines_sweep"]  # the fold's next turn is at 64 s
