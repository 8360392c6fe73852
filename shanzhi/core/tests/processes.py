"""Helpers for the tests that run Shanzhi as deployed, in real processes: a throw-away
PostgreSQL server of this machine's version, free ports, HTTP without a client library."""

import http.client
import os
import shutil
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

    def __init__(self, folder: Path, *, initialise: bool = True):
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
        if not initialise:
            return
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

    @classmethod
    def replica_of(cls, primary: "Cluster", folder: Path) -> "Cluster":
        """A streaming replica of `primary`, made as an operator makes one: pg_basebackup with
        -R (standby.signal and primary_conninfo written), WAL streamed during the copy."""
        replica = cls(folder, initialise=False)
        replica.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(folder / "data"),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",  # start at once, not after a spread checkpoint (minutes)
            "--no-sync",
        )
        return replica

    def start(self, *settings: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += "".join(f" -c {setting}" for setting in settings)
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

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)


def kill_cluster(cluster: Cluster) -> None:
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
    kill_cluster(cluster)
    shutil.rmtree(folder, ignore_errors=True)


class RedisServer:
    """A throw-away Redis of this machine (Debian's redis-server), nothing kept on disk, on a
    free port: a test may stop and start it to see what an outage does."""

    def __init__(self, folder: Path):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(self.binary).exists():
            pytest.fail("The deployment tests need Redis' server (apt-get install redis-server)")
        self.folder = folder
        self.port = free_port()
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(
            lambda: socket.create_connection(("127.0.0.1", self.port), 1).close() or True,
            20,
            "redis-server",
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


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


def start_web(env: dict, port: int) -> subprocess.Popen:
    """The web server as deployed (`shanzhi serve`: gunicorn, preloaded), one worker."""
    return subprocess.Popen(
        shanzhi("serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
