"""GET /metrics: the figures an operator graphs and alerts on, in Prometheus' text format
(docs/operations.md#metrics). Besides request latency (core.request_metrics), each scrape reads
a few small, indexed figures from the database, the same for every process: appeals today by
channel, the task queue, the outbox, the command centre's fold lag, the last deadline sweep,
the last success of each periodic job and the live workers."""

import ipaddress
import logging
import os
import secrets

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY

from shanzhi.core.errors import CACHE_OUTAGE

logger = logging.getLogger("shanzhi.metrics")


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
        from shanzhi.command.models import DayFigures
        from shanzhi.command.selectors import fold_lag
        from shanzhi.core.models import Delivery, PeriodicJob
        from shanzhi.core.selectors import task_queue_depth, workers_alive

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
            "Background tasks by state (READY is the queue's depth), of the configured backend.",
            labels=["backend", "state"],
        )
        try:
            depth = task_queue_depth()
        except CACHE_OUTAGE:  # Redis down: the scrape still shows the rest
            logger.warning("task queue depth unavailable: Redis unreachable")
        else:
            for state, count in depth.items():
                queue.add_metric([settings.TASKS_BACKEND, state], count)
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

        jobs = {job.name: job for job in PeriodicJob.objects.all()}
        sweep = jobs.get("deadlines_sweep")
        if sweep and sweep.last_duration is not None:
            yield GaugeMetricFamily(
                "shanzhi_deadline_sweep_duration_seconds",
                "How long the last deadline sweep took.",
                value=sweep.last_duration,
            )

        last = GaugeMetricFamily(
            "shanzhi_periodic_job_last_success_timestamp_seconds",
            "When each periodic job last finished successfully (Unix time).",
            labels=["job"],
        )
        runs = CounterMetricFamily(
            "shanzhi_periodic_job_successes",
            "Successful runs of each periodic job, across all workers.",
            labels=["job"],
        )
        for name in settings.PERIODIC_JOBS:
            job = jobs.get(name)
            if job and job.last_success_at:
                last.add_metric([name], job.last_success_at.timestamp())
                runs.add_metric([name], job.successes)
        yield last
        yield runs

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
