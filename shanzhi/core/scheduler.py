"""Periodic jobs (settings.PERIODIC_JOBS: name → (task path, seconds)), enqueued by whichever
worker claims the run first. The task itself does the work, in the worker's task loop."""

import datetime
import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from shanzhi.core.models import PeriodicJob

logger = logging.getLogger("shanzhi.scheduler")


def run_due(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every job whose time has come; returns the names this call enqueued."""
    now = now or timezone.now()
    enqueued = []
    for name, (task_path, seconds) in settings.PERIODIC_JOBS.items():
        PeriodicJob.objects.get_or_create(name=name, defaults={"next_run_at": now})
        claimed = PeriodicJob.objects.filter(name=name, next_run_at__lte=now).update(
            next_run_at=now + datetime.timedelta(seconds=seconds), last_run_at=now
        )
        if claimed:
            import_string(task_path).enqueue()
            enqueued.append(name)
    return enqueued


def record_success(sender, task_result, **kwargs) -> None:
    """django-tasks' task_finished signal, sent by every backend in the worker that ran the
    task: a periodic job's successful run is counted on its row."""
    if task_result.status != "SUCCESSFUL":
        return
    names = [
        name
        for name, (path, _seconds) in settings.PERIODIC_JOBS.items()
        if path == task_result.task.module_path
    ]
    if not names:
        return
    now = timezone.now()
    started = task_result.started_at
    PeriodicJob.objects.filter(name__in=names).update(
        last_success_at=now,
        last_duration=(now - started).total_seconds() if started else None,
        successes=F("successes") + 1,
    )


def start_thread(interval: float = 5.0, worker_id: str | None = None) -> threading.Thread:
    """Every `interval` seconds in a daemon thread beside the task loop: the worker's heartbeat
    first (so that a worker back from a database outage is seen alive before any recovery job
    could run), then the due jobs."""
    from shanzhi.core.errors import DATABASE_OUTAGE
    from shanzhi.core.worker import close_connections, heartbeat

    stop = threading.Event()

    def loop():
        while not stop.wait(interval):
            try:
                if worker_id:
                    heartbeat(worker_id)
                run_due()
            except DATABASE_OUTAGE:
                close_connections()  # the task loop says it once; try again next round
            except Exception:  # keep scheduling whatever one round did
                logger.exception("periodic job scheduling failed")
            finally:
                close_old_connections()

    thread = threading.Thread(target=loop, name="shanzhi-scheduler", daemon=True)
    thread.stop = stop
    thread.start()
    return thread


def task_results_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete finished results of the database task backend; returns how many went."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    done = DBTaskResult.objects.filter(
        status="SUCCESSFUL", finished_at__lt=now - datetime.timedelta(days=1)
    ).delete()[0]
    failed = DBTaskResult.objects.filter(
        status="FAILED", finished_at__lt=now - datetime.timedelta(days=14)
    ).delete()[0]
    return done + failed
