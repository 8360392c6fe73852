"""Periodic jobs: enqueued once per period however many workers ask."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from shanzhi.core.models import PeriodicJob
from shanzhi.core.scheduler import run_due

pytestmark = pytest.mark.django_db


def test_a_due_job_is_enqueued_once_per_period(settings):
    # One job with its own period (the outbox job runs every few seconds beside it).
    settings.PERIODIC_JOBS = {"deadlines_sweep": settings.PERIODIC_JOBS["deadlines_sweep"]}
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert run_due() == ["deadlines_sweep"]  # immediate backend in tests: it ran
        assert run_due() == []  # a second worker asking at the same moment gets nothing
    job = PeriodicJob.objects.get(name="deadlines_sweep")
    assert job.next_run_at == start + datetime.timedelta(seconds=60)
    with time_machine.travel(start + datetime.timedelta(seconds=59), tick=False):
        assert run_due() == []
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        assert run_due() == ["deadlines_sweep"]
