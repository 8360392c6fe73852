"""Writing the rows: COPY on PostgreSQL, executemany on SQLite, in one transaction, with the
rows made ahead by worker processes."""

import time
from collections import Counter, deque
from dataclasses import dataclass, field

from django.db import connection

from shanzhi.demo.history.rows import Rows, generate
from shanzhi.demo.history.tables import APPEAL_COLUMNS, ASSIGNMENT_COLUMNS, ORDER_COLUMNS, TABLES
from shanzhi.demo.history.world import Chunk, World

_FORKED: World | None = None  # the world of the worker processes, inherited through fork


def payload(chunk: Chunk, world: World | None = None):
    """A chunk as the writer takes it: COPY text for PostgreSQL, row tuples for SQLite."""
    rows = generate(world or _FORKED, chunk)
    if not (world or _FORKED).pg:
        return rows
    started = time.process_time()
    for name in ("orders", "appeals", "assignments"):
        lines = [("\t".join(row)) for row in getattr(rows, name)]
        setattr(rows, name, ("\n".join(lines) + "\n").encode() if lines else b"")
    rows.cpu += time.process_time() - started
    return rows


@dataclass
class Report:
    orders: int = 0
    appeals: int = 0
    assignments: int = 0
    insert_seconds: dict = field(default_factory=lambda: dict.fromkeys(TABLES, 0.0))
    generate_cpu: float = 0.0  # in the generating processes, all together
    waited: float = 0.0  # the writer waiting for rows
    indexes_dropped: int = 0
    index_seconds: float = 0.0  # dropping and rebuilding indexes and constraints
    check_seconds: float = 0.0  # SQLite: the foreign-key check after the load
    index_steps: Counter = field(default_factory=Counter)  # PostgreSQL: seconds by kind
    commit_seconds: float = 0.0
    wall: float = 0.0  # from the first row made to the commit
    workers: int = 0
    stats: Counter = field(default_factory=Counter)

    @property
    def rows(self) -> int:
        return self.orders + self.appeals + self.assignments


def chunks_in_order(world: World, chunks: list, workers: int, report: Report):
    """Generated chunks in plan order; with workers, made ahead in child processes while the
    writer writes (at most two chunks ahead per worker, so memory stays bounded)."""
    if workers <= 0:
        for chunk in chunks:
            started = time.perf_counter()
            rows = payload(chunk, world)
            report.waited += time.perf_counter() - started
            yield rows
        return
    import multiprocessing

    global _FORKED
    _FORKED = world
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        pending: deque = deque()
        queue = iter(chunks)
        for chunk in queue:
            pending.append(pool.apply_async(payload, (chunk,)))
            if len(pending) >= 2 * workers:
                break
        while pending:
            started = time.perf_counter()
            rows = pending.popleft().get()
            report.waited += time.perf_counter() - started
            following = next(queue, None)
            if following is not None:
                pending.append(pool.apply_async(payload, (following,)))
            yield rows
    _FORKED = None


def _count(report: Report, rows: Rows) -> None:
    report.generate_cpu += rows.cpu
    report.stats.update(rows.stats)
    report.orders += rows.stats["orders"]
    report.appeals += rows.stats["appeals"]
    report.assignments += rows.stats["assignments"]


