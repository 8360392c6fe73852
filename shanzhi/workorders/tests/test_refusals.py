"""Refused actions: not visible → 404, visible but not this role → 403, wrong state → 409, bad
input → 400/422 naming the field. Every refusal leaves the order, its history and the other
tables exactly as they were."""

import json

import pytest

from shanzhi.org.models import Unit
from shanzhi.workorders.models import WorkOrder
from shanzhi.workorders.tests.helpers import act, appeal_body, post, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def order_id(client_as):
    return register(client_as("operator"))["work_order_id"]


def snapshot(order_id):
    order = WorkOrder.objects.get(pk=order_id)
    return (order.state, order.version, order.lead_unit_id, order.handle_deadline)


@pytest.mark.parametrize(
    ("persona", "action", "body", "status"),
    [
        ("outsider", "dispatch", {"lead_unit": 1}, 404),  # another township: not even visible
        ("department", "dispatch", {"lead_unit": 1}, 404),  # not assigned yet: not visible
        ("resident", "dispatch", {"lead_unit": 1}, 404),
        ("leader", "dispatch", {"lead_unit": 1}, 403),  # sees it, may only supervise
        ("villageclerk", "sign", {}, 404),  # another community of the township
        ("commander", "sign", {}, 403),  # sees the whole district, is not the lead unit
        ("dispatcher", "sign", {}, 403),  # the dispatcher is not the lead unit
        ("dispatcher", "verify", {"accept": True}, 409),  # nothing to verify yet
        ("dispatcher", "resume", {}, 409),
        ("commander", "supervise", {"level": "purple", "note": "x"}, 422),
        ("commander", "supervise", {"level": "red"}, 422),
    ],
)
def test_refused_actions_change_nothing(
    client_as, table_counts, order_id, persona, action, body, status
):
    before, counts = snapshot(order_id), table_counts()
    got, answer = act(client_as(persona), order_id, action, body)
    assert got == status, answer
    assert answer["detail"]
    assert snapshot(order_id) == before
    assert table_counts() == counts


def test_a_unit_outside_the_orders_territory_is_refused(client_as, order_id, table_counts):
    other = Unit.objects.get(name="南浔区住房和城乡建设局")
    before, counts = snapshot(order_id), table_counts()
    status, body = act(client_as("dispatcher"), order_id, "dispatch", {"lead_unit": other.pk})
    assert status == 400 and body["errors"] == [
        {"field": "lead_unit", "message": "所选主办单位不存在或不能承办该区域的工单"}
    ]
    assert (snapshot(order_id), table_counts()) == (before, counts)


def test_dispatch_refusals_name_no_unit(client_as, order_id, table_counts):
    """Whatever unit id a dispatcher tries (another township's, another district's, a centre, an
    inactive or a missing one), the refusal is the same and names no unit: probing ids teaches
    nothing about units the dispatcher may not see."""
    from shanzhi.workorders.selectors import dispatchable_units

    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    names = list(Unit.objects.values_list("name", flat=True))
    allowed = set(
        dispatchable_units(WorkOrder.objects.get(pk=order_id)).values_list("pk", flat=True)
    )
    Unit.objects.filter(name="南浔区住房和城乡建设局").update(is_active=False)
    dispatcher = client_as("dispatcher")
    before, counts = snapshot(order_id), table_counts()
    answers = set()
    refused = [u for u in Unit.objects.values_list("pk", flat=True) if u not in allowed]
    assert len(refused) > 10
    for unit_id in [*refused, 999_999]:
        for body in ({"lead_unit": unit_id}, {"lead_unit": housing.pk, "co_units": [unit_id]}):
            status, answer = act(dispatcher, order_id, "dispatch", body)
            assert status == 400, (unit_id, answer)
            text = json.dumps(answer, ensure_ascii=False)
            assert not [n for n in names if n in text], text
            answers.add((status, text))
    assert len(answers) <= 3  # lead refused, co refused, lead as co (主办单位不能同时是协办单位)
    assert (snapshot(order_id), table_counts()) == (before, counts)


