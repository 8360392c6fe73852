"""Where one appeal's time goes: registrations one at a time, in-process, on a fresh PostgreSQL
database, with the time spent waiting for the database measured around every statement.

    shanzhi bench intake_profile [--appeals N] [--pg URL]

The same request as `shanzhi bench intake` (POST /api/v1/appeals with a bearer token, a random
demo grid centre and leaf category) through Django's full request handling (django.test.Client,
so no network and no gunicorn). Three passes over fresh bodies: plain (the time per appeal), with
a wrapper around every SQL statement (statements per appeal, and the time between sending each
and getting its answer), and under cProfile (the functions that cost most, cumulative). The
database wait is what a faster Python path cannot remove; the rest is this process's CPU.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from intake import REPO, backend_env, make_bodies, shanzhi, throwaway_database  # noqa: E402

# The demo's grid centres and leaf categories, as `intake`'s STATE without the floor's table.
STATE = """
import json
from shanzhi.territory.models import Grid
from shanzhi.workorders.models import Category
leaves = Category.objects.filter(is_active=True).exclude(children__is_active=True)
print(json.dumps({"grids": list(Grid.objects.values_list("lon", "lat")),
    "categories": sorted(leaves.values_list("code", flat=True))}))
"""


def inner(appeals: int, token: str, seed: int) -> None:
    """Runs inside a process whose environment points at the prepared database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanzhi.settings")
    django.setup()
    from django.db import connection
    from django.test import Client

    state = json.loads(os.environ["BENCH_STATE"])
    rng = random.Random(seed)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")

    def post(body):
        response = client.post("/api/v1/appeals", body, content_type="application/json")
        assert response.status_code == 201, response.content

    for body in make_bodies(50, state, rng, offset=0):  # warm-up: memories, caches, imports
        post(body)

    bodies = make_bodies(appeals, state, rng, offset=10_000)
    started = time.perf_counter()
    for body in bodies:
        post(body)
    plain = (time.perf_counter() - started) / appeals * 1000

    waits = {"statements": 0, "seconds": 0.0}

    def timed(execute, sql, params, many, context):
        waits["statements"] += 1
        begun = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waits["seconds"] += time.perf_counter() - begun

    bodies = make_bodies(appeals, state, rng, offset=20_000)
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        for body in bodies:
            post(body)
    wrapped = (time.perf_counter() - started) / appeals * 1000

    profile = cProfile.Profile()
    bodies = make_bodies(appeals, state, rng, offset=30_000)
    profile.enable()
    for body in bodies:
        post(body)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
    own = io.StringIO()
    pstats.Stats(profile, stream=own).sort_stats("tottime").print_stats(25)

    statements = waits["statements"] / appeals
    database = waits["seconds"] / appeals * 1000
    print(f"appeals, one at a time: {appeals} per pass")
    print(f"time per appeal: {plain:.2f} ms (plain pass)")
    print(f"SQL statements per appeal (BEGIN and COMMIT included): {statements:.1f}")
    print(
        f"waiting for the database per appeal: {database:.2f} ms of {wrapped:.2f} ms "
        f"({database / wrapped:.0%}); the rest, {wrapped - database:.2f} ms, is Python"
    )
    print("\ncProfile, cumulative (the profiler slows everything about 2×):")
    print(out.getvalue())
    print("cProfile, own time (where the CPU goes):")
    print(own.getvalue())


def main():
    parser = argparse.ArgumentParser(prog="shanzhi bench intake_profile")
    parser.add_argument("--appeals", type=int, default=400)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(args.appeals, args.inner, args.seed)
        return
    with (
        tempfile.TemporaryDirectory(prefix="shanzhi-bench-profile-") as tmp,
        throwaway_database(args.pg) as (url, version),
    ):
        env = backend_env(Path(tmp), url)
        shanzhi(env, "manage", "migrate", "--no-input")
        shanzhi(env, "demo", "--password", "bench-profile-x", "--history", "0")
        token = shanzhi(env, "token", "create", "operator", "--name", "bench").split()[-1]
        env["BENCH_STATE"] = shanzhi(env, "manage", "shell", "-c", STATE).splitlines()[-1]
        print(f"PostgreSQL {version}, Python {sys.version.split()[0]}")
        command = [sys.executable, __file__, "--appeals", str(args.appeals), "--inner", token]
        subprocess.run(command, env=env, cwd=REPO, check=True)


if __name__ == "__main__":
    main()
