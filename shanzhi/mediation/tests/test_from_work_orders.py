"""转调解: the unit handling a neighbours' dispute hands it to the township's people's mediation
committee. The work order waits, suspended; the dispute is one case with the appellant as the
applicant; when the mediation ends its outcome is the order's reply, and the appellant follows
one story. Refusals change nothing."""

import pytest

from shanzhi.mediation.models import DisputeCase, Mediator
from shanzhi.mediation.tests.test_cases import TOWNSHIP_MEDIATOR
from shanzhi.mediation.tests.test_cases import post as post_json
from shanzhi.org.models import Unit
from shanzhi.workorders.models import WorkOrder
from shanzhi.workorders.tests.helpers import NEIGHBOURS, PHONE, act, register

pytestmark = pytest.mark.django_db
REFERRAL = {"dispute_type": "0202", "respondent_name": "楼上住户王五"}


def handled_order(client_as, **overrides) -> int:
    """An appeal of the operator, dispatched to 吴兴区住房和城乡建设局 and signed for there."""
    registered = register(client_as("operator"), **overrides)
    order_id = registered["work_order_id"]
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    assert act(client_as("dispatcher"), order_id, "dispatch", {"lead_unit": housing.pk})[0] == 200
    assert act(client_as("department"), order_id, "sign")[0] == 200
    return order_id


def test_an_order_referred_to_mediation_is_answered_by_its_outcome(client_as, client):
    order_id = handled_order(client_as, category=NEIGHBOURS, title="楼上夜间噪声")
    department = client_as("department")
    page = department.get(f"/workorders/{order_id}/").content.decode()
    assert "转调解" in page and 'value="0201"' in page  # the form, with 邻里纠纷's types
    status, answer = act(department, order_id, "refer_mediation", REFERRAL)
    assert status == 200, answer
    order = WorkOrder.objects.get(pk=order_id)
    assert order.state == "suspended"
    case = DisputeCase.objects.get(work_order=order)
    assert (case.source, case.state, case.title) == ("workorder", "pending", "楼上夜间噪声")
    assert case.dispatch_unit.name == "月河街道人民调解委员会"
    applicant = case.parties.get(role="applicant")
    assert (applicant.name, applicant.phone) == ("李四", PHONE)
    # Referred once: the order is no longer being handled, a second referral is refused.
    assert act(department, order_id, "refer_mediation", REFERRAL)[0] == 409
    assert DisputeCase.objects.filter(work_order=order).count() == 1

    # The township's mediator takes it to an agreement; the order is then answered with it.
    handler = client_as(TOWNSHIP_MEDIATOR)
    me = Mediator.objects.get(user__username=TOWNSHIP_MEDIATOR)
    url = f"/api/v1/mediation/cases/{case.pk}/actions/"
    assert post_json(handler, url + "assign", {"mediator": me.pk})[0] == 200
    status, agreed = post_json(handler, url + "agree", {"agreement": "晚十点后停止装修。"})
    assert status == 200, agreed
    order.refresh_from_db()
    assert (order.state, order.reply_result) == ("pending_verify", "solved")
    assert order.reply_text == "经月河街道人民调解委员会调解，双方达成协议：晚十点后停止装修。"
    assert order.suspended_at is None and order.handle_deadline > order.registered_at
    # The appellant's tracking page tells one story: referred, then the mediation's answer.
    tracking = order.appeals.get().tracking_code
    public = client.get(f"/api/v1/track/{tracking}?phone_tail={PHONE[-4:]}").json()
    steps = {step["action"]: step["text"] for step in public["timeline"]}
    assert steps["refer_mediation"] == f"月河街道人民调解委员会受理调解，案件编号 {case.code}"
    assert public["timeline"][-1]["action"] == "reply"
    # The dispatcher verifies it like any reply.
    assert act(client_as("dispatcher"), order_id, "verify", {"accept": True})[0] == 200


def test_a_failed_mediation_answers_the_order_with_the_reason(client_as):
    order_id = handled_order(client_as, category=NEIGHBOURS)
    assert act(client_as("department"), order_id, "refer_mediation", REFERRAL)[0] == 200
    case = DisputeCase.objects.get(work_order_id=order_id)
    centre = client_as(TOWNSHIP_MEDIATOR)
    me = Mediator.objects.get(user__username=TOWNSHIP_MEDIATOR)
    url = f"/api/v1/mediation/cases/{case.pk}/actions/"
    post_json(centre, url + "assign", {"mediator": me.pk})
    status, _ = post_json(centre, url + "fail", {"reason": "对方拒不到场", "target": "litigation"})
    assert status == 200
    order = WorkOrder.objects.get(pk=order_id)
    assert (order.state, order.reply_result) == ("pending_verify", "unsolved")
    assert "对方拒不到场" in order.reply_text and "诉讼" in order.reply_text


def test_only_disputes_are_referred_and_only_by_the_lead_unit(client_as):
    road = handled_order(client_as)  # 道路破损: no dispute type maps to it
    before = WorkOrder.objects.get(pk=road).version
    status, answer = act(client_as("department"), road, "refer_mediation", REFERRAL)
    assert status == 409 and "矛盾纠纷" in answer["detail"]
    neighbours = handled_order(client_as, category=NEIGHBOURS)
    # The dispatcher is not the lead unit; an unknown type is refused; neither changes anything.
    assert act(client_as("dispatcher"), neighbours, "refer_mediation", REFERRAL)[0] == 403
    status, answer = act(
        client_as("department"), neighbours, "refer_mediation", {**REFERRAL, "dispute_type": "99"}
    )
    assert status == 400 and answer["errors"][0]["field"] == "dispute_type"
    assert WorkOrder.objects.get(pk=road).version == before
    assert WorkOrder.objects.get(pk=neighbours).state == "handling"
    assert not DisputeCase.objects.filter(work_order_id__in=[road, neighbours]).exists()
