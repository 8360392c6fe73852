"""The worker outlives the database: it reconnects with back-off instead of exiting, closes the
task it was running when the connection went, and tasks left RUNNING by a killed worker are
closed by the next worker's recovery job. (The real thing, a PostgreSQL restart under a running
worker and web server, is shanzhi/core/tests/test_faults.py.)"""

import datetime
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from shanzhi.core.models import WorkerHeartbeat
from shanzhi.core.worker import ResilientWorker, heartbeat, tasks_recover

pytestmark = pytest.mark.django_db


def running(worker_id: str | None, minutes_ago: float) -> DBTaskResult:
    now = timezone.now()
    return DBTaskResult.objects.create(
        task_path="shanzhi.workorders.tasks.sweep_deadlines",
        args_kwargs={"args": [], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        run_after=now,
        status="RUNNING",
        started_at=now - datetime.timedelta(minutes=minutes_ago),
        worker_ids=[worker_id] if worker_id else [],
    )


def test_tasks_of_a_worker_that_stopped_beating_are_closed_as_failed():
    now = timezone.now()
    heartbeat("alive-1", now=now - datetime.timedelta(seconds=5))
    heartbeat("killed-2", now=now - datetime.timedelta(minutes=3))
    heartbeat("gone-3", now=now - datetime.timedelta(days=2))
    long_task = running("alive-1", minutes_ago=30)  # a long task of a live worker
    orphan = running("killed-2", minutes_ago=4)
    just_claimed = running("unknown-4", minutes_ago=0.5)  # its worker may not have beaten yet

    assert tasks_recover(now=now) == 1
    states = dict(DBTaskResult.objects.values_list("id", "status"))
    assert states == {long_task.id: "RUNNING", orphan.id: "FAILED", just_claimed.id: "RUNNING"}
    orphan.refresh_from_db()
    assert orphan.exception_class_path == "shanzhi.core.worker.WorkerLost"
    assert "工作进程失联" in orphan.traceback and orphan.finished_at == now
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {
        "alive-1",
        "killed-2",
    }
    assert tasks_recover(now=now) == 0  # nothing left to close


def worker(worker_id="me-1") -> ResilientWorker:
    return ResilientWorker(
        queue_names=["*"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


@pytest.mark.parametrize(
    "outage",
    [
        OperationalError("connection to server failed: Connection refused"),
        InterfaceError("the connection is closed"),
    ],
)
def test_the_loop_reconnects_with_back_off_instead_of_exiting(outage):
    attempts = []

    def task_loop(self):
        attempts.append(1)
        if len(attempts) <= 3:
            raise outage
        self.running = False  # the fourth attempt runs until it is stopped

    interrupted = running("me-1", minutes_ago=0.2)  # the task the outage cut short
    other = running("someone-else", minutes_ago=0.2)
    with (
        mock.patch.object(Worker, "run", task_loop),
        mock.patch("shanzhi.core.worker.time.sleep") as sleep,
        # Closing the test's own connection would end its transaction.
        mock.patch("shanzhi.core.worker.close_connections") as close,
    ):
        worker().run()
    assert len(attempts) == 4 and close.call_count == 3
    assert [c.args[0] for c in sleep.call_args_list] == [1.0, 2.0, 4.0]
    interrupted.refresh_from_db()
    other.refresh_from_db()
    assert (interrupted.status, other.status) == ("FAILED", "RUNNING")
    assert "数据库连接中断" in interrupted.traceback


def test_other_errors_are_not_swallowed():
    with (
        mock.patch.object(Worker, "run", side_effect=RuntimeError("a bug")),
        pytest.raises(RuntimeError),
    ):
        worker().run()
