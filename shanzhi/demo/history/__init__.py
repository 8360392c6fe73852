"""Years of work orders for the demo territory, written straight into the tables: the data
generator of `shanzhi bench seed` and of the command-centre benchmark.

Nothing here goes through the ORM or the services: rows are made with plain Python from lookup
tables loaded once (`World`), then written with PostgreSQL's COPY or SQLite's executemany, all
in one transaction (a failure leaves the database as it was). The rows follow the rules the
services apply, so the pages, the deadlines sweep and the rollups work on them:

- registration times over the past `years` up to `now`, more on working days and in working
  hours, slowly growing, in time order (ids grow with time, as they do in production);
- each order is taken through its life (triage, dispatch by the dispatch rules, sign-for, reply,
  verification, rating, archive; returns, re-handling, suspensions, merges and direct answers on
  the way) and cut at `now`, which gives its state: old orders are almost all archived, recent
  ones are spread over every state;
- deadlines follow the deadline rules (`rule_for`), in working days on the calendar table. Two
  approximations, for speed: a suspension moves the deadlines by the natural length of the pause
  (the service gives back working time), and the reminder goes out at 08:30 of the next working
  day without a sweep of its own;
- no audit events are written: the history tab of a seeded order is empty, and the rollups are
  rebuilt from the rows (`rollups_rebuild`), not folded from the trail.

Every random choice comes from `random.Random` seeded with the seed and the chunk number, so
the same seed, size, span and `now` give the same rows, whatever the number of workers.
"""

import datetime
import os
import time

from django.db import connection, transaction

from shanzhi.demo.history.rows import Rows, generate
from shanzhi.demo.history.tables import ORDER_PREFIX, TABLES, TRACKING_PREFIX
from shanzhi.demo.history.world import SeedError, World, check_ready, load_world, plan
from shanzhi.demo.history.write import (
    Report,
    chunks_in_order,
    payload,
    write_postgres,
    write_sqlite,
)

__all__ = [
    "ORDER_PREFIX",
    "TABLES",
    "TRACKING_PREFIX",
    "Report",
    "Rows",
    "SeedError",
    "World",
    "check_ready",
    "chunks_in_order",
    "generate",
    "load_world",
    "payload",
    "plan",
    "seed_history",
]


def seed_history(
    *,
    orders: int,
    years: float = 3,
    seed: int = 2026,
    now: datetime.datetime | None = None,
    workers: int | None = None,
    indexes: str = "auto",
    progress=None,
) -> Report:
    """Add `orders` work orders, with their appeals and lead assignments, registered over the
    past `years` up to `now`, to the configured database, in one transaction.

    indexes: "rebuild" drops the secondary indexes and constraints of the three tables and
    builds them again after the load (much faster for a large load into a small table),
    "keep" maintains them row by row, "auto" rebuilds when the load at least doubles the
    table. workers: processes making the rows while the writer writes (default: as many as
    CPUs, at most 4: the writer mostly waits for the database; 0 makes them in this process)."""
    from django.utils import timezone

    from shanzhi.workorders.models import WorkOrder

    if orders < 1 or orders >= 2**31:
        raise SeedError("--orders must be between 1 and 2³¹")
    if not 0 < years <= 30:
        raise SeedError("--years must be more than 0 and at most 30")
    if indexes not in ("auto", "keep", "rebuild"):
        raise SeedError("indexes must be auto, keep or rebuild")
    if now is not None and now.tzinfo is None:
        raise SeedError("now needs a time zone")
    check_ready()
    now = now or timezone.now()
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    world = load_world(now=now, years=years, seed=seed)
    report = Report(workers=workers)
    chunks = plan(world, orders, order_base=0, appeal_base=0)
    existing = WorkOrder.objects.count()
    rebuild = indexes == "rebuild" or (indexes == "auto" and orders >= existing)
    write = write_postgres if world.pg else write_sqlite
    pragma_off = not world.pg and not connection.in_atomic_block
    if pragma_off:  # checked once at the end instead of row by row (only outside a transaction)
        connection.cursor().execute("PRAGMA foreign_keys = OFF")
    started = time.perf_counter()
    try:
        with transaction.atomic():
            write(
                world,
                chunks,
                orders=orders,
                rebuild=rebuild,
                workers=workers,
                report=report,
                progress=progress,
            )
            if pragma_off:
                checked = time.perf_counter()
                for table in TABLES:
                    bad = connection.connection.execute(
                        f"PRAGMA foreign_key_check({table})"
                    ).fetchone()
                    if bad:
                        raise SeedError(f"foreign key check failed in {table}: {bad}")
                report.check_seconds += time.perf_counter() - checked
            committing = time.perf_counter()
        report.commit_seconds = time.perf_counter() - committing
    finally:
        if pragma_off:
            connection.cursor().execute("PRAGMA foreign_keys = ON")
    report.wall = time.perf_counter() - started
    return report
