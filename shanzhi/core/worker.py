"""The worker process: django-tasks-db's task loop, made to outlive the database.

A PostgreSQL restart used to end the worker for good ("connection refused", or "the connection
is closed" raised from the task loop's own failure handling), and with it deadline sweeps, the
outbox and the rollups. Here the loop reconnects with back-off instead, a heartbeat row says
which workers are alive, and the rows of tasks whose worker died are closed as failed rather
than staying RUNNING for ever (every task of ours is a periodic job, so its next run does the
work; docs/operations.md)."""

import contextlib
import datetime
import logging
import os
import socket
import time

from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from shanzhi.core.errors import DATABASE_OUTAGE
from shanzhi.core.models import WorkerHeartbeat

logger = logging.getLogger("shanzhi.worker")

# A worker beats every few seconds (the scheduler thread); one silent this long is gone.
LOST_AFTER = datetime.timedelta(minutes=2)
HEARTBEAT_KEPT = datetime.timedelta(days=1)
BACKOFF_MAX = 30.0  # seconds between reconnection attempts, at most


class WorkerLost(Exception):
    """Recorded on a task whose worker stopped beating while it ran."""


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"


def close_connections() -> None:
    """Drop every connection, broken ones included, so the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):  # the server is gone: nothing to close there
            connection.close()


def heartbeat(worker_id: str, *, now=None) -> None:
    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            host=socket.gethostname()[:100],
            pid=os.getpid(),
            started_at=now,
            seen_at=now,
        )


def _fail_running(rows, reason: str, now) -> int:
    from django_tasks_db.models import DBTaskResult

    return (
        DBTaskResult.objects.filter(pk__in=[row.pk for row in rows])
        .filter(status="RUNNING")
        .update(
            status="FAILED",
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=reason,
        )
    )


def tasks_recover(*, now=None) -> int:
    """Close as failed the RUNNING tasks of workers that stopped beating (killed, or the machine
    went away), and forget heartbeats a day old. Returns how many tasks were closed."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=now - LOST_AFTER).values_list(
            "worker_id", flat=True
        )
    )
    lost = [
        row
        for row in DBTaskResult.objects.filter(status="RUNNING", started_at__lt=now - LOST_AFTER)
        if not row.worker_ids or row.worker_ids[-1] not in alive
    ]
    closed = _fail_running(
        lost, "工作进程失联，任务未完成 (the worker running this task stopped before the end)", now
    )
    WorkerHeartbeat.objects.filter(seen_at__lt=now - HEARTBEAT_KEPT).delete()
    if closed:
        logger.warning("closed %s task(s) left running by lost workers", closed)
    return closed


class ResilientWorker(Worker):
    """django-tasks-db's Worker, reconnecting with back-off whenever the database goes away."""

    def run(self) -> None:
        delay = 1.0
        while self.running:
            started = time.monotonic()
            try:
                self._close_own_interrupted()
                super().run()
                return
            except DATABASE_OUTAGE as error:
                if time.monotonic() - started > 60:
                    delay = 1.0  # it ran a good while: this is a new outage
                logger.warning(
                    "数据库不可用，%.0f 秒后重连 (database unavailable, retry in %.0f s): %s",
                    delay,
                    delay,
                    str(error).strip().splitlines()[0] if str(error).strip() else type(error),
                )
                self.running_task = False
                close_connections()
                time.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)

    def _close_own_interrupted(self) -> None:
        """A task this worker was running when the database went away could not record its
        end: close it as failed now (this loop runs one task at a time)."""
        from django_tasks_db.models import DBTaskResult

        own = [
            row
            for row in DBTaskResult.objects.filter(status="RUNNING")
            if row.worker_ids and row.worker_ids[-1] == self.worker_id
        ]
        if own:
            _fail_running(
                own,
                "数据库连接中断，任务未完成 (the database went away while this task ran)",
                timezone.now(),
            )


def run_rq_worker(worker_id: str) -> None:
    """The RQ backend's task loop (SHANZHI_TASKS_BACKEND=rq), until SIGTERM or Ctrl+C.

    RQ's SimpleWorker runs each job in this process rather than in a forked child: a fork
    would share the scheduler thread's database connection with the child. RQ itself waits and
    reconnects when Redis goes away while it waits for jobs; a Redis outage at start or between
    jobs is waited out here with the same back-off as the database's."""
    import django_rq
    import redis
    from django.db import close_old_connections
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    class DjangoWorker(SimpleWorker):
        def execute_job(self, job, queue):
            close_old_connections()  # a connection broken by an outage is replaced, not reused
            try:
                return super().execute_job(job, queue)
            finally:
                close_old_connections()

    delay = 1.0
    while True:
        started = time.monotonic()
        try:
            worker = django_rq.get_worker(
                "default", job_class=Job, worker_class=DjangoWorker, name=worker_id
            )
            worker.work(with_scheduler=False, logging_level="INFO")
            return  # stopped by a signal
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
            if time.monotonic() - started > 60:
                delay = 1.0
            logger.warning(
                "Redis 不可用，%.0f 秒后重连 (Redis unavailable, retry in %.0f s): %s",
                delay,
                delay,
                error,
            )
            time.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)
