# ruff: noqa: F811  (the cluster fixture is imported from processes)
"""Faults as deployed, with real processes: a PostgreSQL restart under a running worker and web
server (the test makes its own cluster on a free port and stops it), and a worker of
`shanzhi up` killed with SIGKILL. Nothing may end for good: requests during the outage get 503
with Retry-After, the worker reconnects and runs its jobs again, `up` starts a new worker."""

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from shanzhi.core.tests.processes import (  # noqa: F401  (fixture)
    cluster,
    environment,
    fetch,
    free_port,
    shanzhi,
    start_web,
    stop,
    wait_for,
)


def finished_jobs_since(env: dict, moment: float) -> int:
    """How many periodic jobs completed after `moment` (a Unix time), asked through the CLI."""
    code = (
        "import datetime as d; from django_tasks_db.models import DBTaskResult as R; "
        f"t = d.datetime.fromtimestamp({moment}, d.UTC); "
        "print(R.objects.filter(status='SUCCESSFUL', finished_at__gt=t).count())"
    )
    out = subprocess.run(
        shanzhi("manage", "shell", "-c", code), env=env, capture_output=True, text=True, check=True
    ).stdout
    return int(out.strip().splitlines()[-1])


def test_a_postgresql_restart_pauses_the_worker_and_the_web_but_ends_neither(cluster, tmp_path):
    env = environment(tmp_path, DATABASE_URL=cluster.url())
    subprocess.run(shanzhi("manage", "migrate", "-v0"), env=env, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    worker_log = tmp_path / "worker.log"
    with worker_log.open("w") as log:
        worker = subprocess.Popen(
            shanzhi("worker", "--interval", "0.5"), env=env, stdout=log, stderr=subprocess.STDOUT
        )
    web = start_web(env, port)
    try:
        wait_for(
            lambda: json.loads(fetch(f"{base}/healthz")[2])["workers"]["alive"] == 1,
            60,
            "the worker's first heartbeat",
        )

        cluster.stop()
        status, headers, body = fetch(f"{base}/api/v1/public/outlines")
        assert (status, headers.get("Retry-After")) == (503, "10")
        assert json.loads(body) == {"detail": "数据库暂时无法访问，请稍后重试。", "errors": []}
        status, headers, body = fetch(f"{base}/appeal/", accept="text/html")
        assert (status, headers.get("Retry-After")) == (503, "10") and "系统暂时无法访问" in body
        status, headers, _body = fetch(f"{base}/healthz")
        assert (status, headers.get("Retry-After")) == (503, "10")
        time.sleep(4)  # the worker meets the outage and backs off
        assert (worker.poll(), web.poll()) == (None, None)

        back = time.time()
        cluster.start()
        wait_for(lambda: fetch(f"{base}/api/v1/public/outlines")[0] == 200, 30, "the API again")
        wait_for(
            lambda: json.loads(fetch(f"{base}/healthz")[2])["workers"]["last_beat_seconds"] < 3,
            60,
            "a heartbeat after the restart",
        )
        wait_for(lambda: finished_jobs_since(env, back) > 0, 60, "a periodic job after the restart")
        assert (worker.poll(), web.poll()) == (None, None)
    finally:
        stop(worker, web)
    log = worker_log.read_text()
    assert "数据库不可用" in log and "Traceback" not in log


def children_running(parent: int, marker: str) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) == parent and marker in cmdline:
            pids.append(int(stat.parent.name))
    return pids


def test_shanzhi_up_starts_a_new_worker_when_one_is_killed(tmp_path):
    port = free_port()
    up = subprocess.Popen(
        shanzhi("up", "--no-demo", "--port", str(port)),
        env=environment(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200, 90, "shanzhi up")
        # /metrics adds up the requests of both gunicorn workers (prometheus multiprocess mode).
        for _ in range(6):
            fetch(f"http://127.0.0.1:{port}/healthz")
        status, _headers, text = fetch(f"http://127.0.0.1:{port}/metrics", accept="text/plain")
        assert status == 200
        served = re.search(
            r'^shanzhi_http_requests_total\{method="GET",route="healthz",status="2xx"\} (\S+)$',
            text,
            re.M,
        )
        assert served and float(served.group(1)) >= 7
        (first,) = wait_for(lambda: children_running(up.pid, "shanzhi.cli worker"), 30, "a worker")
        os.kill(first, signal.SIGKILL)
        (second,) = wait_for(
            lambda: [p for p in children_running(up.pid, "shanzhi.cli worker") if p != first],
            30,
            "a new worker",
        )
        assert up.poll() is None and fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200
        up.send_signal(signal.SIGTERM)
        assert up.wait(timeout=30) == 0
        assert "worker 进程已退出（返回码 -9），1 秒后重启" in up.stderr.read()
    finally:
        stop(up)


def test_shanzhi_serve_is_gunicorn_that_stops_gracefully(tmp_path):
    env = environment(tmp_path)
    subprocess.run(shanzhi("manage", "migrate", "-v0"), env=env, check=True)
    port = free_port()
    serve = subprocess.Popen(
        shanzhi("serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200, 60, "shanzhi serve")
        # The command became gunicorn's master (same process), with the two workers below it.
        assert len(children_running(serve.pid, "gunicorn shanzhi.wsgi:application")) == 2
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
        assert "Shutting down: Master" in serve.stderr.read()
    finally:
        stop(serve)
