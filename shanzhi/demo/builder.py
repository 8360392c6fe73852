"""Builds the demo municipality (湖州市) through the same services administrators use, so the
demo also proves them: the grid import checks that the generated grids tile without overlap."""

import random
import secrets
from dataclasses import dataclass, field

import shapely
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from shanzhi.command.services import kpi_rules_default
from shanzhi.core.services import calendar_seed_from_package
from shanzhi.demo import data
from shanzhi.org import services as org
from shanzhi.org.choices import GridDuty, Role, UnitKind
from shanzhi.territory.models import Grid, Region
from shanzhi.territory.services import (
    grids_import,
    national_regions_available,
    outlines_load_package,
    region_save,
    regions_load_national,
)

ACTOR = "demo"
TOWNSHIP_SIZE = (0.06, 0.04)  # degrees of longitude, latitude
VILLAGE_CELLS = [(0, 1), (1, 1), (2, 1), (0, 0), (1, 0)]  # five villages in a 3 × 2 block
GRIDS_PER_VILLAGE = 3


@dataclass
class DemoResult:
    password: str
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, name, role
    counts: dict = field(default_factory=dict)


def _township_corner(county: Region, t_index: int, placed: list) -> tuple[float, float]:
    """The south-west corner of a township's block: in a row across the county's centre, or,
    where that would cross the county's real outline, the nearest place well inside it that no
    other township takes, so that the grids lie where the map says the county is."""
    width, height = TOWNSHIP_SIZE
    west = county.lon - 1.5 * width + t_index * width
    south = county.lat - height / 2
    inside = shapely.geometry.shape(county.outline.geometry).buffer(-0.005)
    step = 0.01
    offsets = sorted(
        ((dx * step, dy * step) for dx in range(-30, 31) for dy in range(-30, 31)),
        key=lambda d: (d[0] ** 2 + d[1] ** 2, d),
    )
    for dx, dy in offsets:
        block = shapely.box(west + dx, south + dy, west + dx + width, south + dy + height)
        if inside.contains(block) and not any(block.intersection(o).area for o in placed):
            placed.append(block)
            return round(west + dx, 6), round(south + dy, 6)
    raise ValueError(f"no room for a township in {county.name}")


def _village_polygons(rng: random.Random, west: float, south: float, width: float, height: float):
    """Split a village rectangle into grids by bent vertical lines; neighbours share the exact
    same line, so the grids tile the village without gaps or overlaps."""
    splits = []
    for i in range(1, GRIDS_PER_VILLAGE):
        x = west + width * i / GRIDS_PER_VILLAGE
        splits.append((x, x + rng.uniform(-0.15, 0.15) * width / GRIDS_PER_VILLAGE))
    north, mid = south + height, south + height / 2
    lines = [[(west, south), (west, north)]]
    lines += [[(x, south), (bend, mid), (x, north)] for x, bend in splits]
    lines.append([(west + width, south), (west + width, north)])
    polygons = []
    for left, right in zip(lines, lines[1:], strict=False):
        ring = list(left) + list(reversed(right)) + [left[0]]
        polygons.append([[round(x, 6), round(y, 6)] for x, y in ring])
    return polygons


def _name(rng: random.Random) -> str:
    return rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)


def _phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "137", "158", "159", "188", "189", "177"]) + "".join(
        rng.choice("0123456789") for _ in range(8)
    )


OPEN311_GATEWAY = "open311-gateway"


def build_regions() -> None:
    """China's provinces, cities and counties when the national list is installed (the
    `regions` extra); without it, only the demo's own province, city and counties, so that
    `pip install shanzhi && shanzhi up` needs no pandas."""
    if national_regions_available():
        regions_load_national(actor=ACTOR)
        return
    for code, name, lon, lat in data.REGIONS:
        region_save(actor=ACTOR, code=code, name=name, lon=lon, lat=lat)


