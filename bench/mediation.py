"""The mediation centre at ten thousand and at a million past disputes: do its figures and a
mediator's inbox grow with history? Same pages, databases of different sizes, one run.

    shanzhi bench mediation [--sizes postgres:10000,postgres:1000000] [--repeat R] [--keep]
                            [--workdir DIR]

For each size a database is built once (migrate, the demo municipality without work-order
history, then `seed_disputes` of demo/mediation_history.py: N disputes over N / 100,000 years,
at least one, and the rollups rebuilt) and kept for the next run with --keep (PostgreSQL
databases shanzhi_bench_mediation_N, SQLite files in --workdir). Then, in one process per
database with Django's test client (middleware, templates and all, no network):

- figures: GET /command/mediation/?region=330502000000 as the district commander: this year's
  KPIs, intake by source and type, and every organisation of 吴兴区;
- dashboard: GET /command/?region=330502000000 as the commander (its panel 矛盾调解 reads this
  year's figures; the rest of it has no work-order history here);
- inbox: GET /mediation/?box=mine as the county centre's mediator 孙静 (her open cases, first
  page, with every inbox's count);
- all cases: GET /mediation/ as 孙静 (every case of the county, newest first, first page).

Each is run R times after one warm-up; medians are printed, and for each the ratio of its median
on the largest database to its median on the smallest one. Target (issue #12): every ratio ≤ 2.
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
RATIO = 2.0
PER_YEAR = 100_000  # disputes a year in the seeded history (Putuo's centre: 45,000 in 2018)
CASES = ["figures", "dashboard", "inbox", "all cases"]

SEED = r"""
import sys, time
import django
django.setup()
from shanzhi.command.services import rollups_rebuild
from shanzhi.demo.mediation_history import seed_disputes
size, years = int(sys.argv[1]), float(sys.argv[2])
started = time.perf_counter()
seed_disputes(cases=size, years=years, seed=2026)
seeded = time.perf_counter()
rollups_rebuild()
print(f"seeded {size:,} disputes over {years:g} years in {seeded - started:.0f} s, "
      f"rollups rebuilt in {time.perf_counter() - seeded:.0f} s")
"""

MEASURE = r"""
import json, statistics, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from shanzhi.mediation.models import DisputeCase

repeat = int(sys.argv[1])
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:  # planner statistics after the bulk load
        cursor.execute("ANALYZE")
users = {u.username: u for u in get_user_model().objects.filter(
    username__in=["commander", "mediator"])}
cases = {
    "figures": ("commander", "/command/mediation/?region=330502000000"),
    "dashboard": ("commander", "/command/?region=330502000000"),
    "inbox": ("mediator", "/mediation/?box=mine"),
    "all cases": ("mediator", "/mediation/"),
}
result = {"disputes": DisputeCase.objects.count()}
for name, (who, url) in cases.items():
    client = Client()
    client.force_login(users[who])
    timings = []
    for i in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        if i:
            timings.append(elapsed)
    result[name] = {"median_ms": statistics.median(timings), "min_ms": min(timings)}
print("RESULT " + json.dumps(result))
"""


def run(env, *args):
    done = subprocess.run(args, env=env, text=True, capture_output=True)
    if done.returncode:
        raise SystemExit(f"{args[:3]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def environment(backend: str, size: int, workdir: Path) -> dict:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    data = workdir / f"{backend}-{size}"
    data.mkdir(parents=True, exist_ok=True)
    env["SHANZHI_DATA_DIR"] = str(data)
    env["SHANZHI_LOG_LEVEL"] = "WARNING"
    env["DJANGO_SETTINGS_MODULE"] = "shanzhi.settings"
    env["SHANZHI_ALLOWED_HOSTS"] = "testserver"
    if backend == "postgres":
        name = f"shanzhi_bench_mediation_{size}"
        env["DATABASE_URL"] = SERVER.rsplit("/", 1)[0] + "/" + name
        with psycopg.connect(SERVER, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    return env


def prepare(backend: str, size: int, workdir: Path) -> dict:
    env = environment(backend, size, workdir)
    shanzhi = str(Path(sys.executable).parent / "shanzhi")
    marker = workdir / f"{backend}-{size}" / "seeded"
    run(env, shanzhi, "manage", "migrate", "-v", "0")
    if marker.exists() and marker.read_text().strip() == str(size):
        print(f"  {backend} {size:,}: reusing the seeded database", flush=True)
        return env
    print(f"  {backend} {size:,}: demo, seed …", flush=True)
    run(env, shanzhi, "demo", "--reset", "--history", "0")
    years = max(1.0, size / PER_YEAR)
    print("    " + run(env, sys.executable, "-c", SEED, str(size), str(years)).strip(), flush=True)
    marker.write_text(str(size))
    return env


def drop(backend: str, size: int, workdir: Path) -> None:
    if backend == "postgres":
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "shanzhi_bench_mediation_{size}" WITH (FORCE)')
    (workdir / f"{backend}-{size}" / "seeded").unlink(missing_ok=True)


def main():
    parser = argparse.ArgumentParser(prog="shanzhi bench mediation")
    parser.add_argument("--sizes", default="postgres:10000,postgres:1000000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the databases for the next run")
    parser.add_argument(
        "--workdir", default=str(Path(tempfile.gettempdir()) / "shanzhi-bench-mediation")
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
        f"shanzhi bench mediation · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · repeat {args.repeat}",
        flush=True,
    )
    results = {}
    for backend, size in sizes:
        env = prepare(backend, size, workdir)
        out = run(env, sys.executable, "-c", MEASURE, str(args.repeat))
        line = next(x for x in out.splitlines() if x.startswith("RESULT "))
        results[backend, size] = json.loads(line[len("RESULT ") :])
        if not args.keep:
            drop(backend, size, workdir)
    print()
    print(f"{'database':<24}" + "".join(f"{c:>12}" for c in CASES) + "   (median ms)")
    for (backend, _size), r in results.items():
        print(
            f"{backend + ' ' + format(r['disputes'], ','):<24}"
            + "".join(f"{r[c]['median_ms']:>12.1f}" for c in CASES)
        )
    failures = []
    for backend in ("postgres", "sqlite"):
        mine = sorted((size, r) for (b, size), r in results.items() if b == backend)
        if len(mine) < 2:
            continue
        (small, low), (large, high) = mine[0], mine[-1]
        ratios = {c: high[c]["median_ms"] / low[c]["median_ms"] for c in CASES}
        print(
            f"{backend} ratio {large:,} / {small:,}: "
            + ", ".join(f"{c} {v:.2f}" for c, v in ratios.items())
        )
        failures += [
            f"{backend} {c} ratio {v:.2f} > {RATIO}" for c, v in ratios.items() if v > RATIO
        ]
    print()
    print("targets met" if not failures else "targets missed: " + "; ".join(failures))


if __name__ == "__main__":
    main()
