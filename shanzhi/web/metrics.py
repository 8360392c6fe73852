"""GET /metrics: the figures an operator graphs and alerts on, in Prometheus' text format
(docs/operations.md#metrics). Besides request latency (core.request_metrics), each scrape reads
a few small, indexed figures from the database, the same for every process: appeals today by
channel, the task queue, the outbox, the command centre's fold lag, the last deadline sweep,
the last success of each periodic job and the live workers."""

import ipaddress
import os
import secrets

from django.conf import settings
from django.db.models import Count, Max, Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY


def allowed(request) -> bool:
    """A scraper shows SHANZHI_METRICS_TOKEN as a Bearer token, or comes from an address in
    SHANZHI_METRICS_ALLOW (default: this machine only)."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return secrets.compare_digest(header.removeprefix("Bearer ").strip(), token)
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOW)


class DatabaseFigures:
    """A prometheus_client collector: read at each scrape, nothing kept in the process."""

    def describe(self):
        return []  # not collected at registration: that would query the database at import

    def collect(self):
        from django_tasks_db.models import DBTaskResult

        from shanzhi.command.models import DayFigures
        from shanzhi.command.selectors import fold_lag
        from shanzhi.core.models import Delivery
        from shanzhi.core.selectors import workers_alive

        now = timezone.now()
        today = timezone.localdate()

        appeals = GaugeMetricFamily(
            "shanzhi_appeals_today",
            "Appeals registered today (Asia/Shanghai), by channel, from the command rollups.",
            labels=["channel"],
        )
        for channel, total in (
            DayFigures.objects.filter(day=today)
            .values_list("channel")
            .annotate(Sum("registered"))
            .order_by("channel")
        ):
            appeals.add_metric([channel], total or 0)
        yield appeals

        queue = GaugeMetricFamily(
            "shanzhi_task_queue",
            "Background tasks by state (the database task backend): READY is the queue's depth.",
            labels=["backend", "state"],
        )
        states = dict(
            DBTaskResult.objects.filter(status__in=("READY", "RUNNING"))
            .values_list("status")
            .annotate(Count("id"))
            .order_by()
        )
        for state in ("READY", "RUNNING"):
            queue.add_metric(["database", state], states.get(state, 0))
        yield queue

        outbox = GaugeMetricFamily(
            "shanzhi_outbox_deliveries",
            "Outbox rows waiting (pending), being sent (sending) and dead letters (dead).",
            labels=["state"],
        )
        waiting = dict(
            Delivery.objects.filter(state__in=("pending", "sending", "dead"))
            .values_list("state")
            .annotate(Count("id"))
            .order_by()
        )
        for state in ("pending", "sending", "dead"):
            outbox.add_metric([state], waiting.get(state, 0))
        yield outbox

        lag_events, lag_seconds = fold_lag(now)
        yield GaugeMetricFamily(
            "shanzhi_rollup_fold_lag_events",
            "Audit events not yet folded into the command centre's figures.",
            value=lag_events,
        )
        yield GaugeMetricFamily(
            "shanzhi_rollup_fold_lag_seconds",
            "Age of the oldest audit event not yet folded (0 when the fold is caught up).",
            value=lag_seconds,
        )

        finished = DBTaskResult.objects.filter(status="SUCCESSFUL")
        sweep = (
            finished.filter(task_path="shanzhi.workorders.tasks.sweep_deadlines")
            .order_by("-finished_at")
            .values_list("started_at", "finished_at")
            .first()
        )
        if sweep and sweep[0] and sweep[1]:
            yield GaugeMetricFamily(
                "shanzhi_deadline_sweep_duration_seconds",
                "How long the last deadline sweep took.",
                value=(sweep[1] - sweep[0]).total_seconds(),
            )

        last = GaugeMetricFamily(
            "shanzhi_periodic_job_last_success_timestamp_seconds",
            "When each periodic job last finished successfully (Unix time; kept a day).",
            labels=["job"],
        )
        jobs = {path: name for name, (path, _seconds) in settings.PERIODIC_JOBS.items()}
        for path, at in (
            finished.filter(task_path__in=jobs)
            .values_list("task_path")
            .annotate(Max("finished_at"))
        ):
            last.add_metric([jobs[path]], at.timestamp())
        yield last

        alive = workers_alive(now)
        yield GaugeMetricFamily(
            "shanzhi_workers_alive", "Workers that beat within two minutes.", value=alive["alive"]
        )


_DATABASE_FIGURES = DatabaseFigures()
REGISTRY.register(_DATABASE_FIGURES)


def exposition() -> bytes:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return generate_latest(REGISTRY)  # this process's requests, and the database figures
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # the request figures of every gunicorn worker
    registry.register(_DATABASE_FIGURES)
    return generate_latest(registry)
