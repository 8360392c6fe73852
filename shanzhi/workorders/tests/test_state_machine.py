"""Whatever the sequence of actions, by whoever tries them, the invariants hold: an answered or
closed order has its reply, deadlines never precede the dispatch, every change has its audit
event (the order's version counts them), a refused action changes nothing, and the audit chain
verifies."""

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from shanzhi.core.errors import ServiceError
from shanzhi.core.models import AuditEvent
from shanzhi.core.selectors import audit_chain_verify
from shanzhi.org.models import Unit
from shanzhi.workorders import services
from shanzhi.workorders.choices import Rating, RatingVia, State
from shanzhi.workorders.models import Appeal, WorkOrder
from shanzhi.workorders.tests.helpers import ROAD_DAMAGE, point_in

PERSONAS = [
    "dispatcher",
    "department",
    "commander",
    "leader",
    "operator",
    "outsider",
    "villageclerk",
]
NOT_VERSIONED = {"appellant.view"}
ORDER = st.integers(0, 2)  # a few orders, acted on again and again


def _snapshot(order_id):
    order = WorkOrder.objects.get(pk=order_id)
    return (
        order.state,
        order.version,
        order.lead_unit_id,
        order.dispatch_unit_id,
        order.handle_deadline,
        order.sign_deadline,
        order.reply_text,
    )


class WorkOrderMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.user_ids = dict(
            get_user_model().objects.filter(username__in=PERSONAS).values_list("username", "pk")
        )
        self.housing = Unit.objects.get(name="吴兴区住房和城乡建设局").pk
        self.orders: list[int] = []

    def user(self, name):
        # A fresh object each step, so no cached role data outlives it.
        return get_user_model().objects.get(pk=self.user_ids[name])

    def dispatcher_of(self, order_id):
        """Whoever triages the order now: the township, or the district after escalation."""
        unit = WorkOrder.objects.get(pk=order_id).dispatch_unit.name
        return "dispatcher" if unit.startswith("月河") else "commander"

    @initialize(natures=st.lists(st.sampled_from(["complaint", "consult"]), min_size=2, max_size=3))
    def start(self, natures):
        for nature in natures:
            self.register(nature)

    def register(self, nature):
        lon, lat = point_in()
        appeal = services.appeal_register(
            actor=self.user("operator"),
            data=services.AppealInput(
                channel="hotline",
                nature=nature,
                category_code=ROAD_DAMAGE,
                content="测试诉求",
                lon=lon,
                lat=lat,
                appellant_phone="13800000000",
            ),
        ).appeal
        self.orders.append(appeal.work_order_id)

    def attempt(self, index, call):
        order_id = self.orders[index % len(self.orders)]
        before = _snapshot(order_id)
        events = AuditEvent.objects.count()
        try:
            call(order_id)
        except ServiceError:
            assert _snapshot(order_id) == before, "a refused action changed the order"
            assert AuditEvent.objects.count() == events, "a refused action left an event"

    def calls(self, who):
        """Every action, as `who` would try it."""
        user = self.user(who)

        def rate(order_id):
            appeal = Appeal.objects.filter(work_order_id=order_id, rating="").first()
            if appeal is None:
                raise ServiceError("nothing left to rate")
            services.appeal_rate(
                actor=None,
                order_id=order_id,
                tracking_code=appeal.tracking_code,
                rating=self.rating,
                via=RatingVia.APPELLANT,
            )

        return {
            "dispatch": lambda o: services.workorder_dispatch(
                actor=user, order_id=o, lead_unit_id=self.housing
            ),
            "sign": lambda o: services.workorder_sign(actor=user, order_id=o),
            "return": lambda o: services.workorder_return(
                actor=user, order_id=o, reason="unclear_ownership", note="权属不清"
            ),
            "request_extension": lambda o: services.workorder_request_extension(
                actor=user, order_id=o, days=2, reason="需要时间"
            ),
            "approve_extension": lambda o: services.workorder_decide_extension(
                actor=user, order_id=o, approve=True
            ),
            "suspend": lambda o: services.workorder_suspend(actor=user, order_id=o, reason="等待"),
            "resume": lambda o: services.workorder_resume(actor=user, order_id=o),
            "note": lambda o: services.workorder_note(actor=user, order_id=o, text="进展"),
            "escalate": lambda o: services.workorder_escalate(
                actor=user, order_id=o, reason="需上级协调"
            ),
            "supervise": lambda o: services.workorder_supervise(
                actor=user, order_id=o, level="yellow", note="督办"
            ),
            "reply": lambda o: services.workorder_reply(
                actor=user, order_id=o, result="solved", text="已办结"
            ),
            "accept": lambda o: services.workorder_verify(actor=user, order_id=o, accept=True),
            "reject": lambda o: services.workorder_verify(
                actor=user, order_id=o, accept=False, note="重办"
            ),
            "answer_directly": lambda o: services.workorder_answer_directly(
                actor=user, order_id=o, answer="直接答复"
            ),
            "merge": lambda o: services.workorder_merge(
                actor=user, order_id=o, into_id=self.orders[0]
            ),
            "rate": rate,
        }

    rating = Rating.SATISFIED

    @rule(
        index=ORDER,
        action=st.sampled_from(
            [
                "dispatch",
                "dispatch",
                "approve_extension",
                "suspend",
                "resume",
                "escalate",
                "accept",
                "accept",
                "reject",
                "answer_directly",
                "merge",
            ]
        ),
    )
    def as_the_dispatcher(self, index, action):
        order_id = self.orders[index % len(self.orders)]
        self.attempt(index, self.calls(self.dispatcher_of(order_id))[action])

    @rule(
        index=ORDER,
        action=st.sampled_from(
            ["sign", "sign", "return", "request_extension", "note", "reply", "reply", "escalate"]
        ),
    )
    def as_the_department(self, index, action):
        self.attempt(index, self.calls("department")[action])

    @rule(index=ORDER, rating=st.sampled_from(list(Rating.values)))
    def as_the_appellant(self, index, rating):
        self.rating = rating
        self.attempt(index, self.calls("operator")["rate"])

    @rule(
        index=ORDER,
        who=st.sampled_from(PERSONAS),
        action=st.sampled_from(
            [
                "dispatch",
                "sign",
                "return",
                "suspend",
                "resume",
                "escalate",
                "supervise",
                "reply",
                "accept",
                "answer_directly",
                "merge",
            ]
        ),
    )
    def as_anyone(self, index, who, action):
        self.attempt(index, self.calls(who)[action])

    @invariant()
    def orders_are_consistent(self):
        for order in WorkOrder.objects.filter(pk__in=self.orders):
            if order.state in (State.PENDING_VERIFY, State.PENDING_RATING, State.ARCHIVED):
                assert order.reply_text, f"{order.code} is answered without a reply"
            if order.state in (State.ARCHIVED, State.MERGED):
                assert order.closed_at is not None
            if order.state in (State.PENDING_SIGN, State.HANDLING):
                assert order.lead_unit_id is not None
                assert order.sign_deadline >= order.dispatched_at
                assert order.handle_deadline >= order.dispatched_at
            if order.state == State.PENDING_DISPATCH:
                assert order.lead_unit_id is None and order.handle_deadline is None
            events = (
                AuditEvent.objects.filter(object_type="workorder", object_id=str(order.pk))
                .exclude(action__in=NOT_VERSIONED)
                .count()
            )
            assert events == order.version, f"{order.code}: {events} events, v{order.version}"

    def teardown(self):
        assert audit_chain_verify().ok


@pytest.mark.django_db
def test_no_sequence_of_actions_breaks_the_invariants():
    run_state_machine_as_test(
        WorkOrderMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
