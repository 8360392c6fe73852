"""Everything the rows refer to, loaded from the database once (`World`), and the plan of
how many orders fall on which day."""

import datetime
import math
import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from shanzhi.demo.history.tables import (
    CHANNELS_END,
    CHANNELS_START,
    CHUNK,
    DAY,
    FIRST_CHUNK,
    GIVEN_CHARS,
    GRID_SHARE,
    GROWTH,
    HOURS_REST,
    HOURS_WORK,
    NATURE_BY_ROOT,
    NATURE_CONSULT,
    NATURE_DEFAULT,
    NATURES,
    POPULAR,
    RATINGS,
    REPLY_RESULTS,
    REST_DAY_WEIGHT,
    RETURN_REASONS,
    SENSOR_LEAVES,
    SURNAMES,
    TITLES,
    WORK_START,
    ZIPF,
)


class SeedError(Exception):
    """The database is not ready for seeding (not migrated, no demo)."""


# -- the world: everything the rows refer to, loaded once -------------------------------------


@dataclass
class Leaf:
    pk: int
    code: str
    name: str
    path: str
    natures: list = field(default_factory=list)  # 1,000-entry table
    titles: dict = field(default_factory=dict)  # nature → titles


@dataclass
class Area:
    code: str  # grid code (15 digits) or village code (12)
    village: str
    grid: str | None
    lon: float | None
    lat: float | None
    jitter: tuple  # half-ranges of the jitter around (lon, lat)
    dispatch_unit: int
    addresses: list
    grid_worker: tuple | None  # (user id, name) of the grid's full-time worker


@dataclass
class World:
    """Lookup tables for the rows; loaded once, shared by the worker processes (fork)."""

    seed: int
    pg: bool
    now: int  # epoch seconds
    start: int
    leaves: list
    areas: list
    area_table: list  # 10,000 indexes into areas
    leaf_table: list  # 10,000 indexes into leaves
    sensor_leaf_table: list  # 1,000
    channel_tables: list  # 5 × 1,000 channels, from the start of the span to its end
    lead: dict  # (leaf pk, village) → (lead unit, its level, a unit that may return it, level)
    limits: dict  # (leaf pk, nature, urgency, level) → deadlines.Limits
    operators: list
    names: list
    # The calendar, per local day (index 0: the day before the start).
    day_start: list  # epoch seconds of local midnight
    is_work: list
    work_morning: list  # 08:30 of the first working day on or after the day
    next_work_index: list  # index into work_days of the first working day after the day
    work_days: list
    yymmdd: list  # the local date in the codes
    digits: list  # str(n) for the small numbers in the rows (units, categories, counts)
    # Text of timestamps: "YYYY-MM-DD " per UTC day from utc_day0, "HH:MM:SS" per second.
    utc_day0: int
    utc_days: list
    tod: list
    null: object
    true: str
    false: str
    hours_work: list
    hours_rest: list
    delays: dict
    ratings: list
    reasons: list
    results: list


def _table(pairs, size=1000) -> list:
    """A lookup table: the value at index int(random() * size) follows the weights."""
    total = sum(w for _, w in pairs)
    table, acc = [], 0.0
    for value, weight in pairs:
        acc += weight
        table.extend([value] * (round(acc / total * size) - len(table)))
    table.extend([pairs[-1][0]] * (size - len(table)))
    return table


def _lognormal(median: float, sigma: float, cap: float, size=1024) -> list:
    """Quantiles of a log-normal delay in seconds, looked up at int(random() * size)."""
    z = statistics.NormalDist()
    return [
        int(min(cap, median * math.exp(sigma * z.inv_cdf((i + 0.5) / size)))) for i in range(size)
    ]


