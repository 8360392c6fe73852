"""The closed loop through the API, persona by persona: 受理 → 派单 → 签收 → 延期 → 过程反馈 →
回复 → 核查 → 评价 → 归档, with the timeline, the deadlines and the notifications it leaves."""

import pytest

from shanzhi.core.selectors import audit_chain_verify
from shanzhi.core.services import api_token_create
from shanzhi.org.models import Unit
from shanzhi.workorders.models import Appeal, WorkOrder
from shanzhi.workorders.tests.helpers import PHONE, act, appeal_body, post, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def machine(client, user_named):
    """An API client with a bearer token (the operator's system account)."""
    token = api_token_create(user=user_named("operator"), name="hotline gateway")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_the_whole_loop(machine, client_as, outbox, django_capture_on_commit_callbacks):
    dispatcher, department = client_as("dispatcher"), client_as("department")
    with django_capture_on_commit_callbacks(execute=True):
        status, first = post(
            machine, "/api/v1/appeals", appeal_body(), HTTP_IDEMPOTENCY_KEY="call-0001"
        )
    assert status == 201 and first["created"] is True and first["state"] == "pending_dispatch"
    order_id = first["work_order_id"]
    # A retry with the same key returns the first result and creates nothing.
    count = WorkOrder.objects.count()
    status, again = post(
        machine, "/api/v1/appeals", appeal_body(), HTTP_IDEMPOTENCY_KEY="call-0001"
    )
    assert status == 200 and again == {**first, "created": False}
    assert WorkOrder.objects.count() == count
    order = WorkOrder.objects.get(pk=order_id)
    assert (order.grid_id, order.region_id, order.dispatch_unit.name) == (
        "330502001002001",
        "330502001002",
        "月河街道综合指挥室",
    )
    assert [m.kind for m in outbox] == ["appeal.registered", "workorder.new"]
    assert outbox[0].phone == PHONE and first["tracking_code"] in outbox[0].text

    # The dispatcher sees the rule's proposal and dispatches to it.
    status, detail = dispatcher.get(f"/api/v1/workorders/{order_id}").status_code, None
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    with django_capture_on_commit_callbacks(execute=True):
        status, detail = act(dispatcher, order_id, "dispatch", {"lead_unit": housing.pk})
    assert status == 200 and detail["state"] == "pending_sign"
    assert detail["lead_unit"] == "吴兴区住房和城乡建设局"
    assert detail["sign_deadline"] and detail["handle_deadline"]
    assert outbox[-1].kind == "workorder.assigned" and outbox[-1].unit_id == housing.pk

    # The department signs, asks for three more working days, notes progress, replies.
    status, detail = act(department, order_id, "sign")
    assert (status, detail["state"]) == (200, "handling")
    status, _ = act(department, order_id, "request_extension", {"days": 3, "reason": "需采购材料"})
    assert status == 200
    before = WorkOrder.objects.get(pk=order_id).handle_deadline
    status, detail = act(dispatcher, order_id, "decide_extension", {"approve": True})
    assert status == 200 and detail["extension_days"] == 3
    assert WorkOrder.objects.get(pk=order_id).handle_deadline > before
    status, _ = act(department, order_id, "note", {"text": "已安排施工队", "public": True})
    assert status == 200
    status, detail = act(
        department, order_id, "reply", {"result": "solved", "text": "路面已修复。"}
    )
    assert (status, detail["state"]) == (200, "pending_verify")
    with django_capture_on_commit_callbacks(execute=True):
        status, detail = act(dispatcher, order_id, "verify", {"accept": True})
    assert (status, detail["state"]) == (200, "pending_rating")
    assert outbox[-1].kind == "appeal.replied" and outbox[-1].phone == PHONE

    # The appellant follows it with the tracking code and the last four digits, and rates it.
    public = client_as("resident")
    public.logout()
    code = first["tracking_code"]
    tracked = public.get(f"/api/v1/track/{code}?phone_tail=5678").json()
    assert tracked["reply_text"] == "路面已修复。" and tracked["can_rate"] is True
    assert [e["action"] for e in tracked["timeline"]] == [
        "register",
        "dispatch",
        "sign",
        "note",
        "reply",
        "verify",
    ]
    assert tracked["timeline"][1]["text"] == "吴兴区住房和城乡建设局"
    assert tracked["timeline"][3]["text"] == "已安排施工队"
    status, rated = post(
        public,
        f"/api/v1/track/{code}/rating",
        {"phone_tail": "5678", "rating": "satisfied", "comment": "谢谢"},
    )
    assert (status, rated["state"], rated["rating"], rated["can_rate"]) == (
        200,
        "archived",
        "satisfied",
        False,
    )
    order = WorkOrder.objects.get(pk=order_id)
    assert order.closed_at is not None and order.version == 9  # one per event
    status, detail = (
        dispatcher.get(f"/api/v1/workorders/{order_id}").status_code,
        dispatcher.get(f"/api/v1/workorders/{order_id}").json(),
    )
    assert [e["action"] for e in detail["timeline"]] == [
        "register",
        "dispatch",
        "sign",
        "request_extension",
        "decide_extension",
        "note",
        "reply",
        "verify",
        "rate",
    ]
    assert audit_chain_verify().ok


def test_tracking_refuses_a_wrong_phone_tail_like_an_unknown_code(machine, client):
    code = register(machine)["tracking_code"]
    wrong = client.get(f"/api/v1/track/{code}?phone_tail=0000")
    unknown = client.get("/api/v1/track/S000000AAAAA?phone_tail=5678")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


def test_direct_answer_closes_a_consultation_on_the_spot(client_as):
    operator = client_as("operator")
    created = register(operator, nature="consult", category="080101", channel="hotline")
    status, detail = act(
        operator, created["work_order_id"], "answer_directly", {"answer": "可通过浙里办备案。"}
    )
    assert status == 200
    assert (detail["state"], detail["answered_directly"], detail["reply_text"]) == (
        "pending_rating",
        True,
        "可通过浙里办备案。",
    )
    # Rated by phone by the operator: every appellant rated → archived.
    status, detail = act(
        operator,
        created["work_order_id"],
        "rate",
        {"appeal": created["tracking_code"], "rating": "basically"},
    )
    assert (status, detail["state"]) == (200, "archived")
    assert Appeal.objects.get(tracking_code=created["tracking_code"]).rated_via == "phone"


def test_a_complaint_cannot_be_answered_directly(client_as, table_counts):
    operator = client_as("operator")
    created = register(operator)
    before = table_counts()
    status, body = act(operator, created["work_order_id"], "answer_directly", {"answer": "不行"})
    assert status == 409 and "咨询" in body["detail"]
    assert table_counts() == before
