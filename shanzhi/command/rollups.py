"""The rollup tables of measures, each defined once: which coordinates of a fact make up its
key, and which facts it leaves out. Its columns are the model's `KEY` and `COLUMNS` (the measures
it keeps). From these definitions come both

- `cells_of(facts)`: the cells the fold adds one case's facts to, in Python, and
- `rebuild_statements()`: the SQL with which rebuild_rollups sums the staged facts of every
  case into the tables, each table from the smallest one already built that can answer it.

A fact, staged (`Staged`), is one row of the rebuild's staging table: one measure of one case
on one day for one unit, with the case's cell."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, models

from shanzhi.command.choices import MEASURES
from shanzhi.command.models import (
    AreaMonth,
    CategoryMonth,
    DayFigures,
    GridMonth,
    MonthFigures,
    TownshipDay,
    UnitMonth,
)

STAGING = "command_rebuild_facts"


class Staged(NamedTuple):
    """One fact as the rebuild stages it (the columns of STAGING)."""

    day: str
    area: str
    grid: str
    unit: int
    category: int
    channel: str
    nature: str
    measure: str
    value: int


STAGING_TYPES = {
    "day": "date",
    "area": "varchar(12)",
    "grid": "varchar(15)",
    "unit": "integer",
    "category": "integer",
    "channel": "varchar(16)",
    "nature": "varchar(16)",
    "measure": "varchar(24)",
    "value": "bigint",
}


def staged(facts: dict) -> list[Staged]:
    """The staged rows of one case's facts."""
    area, grid, category, channel, nature = facts["cell"]
    return [
        Staged(day, area, grid, unit, category, channel, nature, measure, value)
        for measure, day, unit, value in facts["m"]
    ]


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"strftime('%Y-%m-01', {column})"


@dataclass(frozen=True)
class Dimension:
    """A coordinate of a rollup cell. `of_fact` reads it from a staged fact; a dimension with a
    `finer` one (a month from a day) is also derived in SQL from that one's column by `sql`."""

    name: str
    of_fact: Callable[[Staged], object]
    finer: str = ""
    sql: Callable[[str], str] = str


DAY = Dimension("day", lambda f: f.day)
MONTH = Dimension("month", lambda f: f.day[:8] + "01", "day", _month_sql)
AREA = Dimension("area", lambda f: f.area)
TOWNSHIP = Dimension(
    "township", lambda f: f.area[:9] + "000", "area", lambda c: f"substr({c}, 1, 9) || '000'"
)
GRID = Dimension("grid", lambda f: f.grid)
UNIT = Dimension("unit", lambda f: f.unit)
CATEGORY = Dimension("category", lambda f: f.category)
CHANNEL = Dimension("channel", lambda f: f.channel)
NATURE = Dimension("nature", lambda f: f.nature)


@dataclass(frozen=True)
class Rollup:
    """A rollup table: `dimensions` in the order of the model's KEY columns; facts without a
    value for one of `required` (a grid) are left out."""

    model: type[models.Model]
    dimensions: tuple[Dimension, ...]
    required: tuple[Dimension, ...] = ()

    def __post_init__(self):
        assert len(self.dimensions) == len(self.model.KEY), self.model

    @property
    def columns(self) -> dict[str, str]:
        """Dimension name → the column that holds it."""
        return {d.name: column for d, column in zip(self.dimensions, self.model.KEY, strict=True)}

    def can_answer(self, other: "Rollup") -> bool:
        """Whether `other` can be summed from this table."""
        mine = {d.name for d in self.dimensions}
        return (
            set(other.model.COLUMNS) <= set(self.model.COLUMNS)
            and all(d.name in mine or d.finer in mine for d in other.dimensions)
            and all(d.name in mine for d in other.required)
            and set(self.required) <= set(other.required)
        )


# Finest first: each table is summed from the latest one above it that can answer it.
ROLLUPS = (
    Rollup(DayFigures, (DAY, AREA, UNIT, CATEGORY, CHANNEL)),
    Rollup(MonthFigures, (MONTH, AREA, UNIT, CATEGORY, CHANNEL)),
    Rollup(UnitMonth, (MONTH, UNIT)),
    Rollup(AreaMonth, (MONTH, AREA)),
    Rollup(CategoryMonth, (MONTH, AREA, CATEGORY)),
    Rollup(TownshipDay, (DAY, TOWNSHIP, CHANNEL, NATURE)),
    Rollup(GridMonth, (MONTH, GRID), required=(GRID,)),
)


def cells_of(facts: dict | None) -> dict:
    """The rollup cells one case's facts add to: (model, key) → {measure: value}, with days and
    months as ISO strings."""
    cells: dict = defaultdict(lambda: defaultdict(int))
    if not facts:
        return cells
    for fact in staged(facts):
        for rollup in ROLLUPS:
            if fact.measure not in rollup.model.COLUMNS:
                continue
            if not all(d.of_fact(fact) for d in rollup.required):
                continue
            key = tuple(d.of_fact(fact) for d in rollup.dimensions)
            cells[rollup.model, key][fact.measure] += fact.value
    return cells


def _from_staging(rollup: Rollup) -> str:
    measures = list(rollup.model.COLUMNS)
    select = [d.sql(d.finer or d.name) for d in rollup.dimensions]
    where = [f"{d.name} <> ''" for d in rollup.required]
    if measures == MEASURES:
        select += [f"SUM(CASE WHEN measure = '{m}' THEN value ELSE 0 END)" for m in measures]
    elif len(measures) == 1:
        select.append("SUM(value)")
        where.append(f"measure = '{measures[0]}'")
    else:
        select += [f"SUM(CASE WHEN measure = '{m}' THEN value ELSE 0 END)" for m in measures]
        where.append("measure IN ({})".format(", ".join(f"'{m}'" for m in measures)))
    return _statement(rollup, select, STAGING, where, having="")


def _from_rollup(rollup: Rollup, source: Rollup) -> str:
    measures = list(rollup.model.COLUMNS)
    columns = source.columns
    select = [
        columns[d.name] if d.name in columns else d.sql(columns[d.finer]) for d in rollup.dimensions
    ]
    select += [f"SUM({m})" for m in measures]
    where = [f"{columns[d.name]} <> ''" for d in rollup.required if d not in source.required]
    having = ""
    if len(measures) < len(source.model.COLUMNS):  # cells of other measures only: none here
        having = " OR ".join(f"SUM({m}) <> 0" for m in measures)
    return _statement(rollup, select, source.model._meta.db_table, where, having)


def _statement(rollup: Rollup, select: list[str], table: str, where: list[str], having: str):
    names = ", ".join([*rollup.model.KEY, *rollup.model.COLUMNS])
    groups = ", ".join(str(i + 1) for i in range(len(rollup.dimensions)))
    sql = f"INSERT INTO {rollup.model._meta.db_table} ({names}) SELECT {', '.join(select)} "
    sql += f"FROM {table}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" GROUP BY {groups}"
    if having:
        sql += f" HAVING {having}"
    return sql


def rebuild_statements() -> list[str]:
    """INSERT … SELECT … GROUP BY statements that fill every (empty) rollup table from the
    staged facts, in order."""
    statements, built = [], []
    for rollup in ROLLUPS:
        source = next((b for b in reversed(built) if b.can_answer(rollup)), None)
        statements.append(_from_rollup(rollup, source) if source else _from_staging(rollup))
        built.append(rollup)
    return statements
