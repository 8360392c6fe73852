"""Fill the configured database with years of realistic work orders, fast.

    shanzhi bench seed --orders N [--years 3] [--seed S] [--now ISO] [--workers W]
                       [--indexes auto|keep|rebuild] [--no-rollups]

The database must be migrated and hold the demo territory (`shanzhi manage migrate` and
`shanzhi demo`, or `shanzhi up`). Orders, their appeals and lead assignments are made by
`shanzhi.demo.history` and written in one transaction: COPY on PostgreSQL, executemany on SQLite.
Then the command centre's rollups are rebuilt (`rollups_rebuild`) unless --no-rollups.
Target (issue): at least 100,000 rows/s on PostgreSQL, every inserted row of every table counted.
"""

import argparse
import datetime
import os
import platform
import sys
import time

import django
from django.db import connection

from shanzhi.demo.history import TABLES, SeedError, check_ready, seed_history
from shanzhi.workorders.choices import State

TARGET = 100_000  # rows/s on PostgreSQL


def versions() -> str:
    if connection.vendor == "postgresql":
        import psycopg

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0].split()[0]
        database = f"PostgreSQL {server} (psycopg {psycopg.__version__})"
    else:
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    return (
        f"Python {platform.python_version()}, Django {django.get_version()}, {database},"
        f" {os.cpu_count()} CPUs"
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="shanzhi bench seed", description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, required=True, help="work orders to add")
    parser.add_argument("--years", type=float, default=3, help="span up to now (default 3)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument(
        "--now",
        type=datetime.datetime.fromisoformat,
        help="end of the span, ISO 8601 with a zone (default: now); fixes the rows for a seed",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="processes making rows while the writer writes (default: CPUs, at most 4; 0: none)",
    )
    parser.add_argument(
        "--indexes",
        choices=["auto", "keep", "rebuild"],
        default="auto",
        help="rebuild the tables' indexes after the load, or keep them (auto: rebuild when the"
        " load at least doubles the work orders)",
    )
    parser.add_argument("--no-rollups", action="store_true", help="skip the rollup rebuild")
    args = parser.parse_args()
    if args.now is not None and args.now.tzinfo is None:
        parser.error("--now needs a zone, e.g. 2026-11-22T12:00:00+08:00")

    try:
        check_ready()
    except SeedError as error:
        print(f"shanzhi bench seed: {error}", file=sys.stderr)
        return 2
    print(f"shanzhi bench seed: {versions()}")
    print(
        f"{args.orders:,} orders over {args.years:g} years, seed {args.seed},"
        f" now {(args.now or 'the current time')}, indexes {args.indexes}"
    )
    started = time.perf_counter()
    last = [0.0]

    def progress(report):
        elapsed = time.perf_counter() - started
        if elapsed - last[0] >= 10 or report.orders == args.orders:
            last[0] = elapsed
            print(
                f"  … {report.orders:,} orders, {report.rows:,} rows in {elapsed:.0f} s",
                flush=True,
            )

    try:
        report = seed_history(
            orders=args.orders,
            years=args.years,
            seed=args.seed,
            now=args.now,
            workers=args.workers,
            indexes=args.indexes,
            progress=progress,
        )
    except SeedError as error:
        print(f"shanzhi bench seed: {error}", file=sys.stderr)
        return 2

    print(
        f"\nworkers: {report.workers} (rows made in {report.generate_cpu:.1f} CPU s,"
        f" writer waited {report.waited:.1f} s for them)"
    )
    print(f"{'table':<24} {'rows':>12} {'insert s':>9} {'rows/s':>10}")
    for table, rows in zip(
        TABLES, (report.orders, report.appeals, report.assignments), strict=True
    ):
        seconds = report.insert_seconds[table]
        print(f"{table:<24} {rows:>12,} {seconds:>9.1f} {rows / max(seconds, 1e-9):>10,.0f}")
    inserting = sum(report.insert_seconds.values())
    rows = report.rows
    print(f"{'all inserts':<24} {rows:>12,} {inserting:>9.1f} {rows / inserting:>10,.0f}")
    if report.indexes_dropped:
        print(
            f"indexes and constraints: {report.indexes_dropped} dropped, then built again"
            f" in {report.index_seconds:.1f} s"
            + "".join(f"; {kind} {sec:.1f} s" for kind, sec in report.index_steps.items())
        )
    if report.check_seconds:
        print(f"foreign keys checked (PRAGMA foreign_key_check): {report.check_seconds:.1f} s")
    print(f"commit: {report.commit_seconds:.1f} s")
    loading = report.wall - report.index_seconds - report.check_seconds - report.commit_seconds
    print(
        f"loading: {rows:,} rows in {loading:.1f} s = {rows / loading:,.0f} rows/s"
        " (rows made and inserted, overlapped)"
    )
    rate = rows / report.wall
    print(
        f"total: {rows:,} rows in {report.wall:.1f} s = {rate:,.0f} rows/s"
        " (loading, indexes, checks and commit)"
    )
    if connection.vendor == "postgresql":

        def verdict(value):
            return "PASS" if value >= TARGET else f"MISS by {1 - value / TARGET:.0%}"

        print(
            f"target ≥ {TARGET:,} rows/s on PostgreSQL: inserts {verdict(rows / inserting)},"
            f" loading {verdict(rows / loading)}, total {verdict(rate)}"
        )
    shares = (f"{s} {report.stats[s] / report.orders:.1%}" for s in State.values)
    print("states: " + ", ".join(shares))
    print(
        f"returned {report.stats['returned']:,}, reopened {report.stats['reopened']:,},"
        f" direct {report.stats['direct']:,}, red cards {report.stats['red']:,},"
        f" overdue {report.stats['overdue']:,}"
    )

    if not args.no_rollups:
        from shanzhi.command.services import rollups_rebuild

        print("\nrebuilding the rollups …", flush=True)
        begun = time.perf_counter()
        counted = rollups_rebuild(
            progress=lambda n: (
                n % 100_000 == 0
                and print(f"  … {n:,} orders in {time.perf_counter() - begun:.0f} s", flush=True)
            )
        )
        spent = time.perf_counter() - begun
        rate = counted / spent
        print(f"rollups_rebuild: {counted:,} orders in {spent:.1f} s = {rate:,.0f} orders/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
