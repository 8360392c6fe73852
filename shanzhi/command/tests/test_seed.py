"""The history seeder (`shanzhi bench seed`, shanzhi.demo.history): a small run into the test
database, then the invariants the pages, the sweep and the rollups rely on."""

import datetime
import random

import pytest
from django.db.models import Count, F, Q, Sum
from django.test import Client

from shanzhi.command.models import DayFigures
from shanzhi.command.services import rollups_rebuild
from shanzhi.conftest import DEMO_PASSWORD, DISPATCHER_TOWNSHIP, DISTRICT
from shanzhi.demo import history
from shanzhi.org.services import PHONE_RE
from shanzhi.workorders.choices import AssignmentState, State
from shanzhi.workorders.models import Appeal, Assignment, WorkOrder
from shanzhi.workorders.selectors import dispatch_proposals
from shanzhi.workorders.services.routing import dispatch_unit_id_for

NOW = datetime.datetime(2026, 11, 20, 7, 30, tzinfo=datetime.UTC)
ORDERS = 2000

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    before = WorkOrder.objects.count()
    report = history.seed_history(orders=ORDERS, years=1, seed=7, now=NOW, workers=0)
    assert WorkOrder.objects.count() == before + ORDERS
    return report, WorkOrder.objects.filter(code__startswith=history.ORDER_PREFIX)


def test_counts_appeals_and_assignments(seeded):
    report, orders = seeded
    assert orders.count() == report.orders == ORDERS
    appeals = Appeal.objects.filter(tracking_code__startswith=history.TRACKING_PREFIX)
    assert appeals.count() == report.appeals == ORDERS
    assert Assignment.objects.filter(work_order__in=orders).count() == report.assignments
    merged = orders.filter(state=State.MERGED)
    # Every order has its appeal: on itself (primary), or moved to the order it was merged into.
    assert (
        not orders.exclude(state=State.MERGED)
        .annotate(n=Count("appeals", filter=Q(appeals__is_primary=True)))
        .exclude(n=1)
    )
    assert appeals.filter(is_primary=False).count() == merged.count()
    assert not appeals.filter(is_primary=False, work_order__state=State.MERGED)
    assert not merged.filter(Q(merged_into=None) | Q(closed_at=None) | ~Q(lead_unit=None))
    # Every dispatched order has a lead assignment; the current lead unit has an active one.
    assert (
        not orders.filter(dispatched_at__isnull=False).annotate(n=Count("assignments")).filter(n=0)
    )
    led = orders.exclude(lead_unit=None)
    assert (
        led.filter(
            assignments__unit=F("lead_unit"),
            assignments__state__in=["pending_sign", "signed", "replied"],
        )
        .distinct()
        .count()
        == led.count()
    )
    signed = Assignment.objects.filter(work_order__in=orders, signed_at__isnull=False)
    assert signed.exists() and not signed.filter(signed_in_time=None)


def test_states_and_timestamps(seeded):
    _report, orders = seeded
    assert set(orders.values_list("state", flat=True)) <= set(State.values)
    assert orders.filter(state=State.ARCHIVED).count() > ORDERS * 0.9
    for state, condition in {
        State.PENDING_DISPATCH: Q(lead_unit=None, handle_deadline=None),
        State.PENDING_SIGN: Q(lead_unit__isnull=False, signed_at=None, sign_deadline__isnull=False),
        State.HANDLING: Q(signed_at__isnull=False, replied_at=None),
        State.SUSPENDED: Q(suspended_at__isnull=False, suspended_from=State.HANDLING),
        State.PENDING_VERIFY: Q(replied_at__isnull=False, verified_at=None),
        State.PENDING_RATING: Q(verified_at__isnull=False, closed_at=None),
        State.ARCHIVED: Q(closed_at__isnull=False, replied_at__isnull=False),
    }.items():
        assert not orders.filter(state=state).exclude(condition), state
    ordered = [
        ("registered_at", "dispatched_at"),
        ("dispatched_at", "signed_at"),
        ("signed_at", "replied_at"),
        ("replied_at", "verified_at"),
        ("registered_at", "closed_at"),
        ("verified_at", "closed_at"),
        ("dispatched_at", "sign_deadline"),
        ("dispatched_at", "handle_deadline"),
        ("dispatched_at", "warn_at"),
        ("warn_at", "handle_deadline"),
    ]
    for earlier, later in ordered:
        assert not orders.filter(**{f"{later}__lt": F(earlier)}), (earlier, later)
    for moment in ("registered_at", "dispatched_at", "signed_at", "replied_at", "closed_at"):
        assert not orders.filter(**{f"{moment}__gt": NOW})
    assignments = Assignment.objects.filter(work_order__in=orders)
    assert not assignments.filter(signed_at__lt=F("assigned_at"))
    assert not assignments.filter(replied_at__lt=F("signed_at"))
    assert not assignments.filter(assigned_at__lt=F("work_order__registered_at"))
    # Overdue means replied after the deadline, or still open past it.
    assert not orders.filter(is_overdue=True, replied_at__lte=F("handle_deadline"))
    assert not orders.filter(is_overdue=False, replied_at__gt=F("handle_deadline"))
    appeals = Appeal.objects.filter(work_order__in=orders)
    assert not appeals.exclude(rating="").filter(Q(rated_at=None) | Q(rated_at__gt=NOW))
    assert not appeals.filter(rating="", rated_at__isnull=False)
    # Some of everything the rollups count.
    assert orders.filter(returns_count__gt=0).exists()
    assert orders.filter(reopen_count__gt=0).exists()
    assert orders.filter(answered_directly=True).exists()
    assert orders.filter(supervision="red").exists()
    assert Assignment.objects.filter(work_order__in=orders, state=AssignmentState.RETURNED)


