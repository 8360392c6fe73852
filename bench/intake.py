"""Appeal intake over HTTP against a bare insert-one-row Django view (the floor), in the same run.

    shanzhi bench intake [--requests N] [--concurrency C] [--backends sqlite,postgres] [--warmup W]

For each backend a fresh database is built in a temporary data directory (SQLite file, or a
throwaway PostgreSQL database, dropped at the end): migrate, demo data, an API token for
"operator". Two gunicorn servers with 2 sync workers each (--workers N) run side by side on
127.0.0.1: the application (POST /api/v1/appeals) and the floor (bench/_floor.py: POST /floor, one
INSERT in a transaction, same settings and middleware). C client threads post the same bodies (a
random demo grid centre, a random leaf category, varied content, no Idempotency-Key) to one, then
the other, in `--rounds` interleaved rounds. Sync workers close the connection after each response,
so every request opens a new TCP connection. The client runs on the same 2 cores as the servers.
Targets (issue): ≥ 300 appeals/s on PostgreSQL, and appeals within 2× of the floor.
"""

import argparse
import contextlib
import http.client
import itertools
import json
import os
import platform
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import django
import gunicorn
import psycopg

REPO = Path(__file__).resolve().parent.parent
TARGET_RPS, TARGET_RATIO = 300, 2.0
# Run by `shanzhi manage shell -c` on the backend's database once the floor table exists.
STATE = """
import json
from django.db import connection
from shanzhi.territory.models import Grid
from shanzhi.workorders.models import Category, WorkOrder
leaves = Category.objects.filter(is_active=True).exclude(children__is_active=True)
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM bench_floor")
    print(json.dumps({"workorders": WorkOrder.objects.count(), "floor": cursor.fetchone()[0],
        "grids": list(Grid.objects.values_list("lon", "lat")),
        "categories": sorted(leaves.values_list("code", flat=True))}))
"""
WORDS = ["路灯不亮", "占道经营", "噪音扰民", "垃圾未清运", "井盖缺失", "违章停车", "楼道漏水"]


def shanzhi(env, *args):
    """Run a `shanzhi` command for this backend: its stdout, or an error with its stderr."""
    cmd = [sys.executable, "-m", "shanzhi.cli", *args]
    done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"shanzhi {' '.join(args[:2])} failed:\n{done.stderr[-2000:]}")
    return done.stdout


class Server:
    """gunicorn with `workers` workers on a free port of 127.0.0.1, stopped on exit: sync
    workers, or with threads > 1 gthread workers (which also keep connections alive)."""

    def __init__(self, app, env, log, threads: int = 1, workers: int = 2):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.cmd = [sys.executable, "-m", "gunicorn", app, "-w", str(workers)]
        self.cmd += ["--log-level", "warning"]
        if threads > 1:
            self.cmd += ["--worker-class", "gthread", "--threads", str(threads)]
        self.cmd += ["-b", f"127.0.0.1:{self.port}", "--chdir", str(REPO)]
        self.env, self.log = env, log

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return self
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"{self.cmd[3]} did not start:\n{Path(self.log.name).read_text()}")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)


def post_all(port, path, headers, bodies, concurrency, deadline):
    """POST every body once from `concurrency` threads: 2xx latencies, errors, wall s, samples."""
    latencies, errors, lock = [], [], threading.Lock()
    counter = itertools.count()  # next() is atomic under the GIL: each body is sent once

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline and (i := next(counter)) < len(bodies):
            start = time.perf_counter()
            try:
                conn.request("POST", path, bodies[i], headers)
                response = conn.getresponse()
                status, text = response.status, response.read()
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                status, text = 0, repr(error).encode()
            spent = time.perf_counter() - start
            with lock:
                if 200 <= status < 300:
                    latencies.append(spent)
                else:
                    errors.append(f"{status} {text[:200].decode(errors='replace')}")
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - start


def make_bodies(n, state, rng, offset):
    bodies = []
    for i in range(offset, offset + n):
        lon, lat = rng.choice(state["grids"])
        words = "，".join(rng.sample(WORDS, 2))
        body = {"nature": "complaint", "category": rng.choice(state["categories"]), "lon": lon}
        body |= {"lat": lat, "content": f"压测诉求 {i}：{words}，请尽快处理。"}
        body |= {"appellant_name": f"测试{i % 997}", "appellant_phone": f"138{i:08d}"}
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies


