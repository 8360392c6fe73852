"""Faults as deployed, with real processes: a PostgreSQL restart under a running worker and web
server (the test makes its own cluster on a free port and stops it), and a worker of
`shanzhi up` killed with SIGKILL. Nothing may end for good: requests during the outage get 503
with Retry-After, the worker reconnects and runs its jobs again, `up` starts a new worker."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

PG_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            result = check()
        except (OSError, ValueError, KeyError):
            result = None
        if result:
            return result
        time.sleep(0.3)
    pytest.fail(f"not within {seconds} s: {what}")


def fetch(url: str, accept: str = "application/json") -> tuple[int, dict, str]:
    host, _, path = url.removeprefix("http://").partition("/")
    name, _, port = host.partition(":")
    connection = http.client.HTTPConnection(name, int(port), timeout=10)
    try:
        connection.request("GET", "/" + path, headers={"Accept": accept})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


class Cluster:
    """A throw-away PostgreSQL server of this machine's version, on its own port and folder."""

    def __init__(self, folder: Path):
        if not PG_BINARIES:
            pytest.fail(
                "The fault tests need PostgreSQL's server programs (apt-get install postgresql)"
            )
        self.bin = PG_BINARIES[-1]
        self.folder = folder
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(folder, "postgres")
        self.run(
            "initdb",
            "-D",
            str(folder / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if done.returncode:
            pytest.fail(f"{program} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            "pg_ctl",
            "-D",
            str(self.folder / "data"),
            "-l",
            str(self.folder / "log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def cluster():
    # Not under tmp_path: pytest's folders are private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="shanzhi-faults-"))
    folder.chmod(0o755)
    try:
        cluster = Cluster(folder / "pg")
        cluster.start()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    yield cluster
    subprocess.run(
        (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
        + [
            str(cluster.bin / "pg_ctl"),
            "-D",
            str(cluster.folder / "data"),
            "-m",
            "immediate",
            "stop",
        ],
        capture_output=True,
        cwd=cluster.folder,
    )
    shutil.rmtree(folder, ignore_errors=True)


def shanzhi(*args: str) -> list[str]:
    return [sys.executable, "-m", "shanzhi.cli", *args]


def environment(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(SHANZHI_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


def stop(*processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


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
    env = environment(tmp_path, DATABASE_URL=cluster.url)
    subprocess.run(shanzhi("manage", "migrate", "-v0"), env=env, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    worker_log = tmp_path / "worker.log"
    with worker_log.open("w") as log:
        worker = subprocess.Popen(
            shanzhi("worker", "--interval", "0.5"), env=env, stdout=log, stderr=subprocess.STDOUT
        )
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "shanzhi.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--preload",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
