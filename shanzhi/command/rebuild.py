"""Recomputing the rollups from scratch, fast enough for ten million work orders.

The facts of every order (command/facts.py, the same function the fold uses) are streamed into
a temporary table, one row per fact, with COPY on PostgreSQL and executemany on SQLite; the
database then sums them into the rollup tables with GROUP BY, and the month, township and grid
tables are summed from those. Per-cell upserts, which the fold uses for a handful of orders at a
time, would take hours here."""

import io
import json
from collections import Counter

from django.db import connection

from shanzhi.command.choices import MEASURES, Measure
from shanzhi.command.facts import facts_for
from shanzhi.command.models import (
    FIGURES_KEY,
    AreaMonth,
    CategoryMonth,
    DayFigures,
    GridMonth,
    MonthFigures,
    OpenWork,
    OrderFacts,
    TownshipDay,
    UnitMonth,
)

BATCH = 5000
ROLLUPS = (
    DayFigures,
    MonthFigures,
    UnitMonth,
    AreaMonth,
    CategoryMonth,
    TownshipDay,
    GridMonth,
    OpenWork,
)
STAGING = "command_rebuild_facts"


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"strftime('%Y-%m-01', {column})"


def _copy(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        # Codes, dates, numbers and compact JSON of them: no tab, newline or backslash to escape.
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(str(v) for v in row))
            buffer.write("\n")
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            rows,
        )


def load(order_batches, *, progress=None) -> int:
    """Fill the (empty) rollup tables and OrderFacts from the orders of `order_batches`, an
    iterable of id lists. Call inside a transaction with the rollup cursor locked."""
    facts_table = OrderFacts._meta.db_table
    done = 0
    workload = Counter()  # unfinished orders only: a few thousand keys, kept in memory
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING} (day date, area varchar(12), grid varchar(15), "
            "unit integer, category integer, channel varchar(16), nature varchar(16), "
            "measure varchar(24), value bigint)"
        )
        for ids in order_batches:
            staged, stored = [], []
            for order_id, facts in facts_for(id_range=(ids[0], ids[-1])).items():
                area, grid, category, channel, nature = facts["cell"]
                for measure, day, unit, value in facts["m"]:
                    staged.append(
                        (day, area, grid, unit, category, channel, nature, measure, value)
                    )
                stored.append((order_id, json.dumps(facts, separators=(",", ":"))))
                if "w" in facts:
                    workload[tuple(facts["w"])] += 1
            _copy(
                cursor,
                STAGING,
                [
                    "day",
                    "area",
                    "grid",
                    "unit",
                    "category",
                    "channel",
                    "nature",
                    "measure",
                    "value",
                ],
                staged,
            )
            _copy(cursor, facts_table, ["order_id", "facts"], stored)
            done += len(ids)
            if progress:
                progress(done)
        _sum_into_tables(cursor)
        _copy(
            cursor,
            OpenWork._meta.db_table,
            [*OpenWork.KEY, "orders"],
            [(*key, n) for key, n in workload.items()],
        )
        cursor.execute(f"DROP TABLE {STAGING}")
        for model in (*ROLLUPS, OrderFacts):  # planner statistics (both databases)
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return done


def _sum_into_tables(cursor) -> None:
    """Day figures from the staged facts; every other rollup from those or from the facts."""
    key = ", ".join(FIGURES_KEY)
    measures = ", ".join(MEASURES)
    sums = ", ".join(f"SUM({m})" for m in MEASURES)
    per_measure = ", ".join(
        f"SUM(CASE WHEN measure = '{m}' THEN value ELSE 0 END)" for m in MEASURES
    )
    day, month = DayFigures._meta.db_table, MonthFigures._meta.db_table
    registered = f"measure = '{Measure.REGISTERED}'"
    statements = [
        f"INSERT INTO {day} ({key}, {measures}) SELECT day, area, unit, category, channel, "
        f"{per_measure} FROM {STAGING} GROUP BY day, area, unit, category, channel",
        f"INSERT INTO {month} ({key}, {measures}) SELECT {_month('day')}, area_code, unit_id, "
        f"category_id, channel, {sums} FROM {day} GROUP BY 1, 2, 3, 4, 5",
        f"INSERT INTO {UnitMonth._meta.db_table} (day, unit_id, {measures}) "
        f"SELECT day, unit_id, {sums} FROM {month} GROUP BY 1, 2",
        f"INSERT INTO {AreaMonth._meta.db_table} (day, area_code, {measures}) "
        f"SELECT day, area_code, {sums} FROM {month} GROUP BY 1, 2",
        f"INSERT INTO {CategoryMonth._meta.db_table} (day, area_code, category_id, registered) "
        f"SELECT day, area_code, category_id, SUM(registered) FROM {month} "
        "GROUP BY 1, 2, 3 HAVING SUM(registered) <> 0",
        f"INSERT INTO {TownshipDay._meta.db_table} (day, township_code, channel, nature, "
        f"registered) SELECT day, substr(area, 1, 9) || '000', channel, nature, SUM(value) "
        f"FROM {STAGING} WHERE {registered} GROUP BY 1, 2, 3, 4",
        f"INSERT INTO {GridMonth._meta.db_table} (day, grid_code, registered) "
        f"SELECT {_month('day')}, grid, SUM(value) FROM {STAGING} "
        f"WHERE {registered} AND grid <> '' GROUP BY 1, 2",
    ]
    for statement in statements:
        cursor.execute(statement)
