"""Recomputing the rollups from scratch, fast enough for ten million work orders.

The facts of every case of every registered case type (command/cases/, the same functions the
fold uses) are streamed into a temporary table, one row per fact, with COPY on PostgreSQL and
executemany on SQLite; the database then sums them into the rollup tables with the statements
derived from the rollup definitions (command/rollups.py), each table from the smallest one
already built that can answer it. Per-cell upserts, which the fold uses for a handful of cases
at a time, would take hours here."""

import io
import json
from collections import Counter

from django.db import connection

from shanzhi.command import cases, openwork, rollups
from shanzhi.command.models import OpenWork, UnitSet, UnitSetMember

BATCH = 5000
# Every table the rebuild empties and fills: the rollups of measures and the workload.
ROLLUPS = (*(r.model for r in rollups.ROLLUPS), OpenWork)


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


def _tables() -> list[str]:
    facts = [c.facts_model._meta.db_table for c in cases.case_types()]
    return [m._meta.db_table for m in ROLLUPS] + facts


def empty() -> None:
    """Empty every rollup table and every case type's facts. The workload's unit sets stay: the
    load names the same sets by the same ids, and deletes those no cell names any more."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(_tables())}")
        else:
            for table in _tables():
                cursor.execute(f"DELETE FROM {table}")


def _batches(model):
    """The primary keys of a case type's table, in ascending batches."""
    last = 0
    while True:
        ids = list(
            model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def load(*, progress=None) -> int:
    """Fill the (empty) rollup tables and facts tables from the cases of every registered case
    type; returns how many cases. Call inside a transaction with the rollup cursor locked."""
    done = 0
    workload = Counter()  # unfinished cases only: a few thousand keys, kept in memory
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {rollups.STAGING}")
        columns = ", ".join(f"{name} {kind}" for name, kind in rollups.STAGING_TYPES.items())
        cursor.execute(f"CREATE TEMPORARY TABLE {rollups.STAGING} ({columns})")
        for case_type in cases.case_types():
            stored_table = case_type.facts_model._meta.db_table
            stored_columns = [case_type.facts_model._meta.pk.column, "facts"]
            for ids in _batches(case_type.model):
                staged, stored = [], []
                for case_id, facts in case_type.facts_for(id_range=(ids[0], ids[-1])).items():
                    staged += rollups.staged(facts)
                    stored.append((case_id, json.dumps(facts, separators=(",", ":"))))
                    if "w" in facts:
                        workload[openwork.cell_key(facts["w"])] += 1
                _copy(cursor, rollups.STAGING, list(rollups.STAGING_TYPES), staged)
                _copy(cursor, stored_table, stored_columns, stored)
                done += len(ids)
                if progress:
                    progress(done)
        for statement in rollups.rebuild_statements():
            cursor.execute(statement)
        stored = openwork.stored_keys(list(workload))
        _copy(
            cursor,
            OpenWork._meta.db_table,
            [*OpenWork.KEY, "orders"],
            [(*stored[key], n) for key, n in workload.items()],
        )
        openwork.unused_sets_delete()
        cursor.execute(f"DROP TABLE {rollups.STAGING}")
        unit_sets = [UnitSet._meta.db_table, UnitSetMember._meta.db_table]
        for table in _tables() + unit_sets:  # planner statistics (both databases)
            cursor.execute(f"ANALYZE {table}")
    return done
