"""What a new kind of case costs: a toy case type (two states, two actions), built with the kit
in `core.cases` and nothing else, gets guards, version conflicts, the audit trail, a timeline,
domain events and an inbox count without writing any of them again. Its whole definition is the
block below the imports: a model, two enums, two guards, two services, one registry."""

import pytest
from django.db import connection, models, transaction

from shanzhi.core import cases, events
from shanzhi.core.errors import Conflict, Forbidden, NotFound
from shanzhi.core.models import AuditEvent
from shanzhi.core.selectors import audit_chain_verify
from shanzhi.org.access import Actor
from shanzhi.org.choices import DISPATCH_ROLES, HANDLER_ROLES
from shanzhi.org.models import Membership, Unit

# -- the toy case type ---------------------------------------------------------------------------


class ToyState(models.TextChoices):
    OPEN = "open", "待处理"
    CLOSED = "closed", "已办结"


class ToyAction(models.TextChoices):
    CLOSE = "close", "办结"
    REOPEN = "reopen", "重新打开"


class ToyCase(models.Model):
    """A test-only case: the fields the kit and `org.access.Actor` read, nothing else. Its app
    is not installed, so no migration knows it; the fixture below creates its table."""

    state = models.CharField(max_length=10, default=ToyState.OPEN)
    version = models.PositiveIntegerField(default=1)
    area_code = models.CharField(max_length=12)
    # No database constraint: the table outlives the tests' transactions, and a constraint on
    # org_unit would stop the flush of the transactional tests (TRUNCATE) on PostgreSQL.
    dispatch_unit = models.ForeignKey(
        Unit, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )

    class Meta:
        app_label = "toycase"

    def __str__(self):
        return f"玩具案件 {self.pk}"


TOY = cases.CaseKind(
    name="toycase",
    model=ToyCase,
    noun="玩具案件",
    states=ToyState,
    actions=ToyAction,
    inboxes={
        "to_close": cases.Inbox(
            label="待我办结",
            cases_for=lambda actor: models.Q(
                state=ToyState.OPEN, lead_unit_id__in=actor.units_with(HANDLER_ROLES)
            ),
        ),
        "to_review": cases.Inbox(
            label="待我复核",
            cases_for=lambda actor: models.Q(
                state=ToyState.CLOSED, dispatch_unit_id__in=actor.units_with(DISPATCH_ROLES)
            ),
        ),
    },
)


def guard_close(ctx):
    cases.require(ctx.actor.leads(ctx.case), "只有承办单位可以办结")
    TOY.require_state(ctx.case, ToyState.OPEN)


def guard_reopen(ctx):
    cases.require(ctx.actor.dispatches(ctx.case), "只有分拨单位可以重新打开")
    TOY.require_state(ctx.case, ToyState.CLOSED)


def toy_close(*, actor, case_id):
    with transaction.atomic():
        case = TOY.begin(case_id, actor, ToyAction.CLOSE).case
        case.state = ToyState.CLOSED
        return TOY.save(
            case,
            ["state"],
            actor=actor,
            action=ToyAction.CLOSE,
            before={"state": ToyState.OPEN},
            after={"state": ToyState.CLOSED},
        )


def toy_reopen(*, actor, case_id, reason):
    with transaction.atomic():
        case = TOY.begin(case_id, actor, ToyAction.REOPEN).case
        case.state = ToyState.OPEN
        return TOY.save(
            case,
            ["state"],
            actor=actor,
            action=ToyAction.REOPEN,
            before={"state": ToyState.CLOSED},
            after={"state": ToyState.OPEN},
            reason=reason,
        )


TOY_ACTIONS = cases.Actions(TOY, Actor.of)
TOY_ACTIONS.add(ToyAction.CLOSE, guard_close, service=toy_close)
TOY_ACTIONS.add(ToyAction.REOPEN, guard_reopen, service=toy_reopen)

# -- the tests -----------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def _toy_table(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.create_model(ToyCase)
        yield
        with connection.schema_editor() as editor:
            editor.delete_model(ToyCase)


def _unit_of(user, roles):
    return Unit.objects.get(
        pk=Membership.objects.filter(user=user, role__in=roles).values_list("unit", flat=True)[0]
    )


@pytest.fixture
def toy(_toy_table, user_named):
    """One open toy case: 月河街道 dispatches it, 吴兴区住建局 handles it."""
    dispatcher, department = user_named("dispatcher"), user_named("department")
    return ToyCase.objects.create(
        area_code="330502001001",
        dispatch_unit=_unit_of(dispatcher, DISPATCH_ROLES),
        lead_unit=_unit_of(department, HANDLER_ROLES),
    )


