"""The demo municipality: its shape, its accounts, and that a seed always builds the same one."""

import hashlib
import json

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from shanzhi.org.choices import UnitKind
from shanzhi.org.models import Household, Membership, PartyMember, Unit
from shanzhi.territory.models import Grid, Region

pytestmark = pytest.mark.django_db
COUNTIES = {
    "330502000000": "吴兴区",
    "330503000000": "南浔区",
    "330521000000": "德清县",
    "330522000000": "长兴县",
    "330523000000": "安吉县",
}


def test_huzhou_and_its_real_counties():
    assert Region.objects.get(code="330500000000").name == "湖州市"
    counties = Region.objects.filter(parent_id="330500000000", level="county")
    assert {c.code: c.name for c in counties} == COUNTIES


def test_every_level_is_populated_and_grids_tile_their_villages():
    for county in COUNTIES:
        townships = Region.objects.filter(parent_id=county)
        assert townships.count() >= 3
        for township in townships:
            assert Region.objects.filter(parent=township, level="village").count() >= 5
            assert Unit.objects.filter(region=township, kind=UnitKind.COMMAND_ROOM).exists()
    grids = list(Grid.objects.all())
    assert len(grids) == 225
    by_village = {}
    for grid in grids:
        by_village.setdefault(grid.village_id, []).append(shape(grid.geometry))
    for village, shapes in by_village.items():
        assert len(shapes) >= 3
        union = shapely.union_all(shapes)
        # The grids tile the village: no overlap (areas add up) and the union is a rectangle.
        assert sum(s.area for s in shapes) == pytest.approx(union.area, rel=1e-9), village
        assert union.area == pytest.approx(shapely.envelope(union).area, rel=1e-9), village
    assert Unit.objects.filter(kind=UnitKind.DEPARTMENT).count() == 25
    assert Unit.objects.filter(kind=UnitKind.VILLAGE_COMMITTEE).count() == 75
    assert Household.objects.count() > 500
    assert PartyMember.objects.filter(households__isnull=False).distinct().count() > 50


def test_one_account_per_role_with_fixed_usernames():
    roles = dict(
        Membership.objects.filter(
            user__username__in=[
                "resident",
                "gridworker",
                "villageclerk",
                "dispatcher",
                "department",
                "commander",
                "mediator",
                "leader",
                "admin",
                "outsider",
            ]
        ).values_list("user__username", "role")
    )
    assert roles == {
        "resident": "resident",
        "gridworker": "grid_worker",
        "villageclerk": "village_clerk",
        "dispatcher": "township_dispatcher",
        "department": "department_handler",
        "commander": "district_commander",
        "mediator": "mediator",
        "leader": "leader",
        "admin": "admin",
        "outsider": "township_dispatcher",
    }


def _fingerprint() -> str:
    rows = [
        list(
            Region.objects.filter(code__startswith="3305").values_list("code", "name", "lon", "lat")
        ),
        list(Grid.objects.values_list("code", "name", "geometry")),
        list(
            Household.objects.order_by("grid_id", "address", "head_name").values_list(
                "grid_id", "address", "head_name", "members_count", "phone"
            )
        ),
        list(Unit.objects.order_by("region_id", "name").values_list("region_id", "name", "kind")),
    ]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def rebuild(*args):
    """`demo --reset` inside the test's transaction: PostgreSQL refuses to TRUNCATE tables with
    deferred foreign-key checks pending, so they are run first (outside a test there are none)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("demo", "--reset", "--history", "0", *args)


def test_the_same_seed_builds_the_same_municipality_and_another_seed_does_not(settings, tmp_path):
    from shanzhi.conftest import DEMO_SEED

    settings.DATA_DIR = tmp_path

    original = _fingerprint()
    rebuild("--seed", str(DEMO_SEED), "--password", "x-Passw0rd-1")
    assert _fingerprint() == original
    rebuild("--seed", "7", "--password", "x-Passw0rd-1")
    assert _fingerprint() != original
    assert (settings.DATA_DIR / "demo-password").read_text().strip() == "x-Passw0rd-1"


def test_demo_refuses_a_database_that_is_not_empty(table_counts):
    before = table_counts()
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo")
    assert table_counts() == before


def test_the_demo_history_gives_the_leader_last_months_figures_and_ranking(
    settings, tmp_path, client_as
):
    import datetime

    from django.utils import timezone

    from shanzhi.workorders.models import WorkOrder

    settings.DATA_DIR = tmp_path
    rebuild("--history", "600", "--password", "x-Passw0rd-1")  # the later --history wins
    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    registered = sum(
        1
        for at in WorkOrder.objects.values_list("registered_at", flat=True)
        if timezone.localtime(at).date().replace(day=1) == last_month
    )
    assert WorkOrder.objects.count() > 600 and registered > 0

    leader = client_as("leader")
    month = last_month.strftime("%Y-%m")
    table = leader.get(f"/command/kpis/?period=month&date={month}")
    assert table.status_code == 200 and table.context["total"]["registered"] == registered
    # 600 orders a year are about 50 a month, fewer than the minimum volume of most units
    # (the demo's default 20,000 give each unit dozens): rank every unit with an order.
    from shanzhi.command.models import AssessmentSettings
    from shanzhi.command.services import assessment_settings_save

    assessment_settings_save(actor="system", settings=AssessmentSettings(min_dispatched=1))
    rows = leader.get(f"/command/assessment/?month={month}").context["rows"]
    ranked = [r for r in rows if r["rank"]]
    assert ranked and ranked[0]["rank"] == 1


@pytest.mark.slow
def test_shanzhi_demo_builds_on_a_fresh_data_directory_and_issues_the_open311_token(tmp_path):
    """`shanzhi demo` on a new data directory migrated nothing and failed (no such table:
    auth_user). It now creates the schema first; docs/integration.md's
    `shanzhi token create open311-gateway` then works on the demo."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SHANZHI_DATA_DIR"] = str(tmp_path / "fresh")
    run = [sys.executable, "-m", "shanzhi.cli"]
    built = subprocess.run(
        [*run, "demo", "--history", "0", "--password", "x-Passw0rd-1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    assert "演示数据已建立" in built.stdout
    token = subprocess.run(
        [*run, "token", "create", "open311-gateway"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert token.returncode == 0, token.stderr[-3000:]
    assert token.stdout.strip().startswith("sz_")