def cpu_times():
    """Busy and total jiffies of the whole machine, and this process's CPU seconds."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4], sum(fields), time.process_time()


def run_backend(name, env, args, rng, workdir):
    """Fresh demo database, both servers, warm-up, interleaved rounds: results and checks."""
    shanzhi(env, "manage", "migrate", "--no-input")
    shanzhi(env, "demo", "--password", "bench-intake-x", "--history", "0")
    token = shanzhi(env, "token", "create", "operator", "--name", "bench").split()[-1]
    plain = {"Content-Type": "application/json"}
    bearer = plain | {"Authorization": f"Bearer {token}"}
    targets = {
        "appeals": ("shanzhi.wsgi:application", "/api/v1/appeals", bearer),
        "floor": ("bench._floor:application", "/floor", plain),
    }
    result = {t: dict(lat=[], errors=[], wall=0.0, ok=0, cpu=[0, 0, 0.0]) for t in targets}
    per_round = args.requests // args.rounds
    with open(workdir / f"{name}-gunicorn.log", "w") as log:
        servers = {
            t: Server(app, env, log, threads=args.threads, workers=args.workers)
            for t, (app, _path, _headers) in targets.items()
        }
        with servers["appeals"], servers["floor"]:
            state = json.loads(shanzhi(env, "manage", "shell", "-c", STATE).splitlines()[-1])
            for k, n in enumerate([args.warmup] + [per_round] * args.rounds):
                bodies = make_bodies(n, state, rng, offset=k * per_round)
                for target, (_app, path, headers) in targets.items():
                    deadline, cpu0 = time.monotonic() + args.max_seconds, cpu_times()
                    lat, errors, wall = post_all(
                        servers[target].port, path, headers, bodies, args.concurrency, deadline
                    )
                    r, cpu = result[target], cpu_times()
                    r["ok"] += len(lat)  # warm-up included: its rows are in the database too
                    if k > 0:  # a measured round
                        r.update(lat=r["lat"] + lat, errors=r["errors"] + errors)
                        r["wall"] += wall
                        r["cpu"] = [a + b - c for a, b, c in zip(r["cpu"], cpu, cpu0, strict=True)]
            after = json.loads(shanzhi(env, "manage", "shell", "-c", STATE).splitlines()[-1])
    cmd = [sys.executable, "-m", "shanzhi.cli", "audit-verify"]
    audit = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=900)
    checks = [
        ("work orders", after["workorders"] - state["workorders"], result["appeals"]["ok"]),
        ("floor rows", after["floor"] - state["floor"], result["floor"]["ok"]),
    ]
    return result, checks, audit


def report(name, version, outcome, args):
    result, checks, audit = outcome
    print(f"\n== {name}: {version} ==")
    head = ("target", "requests", "errors", "wall s", "req/s", "p50 ms", "p99 ms", "busy", "client")
    print("{:<8} {:>9} {:>7} {:>7} {:>7} {:>7} {:>7} {:>5} {:>7}".format(*head))
    for target, r in result.items():
        r["sent"], r["rps"] = len(r["lat"]) + len(r["errors"]), len(r["lat"]) / r["wall"]
        cuts = statistics.quantiles(r["lat"], n=100) if len(r["lat"]) > 1 else [0.0] * 99
        r["p50"], r["p99"] = statistics.median(r["lat"] or [0.0]) * 1000, cuts[98] * 1000
        busy, total, client = r["cpu"]
        print(
            f"{target:<8} {r['sent']:>9,} {len(r['errors']):>7,} {r['wall']:>7.1f}"
            f" {r['rps']:>7.1f} {r['p50']:>7.1f} {r['p99']:>7.1f} {busy / max(total, 1):>5.0%}"
            f" {client / max(r['sent'], 1) * 1000:>5.2f}ms"
        )
        if r["errors"]:
            print(f"  first {target} error: {r['errors'][0]}")
    print("busy: share of all CPUs in use (by anyone) in the rounds; client: its CPU per request")
    app, floor = result["appeals"], result["floor"]
    slower = floor["rps"] / app["rps"] if app["rps"] else float("inf")
    p50 = app["p50"] / floor["p50"] if floor["p50"] else float("inf")
    print(f"appeals/s ÷ floor/s = {1 / slower:.3f} (floor/appeals = {slower:.2f}×); p50 {p50:.2f}×")
    expected = args.requests // args.rounds * args.rounds
    valid = all(not r["errors"] and r["sent"] == expected for r in result.values())
    for what, grown, ok in checks:
        verdict = "OK" if grown == ok else "MISMATCH"
        print(f"check {what}: +{grown:,} rows for {ok:,} 2xx answers (incl. warm-up): {verdict}")
        valid &= grown == ok
    print(f"check audit-verify: {(audit.stdout or audit.stderr).strip()[-200:]}")
    valid &= audit.returncode == 0
    print("run valid" if valid else "RUN INVALID: errors, a time-out or a failed check (see above)")
    if name == "postgres":
        verdict = (
            "PASS" if app["rps"] >= TARGET_RPS else f"MISS by {1 - app['rps'] / TARGET_RPS:.0%}"
        )
        print(f"target ≥ {TARGET_RPS} appeals/s on PostgreSQL: {verdict} ({app['rps']:.1f}/s)")
    verdict = "PASS" if slower <= TARGET_RATIO else f"MISS ({slower:.2f}× > {TARGET_RATIO:g}×)"
    print(f"target appeals within {TARGET_RATIO:g}× of the floor: {verdict}")


def backend_env(data_dir, database_url=None):
    env = dict(os.environ, SHANZHI_DATA_DIR=str(data_dir), SHANZHI_NOTIFY_BACKEND="console")
    env.update(SHANZHI_LOG_LEVEL="WARNING", SHANZHI_ALLOWED_HOSTS="127.0.0.1", SHANZHI_DEBUG="0")
    env.pop("DATABASE_URL", None)
    return env | ({"DATABASE_URL": database_url} if database_url else {})


@contextlib.contextmanager
def throwaway_database(server):
    """A new PostgreSQL database on `server`, dropped afterwards, also on failure."""
    name = f"shanzhi_bench_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        version = admin.execute("SHOW server_version").fetchone()[0]
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}", version
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main():
    parser = argparse.ArgumentParser(
        prog="shanzhi bench intake", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--requests", type=int, default=20_000, help="measured, per target")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--warmup", type=int, default=200, help="requests per target, not counted")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved appeals/floor rounds")
    parser.add_argument("--max-seconds", type=float, default=900, help="time limit per round")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (1: sync workers; more: gthread)",
    )
    args = parser.parse_args()
    backends = args.backends.split(",")
    if not set(backends) <= {"sqlite", "postgres"} or args.requests < args.rounds:
        parser.error("backends are sqlite and postgres; --requests must be ≥ --rounds")
    rng = random.Random(args.seed)
    print(
        f"shanzhi bench intake: {os.cpu_count()} CPUs, Python {platform.python_version()},"
        f" Django {django.get_version()}, gunicorn {gunicorn.__version__} ({args.workers} "
        f"{'sync workers' if args.threads == 1 else f'gthread workers × {args.threads} threads'}),"
        f" SQLite {sqlite3.sqlite_version}, psycopg {psycopg.__version__}\n"
        f"{args.requests:,} measured requests per target in {args.rounds} interleaved rounds after"
        f" {args.warmup} warm-up, {args.concurrency} client threads on the same machine;"
        + (
            " a new TCP connection per request (sync workers close it)"
            if args.threads == 1
            else " connections kept alive by the gthread workers"
        )
    )
    with tempfile.TemporaryDirectory(prefix="shanzhi-bench-intake-") as tmp:
        for name in backends:
            if name == "sqlite":
                outcome = run_backend(name, backend_env(Path(tmp, name)), args, rng, Path(tmp))
                report(name, f"SQLite {sqlite3.sqlite_version} (WAL)", outcome, args)
                continue
            with throwaway_database(args.pg) as (url, version):
                outcome = run_backend(name, backend_env(Path(tmp, name), url), args, rng, Path(tmp))
            report(name, f"PostgreSQL {version}", outcome, args)


if __name__ == "__main__":
    main()