def _row(case):
    return ToyCase.objects.filter(pk=case.pk).values("state", "version").get()


def test_guards_offer_and_refuse_by_role_and_state(toy, user_named):
    department, dispatcher = user_named("department"), user_named("dispatcher")
    outsider = user_named("outsider")
    assert TOY.allowed(department, toy) == [ToyAction.CLOSE]
    assert TOY.allowed(dispatcher, toy) == []
    assert TOY.allowed(outsider, toy) == []

    with pytest.raises(Forbidden, match="只有承办单位可以办结"):
        toy_close(actor=outsider, case_id=toy.pk)
    assert _row(toy) == {"state": "open", "version": 1}
    assert not AuditEvent.objects.filter(object_type="toycase").exists()

    closed = toy_close(actor=department, case_id=toy.pk)
    assert (closed.state, closed.version) == ("closed", 2)
    with pytest.raises(Conflict, match="玩具案件当前状态为“已办结”"):
        toy_close(actor=department, case_id=toy.pk)
    assert _row(toy) == {"state": "closed", "version": 2}
    assert TOY.allowed(dispatcher, closed) == [ToyAction.REOPEN]


def test_a_stale_view_is_a_conflict_and_changes_nothing(toy, user_named):
    department = user_named("department")
    with cases.expecting_version(1):
        toy_close(actor=department, case_id=toy.pk)
    toy_reopen(actor=user_named("dispatcher"), case_id=toy.pk, reason="群众反映未解决")
    before = AuditEvent.objects.count()
    with cases.expecting_version(2), pytest.raises(Conflict, match="第 2 版 → 第 3 版"):
        toy_close(actor=department, case_id=toy.pk)
    assert _row(toy) == {"state": "open", "version": 3}
    assert AuditEvent.objects.count() == before


def test_a_missing_case_is_not_found(_toy_table, user_named):
    with pytest.raises(NotFound, match="玩具案件不存在"):
        toy_close(actor=user_named("department"), case_id=10**30)


def test_every_action_is_audited_in_the_chain_and_makes_the_timeline(toy, user_named):
    department, dispatcher = user_named("department"), user_named("dispatcher")
    toy_close(actor=department, case_id=toy.pk)
    toy_reopen(actor=dispatcher, case_id=toy.pk, reason="群众反映未解决")
    timeline = TOY.timeline(toy.pk)
    assert [(e.action, e.actor.username, e.reason) for e in timeline] == [
        ("close", "department", ""),
        ("reopen", "dispatcher", "群众反映未解决"),
    ]
    assert timeline[1].before == {"state": "closed"}
    assert timeline[1].after == {"state": "open"}
    assert audit_chain_verify().ok


def test_each_action_publishes_its_event_inside_the_transaction(toy, user_named, monkeypatch):
    seen = []
    monkeypatch.setitem(events._subscribers, "toycase.close", [])

    @events.subscriber(TOY.event(ToyAction.CLOSE))
    def record(*, case, actor, at):
        seen.append((case.pk, case.state, actor.username, connection.in_atomic_block))

    toy_close(actor=user_named("department"), case_id=toy.pk)
    assert seen == [(toy.pk, "closed", "department", True)]
    assert "toycase.reopen" in events.EVENTS


def test_a_failing_subscriber_undoes_the_action(toy, user_named, monkeypatch):
    monkeypatch.setitem(events._subscribers, "toycase.close", [])

    @events.subscriber("toycase.close")
    def refuse(**payload):
        raise Conflict("下游拒绝")

    with pytest.raises(Conflict, match="下游拒绝"):
        toy_close(actor=user_named("department"), case_id=toy.pk)
    assert _row(toy) == {"state": "open", "version": 1}
    assert not AuditEvent.objects.filter(object_type="toycase").exists()


def test_inbox_counts_follow_the_cases(toy, user_named):
    department, dispatcher = user_named("department"), user_named("dispatcher")
    assert TOY.inbox_counts(Actor.of(department)) == {"to_close": 1, "to_review": 0}
    assert TOY.inbox_counts(Actor.of(dispatcher)) == {"to_close": 0, "to_review": 0}
    toy_close(actor=department, case_id=toy.pk)
    assert TOY.inbox_counts(Actor.of(department)) == {"to_close": 0, "to_review": 0}
    assert TOY.inbox_counts(Actor.of(dispatcher)) == {"to_close": 0, "to_review": 1}


def test_an_action_outside_the_kinds_actions_is_refused_at_declaration():
    with pytest.raises(ValueError, match="not one of toycase"):
        TOY_ACTIONS.add("archive", guard_close)
    with pytest.raises(ValueError, match="declared twice"):
        TOY_ACTIONS.add(ToyAction.CLOSE, guard_close)
