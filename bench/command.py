"""The command centre at 100 thousand and at 10 million work orders: does the cost grow with
history? Same queries, same pages, databases of different sizes, measured in one run.

    shanzhi bench command [--sizes postgres:100000,postgres:10000000,sqlite:100000,sqlite:1000000]
                          [--repeat R] [--keep] [--workdir DIR]

For each size a database is built once (migrate, the demo municipality, `shanzhi bench seed
--orders N`, which also rebuilds the rollups) and kept for the next run with --keep: PostgreSQL
databases are named shanzhi_bench_command_N, SQLite files live in --workdir. Then, inside one
process per database with Django's test client (middleware, templates and all, no network):

- dashboard: GET /command/?region=330502000000 as the district commander (吴兴区);
- inbox: GET /workorders/?box=pending_dispatch as the township dispatcher (月河街道), first page
  with its inbox counts;
- kpi month: GET /command/kpis/?period=month&date=<last month> as the city leader (every unit);
- export: GET /command/export/orders.xlsx for a registration-date window holding about 10,000 of
  the district's orders, as the commander (the whole file is read).

Each is run R times after one warm-up; medians are printed, and for each the ratio of its median
on the largest database of a backend to its median on the smallest one. Targets (issue #4): at
10 M on PostgreSQL the dashboard ≤ 300 ms and the inbox ≤ 50 ms, and every ratio ≤ 2.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
TARGETS = {"dashboard": 300.0, "inbox": 50.0}
RATIO = 2.0

MEASURE = r"""
import datetime, json, statistics, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from shanzhi.workorders.models import WorkOrder

repeat = int(sys.argv[1])
from django.db import connection
with connection.cursor() as cursor:  # planner statistics after the bulk load
    cursor.execute("ANALYZE")
users = {u.username: u for u in get_user_model().objects.filter(
    username__in=["commander", "dispatcher", "leader"])}

def client(name):
    c = Client()
    c.force_login(users[name])
    return c

last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
# A registration window in the district holding about 10,000 orders, found from the data.
district = WorkOrder.objects.filter(area_code__startswith="330502")
total = district.count()
newest = district.order_by("-registered_at").values_list("registered_at", flat=True).first()
oldest = district.order_by("registered_at").values_list("registered_at", flat=True).first()
span = (newest - oldest).total_seconds() if newest and oldest else 0
days = max(1, int(span / 86400 * min(1.0, 10_000 / max(total, 1))))
end = timezone.localtime(newest).date() if newest else timezone.localdate()
start = end - datetime.timedelta(days=days)
rows = district.filter(registered_at__date__gte=start, registered_at__date__lte=end).count()
export = f"/command/export/orders.xlsx?box=all&date_from={start}&date_to={end}"
cases = {
    "dashboard": ("commander", "/command/?region=330502000000"),
    "inbox": ("dispatcher", "/workorders/?box=pending_dispatch"),
    "kpi month": ("leader", f"/command/kpis/?period=month&date={last_month}"),
    "export": ("commander", export),
}
result = {"orders": WorkOrder.objects.count(), "export_rows": rows}
for name, (who, url) in cases.items():
    c = client(who)
    timings = []
    for i in range(repeat + 1):
        started = time.perf_counter()
        response = c.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code, body[:300])
        if i:
            timings.append(elapsed)
    result[name] = {"median_ms": statistics.median(timings), "min_ms": min(timings),
                    "bytes": len(body)}