def build(*, seed: int = 2026, password: str | None = None) -> DemoResult:
    rng = random.Random(seed)
    password = password or secrets.token_urlsafe(9)
    result = DemoResult(password=password)
    calendar_seed_from_package(actor=ACTOR)
    kpi_rules_default()  # `demo --reset` empties the table the migration filled
    with transaction.atomic():
        build_regions()
        outlines_load_package(actor=ACTOR, within=[data.CITY_CODE])  # under the grids
        city = Region.objects.get(code=data.CITY_CODE)
        community_names = rng.sample(data.COMMUNITY_NAMES, len(data.COMMUNITY_NAMES))
        village_names = rng.sample(data.VILLAGE_NAMES, len(data.VILLAGE_NAMES))
        city_centre = org.unit_create(
            actor=ACTOR, name=f"{city.name}社会治理中心", kind=UnitKind.CENTRE, region=city
        )
        units: dict[str, object] = {"city": city_centre}
        features = []
        villages_by_township: dict[str, list[Region]] = {}
        committees: dict[str, object] = {}
        for county_code, townships in data.TOWNSHIPS.items():
            county = Region.objects.get(code=county_code)
            centre = org.unit_create(
                actor=ACTOR,
                name=f"{county.name}社会治理中心",
                kind=UnitKind.CENTRE,
                region=county,
                parent=city_centre,
            )
            departments = [
                org.unit_create(
                    actor=ACTOR,
                    name=f"{county.name}{dept}",
                    kind=UnitKind.DEPARTMENT,
                    region=county,
                    parent=centre,
                )
                for dept in data.COUNTY_DEPARTMENTS
            ]
            mediation = org.unit_create(
                actor=ACTOR,
                name=f"{county.name}人民调解委员会",
                kind=UnitKind.MEDIATION,
                region=county,
                parent=centre,
            )
            if county_code == "330502000000":
                units.update(county=centre, department=departments[0], mediation=mediation)
            placed = []
            for t_index, (suffix, township_name) in enumerate(townships):
                code = county_code[:6] + suffix + "000"
                west, south = _township_corner(county, t_index, placed)
                township = region_save(
                    actor=ACTOR,
                    code=code,
                    name=township_name,
                    lon=round(west + TOWNSHIP_SIZE[0] / 2, 6),
                    lat=round(south + TOWNSHIP_SIZE[1] / 2, 6),
                )
                command_room = org.unit_create(
                    actor=ACTOR,
                    name=f"{township_name}综合指挥室",
                    kind=UnitKind.COMMAND_ROOM,
                    region=township,
                    parent=centre,
                )
                for kind in (
                    UnitKind.PLATFORM_ZONGZHI,
                    UnitKind.PLATFORM_MARKET,
                    UnitKind.PLATFORM_ENFORCEMENT,
                    UnitKind.PLATFORM_SERVICE,
                ):
                    org.unit_create(
                        actor=ACTOR,
                        name=f"{township_name}{kind.label}",
                        kind=kind,
                        region=township,
                        parent=command_room,
                    )
                if county_code == "330502000000" and t_index == 0:
                    units["township"] = command_room
                if county_code == "330502000000" and t_index == 2:
                    units["other_township"] = command_room
                is_street = suffix.startswith("0")
                cell_w, cell_h = TOWNSHIP_SIZE[0] / 3, TOWNSHIP_SIZE[1] / 2
                villages_by_township[code] = []
                for v_index, (col, row) in enumerate(VILLAGE_CELLS):
                    if is_street:
                        v_code = code[:9] + f"{v_index + 1:03d}"
                        v_name = community_names.pop() + "社区"
                        committee_name = f"{v_name}居民委员会"
                    else:
                        v_code = code[:9] + f"{v_index + 201:03d}"
                        v_name = village_names.pop()
                        committee_name = f"{v_name}村民委员会"
                    v_west, v_south = west + col * cell_w, south + row * cell_h
                    village = region_save(
                        actor=ACTOR,
                        code=v_code,
                        name=v_name,
                        lon=round(v_west + cell_w / 2, 6),
                        lat=round(v_south + cell_h / 2, 6),
                    )
                    villages_by_township[code].append(village)
                    committees[v_code] = org.unit_create(
                        actor=ACTOR,
                        name=committee_name,
                        kind=UnitKind.VILLAGE_COMMITTEE,
                        region=village,
                        parent=command_room,
                    )
                    for g_index, ring in enumerate(
                        _village_polygons(rng, v_west, v_south, cell_w, cell_h), start=1
                    ):
                        features.append(
                            {
                                "type": "Feature",
                                "properties": {
                                    "code": f"{v_code}{g_index:03d}",
                                    "name": f"{v_name}第{g_index}网格",
                                },
                                "geometry": {"type": "Polygon", "coordinates": [ring]},
                            }
                        )
        grids_import(actor=ACTOR, features=features)
        first_village = villages_by_township[units["township"].region_id][0]
        units["village"] = committees[first_village.code]

        # The demo accounts share one password hash: hashing it once keeps the build fast.
        password_hash = make_password(password)
        people = {}
        for username, full_name, role, where in data.ACCOUNTS:
            user = org.person_create(
                actor=ACTOR,
                username=username,
                full_name=full_name,
                password=None,
                is_superuser=(role == Role.ADMIN),
            )
            user.password = password_hash
            user.save(update_fields=["password"])
            org.membership_grant(actor=ACTOR, user=user, unit=units[where], role=role)
            people[username] = user
            result.accounts.append((username, full_name, str(Role(role).label)))

        # The account docs/integration.md issues an Open311 token for: a connected civic app
        # posts on the API channel, which needs no role, and it has no password (token only).
        org.person_create(
            actor=ACTOR, username=OPEN311_GATEWAY, full_name="Open311 接入应用", password=None
        )

        # Every grid gets a full-time worker; the demo grid worker and the village clerk (as grid
        # leader) take the first village of the dispatcher's township.
        grids = list(Grid.objects.order_by("code"))
        for grid in grids:
            if grid.village_id == first_village.code and grid.code.endswith("001"):
                worker = people["gridworker"]
            else:
                worker = org.person_create(
                    actor=ACTOR, username=f"gw{grid.code}", full_name=_name(rng), password=None
                )
                org.membership_grant(
                    actor=ACTOR,
                    user=worker,
                    unit=committees[grid.village_id],
                    role=Role.GRID_WORKER,
                )
            org.grid_assign(actor=ACTOR, grid=grid, user=worker, duty=GridDuty.FULL_TIME)
            if grid.village_id == first_village.code:
                org.grid_assign(
                    actor=ACTOR, grid=grid, user=people["villageclerk"], duty=GridDuty.LEADER
                )

        # Households and party-member links in the first village of every township.
        household_count = party_count = 0
        for villages in villages_by_township.values():
            village = villages[0]
            for grid in [g for g in grids if g.village_id == village.code]:
                rows = [
                    {
                        "address": f"{village.name}{rng.randint(1, 12)}组{number}号",
                        "head_name": _name(rng),
                        "members_count": rng.randint(1, 6),
                        "phone": _phone(rng),
                    }
                    for number in range(1, rng.randint(12, 20) + 1)
                ]
                households = org.households_register(actor=ACTOR, grid=grid, rows=rows)
                household_count += len(households)
                start = 0
                while len(households) - start >= 5:
                    size = min(rng.randint(5, 8), len(households) - start)
                    org.party_member_link(
                        actor=ACTOR,
                        grid=grid,
                        name=_name(rng),
                        phone=_phone(rng),
                        households=households[start : start + size],
                    )
                    party_count += 1
                    start += size
        from shanzhi.demo import workorders as demo_workorders

        categories = demo_workorders.build_categories()
        demo_workorders.build_service_attributes()
        # Inside this one transaction "forget on commit" cannot refresh the per-process
        # memory of categories and triage units before the work orders are registered.
        from shanzhi.core.memo import clear_all

        clear_all()
        rules = demo_workorders.build_dispatch_rules()
        from shanzhi.demo import knowledge as demo_knowledge

        demo_knowledge.build_entries(timezone.localdate())
        orders = demo_workorders.build_workorders(rng, people)
        from shanzhi.demo import devices as demo_devices

        devices = demo_devices.build_devices(seed)
        orders += demo_devices.build_alarms()
        from shanzhi.demo import mediation as demo_mediation

        mediation_counts = demo_mediation.build(rng, people, villages_by_township, password_hash)
        result.counts = {
            "townships": sum(len(t) for t in data.TOWNSHIPS.values()),
            "villages": sum(len(v) for v in villages_by_township.values()),
            "grids": len(grids),
            "households": household_count,
            "party_members": party_count,
            "categories": categories,
            "dispatch_rules": rules,
            "work_orders": orders,
            "devices": devices,
            **mediation_counts,
        }
    return result