def check_ready() -> None:
    """Refuse a database without the schema or without the demo territory."""
    from django.db.migrations.executor import MigrationExecutor
    from django.db.utils import DatabaseError

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        from shanzhi.territory.models import Grid
        from shanzhi.workorders.models import Category, DispatchRule

        if pending:
            raise SeedError(
                f"{len(pending)} migrations are not applied: run `shanzhi manage migrate` first"
            )
        if not Grid.objects.exists() or not DispatchRule.objects.exists():
            raise SeedError(
                "the demo territory is missing (no grids or no dispatch rules):"
                " run `shanzhi demo` first (or `shanzhi up`, which builds it)"
            )
        if not Category.objects.filter(depth=3, is_active=True).exists():
            raise SeedError("there are no leaf categories: run `shanzhi demo` first")
    except DatabaseError as error:
        raise SeedError(
            f"cannot read the database ({error}): run `shanzhi manage migrate` first"
        ) from None


def load_world(*, now: datetime.datetime, years: float, seed: int) -> World:
    """The lookup tables, from the database: a few dozen queries, whatever the size."""
    from shanzhi.core import workdays
    from shanzhi.org.choices import GridDuty, Role
    from shanzhi.org.models import GridAssignment, Membership
    from shanzhi.territory.models import Grid, Region
    from shanzhi.workorders.models import Category
    from shanzhi.workorders.services.routing import dispatch_unit_id_for, triage_units

    rng = random.Random(f"{seed}:world")
    tz = ZoneInfo(settings.TIME_ZONE)
    now_ts = int(now.timestamp())
    start_ts = now_ts - int(years * 365.25 * DAY)
    pg = connection.vendor == "postgresql"

    # Leaves (active categories without active children), the popular ones first.
    rows = list(
        Category.objects.filter(is_active=True)
        .order_by("path")
        .values_list("pk", "code", "name", "path", "parent_id")
    )
    parents = {parent for *_, parent in rows}
    leaves = [Leaf(pk, code, name, path) for pk, code, name, path, _ in rows if pk not in parents]
    rank = {name: i for i, name in enumerate(POPULAR)}
    popular = sorted((c for c in leaves if c.name in rank), key=lambda c: rank[c.name])
    rest = [c for c in leaves if c.name not in rank]
    rng.shuffle(rest)
    leaves = popular + rest
    for leaf in leaves:
        weights = (
            NATURE_CONSULT
            if "咨询" in leaf.name
            else NATURE_BY_ROOT.get(leaf.path.split("/")[0], NATURE_DEFAULT)
        )
        leaf.natures = _table(list(zip(NATURES, weights, strict=True)))
        leaf.titles = {n: [t.format(leaf=leaf.name) for t in TITLES[n]] for n in NATURES}
    leaf_table = _table([(i, 1 / (i + 1) ** ZIPF) for i in range(len(leaves))], 10_000)
    sensor = [i for i, leaf in enumerate(leaves) if leaf.name in SENSOR_LEAVES] or [0]
    sensor_leaf_table = _table([(i, 1 / (k + 1)) for k, i in enumerate(sensor)])

    # Areas: every grid, and every village on its own (a matter filed without a map point).
    triage_units.clear()
    villages = {r.code: r for r in Region.objects.filter(level="village").order_by("code")}
    workers: dict = {}
    for grid_code, user_id, first, last, username in (
        GridAssignment.objects.filter(duty=GridDuty.FULL_TIME)
        .order_by("grid_id", "user_id")
        .values_list("grid_id", "user_id", "user__first_name", "user__last_name", "user__username")
    ):
        workers.setdefault(grid_code, (user_id, (last + first) or username))

    def addresses(village) -> list:
        if village.code[9] == "0":  # a residents' committee (社区)
            return [f"{village.name}社区{n}幢" for n in range(1, 25)]
        return [f"{village.name}{n}组" for n in range(1, 13)]

    areas, weights = [], []
    village_weight: Counter = Counter()
    first_grid: dict = {}
    for code, village_code, lon, lat, geometry in Grid.objects.order_by("code").values_list(
        "code", "village_id", "lon", "lat", "geometry"
    ):
        xs = [p[0] for ring in geometry["coordinates"] for p in ring]
        ys = [p[1] for ring in geometry["coordinates"] for p in ring]
        weight = math.exp(rng.gauss(0, 0.6)) * (1.6 if village_code[9] == "0" else 1.0)
        village = villages[village_code]
        areas.append(
            Area(
                code,
                village_code,
                code,
                lon,
                lat,
                ((max(xs) - min(xs)) * 0.35, (max(ys) - min(ys)) * 0.35),
                dispatch_unit_id_for(code),
                addresses(village),
                workers.get(code),
            )
        )
        weights.append(weight * GRID_SHARE)
        village_weight[village_code] += weight
        first_grid.setdefault(village_code, code)
    for village_code, weight in sorted(village_weight.items()):
        village = villages[village_code]
        areas.append(
            Area(
                village_code,
                village_code,
                None,
                village.lon,
                village.lat,
                (0.006, 0.004),
                dispatch_unit_id_for(village_code),
                addresses(village),
                workers.get(first_grid[village_code]),
            )
        )
        weights.append(weight * (1 - GRID_SHARE))
    area_table = _table(list(enumerate(weights)), 10_000)

    operators = list(
        Membership.objects.filter(role=Role.OPERATOR, is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    ) or [None]
    channel_tables = [
        _table(
            [(c, CHANNELS_START[c] * (4 - k) / 4 + CHANNELS_END[c] * k / 4) for c in CHANNELS_START]
        )
        for k in range(5)
    ]

    # The calendar from the day before the start to 200 days after now.
    first_day = datetime.datetime.fromtimestamp(start_ts, tz).date() - datetime.timedelta(1)
    last_day = datetime.datetime.fromtimestamp(now_ts, tz).date() + datetime.timedelta(200)
    day_start, is_work = [], []
    day = first_day
    while day <= last_day:
        day_start.append(int(datetime.datetime.combine(day, datetime.time(0), tz).timestamp()))
        is_work.append(workdays.is_working_day(day))
        day += datetime.timedelta(1)
    work_days = [d for d, working in enumerate(is_work) if working]
    next_work_index, work_morning = [0] * len(is_work), [0] * len(is_work)
    following = len(work_days)  # index of the first working day after d
    for d in range(len(is_work) - 1, -1, -1):
        next_work_index[d] = following
        if is_work[d]:
            following -= 1
        on_or_after = d if is_work[d] else work_days[min(next_work_index[d], len(work_days) - 1)]
        work_morning[d] = day_start[on_or_after] + WORK_START

    utc_day0 = start_ts // DAY - 2
    utc_days = [
        datetime.date.fromordinal(719163 + d).isoformat() + " "
        for d in range(utc_day0, now_ts // DAY + 202)
    ]
    suffix = "+00" if pg else ""
    tod = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(DAY)]

    given = list(GIVEN_CHARS)
    names = sorted(
        {s + g for s in SURNAMES for g in given}
        | {s + a + b for s in SURNAMES[:40] for a in given[:30] for b in given[10:40] if a != b}
    )
    rng.shuffle(names)
    hour = 3600
    world = World(
        seed=seed,
        pg=pg,
        now=now_ts,
        start=start_ts,
        leaves=leaves,
        areas=areas,
        area_table=area_table,
        leaf_table=leaf_table,
        sensor_leaf_table=sensor_leaf_table,
        channel_tables=channel_tables,
        lead=lead_units(leaves, sorted(villages)),
        limits={},
        operators=operators,
        names=names,
        day_start=day_start,
        is_work=is_work,
        work_morning=work_morning,
        next_work_index=next_work_index,
        work_days=work_days,
        digits=[str(n) for n in range(_max_small_id() + 1)],
        yymmdd=[
            datetime.datetime.fromtimestamp(start + 43200, tz).strftime("%y%m%d")
            for start in day_start
        ],
        utc_day0=utc_day0,
        utc_days=utc_days,
        tod=tod,
        null="\\N" if pg else None,
        true="t" if pg else "1",
        false="f" if pg else "0",
        hours_work=_table(list(enumerate(HOURS_WORK)), 10_000),
        hours_rest=_table(list(enumerate(HOURS_REST)), 10_000),
        delays={
            "triage": _lognormal(35 * 60, 0.8, 8 * hour),
            "sign": _lognormal(1.5 * hour, 1.0, 2 * DAY),
            "late_sign": _lognormal(6 * hour, 1.0, 10 * DAY),
            "return": _lognormal(3 * hour, 0.8, 2 * DAY),
            "pause": _lognormal(8 * DAY, 0.8, 90 * DAY),
            "late": _lognormal(2 * DAY, 1.0, 60 * DAY),
            "verify": _lognormal(2 * hour, 1.0, 3 * DAY),
            "rate": _lognormal(20 * hour, 1.0, 7 * DAY),
        },
        ratings=_table(RATINGS),
        reasons=_table(RETURN_REASONS),
        results=_table(REPLY_RESULTS),
    )
    _preload_limits(world)
    return world


def _max_small_id() -> int:
    """The largest unit or category id, or version number, a row can hold."""
    from shanzhi.org.models import Unit
    from shanzhi.workorders.models import Category

    ids = [Unit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0]
    ids.append(Category.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    return max(ids + [100])


def lead_units(leaves, village_codes) -> dict:
    """(leaf pk, village) → (lead unit, its level, a second unit, its level). The lead is the
    first proposal of `selectors.dispatch_proposals`, worked out in memory from the rules (the
    selector runs a few queries per order); the second is the next proposal, else a township
    platform: the unit a misrouted order goes to first, and which returns it."""
    from shanzhi.org.choices import UnitKind
    from shanzhi.org.models import Unit
    from shanzhi.territory.choices import PREFIX_LENGTH, RegionLevel, ancestor_codes
    from shanzhi.workorders.models import DispatchRule

    units = {
        pk: (level, active)
        for pk, level, active in Unit.objects.values_list("pk", "region__level", "is_active")
    }
    first_of_kind: dict = {}  # like `.filter(kind=…, region_id=…, is_active=True).first()`
    for pk, kind, region in (
        Unit.objects.filter(is_active=True)
        .order_by("region_id", "kind", "name")
        .values_list("pk", "kind", "region_id")
    ):
        first_of_kind.setdefault((kind, region), pk)
    rules = list(
        DispatchRule.objects.order_by("order", "id").values_list(
            "category__code",
            "category__depth",
            "region_id",
            "lead_unit_id",
            "lead_kind",
            "lead_level",
            "order",
        )
    )
    level_rank = {level: i for i, level in enumerate(reversed(list(PREFIX_LENGTH)))}
    found = {}
    for village in village_codes:
        regions = set(ancestor_codes(village)) | {village}
        township = village[:9] + "000"
        for leaf in leaves:
            ancestors = set(leaf.path.split("/"))
            proposals, seen = [], set()
            for code, depth, region, unit, kind, level, order in rules:
                if code not in ancestors or (region is not None and region not in regions):
                    continue
                if unit is None and kind and level:
                    length = PREFIX_LENGTH[RegionLevel(level)]
                    unit = first_of_kind.get((kind, village[:length].ljust(12, "0")))
                if unit is None or not units[unit][1] or unit in seen:
                    continue
                seen.add(unit)
                proposals.append((-depth, level_rank[RegionLevel(units[unit][0])], order, unit))
            proposals.sort(key=lambda p: p[:3])  # stable, like the selector's
            ordered = [p[3] for p in proposals]
            if not ordered:
                continue
            spare = [
                first_of_kind.get((kind, township))
                for kind in (UnitKind.PLATFORM_ZONGZHI, UnitKind.PLATFORM_SERVICE)
            ]
            others = ordered[1:] + [u for u in spare if u and u not in ordered]
            other = others[0] if others else None
            found[leaf.pk, village] = (
                ordered[0],
                units[ordered[0]][0],
                other,
                units[other][0] if other else None,
            )
    return found


def _preload_limits(world: World) -> None:
    """The deadline rule of every (leaf, nature, urgency, level) the rows can need, found by the
    deadlines service itself: once per combination of the categories that have rules of their
    own, not once per leaf."""
    from shanzhi.workorders.models import DeadlineRule
    from shanzhi.workorders.services.deadlines import rule_for

    ruled = set(
        DeadlineRule.objects.filter(category__isnull=False).values_list("category__code", flat=True)
    )
    levels = {v[1] for v in world.lead.values()} | {v[3] for v in world.lead.values() if v[3]}
    found: dict = {}
    for leaf in world.leaves:
        category = SimpleNamespace(path=leaf.path)
        own = tuple(code for code in leaf.path.split("/") if code in ruled)
        for nature in sorted(set(leaf.natures)):
            for urgency in ("normal", "urgent", "critical"):
                for level in sorted(levels):
                    key = (own, nature, urgency, level)
                    if key not in found:
                        found[key] = rule_for(
                            category=category, nature=nature, urgency=urgency, level=level
                        )
                    world.limits[leaf.pk, nature, urgency, level] = found[key]


# -- the plan: how many orders on which day ------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    index: int
    first_ordinal: int
    days: tuple  # (local day index, orders, first second, end second) per day
    order_base: int  # id of ordinal 0
    appeal_base: int

    @property
    def orders(self) -> int:
        return sum(day[1] for day in self.days)


def plan(world: World, orders: int, *, order_base: int, appeal_base: int) -> list:
    """Orders per local day, in chunks of whole days: working days weigh more than other days,
    the volume grows slowly over the span, with a mild summer peak and some day-to-day noise."""
    rng = random.Random(f"{world.seed}:plan")
    tz = ZoneInfo(settings.TIME_ZONE)
    first = max(d for d, start in enumerate(world.day_start) if start <= world.start)
    last = max(d for d, start in enumerate(world.day_start) if start <= world.now)
    weights = []
    for d in range(first, last + 1):
        date = datetime.datetime.fromtimestamp(world.day_start[d] + 43200, tz).date()
        weight = 1.0 if world.is_work[d] else REST_DAY_WEIGHT
        weight *= GROWTH[0] + (GROWTH[1] - GROWTH[0]) * (d - first) / max(last - first, 1)
        weight *= 1 + 0.12 * math.sin(2 * math.pi * (date.timetuple().tm_yday - 105) / 365.25)
        weight *= max(0.5, 1 + 0.08 * rng.gauss(0, 1))
        weights.append(weight)
    # The first and the last day are partial.
    weights[0] *= (world.day_start[first] + DAY - world.start) / DAY
    weights[-1] *= (world.now - world.day_start[last]) / DAY
    total = sum(weights)
    expected = [orders * w / total for w in weights]
    counts = [int(e) for e in expected]
    for i in sorted(range(len(counts)), key=lambda i: (counts[i] - expected[i], i))[
        : orders - sum(counts)
    ]:
        counts[i] += 1
    chunks, days, ordinal, size = [], [], 0, 0
    for offset, count in enumerate(counts):
        d = first + offset
        low = world.start - world.day_start[d] if d == first else 0
        high = world.now - world.day_start[d] if d == last else DAY
        days.append((d, count, low, high))
        size += count
        if size >= min(CHUNK, FIRST_CHUNK << len(chunks)) or d == last:
            chunks.append(Chunk(len(chunks), ordinal, tuple(days), order_base, appeal_base))
            ordinal += size
            days, size = [], 0
    return chunks