print("RESULT " + json.dumps(result))
"""


def shanzhi(env, *args, check=True):
    return subprocess.run(
        [str(Path(sys.executable).parent / "shanzhi"), *args],
        env=env,
        check=check,
        text=True,
        capture_output=True,
    )


def prepare(backend: str, size: int, workdir: Path) -> dict:
    """The environment of a database of `size` seeded orders, built if it is not there yet."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    data = workdir / f"{backend}-{size}"
    data.mkdir(parents=True, exist_ok=True)
    env["SHANZHI_DATA_DIR"] = str(data)
    env["SHANZHI_LOG_LEVEL"] = "WARNING"
    if backend == "postgres":
        name = f"shanzhi_bench_command_{size}"
        env["DATABASE_URL"] = SERVER.rsplit("/", 1)[0] + "/" + name
        with psycopg.connect(SERVER, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    marker = data / "seeded"
    if marker.exists() and marker.read_text().strip() == str(size):
        print(f"  {backend} {size:,}: reusing the seeded database (migrated first)", flush=True)
        shanzhi(env, "manage", "migrate", "-v", "0")
        return env
    print(f"  {backend} {size:,}: migrate, demo, seed …", flush=True)
    shanzhi(env, "manage", "migrate", "-v", "0")
    shanzhi(env, "demo", "--reset", "--history", "0")
    seeded = shanzhi(env, "bench", "seed", "--orders", str(size))
    print("    " + seeded.stdout.strip().replace("\n", "\n    "), flush=True)
    marker.write_text(str(size))
    return env


def drop(backend: str, size: int, workdir: Path) -> None:
    if backend == "postgres":
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "shanzhi_bench_command_{size}" WITH (FORCE)')
    marker = workdir / f"{backend}-{size}" / "seeded"
    marker.unlink(missing_ok=True)


def measure(env, repeat: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(repeat)],
        env=env
        | {"DJANGO_SETTINGS_MODULE": "shanzhi.settings", "SHANZHI_ALLOWED_HOSTS": "testserver"},
        capture_output=True,
        text=True,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"measurement failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(line[len("RESULT ") :])


def main():
    parser = argparse.ArgumentParser(prog="shanzhi bench command")
    parser.add_argument(
        "--sizes",
        default="postgres:100000,postgres:10000000,sqlite:100000,sqlite:1000000",
        help="backend:orders, comma separated",
    )
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the databases for the next run")
    parser.add_argument(
        "--workdir", default=str(Path(tempfile.gettempdir()) / "shanzhi-bench-command")
    )
    args = parser.parse_args()
    workdir = Path(args.workdir)
    sizes = []
    for item in args.sizes.split(","):
        backend, _, n = item.partition(":")
        if backend not in ("postgres", "sqlite") or not n.isdigit():
            parser.error(f"bad size {item!r}: use postgres:N or sqlite:N")
        sizes.append((backend, int(n)))
    print(
        f"shanzhi bench command · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · repeat {args.repeat}",
        flush=True,
    )
    results = {}
    for backend, size in sizes:
        env = prepare(backend, size, workdir)
        results[backend, size] = measure(env, args.repeat)
        if not args.keep:
            drop(backend, size, workdir)
    cases = ["dashboard", "inbox", "kpi month", "export"]
    print()
    print(f"{'database':<22}" + "".join(f"{c:>14}" for c in cases) + "   (median ms)")
    for (backend, _size), r in results.items():
        print(
            f"{backend + ' ' + format(r['orders'], ','):<22}"
            + "".join(f"{r[c]['median_ms']:>14.1f}" for c in cases)
            + f"   export rows {r['export_rows']:,}"
        )
    failures = []
    for backend in ("postgres", "sqlite"):
        mine = sorted((size, r) for (b, size), r in results.items() if b == backend)
        if len(mine) < 2:
            continue
        (small, low), (large, high) = mine[0], mine[-1]
        ratios = {c: high[c]["median_ms"] / low[c]["median_ms"] for c in cases}
        print(
            f"{backend} ratio {large:,} / {small:,}: "
            + ", ".join(f"{c} {v:.2f}" for c, v in ratios.items())
        )
        failures += [
            f"{backend} {c} ratio {v:.2f} > {RATIO}" for c, v in ratios.items() if v > RATIO
        ]
        if backend == "postgres":
            failures += [
                f"postgres {c} {high[c]['median_ms']:.0f} ms > {limit:.0f} ms at {large:,}"
                for c, limit in TARGETS.items()
                if high[c]["median_ms"] > limit
            ]
    print()
    print("targets met" if not failures else "targets missed: " + "; ".join(failures))


if __name__ == "__main__":
    main()
