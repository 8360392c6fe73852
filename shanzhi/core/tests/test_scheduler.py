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


@pytest.mark.django_db(transaction=False)
def test_finished_task_results_are_pruned():
    from django_tasks_db.models import DBTaskResult

    from shanzhi.core.scheduler import task_results_prune

    now = timezone.now()
    DBTaskResult.objects.all().delete()
    common = {
        "task_path": "x.y",
        "args_kwargs": {"args": [], "kwargs": {}},
        "queue_name": "default",
        "backend_name": "default",
        "priority": 0,
        "run_after": None,
    }
    rows = [
        ("SUCCESSFUL", now - datetime.timedelta(days=2)),  # goes
        ("SUCCESSFUL", now - datetime.timedelta(hours=2)),  # stays: less than a day
        ("FAILED", now - datetime.timedelta(days=2)),  # stays: failures are kept two weeks
        ("FAILED", now - datetime.timedelta(days=15)),  # goes
        ("READY", None),  # stays: not finished
    ]
    for status, finished in rows:
        DBTaskResult.objects.create(status=status, finished_at=finished, **common)
    assert task_results_prune(now=now) == 2
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == [
        "FAILED",
        "READY",
        "SUCCESSFUL",
    ]
