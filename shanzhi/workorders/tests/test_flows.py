"""The branches of the lifecycle: return and ruling, escalation, merging duplicates, co-units,
re-handling after verification or a dissatisfied rating, supervision."""

import pytest

from shanzhi.org.models import Unit
from shanzhi.workorders.models import Appeal, Assignment, WorkOrder
from shanzhi.workorders.tests.helpers import NEIGHBOURS, act, point_in, post, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def housing():
    return Unit.objects.get(name="吴兴区住房和城乡建设局")


@pytest.fixture
def dispatched(client_as, housing):
    order_id = register(client_as("operator"))["work_order_id"]
    assert act(client_as("dispatcher"), order_id, "dispatch", {"lead_unit": housing.pk})[0] == 200
    return order_id


def state(order_id):
    return WorkOrder.objects.get(pk=order_id).state


def test_return_then_ruling_back_to_the_same_unit(
    client_as, dispatched, housing, outbox, django_capture_on_commit_callbacks
):
    department, dispatcher = client_as("department"), client_as("dispatcher")
    with django_capture_on_commit_callbacks(execute=True):
        status, detail = act(
            department,
            dispatched,
            "return",
            {"reason": "wrong_territory", "note": "该路段属于开发区"},
        )
    assert (status, detail["state"], detail["lead_unit"]) == (200, "pending_dispatch", None)
    assert detail["sign_deadline"] is None and detail["handle_deadline"] is None
    assert outbox[-1].kind == "workorder.returned"
    order = WorkOrder.objects.get(pk=dispatched)
    assert order.returns_count == 1
    assert Assignment.objects.get(work_order=order, unit=housing).return_reason == "wrong_territory"
    # The returned unit still sees the order it handled, but may no longer act on it.
    status, detail = department.get(f"/api/v1/workorders/{dispatched}").status_code, None
    assert status == 200
    assert act(department, dispatched, "sign")[0] == 403
    # The dispatcher rules (审定) that the unit must handle it: dispatched again, new deadlines.
    status, detail = act(
        dispatcher,
        dispatched,
        "dispatch",
        {"lead_unit": housing.pk, "note": "经审定，属住建局职责"},
    )
    assert (status, detail["state"]) == (200, "pending_sign")
    assert [a["state"] for a in detail["assignments"]] == ["returned", "pending_sign"]


def test_redispatch_while_handling_withdraws_the_first_unit(client_as, dispatched):
    department, dispatcher = client_as("department"), client_as("dispatcher")
    act(department, dispatched, "sign")
    enforcement = Unit.objects.get(name="月河街道综合执法平台")
    # 改派 names the version the dispatcher saw; without it the dispatch is refused (409).
    status, detail = act(dispatcher, dispatched, "dispatch", {"lead_unit": enforcement.pk})
    assert status == 409 and "改派" in detail["detail"]
    version = WorkOrder.objects.get(pk=dispatched).version
    status, detail = post(
        dispatcher,
        f"/api/v1/workorders/{dispatched}/actions/dispatch",
        {"lead_unit": enforcement.pk},
        HTTP_IF_MATCH=str(version),
    )
    assert (status, detail["state"], detail["lead_unit"]) == (
        200,
        "pending_sign",
        "月河街道综合执法平台",
    )
    assert [a["state"] for a in detail["assignments"]] == ["withdrawn", "pending_sign"]
    assert act(department, dispatched, "reply", {"result": "solved", "text": "x"})[0] == 403


def test_escalation_moves_up_one_level_at_a_time(client_as):
    operator = client_as("operator")
    order_id = register(operator, category=NEIGHBOURS, grid="330502001001001")["work_order_id"]
    dispatcher, clerk = client_as("dispatcher"), client_as("villageclerk")
    proposal = Unit.objects.get(name__endswith="居民委员会", region_id="330502001001")
    act(dispatcher, order_id, "dispatch", {"lead_unit": proposal.pk})
    act(clerk, order_id, "sign")
    # The village cannot solve it: up to the township's command room.
    status, detail = act(clerk, order_id, "escalate", {"reason": "涉及多个村，村里协调不了"})
    assert (status, detail["state"], detail["dispatch_unit"]) == (
        200,
        "pending_dispatch",
        "月河街道综合指挥室",
    )
    # The township cannot either: up to the district's centre, out of the dispatcher's hands.
    status, detail = act(dispatcher, order_id, "escalate", {"reason": "需区级统筹"})
    assert (status, detail["dispatch_unit"]) == (200, "吴兴区社会治理中心")
    assert WorkOrder.objects.get(pk=order_id).escalations_count == 2
    assert act(dispatcher, order_id, "dispatch", {"lead_unit": proposal.pk})[0] == 403
    # The district commander now dispatches it.
    status, detail = act(
        client_as("commander"),
        order_id,
        "dispatch",
        {"lead_unit": Unit.objects.get(name="吴兴区人民调解委员会").pk},
    )
    assert (status, detail["state"]) == (200, "pending_sign")