def test_the_wrong_state_is_a_conflict_after_someone_else_acted(client_as, order_id):
    dispatcher, department = client_as("dispatcher"), client_as("department")
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    assert act(dispatcher, order_id, "dispatch", {"lead_unit": housing.pk})[0] == 200
    assert act(department, order_id, "sign")[0] == 200
    before = snapshot(order_id)
    status, body = act(department, order_id, "sign")
    assert status == 409 and "办理中" in body["detail"]
    assert snapshot(order_id) == before


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"content": "x" * 4001}, 422, "content"),
        ({"content": ""}, 422, "content"),  # minLength in the document (ADR 0012)
        ({"content": "   "}, 400, "content"),  # blank: the service refuses it
        ({"category": "999999"}, 400, "category"),
        ({"category": "01"}, 400, "category"),  # not a leaf
        ({"nature": "rumour"}, 422, "nature"),
        ({"lon": 200}, 422, "lon"),
        ({"lon": 116.39, "lat": 39.9}, 400, "lon"),  # Beijing: outside every grid
        ({"lon": None, "lat": None}, 400, "region"),  # no point and no region
        ({"lon": None, "lat": None, "region": "110101000000"}, 400, "region"),
        ({"appellant_phone": "12345"}, 400, "appellant_phone"),
        ({"appellant_phone": ""}, 400, "appellant_phone"),  # not anonymous: a phone is needed
        ({"amount_involved": -5}, 422, "amount_involved"),
    ],
)
def test_bad_appeals_name_the_field_and_store_nothing(
    client_as, table_counts, change, status, field
):
    counts = table_counts()
    got, body = post(client_as("operator"), "/api/v1/appeals", appeal_body(**change))
    assert got == status, body
    assert field in [e["field"] for e in body["errors"]]
    assert table_counts() == counts