DEMO_HISTORY = 20_000  # work orders of the past year: what the dashboard and the assessment show
DISPUTES_PER_ORDER = 0.15  # 3,000 disputes beside the 20,000 orders


def add_history(*, orders: int = DEMO_HISTORY, years: float = 1, seed: int = 2026) -> int:
    """Past work orders (shanzhi.demo.history, the generator of `bench seed`) and disputes
    (demo/mediation_history.py) for the demo, then the rollups rebuilt: the trend, last month's
    KPIs, the assessment and the mediation figures have something to show. Seeded cases have no
    audit trail (their history tab is empty)."""
    from shanzhi.command.services import rollups_rebuild
    from shanzhi.demo.history import seed_history
    from shanzhi.demo.mediation_history import seed_disputes

    seed_history(orders=orders, years=years, seed=seed, workers=0)
    seed_disputes(cases=int(orders * DISPUTES_PER_ORDER), years=years, seed=seed)
    return rollups_rebuild()


def is_empty() -> bool:
    """True for a database that was never set up: no people and no villages."""
    from django.contrib.auth import get_user_model

    return (
        not get_user_model().objects.exists()
        and not Region.objects.filter(level="village").exists()
    )


def password_file():
    from django.conf import settings

    return settings.DATA_DIR / "demo-password"


def remembered_password() -> str | None:
    """The demo password kept in the data directory, so `shanzhi up` can show it again."""
    path = password_file()
    return path.read_text().strip() if path.exists() else None


def remember_password(password: str) -> None:
    import os

    path = password_file()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