def test_merged_appellants_all_receive_the_answer(
    client_as, housing, outbox, django_capture_on_commit_callbacks
):
    operator, dispatcher, department = (
        client_as(p) for p in ("operator", "dispatcher", "department")
    )
    first = register(operator)
    second = register(operator, appellant_phone="13700001111", content="同一个坑，又有人摔了")
    act(dispatcher, first["work_order_id"], "dispatch", {"lead_unit": housing.pk})
    status, detail = act(
        dispatcher, second["work_order_id"], "merge", {"into": first["work_order_id"]}
    )
    assert (status, detail["id"], detail["state"]) == (200, second["work_order_id"], "merged")
    target = dispatcher.get(f"/api/v1/workorders/{first['work_order_id']}").json()
    assert [a["tracking_code"] for a in target["appellants"]] == [
        first["tracking_code"],
        second["tracking_code"],
    ]
    act(department, first["work_order_id"], "sign")
    act(department, first["work_order_id"], "reply", {"result": "solved", "text": "已修复"})
    with django_capture_on_commit_callbacks(execute=True):
        act(dispatcher, first["work_order_id"], "verify", {"accept": True})
    assert sorted(m.phone for m in outbox if m.kind == "appeal.replied") == [
        "13700001111",
        "13812345678",
    ]
    # Both appellants see the answer; the order is archived once both have rated.
    public = client_as("resident")
    public.logout()
    post(
        public,
        f"/api/v1/track/{first['tracking_code']}/rating",
        {"phone_tail": "5678", "rating": "satisfied"},
    )
    assert state(first["work_order_id"]) == "pending_rating"
    tracked = public.get(f"/api/v1/track/{second['tracking_code']}?phone_tail=1111").json()
    assert tracked["reply_text"] == "已修复"
    post(
        public,
        f"/api/v1/track/{second['tracking_code']}/rating",
        {"phone_tail": "1111", "rating": "basically"},
    )
    assert state(first["work_order_id"]) == "archived"


def test_merging_needs_an_open_visible_target(client_as, table_counts):
    operator, dispatcher = client_as("operator"), client_as("dispatcher")
    one = register(operator)["work_order_id"]
    elsewhere = register(operator, grid="330502101201001")["work_order_id"]  # 织里镇
    counts = table_counts()
    assert act(dispatcher, one, "merge", {"into": one})[0] == 400
    assert act(dispatcher, one, "merge", {"into": elsewhere})[0] == 404
    assert table_counts() == counts


def test_co_units_add_their_opinion(client_as, housing):
    order_id = register(client_as("operator"))["work_order_id"]
    village = Unit.objects.get(region_id="330502001002", kind="village_committee")
    status, detail = act(
        client_as("dispatcher"),
        order_id,
        "dispatch",
        {"lead_unit": housing.pk, "co_units": [village.pk]},
    )
    assert [(a["unit"], a["role"]) for a in detail["assignments"]] == [
        ("吴兴区住房和城乡建设局", "lead"),
        (village.name, "co"),
    ]
    # The demo's village clerk belongs to another community, so give this one a clerk.
    from shanzhi.org.services import membership_grant, person_create

    clerk = person_create(actor="test", username="clerk2", full_name="钱多", password=None)
    membership_grant(actor="test", user=clerk, unit=village, role="village_clerk")
    from django.test import Client

    co = Client()
    co.force_login(clerk)
    assert act(co, order_id, "sign")[0] == 403  # only the lead unit signs
    status, detail = act(co, order_id, "co_reply", {"text": "已协助排查周边管线"})
    assert status == 200
    assert detail["assignments"][1]["reply_text"] == "已协助排查周边管线"


def test_verification_can_send_it_back_for_rehandling(client_as, dispatched):
    department, dispatcher = client_as("department"), client_as("dispatcher")
    act(department, dispatched, "sign")
    act(department, dispatched, "reply", {"result": "partly", "text": "先做了临时处理"})
    status, body = act(dispatcher, dispatched, "verify", {"accept": False})
    assert status == 400 and body["errors"][0]["field"] == "note"
    status, detail = act(
        dispatcher, dispatched, "verify", {"accept": False, "note": "要求彻底修复"}
    )
    assert (status, detail["state"], detail["reopen_count"]) == (200, "handling", 1)
    assert (
        act(department, dispatched, "reply", {"result": "solved", "text": "已彻底修复"})[0] == 200
    )


