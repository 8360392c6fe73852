# ruff: noqa: F811  (the cluster and redis_server fixtures are imported from processes)
"""Several machines, as docs/deployment.md lays them out, in real processes on this one: two
web servers (`shanzhi serve`, each with its own data directory as on its own machine), two RQ
workers, one PostgreSQL primary with a streaming replica made by pg_basebackup, one Redis. A
client registers appeals and signs for them through both web servers while a web server and a
worker are killed with SIGKILL and started again; Redis is stopped and started; the replica's
replay is paused. Afterwards nothing is lost or doubled, every SMS reached the gateway (at least
once, with the id it dedupes by), each periodic job ran once per period across both workers,
the throttle counted both web servers together and the audit chain verifies.

Run by .ci/run as a step of its own (`pytest -m deployment`): it needs the whole machine."""

import http.client
import json
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest

from shanzhi.core.tests.processes import (  # noqa: F401  (fixtures)
    Cluster,
    cluster,
    environment,
    free_port,
    kill_cluster,
    redis_server,
    shanzhi,
    stop,
    wait_for,
)

pytestmark = pytest.mark.deployment

APPEALS = 36
ROAD_DAMAGE = "010301"  # dispatched to the district's housing bureau (the department user's)


def call(port: int, method: str, path: str, body=None, token: str = "", **headers):
    """(status, headers, parsed JSON or text); OSError when nothing answers on the port."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    headers = {"Accept": "application/json", **headers}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, data, headers)
        response = connection.getresponse()
        raw = response.read().decode()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw
        return response.status, dict(response.getheaders()), parsed
    finally:
        connection.close()


class Gateway:
    """The SMS gateway: records the X-Shanzhi-Delivery id of every message it receives."""

    def __init__(self):
        self.received: list[str] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gateway.received.append(self.headers.get("X-Shanzhi-Delivery", ""))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"code": 0}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Machine:
    """One machine's processes: a web server and a worker, with its own data directory."""

    def __init__(self, name: str, env: dict, folder: Path):
        self.name, self.port, self.folder = name, free_port(), folder
        self.env = {**env, "SHANZHI_DATA_DIR": str(folder / "data")}
        self.web = self.worker = None
        self.restarts = 0

    def start(self) -> None:
        print(f"{time.strftime('%X')} machine {self.name} starts", flush=True)
        self.restarts += 1
        with (self.folder / f"web-{self.restarts}.log").open("w") as log:
            self.web = subprocess.Popen(
                shanzhi("serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"),
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        with (self.folder / f"worker-{self.restarts}.log").open("w") as log:
            self.worker = subprocess.Popen(
                shanzhi("worker"), env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for(lambda: call(self.port, "GET", "/healthz")[0] == 200, 60, f"{self.name}'s web")

    def kill(self) -> None:
        for process in (self.web, self.worker):
            process.send_signal(signal.SIGKILL)
            process.wait(10)

    def stop(self) -> None:
        print(f"{time.strftime('%X')} machine {self.name} stops", flush=True)
        stop(*(p for p in (self.web, self.worker) if p))

    def worker_log(self) -> str:
        return "".join(p.read_text() for p in sorted(self.folder.glob("worker-*.log")))


def first_answer(ports, *request, **headers):
    """The answer of the first server in `ports` that answers at all."""
    for port in ports:
        try:
            return call(port, *request, **headers)
        except OSError:
            continue
    pytest.fail("no web server answered")


def cli(env: dict, *args: str) -> str:
    print(f"{time.strftime('%X')} shanzhi {' '.join(args)}", flush=True)
    done = subprocess.run(shanzhi(*args), env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_two_machines_one_database_with_a_replica_one_redis(cluster, redis_server, tmp_path):
    primary = cluster
    database = primary.create_database("shanzhi")
    shared = tmp_path / "shared"  # what docs/deployment.md puts on shared storage
    gateway = Gateway()
    common = environment(
        tmp_path,
        DATABASE_URL=database,
        SHANZHI_SECRET_KEY=f"deployment-test-{uuid.uuid4()}",
        SHANZHI_AUDIT_KEY=f"deployment-test-{uuid.uuid4()}",
        SHANZHI_AUDIT_SIGNING_KEY=str(shared / "audit_signing_key.pem"),
        SHANZHI_AUDIT_PUBLIC_KEY=str(shared / "audit_signing_key.pub.pem"),
        SHANZHI_AUDIT_ANCHOR_DIR=str(shared / "anchors"),
        SHANZHI_TASKS_BACKEND="rq",
        SHANZHI_REDIS_URL=redis_server.url,
        SHANZHI_SMS_GATEWAY_URL=gateway.url,
        SHANZHI_DELIVERY_INTERVAL="2",
        SHANZHI_TRACK_RATE="10/h",
    )
    setup = {**common, "SHANZHI_DATA_DIR": str(tmp_path / "setup")}
    cli(setup, "manage", "migrate", "-v0")
    cli(setup, "demo", "--history", "0")
    cli(setup, "manage", "audit_checkpoint")  # the shared signing key, made once
    tokens = {
        name: cli(setup, "manage", "token", "create", name).strip().splitlines()[-1]
        for name in ("operator", "department", "dispatcher")
    }

    # Not under tmp_path, which is private to root: the server runs as postgres.
    replica_folder = Path(tempfile.mkdtemp(prefix="shanzhi-replica-"))
    replica_folder.chmod(0o755)
    replica = Cluster.replica_of(primary, replica_folder / "pg")
    replica.start("log_statement=all")
    replica_log = replica.folder / "log"
    common["SHANZHI_DATABASE_REPLICA_URL"] = replica.url("shanzhi")

    a = Machine("A", common, tmp_path / "a")
    b = Machine("B", common, tmp_path / "b")
    for machine in (a, b):
        machine.folder.mkdir()
    started = time.time()
    try:
        a.start()
        b.start()
        wait_for(
            lambda: call(a.port, "GET", "/healthz")[2]["workers"]["alive"] == 2, 60, "two workers"
        )
        with psycopg.connect(database, autocommit=True) as db:
            appeals_before = db.execute("SELECT count(*) FROM workorders_appeal").fetchone()[0]
            lon, lat = db.execute(
                "SELECT lon, lat FROM territory_grid WHERE code = '330502001002001'"
            ).fetchone()
            (housing,) = db.execute(
                "SELECT id FROM org_unit WHERE name = '吴兴区住房和城乡建设局'"
            ).fetchone()

        # -- appeals and actions through both web servers, with kills --------------------------
        registered = {}  # idempotency key → (work order id, tracking code)
        for number in range(APPEALS):
            if number == APPEALS // 3:
                a.kill()  # web A and worker 1 die mid-stream; the client goes on through B
            if number == 2 * APPEALS // 3:
                a.start()
            key = f"deploy-{number}"
            body = {
                "nature": "complaint",
                "category": ROAD_DAMAGE,
                "title": f"路面塌陷 {number}",
                "content": "小区门口人行道塌陷，老人摔倒。",
                "address": "吴兴区月河街道",
                "lon": lon,
                "lat": lat,
                "appellant_name": "李四",
                "appellant_phone": "13812345678",
            }
            ports = [a.port, b.port] if number % 2 else [b.port, a.port]
            answer = None
            for port in ports * 3:  # a dead server: the same request, same key, to the other
                try:
                    answer = call(
                        port,
                        "POST",
                        "/api/v1/appeals",
                        body,
                        tokens["operator"],
                        **{"Idempotency-Key": key},
                    )
                except OSError:
                    continue
                if answer[0] in (200, 201):
                    break
            assert answer and answer[0] == 201, answer
            order_id = answer[2]["work_order_id"]
            registered[key] = (order_id, answer[2]["tracking_code"])
            # The client did not see the answer and sends it again, through the other server.
            again = first_answer(
                reversed(ports),
                "POST",
                "/api/v1/appeals",
                body,
                tokens["operator"],
                **{"Idempotency-Key": key},
            )
            assert (again[0], again[2]["work_order_id"]) == (200, order_id), again
            actions = f"/api/v1/workorders/{order_id}/actions"
            dispatched = first_answer(
                ports, "POST", f"{actions}/dispatch", {"lead_unit": housing}, tokens["dispatcher"]
            )
            assert dispatched[0] == 200, dispatched
            signed = first_answer(
                reversed(ports), "POST", f"{actions}/sign", {}, tokens["department"]
            )
            assert signed[0] == 200, signed

        # -- the throttle counts both web servers together --------------------------------------
        code = registered["deploy-0"][1]
        statuses = [
            call(port, "GET", f"/api/v1/track/{code}?phone_tail=5678")[0]
            for port in [a.port, b.port] * 6
        ]
        assert statuses.count(200) == 10 and statuses[10:] == [429, 429], statuses

        # -- the replica serves the dashboard, never before it has the user's own write ---------
        def replica_reads() -> int:
            return replica_log.read_text().count("command_dayfigures")

        before = replica_reads()
        assert (
            call(b.port, "GET", "/api/v1/command/dashboard", token=tokens["dispatcher"])[0] == 200
        )
        assert replica_reads() > before, "the dashboard did not read from the replica"
        with psycopg.connect(replica.url("shanzhi"), autocommit=True) as standby:
            standby.execute("SELECT pg_wal_replay_pause()")
            wait_for(
                lambda: (
                    standby.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0]
                    == "paused"
                ),
                20,
                "replay paused",
            )
            wrote = call(
                a.port,
                "POST",
                "/api/v1/appeals",
                {**body, "title": "暂停回放时"},
                tokens["dispatcher"],
                **{"Idempotency-Key": "deploy-replica"},
            )
            assert wrote[0] == 201, wrote
            before = replica_reads()
            for port in (a.port, b.port):
                assert (
                    call(port, "GET", "/api/v1/command/dashboard", token=tokens["dispatcher"])[0]
                    == 200
                )
            assert replica_reads() == before, "read from a replica that lacks the user's write"
            standby.execute("SELECT pg_wal_replay_resume()")
        wait_for(
            lambda: (
                call(b.port, "GET", "/api/v1/command/dashboard", token=tokens["dispatcher"])[0]
                == 200
                and replica_reads() > before
            ),
            30,
            "the replica again once it has replayed the write",
        )

        # -- Redis down: staff go on, the public throttle refuses, workers wait -----------------
        redis_server.stop()
        status, _headers, page = call(a.port, "GET", "/api/v1/workorders", token=tokens["operator"])
        assert status == 200 and page["items"]
        status, headers, _body = call(b.port, "GET", f"/api/v1/track/{code}?phone_tail=5678")
        assert (status, headers.get("Retry-After")) == (429, "10")
        time.sleep(3)
        assert all(p.poll() is None for p in (a.web, a.worker, b.web, b.worker))
        redis_server.start()
        back = time.time()

        def folded_since_redis_came_back():
            with psycopg.connect(database) as db:
                return (
                    db.execute(
                        "SELECT last_success_at FROM core_periodicjob WHERE name = 'rollups_fold'"
                    )
                    .fetchone()[0]
                    .timestamp()
                    > back
                )

        wait_for(folded_since_redis_came_back, 90, "a periodic job after Redis came back")

        # -- every SMS delivered ----------------------------------------------------------------
        def undelivered() -> int:
            with psycopg.connect(database) as db:
                return db.execute(
                    "SELECT count(*) FROM core_delivery WHERE state <> 'delivered'"
                ).fetchone()[0]

        wait_for(lambda: undelivered() == 0, 120, "every delivery made")
    finally:
        a.stop()
        b.stop()
        kill_cluster(replica)
        shutil.rmtree(replica_folder, ignore_errors=True)
    elapsed = time.time() - started

    with psycopg.connect(database) as db:
        appeals = db.execute(
            "SELECT idempotency_key, count(*) FROM workorders_appeal "
            "WHERE idempotency_key LIKE 'deploy-%%' GROUP BY idempotency_key"
        ).fetchall()
        total = db.execute("SELECT count(*) FROM workorders_appeal").fetchone()[0]
        deliveries = {
            str(row[0]) for row in db.execute("SELECT id FROM core_delivery WHERE channel = 'sms'")
        }
        jobs = dict(db.execute("SELECT name, successes FROM core_periodicjob").fetchall())
        signed = db.execute(
            "SELECT count(*) FROM workorders_workorder WHERE id = ANY(%s) AND state = 'handling'",
            [[order for order, _code in registered.values()]],
        ).fetchone()[0]
    # No appeal lost or doubled: one per key, and nothing else new.
    assert sorted(appeals) == sorted([(key, 1) for key in registered] + [("deploy-replica", 1)])
    assert total == appeals_before + APPEALS + 1
    assert signed == APPEALS
    # At least once, each with its id: the gateway dedupes by X-Shanzhi-Delivery
    # (docs/integration.md); a repeat only ever comes from a worker killed mid-send.
    assert deliveries and set(gateway.received) == deliveries
    repeats = len(gateway.received) - len(set(gateway.received))
    assert repeats <= 1, f"{repeats} repeated deliveries"
    # Each periodic job once per period across both workers (claimed in the database).
    assert 1 <= jobs["deadlines_sweep"] <= elapsed / 60 + 1, (jobs, elapsed)
    assert jobs["rollups_fold"] <= elapsed / 5 + 1, (jobs, elapsed)
    cli(setup, "audit-verify")