def test_malformed_json_is_refused(client_as, table_counts):
    counts = table_counts()
    response = client_as("operator").post(
        "/api/v1/appeals", '{"nature": "complaint",', content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert response.json()["detail"]
    assert table_counts() == counts


def test_a_region_chosen_without_a_point_is_accepted(client_as):
    created = register(client_as("operator"), lon=None, lat=None, region="330502001003")
    order = WorkOrder.objects.get(pk=created["work_order_id"])
    assert (order.area_code, order.grid_id, order.dispatch_unit.name) == (
        "330502001003",
        None,
        "月河街道综合指挥室",
    )


def test_residents_and_anonymous_visitors_cannot_use_staff_channels(
    client, client_as, table_counts
):
    counts = table_counts()
    status, body = post(client_as("resident"), "/api/v1/appeals", appeal_body(channel="hotline"))
    assert status == 403 and body["errors"][0]["field"] == "channel"
    assert post(client, "/api/v1/appeals", appeal_body())[0] == 401
    assert table_counts() == counts


def test_markup_is_stored_as_given(client_as):
    text = '<script>alert("x")</script> =HYPERLINK("http://evil")'
    created = register(client_as("operator"), content=text, title="<b>标题</b>")
    order = WorkOrder.objects.get(pk=created["work_order_id"])
    assert (order.content, order.title) == (text, "<b>标题</b>")


def test_acting_on_a_stale_view_is_a_conflict(client_as, order_id):
    """Someone else changed the order after the page (or API client) read it: 409, no change."""
    dispatcher = client_as("dispatcher")
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    seen = WorkOrder.objects.get(pk=order_id).version
    client_as("commander").post(
        f"/api/v1/workorders/{order_id}/actions/supervise",
        json.dumps({"level": "yellow", "note": "加快办理"}),
        content_type="application/json",
    )
    before = snapshot(order_id)
    response = dispatcher.post(
        f"/api/v1/workorders/{order_id}/actions/dispatch",
        json.dumps({"lead_unit": housing.pk}),
        content_type="application/json",
        HTTP_IF_MATCH=str(seen),
    )
    assert response.status_code == 409 and "请刷新" in response.json()["detail"]
    assert snapshot(order_id) == before
    # The console page sends the version it showed, too.
    page = dispatcher.post(
        f"/workorders/{order_id}/act/dispatch/", {"lead_unit": housing.pk, "version": seen}
    )
    assert page.status_code == 409 and snapshot(order_id) == before
    fresh = WorkOrder.objects.get(pk=order_id).version
    response = dispatcher.post(
        f"/api/v1/workorders/{order_id}/actions/dispatch",
        json.dumps({"lead_unit": housing.pk}),
        content_type="application/json",
        HTTP_IF_MATCH=f'"{fresh}"',
    )
    assert response.status_code == 200


# -- what a client may claim about its own appeal ----------------------------------------------


@pytest.mark.parametrize(
    ("persona", "claim", "status", "field"),
    [
        ("resident", {"channel": "sensor"}, 403, "channel"),
        ("resident", {"channel": "wechat"}, 403, "channel"),
        ("resident", {"channel": "hotline"}, 403, "channel"),
        ("resident", {"urgency": "critical"}, 403, "urgency"),
        ("resident", {"urgency": "urgent"}, 403, "urgency"),
        ("department", {"channel": "sensor", "urgency": "critical"}, 403, "channel"),
        ("operator", {"channel": "sensor"}, 403, "channel"),  # only the alarm gateway
        ("operator", {"channel": "wechat", "urgency": "critical"}, 201, None),
        ("resident", {"channel": "web"}, 201, None),
        ("resident", {"channel": "api", "urgency": "normal"}, 201, None),
    ],
)
def test_channels_and_urgency_a_role_cannot_claim_are_refused(
    client_as, table_counts, persona, claim, status, field
):
    counts = table_counts()
    got, body = post(client_as(persona), "/api/v1/appeals", appeal_body(**claim))
    assert got == status, body
    if field:
        assert body["errors"][0]["field"] == field
        assert table_counts() == counts
    else:
        order = WorkOrder.objects.get(pk=body["work_order_id"])
        assert (order.channel, order.urgency) == (
            claim.get("channel", "api"),
            claim.get("urgency", "normal"),
        )


def test_an_idempotency_key_reused_for_a_different_request_is_refused(client_as, table_counts):
    operator = client_as("operator")
    key = {"HTTP_IDEMPOTENCY_KEY": "client-42"}
    status, first = post(operator, "/api/v1/appeals", appeal_body(), **key)
    assert status == 201
    status, again = post(operator, "/api/v1/appeals", appeal_body(), **key)
    assert (status, again["work_order_id"], again["created"]) == (
        200,
        first["work_order_id"],
        False,
    )
    counts = table_counts()
    for change in (
        {"content": "另一件事：路灯不亮。"},
        {"urgency": "urgent"},
        {"lon": None, "lat": None, "region": "330502001001"},
    ):
        status, body = post(operator, "/api/v1/appeals", appeal_body(**change), **key)
        assert status == 422, body
        assert body["errors"] == [
            {
                "field": "Idempotency-Key",
                "message": "该 Idempotency-Key 已用于另一份不同的请求，请为新的诉求使用新的键",
            }
        ]
    assert table_counts() == counts
    assert WorkOrder.objects.get(pk=first["work_order_id"]).content == appeal_body()["content"]


def test_a_dispatch_naming_a_rule_that_does_not_exist_is_refused(client_as, order_id, table_counts):
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    before, counts = snapshot(order_id), table_counts()
    for rule in (999_999, 2**63 - 1, 2**64, -1, "x"):
        body = {"lead_unit": housing.pk, "rule": rule}
        status, answer = act(client_as("dispatcher"), order_id, "dispatch", body)
        assert status in (400, 422), (rule, answer)
        assert answer["errors"][0]["field"] == "rule"
    assert (snapshot(order_id), table_counts()) == (before, counts)


def _grid_of(prefix: str) -> str:
    from shanzhi.territory.models import Grid

    return (
        Grid.objects.filter(code__startswith=prefix)
        .order_by("code")
        .values_list("code", flat=True)[0]
    )


def test_a_pin_and_a_chosen_region_must_agree(client_as, table_counts):
    """A pin in Beijing is no address in a Huzhou community; a pin in 织里镇 is not in 月河街道's
    community; a pin in the chosen community's own grid is fine."""
    operator, counts = client_as("operator"), table_counts()
    got, body = post(
        operator,
        "/api/v1/appeals",
        appeal_body(lon=116.39, lat=39.9, region="330502001001"),
    )
    assert got == 400
    assert body["errors"][0]["field"] == "lon"
    assert "标出的位置离" in body["detail"] and "公里，不在该区域内" in body["detail"]

    got, body = post(
        operator,
        "/api/v1/appeals",
        appeal_body(grid=_grid_of("330502101"), region="330502001001"),
    )
    assert got == 400
    assert body["errors"][0]["field"] == "lon"
    assert "不在所选的" in body["detail"]
    assert table_counts() == counts

    created = register(operator, region="330502001002")  # the pin is in 330502001002001
    order = WorkOrder.objects.get(pk=created["work_order_id"])
    assert (order.grid_id, order.area_code) == ("330502001002001", "330502001002001")


def test_an_occurred_time_in_the_future_is_refused_by_the_service_too(user_named, table_counts):
    """Pages and the API refuse it at the edge; channels that call the service directly (the
    hotline hand-over, the alarm gateway) meet the same rule."""
    import datetime

    from django.utils import timezone

    from shanzhi.core.errors import InvalidInput
    from shanzhi.workorders.services import AppealInput, appeal_register
    from shanzhi.workorders.tests.helpers import ROAD_DAMAGE, point_in

    lon, lat = point_in()
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        appeal_register(
            actor=user_named("operator"),
            data=AppealInput(
                channel="hotline",
                nature="complaint",
                category_code=ROAD_DAMAGE,
                content="路灯不亮",
                lon=lon,
                lat=lat,
                appellant_phone="13812345678",
                occurred_at=timezone.now() + datetime.timedelta(days=1),
            ),
        )
    assert refused.value.field == "occurred_at"
    assert table_counts() == counts