def test_codes_people_and_routing(seeded):
    _report, orders = seeded
    codes = list(orders.values_list("code", flat=True))
    assert len(set(codes)) == len(codes) == ORDERS
    tracking = list(
        Appeal.objects.filter(work_order__in=orders).values_list("tracking_code", flat=True)
    )
    assert len(set(tracking)) == len(tracking)
    phones = Appeal.objects.filter(work_order__in=orders).exclude(appellant_phone="")
    assert phones.count() > ORDERS / 2
    assert all(PHONE_RE.match(p) for p in phones.values_list("appellant_phone", flat=True))
    assert phones.values("appellant_name").distinct().count() > 200
    sample = random.Random(1).sample(list(orders.filter(returns_count=0, reopen_count=0)), 40)
    for order in sample:
        assert order.dispatch_unit_id == dispatch_unit_id_for(order.area_code)
        assert order.region_id == order.area_code[:12]
        if order.lead_unit_id:
            assert order.lead_unit_id == dispatch_proposals(order)[0].unit.pk


def test_rollups_and_pages(seeded):
    _report, orders = seeded
    from shanzhi.mediation.models import DisputeCase

    # Every case of every case type: the work orders and the demo's disputes.
    assert rollups_rebuild() == WorkOrder.objects.count() + DisputeCase.objects.count()
    total = DayFigures.objects.aggregate(n=Sum("registered"))["n"]
    assert total == WorkOrder.objects.count()
    # The district commander sees 吴兴区, the dispatcher 月河街道.
    for username, prefix in (("commander", DISTRICT[:6]), ("dispatcher", DISPATCHER_TOWNSHIP[:9])):
        client = Client()
        signed_in = client.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert signed_in.status_code == 302
        page = client.get("/workorders/")
        assert page.status_code == 200
        mine = orders.filter(area_code__startswith=prefix).order_by("-registered_at")
        assert mine.count() > 20
        for order in [*mine[:3], mine.filter(state=State.ARCHIVED).first()]:
            detail = client.get(f"/workorders/{order.pk}/")
            assert detail.status_code == 200
            assert order.code in detail.content.decode()


def test_second_run_keeps_indexes_and_codes_unique(seeded):
    _report, orders = seeded
    history.seed_history(orders=300, years=1, seed=8, now=NOW, workers=0, indexes="keep")
    assert orders.count() == ORDERS + 300
    assert orders.values("code").distinct().count() == ORDERS + 300


def test_same_rows_with_and_without_worker_processes():
    world = history.load_world(now=NOW, years=1, seed=3)
    chunks = history.plan(world, 300, order_base=10_000, appeal_base=20_000)
    inline = [history.payload(c, world) for c in chunks]
    forked = list(history.chunks_in_order(world, chunks, 1, history.Report()))
    assert [r.orders for r in inline] == [r.orders for r in forked]
    assert [r.assignments for r in inline] == [r.assignments for r in forked]


def test_refuses_a_database_without_the_demo():
    from shanzhi.territory.models import Grid
    from shanzhi.workorders.models import DispatchRule

    DispatchRule.objects.all().delete()
    assert Grid.objects.exists()
    with pytest.raises(history.SeedError, match="shanzhi demo"):
        history.seed_history(orders=10, now=NOW, workers=0)
