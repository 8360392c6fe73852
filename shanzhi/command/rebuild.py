"""Recomputing the rollups from scratch, fast enough for ten million work orders.

The facts of every order (command/facts.py, the same function the fold uses) are streamed into
a temporary table, one row per fact, with COPY on PostgreSQL and executemany on SQLite; the
database then sums them into the rollup tables with GROUP BY, and the month, township and grid
tables are summed from those. Per-cell upserts, which the fold uses for a handful of orders at a
time, would take hours here."""

import io
import json

from django.db import connection

from shanzhi.command.choices import MEASURES, Measure
from shanzhi.command.facts import facts_for
from shanzhi.command.models import DayFigures, GridMonth, MonthFigures, OrderFacts, TownshipDay

BATCH = 5000
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
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
            rows,
        )


def load(order_batches, *, progress=None) -> int:
    """Fill the (empty) rollup tables and OrderFacts from the orders of `order_batches`, an
    iterable of id lists. Call inside a transaction with the rollup cursor locked."""
    facts_table = OrderFacts._meta.db_table
    done = 0
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING} (day date, area varchar(12), grid varchar(15), "
            "unit integer, category integer, channel varchar(16), nature varchar(16), "
            "measure varchar(24), value bigint)"
        )
        for ids in order_batches:
            staged, stored = [], []
            for order_id, facts in facts_for(ids).items():
                area, grid, category, channel, nature = facts["cell"]
                for measure, day, unit, value in facts["m"]:
                    staged.append(
                        (day, area, grid, unit, category, channel, nature, measure, value)
                    )
                stored.append((order_id, json.dumps(facts, separators=(",", ":"))))
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
        cursor.execute(f"DROP TABLE {STAGING}")
        if connection.vendor == "postgresql":
            for model in (DayFigures, MonthFigures, TownshipDay, GridMonth, OrderFacts):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return done


def _sum_into_tables(cursor) -> None:
    key = ", ".join(DayFigures.KEY)
    measures = ", ".join(MEASURES)
    per_measure = ", ".join(
        f"SUM(CASE WHEN measure = '{m}' THEN value ELSE 0 END)" for m in MEASURES
    )
    day = DayFigures._meta.db_table
    cursor.execute(
        f"INSERT INTO {day} ({key}, {measures}) "  # noqa: S608 (names are ours)
        f"SELECT day, area, unit, category, channel, nature, {per_measure} FROM {STAGING} "
        "GROUP BY day, area, unit, category, channel, nature"
    )
    sums = ", ".join(f"SUM({m})" for m in MEASURES)
    cursor.execute(
        f"INSERT INTO {MonthFigures._meta.db_table} ({key}, {measures}) "  # noqa: S608
        f"SELECT {_month('day')}, area_code, unit_id, category_id, channel, nature, {sums} "
        f"FROM {day} GROUP BY 1, 2, 3, 4, 5, 6"
    )
    cursor.execute(
        f"INSERT INTO {TownshipDay._meta.db_table} "  # noqa: S608
        f"({', '.join(TownshipDay.KEY)}, registered) "
        f"SELECT day, substr(area_code, 1, 9) || '000', channel, nature, SUM(registered) "
        f"FROM {day} GROUP BY 1, 2, 3, 4 HAVING SUM(registered) <> 0"
    )
    cursor.execute(
        f"INSERT INTO {GridMonth._meta.db_table} "  # noqa: S608
        f"({', '.join(GridMonth.KEY)}, registered) "
        f"SELECT {_month('day')}, grid, SUM(value) FROM {STAGING} "
        f"WHERE measure = '{Measure.REGISTERED}' AND grid <> '' GROUP BY 1, 2"
    )