def test_a_dissatisfied_rating_goes_back_to_the_dispatcher(client_as, dispatched):
    department, dispatcher = client_as("department"), client_as("dispatcher")
    act(department, dispatched, "sign")
    act(department, dispatched, "reply", {"result": "solved", "text": "已修复"})
    act(dispatcher, dispatched, "verify", {"accept": True})
    code = WorkOrder.objects.get(pk=dispatched).appeals.get().tracking_code
    public = client_as("resident")
    public.logout()
    # 不满意 needs a reason: the dispatcher re-dispatches from it. Refused, nothing changed.
    status, body = post(
        public, f"/api/v1/track/{code}/rating", {"phone_tail": "5678", "rating": "dissatisfied"}
    )
    assert (status, body["errors"][0]["field"], body["detail"]) == (
        400,
        "comment",
        "请说明不满意的原因",
    )
    assert WorkOrder.objects.get(pk=dispatched).state == "pending_rating"
    status, body = post(
        public,
        f"/api/v1/track/{code}/rating",
        {"phone_tail": "5678", "rating": "dissatisfied", "comment": "没修好"},
    )
    assert (status, body["state"]) == (200, "pending_dispatch")
    order = WorkOrder.objects.get(pk=dispatched)
    assert (order.reopen_count, order.lead_unit_id) == (1, None)
    # The answer the resident was given stays in their timeline after the reopen.
    tracked = public.get(f"/api/v1/track/{code}?phone_tail=5678").json()
    assert [(e["action"], e["text"]) for e in tracked["timeline"]][-4:] == [
        ("sign", ""),
        ("reply", "已修复"),
        ("verify", ""),
        ("rate", "不满意"),
    ]
    # Handled again: the new answer follows the old one.
    zhujian = Unit.objects.get(name="吴兴区住房和城乡建设局").pk
    assert act(dispatcher, dispatched, "dispatch", {"lead_unit": zhujian})[0] == 200
    assert act(department, dispatched, "sign")[0] == 200
    reply = {"result": "solved", "text": "已重新铺设路面"}
    assert act(department, dispatched, "reply", reply)[0] == 200
    assert act(dispatcher, dispatched, "verify", {"accept": True})[0] == 200
    page = public.get(f"/track/{code}/?phone_tail=5678", follow=True).content.decode()
    history = page[page.index('data-testid="timeline"') :]
    assert history.index("已修复") < history.index("已重新铺设路面")
    # The same appeal cannot be rated twice.
    assert (
        post(public, f"/api/v1/track/{code}/rating", {"phone_tail": "5678", "rating": "satisfied"})[
            0
        ]
        == 409
    )


def test_supervision_by_a_leader(client_as, dispatched, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        status, detail = act(
            client_as("leader"),
            dispatched,
            "supervise",
            {"level": "red", "note": "群众反映强烈，限期解决"},
        )
    assert (status, detail["supervision"]) == (200, "red")
    assert {m.unit_id for m in outbox if m.kind == "workorder.supervised"} == {
        Unit.objects.get(name="吴兴区住房和城乡建设局").pk,
        Unit.objects.get(name="月河街道综合指挥室").pk,
    }
    assert (
        act(client_as("department"), dispatched, "supervise", {"level": "red", "note": "x"})[0]
        == 403
    )


def test_a_grid_report_is_signed_by_the_grid_worker(client_as):
    status, body = post(
        client_as("gridworker"),
        "/api/v1/appeals",
        {
            "channel": "grid",
            "nature": "report",
            "category": "010102",
            "content": "楼道堆放杂物",
            "lon": point_in("330502001001001")[0],
            "lat": point_in("330502001001001")[1],
        },
    )
    assert status == 201, body
    appeal = Appeal.objects.get(tracking_code=body["tracking_code"])
    assert (appeal.appellant_name, appeal.appellant_phone, appeal.anonymous) == (
        "李建国",
        "",
        False,
    )


def test_a_refused_direct_answer_registers_nothing_and_keeps_no_file(
    client_as, user_named, table_counts, settings, tmp_path
):
    import io

    from shanzhi.core.errors import Conflict
    from shanzhi.workorders import services

    settings.MEDIA_ROOT = tmp_path
    counts = table_counts()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    lon, lat = point_in()
    with pytest.raises(Conflict):
        services.appeal_register(
            actor=user_named("operator"),
            direct_answer="已答复",
            data=services.AppealInput(
                channel="hotline",
                nature="complaint",
                category_code="010301",
                content="投诉不能直办",
                lon=lon,
                lat=lat,
                appellant_phone="13812345678",
                uploads=[services.Upload("p.png", io.BytesIO(png), len(png))],
            ),
        )
    assert table_counts() == counts
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_the_timeline_holds_actions_not_views(client_as):
    from shanzhi.workorders.selectors import timeline

    created = register(client_as("operator"))
    dispatcher = client_as("dispatcher")
    dispatcher.get(f"/api/v1/workorders/{created['work_order_id']}")  # logs appellant.view
    order = WorkOrder.objects.get(pk=created["work_order_id"])
    assert [e.action for e in timeline(order)] == ["register"]


def test_public_grid_outlines_and_locate_need_no_login(client):
    outlines = client.get("/api/v1/public/grids?within=330502001000").json()
    assert len(outlines["features"]) == 15
    assert set(outlines["features"][0]["properties"]) == {"code", "name"}
    lon, lat = point_in()
    located = client.get(f"/api/v1/grids/locate?lon={lon}&lat={lat}").json()
    assert located["grid"]["code"] == "330502001002001"
    assert client.get("/api/v1/public/grids?within=1").status_code == 400


def test_tracking_lookups_are_limited_per_address(client):
    # A new code each time, so that only the per-address limit is met (not the per-code lock).
    for n in range(30):
        assert client.get(f"/track/SNOSUCH{n}/?phone_tail=1234").status_code == 404
    assert client.get("/track/SNOSUCH99/?phone_tail=1234").status_code == 429
