"""GET /metrics: Prometheus' text format for a scraper on this machine or with the token, and
nothing for anyone else; the figures are the database's own (known values checked here)."""

import re

import pytest
from django.conf import settings
from django.utils import timezone

from shanzhi.core.models import Delivery, PeriodicJob, WorkerHeartbeat
from shanzhi.core.scheduler import run_due

pytestmark = pytest.mark.django_db


def value(text: str, name: str, **labels) -> float:
    selector = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # as exposed
    pattern = rf"^{re.escape(name)}{re.escape('{' + selector + '}') if labels else ''} (\S+)$"
    found = re.search(pattern, text, re.M)
    assert found, f"{name} {labels} not in the scrape"
    return float(found.group(1))


def test_an_outsider_gets_nothing_and_the_token_opens_it(client, settings):
    settings.METRICS_TOKEN = "s3cret-token-for-prometheus"
    outside = client.get("/metrics", REMOTE_ADDR="10.20.30.40")
    assert outside.status_code == 403 and outside.content == b""
    wrong = client.get(
        "/metrics", REMOTE_ADDR="10.20.30.40", HTTP_AUTHORIZATION="Bearer wrong-token"
    )
    assert wrong.status_code == 403
    right = client.get(
        "/metrics",
        REMOTE_ADDR="10.20.30.40",
        HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus",
    )
    assert right.status_code == 200
    assert right["Content-Type"].startswith("text/plain; version=")
    settings.METRICS_ALLOW = [__import__("ipaddress").ip_network("10.20.0.0/16")]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200


def test_the_figures_are_the_databases(client, client_as):
    from shanzhi.workorders.tests.helpers import register

    now = timezone.now()
    # Every periodic job once, as a worker runs them (the tests' backend runs them at once);
    # each run that succeeds is counted on its row, whatever the backend.
    assert len(run_due()) == len(settings.PERIODIC_JOBS)
    sweep = PeriodicJob.objects.get(name="deadlines_sweep")
    assert sweep.successes == 1 and sweep.last_duration >= 0
    register(client_as("operator"))  # by phone: channel hotline
    Delivery.objects.create(
        channel="sms",
        target="13800000000",
        payload={},
        state="dead",
        kind="t",
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    WorkerHeartbeat.objects.create(worker_id="w-1", host="h", pid=1, started_at=now, seen_at=now)
    client.get("/healthz")  # a request to time
    text = client.get("/metrics").content.decode()
    assert value(text, "shanzhi_outbox_deliveries", state="dead") == 1
    assert value(text, "shanzhi_outbox_deliveries", state="pending") == 0
    assert value(text, "shanzhi_deadline_sweep_duration_seconds") == pytest.approx(
        sweep.last_duration
    )
    assert value(
        text, "shanzhi_periodic_job_last_success_timestamp_seconds", job="deadlines_sweep"
    ) == pytest.approx(sweep.last_success_at.timestamp())
    assert value(text, "shanzhi_periodic_job_successes_total", job="rollups_fold") == 1
    assert value(text, "shanzhi_workers_alive") == 1
    assert value(text, "shanzhi_task_queue", backend="database", state="READY") == 0
    # Not folded yet: the appeal's audit events wait for the worker's fold.
    assert value(text, "shanzhi_rollup_fold_lag_events") > 0
    assert value(text, "shanzhi_rollup_fold_lag_seconds") >= 0
    assert (
        value(text, "shanzhi_http_requests_total", route="healthz", method="GET", status="2xx") >= 1
    )
    assert (
        'shanzhi_http_request_duration_seconds_bucket{le="0.05",method="GET",route="healthz"}'
        in text
    )

    from shanzhi.command.services import rollups_fold

    rollups_fold()
    text = client.get("/metrics").content.decode()
    assert value(text, "shanzhi_rollup_fold_lag_events") == 0
    assert value(text, "shanzhi_rollup_fold_lag_seconds") == 0
    assert value(text, "shanzhi_appeals_today", channel="hotline") >= 1