def _pg_reserve_ids(cursor, table: str, count: int) -> int:
    """The first of `count` ids taken for us from the table's sequence (also by a writer that
    runs meanwhile, which gets ids after ours)."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 (our names)
    top = cursor.fetchone()[0]
    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
    last, called = cursor.fetchone()
    first = max(top, last if called else last - 1) + 1
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def _pg_drop_indexes(cursor) -> list:
    """Drop the secondary indexes, unique and foreign-key constraints of the three tables
    (their definitions are returned to be built again). Inside the load's transaction: if
    anything fails, the rollback brings them back."""
    from psycopg import sql

    saved = []
    for table in TABLES:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('f', 'u')"
            " ORDER BY contype DESC, conname",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid"
            "  AND k.conrelid = i.indrelid) ORDER BY c.relname",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition, _kind in constraints:
            cursor.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.Identifier(table), sql.Identifier(name)
                )
            )
        for name, _definition in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        saved.append((table, constraints, indexes))
    return saved


def _pg_restore_indexes(cursor, saved: list, steps: Counter) -> None:
    """Build the unique constraints and indexes again, then the foreign keys (each checks the
    whole table once); `steps` gets the seconds spent on each kind."""
    from psycopg import sql

    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    statements = []
    for kind in ("u", "i", "f"):
        for table, constraints, indexes in saved:
            if kind == "i":
                statements += [("indexes", sql.SQL(definition)) for _n, definition in indexes]
                continue
            statements += [
                (
                    "unique constraints" if kind == "u" else "foreign keys",
                    sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                        sql.Identifier(table), sql.Identifier(name)
                    )
                    + sql.SQL(definition),
                )
                for name, definition, constraint_kind in constraints
                if constraint_kind == kind
            ]
    for label, statement in statements:
        started = time.perf_counter()
        cursor.execute(statement)
        steps[label] += time.perf_counter() - started


def write_postgres(world, chunks, *, orders, rebuild, workers, report, progress) -> None:
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(
            "LOCK TABLE workorders_workorder, workorders_appeal, workorders_assignment"
            " IN SHARE ROW EXCLUSIVE MODE"
        )
        order_base = _pg_reserve_ids(cursor, "workorders_workorder", orders)
        appeal_base = _pg_reserve_ids(cursor, "workorders_appeal", orders)
        chunks = [Chunk(c.index, c.first_ordinal, c.days, order_base, appeal_base) for c in chunks]
        saved = []
        if rebuild:
            started = time.perf_counter()
            saved = _pg_drop_indexes(cursor)
            report.indexes_dropped = sum(len(c) + len(i) for _, c, i in saved)
            report.index_seconds += time.perf_counter() - started
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no queue of deferred checks
        statements = [
            (table, f"COPY {table} ({', '.join(columns)}) FROM STDIN", name)
            for table, columns, name in (
                (TABLES[0], ORDER_COLUMNS, "orders"),
                (TABLES[1], APPEAL_COLUMNS, "appeals"),
                (TABLES[2], ASSIGNMENT_COLUMNS, "assignments"),
            )
        ]
        for rows in chunks_in_order(world, chunks, workers, report):
            for table, statement, name in statements:
                data = getattr(rows, name)
                started = time.perf_counter()
                if data:
                    with cursor.copy(statement) as copy:
                        copy.write(data)
                report.insert_seconds[table] += time.perf_counter() - started
            _count(report, rows)
            if progress:
                progress(report)
        if rebuild:
            started = time.perf_counter()
            _pg_restore_indexes(cursor, saved, report.index_steps)
            report.index_seconds += time.perf_counter() - started


def write_sqlite(world, chunks, *, orders, rebuild, workers, report, progress) -> None:
    raw = connection.connection
    bases = []
    for table in TABLES[:2]:
        top = raw.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]  # noqa: S608
        seq = raw.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", [table]).fetchone()
        bases.append(max(top, seq[0] if seq else 0) + 1)
    chunks = [Chunk(c.index, c.first_ordinal, c.days, bases[0], bases[1]) for c in chunks]
    saved = []
    if rebuild:
        started = time.perf_counter()
        saved = raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN (?, ?, ?) ORDER BY name",
            TABLES,
        ).fetchall()
        for name, _sql in saved:
            raw.execute(f'DROP INDEX "{name}"')
        report.indexes_dropped = len(saved)
        report.index_seconds += time.perf_counter() - started
    statements = [
        (
            table,
            f"INSERT INTO {table} ({', '.join(columns)})"  # noqa: S608 (our names)
            f" VALUES ({', '.join('?' * len(columns))})",
            name,
        )
        for table, columns, name in (
            (TABLES[0], ORDER_COLUMNS, "orders"),
            (TABLES[1], APPEAL_COLUMNS, "appeals"),
            (TABLES[2], ASSIGNMENT_COLUMNS, "assignments"),
        )
    ]
    for rows in chunks_in_order(world, chunks, workers, report):
        for table, statement, name in statements:
            started = time.perf_counter()
            raw.executemany(statement, getattr(rows, name))
            report.insert_seconds[table] += time.perf_counter() - started
        _count(report, rows)
        if progress:
            progress(report)
    if rebuild:
        started = time.perf_counter()
        for _name, statement in saved:
            raw.execute(statement)
        report.index_seconds += time.perf_counter() - started
