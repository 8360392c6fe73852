"""The work-order pages through the browser's eyes: the resident's form and tracking page, the
staff console's inboxes, registration, the grid worker's report, the detail page and its
actions. Every refusal is checked to have changed nothing."""

import json
import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from shanzhi.core.models import AuditEvent
from shanzhi.territory.models import Grid
from shanzhi.workorders.models import Appeal, Attachment, WorkOrder

pytestmark = pytest.mark.django_db

GRID = "330502001001001"  # 月河街道, first community
ROAD_DAMAGE = (
    "010301"  # 城市管理 › 市政设施 › 道路破损 → 吴兴区住房和城乡建设局 (the department persona)
)
MEDICAL_INSURANCE = "080101"  # 政策咨询 › 社会保障 › 医保咨询
PHONE = "13812345678"
ZHUJIAN = "吴兴区住房和城乡建设局"


def tiny_png() -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xa6\x1b\x1b"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def form_data(**overrides) -> dict:
    grid = Grid.objects.get(code=GRID)
    data = {
        "nature": "complaint",
        "category": ROAD_DAMAGE,
        "title": "人行道塌陷",
        "content": "小区门口人行道塌了一个坑，老人摔倒过。",
        "lon": grid.lon,
        "lat": grid.lat,
        "address": "",
        "region": "",
        "appellant_name": "李四",
        "appellant_phone": PHONE,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def file_appeal(client, **overrides) -> Appeal:
    """Files an appeal on /appeal/ and returns it (the result page must show its code)."""
    response = client.post("/appeal/", form_data(**overrides), follow=True)
    assert response.status_code == 200, response.content.decode()[:2000]
    html = response.content.decode()
    code = re.search(r'data-testid="tracking-code">(\w+)<', html).group(1)
    return Appeal.objects.select_related("work_order").get(tracking_code=code)


def counts(table_counts) -> dict:
    """Rows a refused request must leave alone (showing a page may log a view of personal data,
    which is an audit event of its own)."""
    return {
        **table_counts(),
        "AuditEvent": AuditEvent.objects.exclude(action="appellant.view").count(),
        "WorkOrder": WorkOrder.objects.count(),
        "Appeal": Appeal.objects.count(),
        "Attachment": Attachment.objects.count(),
    }


def act(client, order: WorkOrder, action: str, data: dict | None = None):
    return client.post(f"/workorders/{order.pk}/act/{action}/", data or {})


# -- the resident's form --------------------------------------------------------------------------


def test_a_resident_files_an_appeal_with_a_photo_and_a_point(client_as):
    resident = client_as("resident")
    form = resident.get("/appeal/").content.decode()
    assert '<optgroup label="城市管理 › 市政设施">' in form
    assert '<option value="010301">城市管理 › 市政设施 › 道路破损</option>' in form
    assert 'accept="image/*"' in form and 'type="file"' in form and "multiple" in form
    assets = re.findall(r'(?:src|href)="([^"]*)"', form)  # not the random CSRF token
    assert "/static/vendor/leaflet/leaflet.js" in assets and not [a for a in assets if "cdn" in a]

    photo = SimpleUploadedFile("pothole.png", tiny_png(), content_type="image/png")
    response = resident.post("/appeal/", {**form_data(), "photos": [photo]})
    assert (response.status_code, response["Location"]) == (302, "/appeal/done/")
    html = resident.get("/appeal/done/").content.decode()
    code = re.search(r'data-testid="tracking-code">(\w+)<', html).group(1)
    appeal = Appeal.objects.select_related("work_order").get(tracking_code=code)
    order = appeal.work_order
    assert f'href="/track/{code}/"' in html and "5678" not in html  # no tail in any address
    assert appeal.channel == "web" and appeal.submitted_by.username == "resident"
    assert (order.grid_id, order.state, order.channel) == (GRID, "pending_dispatch", "web")
    attachment = Attachment.objects.get(appeal=appeal)
    assert (attachment.content_type, attachment.kind, attachment.size) == (
        "image/png",
        "photo",
        len(tiny_png()),
    )
    home = resident.get("/").content.decode()
    assert "我的诉求" in home and f'href="/track/{code}/"' in home
    # The resident opens their own appeal without typing the tail; a stranger cannot.
    elsewhere = client_as("resident")  # signed in on another device: nothing in its session
    assert "人行道塌陷" in elsewhere.get(f"/track/{code}/").content.decode()
    from django.test import Client

    assert Client().get(f"/track/{code}/").status_code == 404
    # The next appeal starts with their name and the phone they left last time.
    again = resident.get("/appeal/").content.decode()
    assert 'name="appellant_name" value="王秀英"' in again
    assert f'name="appellant_phone" value="{PHONE}"' in again


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(client, table_counts):
    before = counts(table_counts)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 60, content_type="image/jpeg")
    response = client.post("/appeal/", {**form_data(), "photos": [fake]})
    html = response.content.decode()
    assert response.status_code == 400
    assert "文件 photo.jpg 的类型不受支持" in html and 'data-error-for="photos"' in html
    assert "人行道塌陷" in html  # the form keeps what was typed
    assert counts(table_counts) == before


def test_a_file_over_the_size_limit_is_refused_with_413(client, settings, table_counts):
    settings.UPLOAD_MAX_BYTES = 64
    before = counts(table_counts)
    big = SimpleUploadedFile("big.png", tiny_png() + b"\x00" * 200, content_type="image/png")
    response = client.post("/appeal/", {**form_data(), "photos": [big]})
    assert response.status_code == 413
    assert "文件 big.png 超过" in response.content.decode()
    assert counts(table_counts) == before


def test_field_errors_are_shown_next_to_the_field(client, table_counts):
    before = counts(table_counts)
    response = client.post("/appeal/", form_data(appellant_phone="12", lon="", lat=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-error-for="appellant_phone">电话号码格式不正确<' in html
    response = client.post("/appeal/", form_data(lon="", lat="", appellant_phone=PHONE))
    assert response.status_code == 400
    assert (
        'data-error-for="region">请在地图上标出位置，或选择所在区域<' in response.content.decode()
    )
    response = client.post("/appeal/", form_data(lon="east", category="01"))
    assert response.status_code == 400
    assert counts(table_counts) == before


def test_without_a_pin_the_region_places_the_appeal(client):
    appeal = file_appeal(client, lon="", lat="", region="330502001001", address="碧浪社区3组")
    assert (appeal.work_order.area_code, appeal.work_order.grid_id) == ("330502001001", None)
    assert appeal.submitted_by is None


# -- the whole loop -------------------------------------------------------------------------------


def test_the_whole_loop_through_the_pages(client, client_as):
    from shanzhi.org.models import Unit

    appeal = file_appeal(client)
    order = appeal.work_order
    dispatcher = client_as("dispatcher")
    inbox = dispatcher.get("/workorders/?box=pending_dispatch").content.decode()
    assert f'href="/workorders/{order.pk}/">{order.code}</a>' in inbox
    assert (
        f'<a href="/workorders/{order.pk}/">{escape(order.title)}</a>' in inbox
    )  # title links too

    page = dispatcher.get(f"/workorders/{order.pk}/").content.decode()
    zhujian = Unit.objects.get(name=ZHUJIAN)
    assert f'<option value="{zhujian.pk}" selected>{ZHUJIAN}（规则建议：' in page
    response = act(dispatcher, order, "dispatch", {"lead_unit": zhujian.pk, "note": "请尽快修复"})
    assert (response.status_code, response["Location"]) == (302, f"/workorders/{order.pk}/")
    order.refresh_from_db()
    assert (order.state, order.lead_unit_id) == ("pending_sign", zhujian.pk)
    assert f"已派单至 {ZHUJIAN}" in dispatcher.get(response["Location"]).content.decode()

    department = client_as("department")
    assert (
        f'href="/workorders/{order.pk}/"'
        in department.get("/workorders/?box=pending_sign").content.decode()
    )
    assert act(department, order, "sign").status_code == 302
    reply = {"result": "solved", "text": "已修复路面，并电话告知反映人。"}
    assert act(department, order, "reply", reply).status_code == 302
    order.refresh_from_db()
    assert order.state == "pending_verify"

    assert act(dispatcher, order, "verify", {"decision": "accept"}).status_code == 302
    order.refresh_from_db()
    assert order.state == "pending_rating"

    track = client.post("/track/", {"code": appeal.tracking_code.lower(), "phone_tail": "5678"})
    assert track["Location"] == f"/track/{appeal.tracking_code}/"  # the tail stays in the session
    html = client.get(track["Location"]).content.decode()
    assert "已修复路面，并电话告知反映人。" in html and "已解决" in html
    assert 'data-testid="rate-form"' in html and 'value="satisfied"' in html
    assert f'派单</strong><span class="sz-pre d-block">{ZHUJIAN}<' in html
    response = client.post(
        f"/track/{appeal.tracking_code}/rate/", {"rating": "satisfied", "comment": "修得很快"}
    )
    assert response["Location"] == f"/track/{appeal.tracking_code}/"
    html = client.get(response["Location"]).content.decode()
    assert "感谢您的评价！" in html and 'data-testid="rate-form"' not in html
    order.refresh_from_db()
    appeal.refresh_from_db()
    assert (order.state, appeal.rating, appeal.rated_via) == ("archived", "satisfied", "appellant")
    # Rating twice is refused, and changes nothing.
    again = client.post(
        f"/track/{appeal.tracking_code}/rate/", {"phone_tail": "5678", "rating": "dissatisfied"}
    )
    assert again.status_code == 409
    appeal.refresh_from_db()
    assert appeal.rating == "satisfied"


def test_wrong_code_and_wrong_phone_get_the_same_404(client):
    appeal = file_appeal(client)
    wrong_phone = client.get(f"/track/{appeal.tracking_code}/?phone_tail=0000")
    unknown = client.get("/track/S000000AAAAA/?phone_tail=5678")
    assert wrong_phone.status_code == unknown.status_code == 404
    assert "查询码或手机号后四位不正确" in wrong_phone.content.decode()

    def strip(response) -> str:  # the CSRF token and the language switcher's "next" differ
        return re.sub(r'name="(csrfmiddlewaretoken|next)"[^>]+', "", response.content.decode())

    assert strip(wrong_phone).replace(appeal.tracking_code, "S000000AAAAA") == strip(unknown)
    assert (
        client.post(
            f"/track/{appeal.tracking_code}/rate/", {"phone_tail": "0000", "rating": "satisfied"}
        ).status_code
        == 404
    )
    bad = client.get("/track/?code=&phone_tail=12")
    assert bad.status_code == 400 and "请输入手机号的后四位数字" in bad.content.decode()


def test_hostile_input_gets_a_message_never_a_500(client, client_as, table_counts):
    before = counts(table_counts)
    dispatcher = client_as("dispatcher")
    bad = [
        client.post("/appeal/", form_data(lon="nan", lat="inf")),
        client.post("/appeal/", form_data(lon="200", lat="95")),
        client.post("/appeal/", form_data(content="x" * 4001)),
        client.post("/appeal/", form_data(nature="nonsense", region="330502")),
        client.post("/appeal/", form_data(appellant_name="\x00")),
        client.post(
            "/appeal/",
            {
                **form_data(),
                "photos": [
                    SimpleUploadedFile(f"p{i}.png", tiny_png(), content_type="image/png")
                    for i in range(10)
                ],
            },
        ),
        client.post("/appeal/", {**form_data(), "photos": [SimpleUploadedFile("e.png", b"")]}),
        dispatcher.get("/workorders/?text=%00&date_to=2026-13-45&region=99"),
        dispatcher.post("/workorders/new/", form_data(channel="hotline", amount_involved="1e99")),
        dispatcher.post("/workorders/new/", form_data(channel="sensor", occurred_at="soon")),
    ]
    assert [r.status_code for r in bad] == [400] * len(bad)
    assert all("alert-danger" in r.content.decode() for r in bad)
    assert "附件最多 9 个" in bad[5].content.decode()
    assert client.get("/track/%00/").status_code == 400  # NUL: refused for every request
    for url in ["/track/" + "A" * 300 + "/", "/track/S%27%20OR%201%3D1/"]:
        assert client.get(url).status_code == 404
    assert dispatcher.get("/workorders/99999999999999999999999/").status_code == 404
    assert dispatcher.get("/workorders/attachments/99999999999999999999/").status_code == 404
    order = WorkOrder.objects.filter(state="pending_dispatch", code__startswith="GD").first()
    for data in [{"lead_unit": "abc"}, {"lead_unit": "1", "co_units": ["x"]}, {}]:
        assert act(dispatcher, order, "dispatch", data).status_code == 400
    assert act(dispatcher, order, "merge", {"target": "GD000000NONE"}).status_code == 400
    assert dispatcher.get(f"/workorders/{order.pk}/act/sign/").status_code == 405
    assert counts(table_counts) == before


# -- who sees what --------------------------------------------------------------------------------


def test_outsider_gets_404_on_the_detail_page_and_the_attachment(client, client_as):
    photo = SimpleUploadedFile("pothole.png", tiny_png(), content_type="image/png")
    appeal = file_appeal(client, photos=[photo])
    order = appeal.work_order
    attachment = Attachment.objects.get(appeal=appeal)
    dispatcher = client_as("dispatcher")
    page = dispatcher.get(f"/workorders/{order.pk}/").content.decode()
    assert f'src="/workorders/attachments/{attachment.pk}/"' in page
    download = dispatcher.get(f"/workorders/attachments/{attachment.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == tiny_png()

    outsider = client_as("outsider")
    assert outsider.get(f"/workorders/{order.pk}/").status_code == 404
    assert outsider.get(f"/workorders/attachments/{attachment.pk}/").status_code == 404
    assert act(outsider, order, "dispatch", {"lead_unit": 1}).status_code == 404
    assert client.get(f"/workorders/attachments/{attachment.pk}/").status_code == 302  # sign in
    assert dispatcher.get("/workorders/attachments/999999/").status_code == 404
    assert dispatcher.get("/workorders/999999/").status_code == 404


def test_the_detail_page_offers_only_the_actions_the_person_may_take(
    client, client_as, table_counts
):
    from shanzhi.org.models import Unit

    order = file_appeal(client).work_order
    zhujian = Unit.objects.get(name=ZHUJIAN)
    dispatcher, department = client_as("dispatcher"), client_as("department")
    assert act(dispatcher, order, "dispatch", {"lead_unit": zhujian.pk}).status_code == 302
    page = department.get(f"/workorders/{order.pk}/").content.decode()
    assert 'data-action="sign"' in page and 'data-action="return"' in page
    assert 'data-action="dispatch"' not in page and 'data-action="verify"' not in page
    returned = {"reason": "wrong_territory", "note": "不在本部门职责范围"}
    assert act(department, order, "return", returned).status_code == 302
    order.refresh_from_db()
    assert order.state == "pending_dispatch"

    # The department still sees the order it returned, but may do nothing with it now.
    page = department.get(f"/workorders/{order.pk}/").content.decode()
    assert re.findall(r'data-action="(\w+)"', page) == []
    assert "当前没有您可以执行的操作。" in page and "属地不符" in page
    before = counts(table_counts)
    refused = act(department, order, "dispatch", {"lead_unit": zhujian.pk})
    assert refused.status_code == 403
    assert "只有本工单的分拨单位可以执行此操作" in refused.content.decode()
    order.refresh_from_db()
    assert order.state == "pending_dispatch" and counts(table_counts) == before

    page = dispatcher.get(f"/workorders/{order.pk}/").content.decode()
    assert {"merge", "dispatch", "escalate"} <= set(re.findall(r'data-action="(\w+)"', page))
    assert 'data-action="sign"' not in page


def test_a_stale_form_gets_409_and_changes_nothing(client, client_as, table_counts):
    from shanzhi.org.models import Unit

    order = file_appeal(client).work_order
    zhujian = Unit.objects.get(name=ZHUJIAN)
    dispatcher, department = client_as("dispatcher"), client_as("department")
    act(dispatcher, order, "dispatch", {"lead_unit": zhujian.pk})
    assert act(department, order, "sign").status_code == 302
    before = counts(table_counts)
    again = act(department, order, "sign")
    assert again.status_code == 409
    assert "工单状态已变化" in again.content.decode()
    assert counts(table_counts) == before
    invalid = act(department, order, "reply", {"result": "nonsense", "text": ""})
    assert invalid.status_code == 400 and 'data-error-for="text"' in invalid.content.decode()
    assert act(department, order, "nonsense").status_code == 404
    assert counts(table_counts) == before


def test_lists_never_show_phones(client_as, django_assert_max_num_queries):
    from shanzhi.workorders.selectors import workorders_visible_to

    dispatcher = client_as("dispatcher")
    dispatcher.get("/workorders/")
    with django_assert_max_num_queries(20):  # 16 rows: no query per row
        html = dispatcher.get("/workorders/").content.decode()
    user = dispatcher.get("/").wsgi_request.user
    phones = set(
        Appeal.objects.filter(work_order__in=workorders_visible_to(user)).values_list(
            "appellant_phone", flat=True
        )
    ) - {""}
    assert len(phones) >= 10
    assert "共 16 件" in html
    assert [p for p in phones if p in html] == []


def test_the_list_filters_and_refuses_bad_filters(client_as):
    dispatcher = client_as("dispatcher")
    html = dispatcher.get("/workorders/?state=pending_rating").content.decode()
    assert "共 2 件" in html
    html = dispatcher.get("/workorders/?box=all&category=01").content.decode()
    assert "共 " in html
    bad = dispatcher.get("/workorders/?state=nonsense&date_from=yesterday")
    assert bad.status_code == 400 and "alert-danger" in bad.content.decode()
    assert dispatcher.get("/workorders/?box=nonsense").status_code == 404
    assert dispatcher.get("/workorders/?page=abc").status_code == 200


def test_user_text_is_escaped_on_the_detail_and_tracking_pages(client, client_as):
    script = "<script>alert(1)</script>"
    appeal = file_appeal(client, title=script, content=f"路面塌陷{script}")
    for html in [
        client_as("dispatcher").get(f"/workorders/{appeal.work_order_id}/").content.decode(),
        client.get(f"/track/{appeal.tracking_code}/?phone_tail=5678", follow=True).content.decode(),
    ]:
        assert script not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_confidential_appellant_is_hidden_from_the_handler(client, client_as):
    from shanzhi.org.models import Unit

    appeal = file_appeal(client, confidential="on", appellant_name="王保密")
    order = appeal.work_order
    dispatcher, department = client_as("dispatcher"), client_as("department")
    act(dispatcher, order, "dispatch", {"lead_unit": Unit.objects.get(name=ZHUJIAN).pk})
    views = AuditEvent.objects.filter(
        action="appellant.view", object_type="workorder", object_id=str(order.pk)
    )
    assert not views.exists()

    html = department.get(f"/workorders/{order.pk}/").content.decode()
    assert "王保密" not in html and PHONE not in html and "5678" not in html
    assert "（保密）" in html
    assert not views.exists()

    html = dispatcher.get(f"/workorders/{order.pk}/").content.decode()
    assert "王保密" in html and PHONE in html
    assert [e.actor.username for e in views] == ["dispatcher"]
    assert "appellant.view" not in html  # the view log is not part of the case history


# -- staff registration and the grid worker's report ----------------------------------------------


def test_the_operator_registers_a_call_and_answers_it_directly(client_as, table_counts):
    operator = client_as("operator")
    assert 'data-testid="direct-answer"' in operator.get("/workorders/new/").content.decode()
    data = form_data(
        channel="hotline",
        nature="consult",
        urgency="normal",
        category=MEDICAL_INSURANCE,
        content="异地就医怎么备案？",
        title="",
        answer="可在“浙里办”搜索“异地就医备案”在线办理。",
        occurred_at="2026-01-05T09:30",
        people_involved="1",
    )
    response = operator.post("/workorders/new/", data)
    assert (response.status_code, response["Location"]) == (302, "/workorders/new/done/")
    html = operator.get("/workorders/new/done/").content.decode()
    code = re.search(r'data-testid="tracking-code">(\w+)<', html).group(1)
    appeal = Appeal.objects.select_related("work_order").get(tracking_code=code)
    order = appeal.work_order
    assert f'href="/workorders/{order.pk}/"' in html and "待回访" in html
    assert (order.channel, order.state, order.answered_directly) == (
        "hotline",
        "pending_rating",
        True,
    )
    assert appeal.submitted_by.username == "operator" and appeal.people_involved == 1

    # A complaint cannot be answered on the spot: nothing at all is registered.
    before = counts(table_counts)
    refused = operator.post("/workorders/new/", {**data, "nature": "complaint", "key": "k2"})
    assert refused.status_code == 409
    assert 'data-error-for="answer">只有咨询、求助、建议和表扬类诉求可以直接答复<' in (
        refused.content.decode()
    )
    assert counts(table_counts) == before


def test_only_registrars_may_register_and_report(client_as):
    assert client_as("department").get("/workorders/new/").status_code == 403
    assert client_as("resident").get("/workorders/report/").status_code == 403
    assert client_as("villageclerk").get("/workorders/new/").status_code == 200


def test_the_grid_worker_reports_with_position_and_photo(client_as):
    worker = client_as("gridworker")
    page = worker.get("/workorders/report/").content.decode()
    assert 'capture="environment"' in page and "/api/v1/grids/locate" in page
    photo = SimpleUploadedFile("scene.png", tiny_png(), content_type="image/png")
    grid = Grid.objects.get(code=GRID)
    response = worker.post(
        "/workorders/report/",
        {
            "category": "010102",
            "nature": "report",
            "urgency": "urgent",
            "content": "楼道堆放杂物，堵塞消防通道。",
            "lon": grid.lon,
            "lat": grid.lat,
            "photos": [photo],
        },
    )
    assert response["Location"] == "/workorders/report/done/"
    html = worker.get("/workorders/report/done/").content.decode()
    assert 'data-testid="report-another"' in html
    code = re.search(r'data-testid="tracking-code">(\w+)<', html).group(1)
    order = Appeal.objects.get(tracking_code=code).work_order
    assert (order.channel, order.urgency, order.grid_id) == ("grid", "urgent", GRID)
    assert order.attachments.count() == 1
    assert worker.get(f"/workorders/{order.pk}/").status_code == 200


def test_the_locate_endpoint_the_report_page_uses(client_as):
    grid = Grid.objects.get(code=GRID)
    response = client_as("gridworker").get(f"/api/v1/grids/locate?lon={grid.lon}&lat={grid.lat}")
    assert response.json()["grid"]["code"] == GRID


# -- navigation and the workbench -----------------------------------------------------------------


def test_navigation_and_the_workbench_follow_roles(client, client_as):
    public = client.get("/appeal/").content.decode()
    assert 'href="/appeal/"' in public and 'href="/track/"' in public
    assert 'href="/workorders/"' not in public
    dispatcher = client_as("dispatcher").get("/").content.decode()
    assert 'href="/workorders/"' in dispatcher and 'href="/workorders/new/"' in dispatcher
    assert 'href="/workorders/report/"' not in dispatcher
    assert re.search(r'data-box="pending_dispatch">(\d+)<', dispatcher).group(1) == "5"
    worker = client_as("gridworker").get("/").content.decode()
    assert 'href="/workorders/report/"' in worker and 'href="/workorders/new/"' not in worker
    resident = client_as("resident").get("/").content.decode()
    assert 'href="/workorders/"' not in resident and "我的诉求" in resident
    assert 'href="/appeal/"' in resident and 'data-testid="inbox-counts"' not in resident


def _tab_counts(html: str) -> dict[str, int]:
    return {box: int(n) for box, n in re.findall(r'data-box="(\w+)">(\d+)<', html)}


def _listed(client, box: str) -> int:
    html = client.get(f"/workorders/?box={box}").content.decode()
    return int(re.search(r'data-testid="result-count">共 (\d+) 件<', html).group(1))


def test_the_inbox_tabs_count_what_each_box_lists_at_once_before_the_worker_folds(
    client, client_as
):
    """The tab counts are read from the workload table the worker keeps; a change shows in them
    at once, before the worker has folded it in."""
    from shanzhi.command.services import rollups_fold, rollups_lag
    from shanzhi.org.models import Unit

    rollups_fold()
    dispatcher, department = client_as("dispatcher"), client_as("department")
    before = _tab_counts(dispatcher.get("/workorders/").content.decode())
    assert len(before) == 7 and before["pending_dispatch"] == 5
    assert before == {box: _listed(dispatcher, box) for box in before}
    department_before = _tab_counts(department.get("/workorders/").content.decode())
    assert department_before == {box: _listed(department, box) for box in department_before}

    order = file_appeal(client).work_order
    filed = _tab_counts(dispatcher.get("/workorders/").content.decode())
    assert filed == before | {"pending_dispatch": before["pending_dispatch"] + 1}
    zhujian = Unit.objects.get(name=ZHUJIAN)
    assert act(dispatcher, order, "dispatch", {"lead_unit": zhujian.pk}).status_code == 302
    assert _tab_counts(dispatcher.get("/workorders/").content.decode()) == before
    signing = _tab_counts(department.get("/workorders/").content.decode())
    assert signing == department_before | {"pending_sign": department_before["pending_sign"] + 1}
    assert signing == {box: _listed(department, box) for box in signing}
    assert rollups_lag() > 0  # all of the above before the fold

    rollups_fold()
    assert _tab_counts(department.get("/workorders/").content.decode()) == signing


def test_the_public_pages_speak_english_when_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/appeal/"})
    html = client.get("/appeal/").content.decode()
    assert 'lang="en"' in html and "Submit" in html and "Use my location" in html


def test_a_territorial_rule_is_suggested_by_unit_name_not_by_internal_keys(user_named):
    """A 属地 rule names a kind of unit; the dispatcher reads the unit it resolved to."""
    from shanzhi.workorders.forms import DispatchForm
    from shanzhi.workorders.models import WorkOrder

    order = (
        WorkOrder.objects.filter(category__path__contains="/01", area_code__startswith="330502001")
        .select_related("category")
        .first()
    )
    form = DispatchForm(order=order, user=user_named("dispatcher"), action="dispatch")
    (group, suggested), *_ = form.fields["lead_unit"].choices[1:]
    labels = [label for _pk, label in suggested]
    assert str(group) == "规则建议"
    assert labels and all("platform_" not in label for label in labels)
    territorial = [i for i, p in enumerate(form.proposals) if p.rule.lead_unit_id is None]
    assert territorial, "the demo has 属地 rules for category 01"
    proposal = form.proposals[territorial[0]]
    unit, category = proposal.unit.name, proposal.rule.category.name
    assert labels[territorial[0]] == f"{unit}（规则建议：{category} → {unit}）"


def test_an_old_link_with_the_phone_tail_is_checked_once_and_sent_to_the_clean_address(client):
    appeal = file_appeal(client)
    code = appeal.tracking_code
    visitor = type(client)()
    old = visitor.get(f"/track/{code}/?phone_tail=5678")
    assert (old.status_code, old["Location"]) == (302, f"/track/{code}/")
    assert visitor.get(old["Location"]).status_code == 200
    # another browser has proved nothing
    assert type(client)().get(f"/track/{code}/").status_code == 404


def test_the_public_form_marks_what_is_required(client):
    form = client.get("/appeal/").content.decode()
    phone_label = form[form.index('for="id_appellant_phone"') :][:200]
    assert '<span class="text-danger" aria-hidden="true">*</span>' in phone_label
    assert "选择“匿名反映”时可不填" in form
    content_label = form[form.index('for="id_content"') :][:200]
    assert '<span class="text-danger" aria-hidden="true">*</span>' in content_label
    assert 'value="王秀英"' not in form  # nobody signed in: nothing prefilled


def test_a_refused_submission_keeps_the_photo(client, settings, table_counts):
    """A resident's photo survives a refused form: shown as kept, sent with the next try
    without choosing it again, and not left behind once registered."""
    import datetime

    from django.utils import timezone

    from shanzhi.workorders.services.uploads import held_uploads_prune

    before = counts(table_counts)
    photo = SimpleUploadedFile("pothole.png", tiny_png(), content_type="image/png")
    first = client.post(
        "/appeal/", {**form_data(content=""), "key": "form-key-1", "photos": [photo]}
    )
    html = first.content.decode()
    assert first.status_code == 400
    assert 'data-testid="photos-kept"' in html and "pothole.png" in html
    assert counts(table_counts) == before
    held = settings.MEDIA_ROOT / "held"
    assert len(list(held.iterdir())) == 1

    second = client.post("/appeal/", {**form_data(), "key": "form-key-1"})
    assert (second.status_code, second["Location"]) == (302, "/appeal/done/")
    appeal = Appeal.objects.latest("pk")
    attachment = Attachment.objects.get(appeal=appeal)
    assert (attachment.original_name, attachment.size) == ("pothole.png", len(tiny_png()))
    assert attachment.file.read() == tiny_png()
    assert list(held.iterdir()) == []

    # A form abandoned after a refusal: its photo goes after a day.
    client.post(
        "/appeal/",
        {
            **form_data(content=""),
            "key": "form-key-2",
            "photos": [SimpleUploadedFile("again.png", tiny_png(), content_type="image/png")],
        },
    )
    assert held_uploads_prune() == 0
    assert held_uploads_prune(now=timezone.now() + datetime.timedelta(days=2)) == 1
    assert list(held.iterdir()) == []


def test_the_lead_unit_replies_with_after_photos_shown_where_they_may_be(client, client_as):
    """办理后照片: the dispatcher sees them when verifying; the resident sees the public ones once
    the reply is accepted, never one of a reply sent back for rework, never a private one."""
    from shanzhi.org.models import Unit

    appeal = file_appeal(client)  # `client` proved the tail by filing
    order = appeal.work_order
    dispatcher, department = client_as("dispatcher"), client_as("department")
    zhujian = Unit.objects.get(name=ZHUJIAN)
    assert act(dispatcher, order, "dispatch", {"lead_unit": zhujian.pk}).status_code == 302
    assert act(department, order, "sign").status_code == 302

    def photo(name):
        return SimpleUploadedFile(name, tiny_png(), content_type="image/png")

    reply = {"result": "solved", "text": "已修复路面"}
    assert (
        act(
            department,
            order,
            "reply",
            {**reply, "photos": [photo("first.png")], "photos_public": "on"},
        ).status_code
        == 302
    )
    first = Attachment.objects.get(work_order=order, original_name="first.png")
    assert (first.step, first.public, first.uploaded_by.username) == ("reply", True, "department")
    detail = dispatcher.get(f"/workorders/{order.pk}/").content.decode()
    assert 'data-step="reply"' in detail and f"/workorders/attachments/{first.pk}/" in detail
    # Sent back: the first reply's photo never reaches the resident.
    assert (
        act(dispatcher, order, "verify", {"decision": "reopen", "note": "未修复完"}).status_code
        == 302
    )
    assert (
        act(
            department,
            order,
            "reply",
            {
                **reply,
                "photos": [
                    photo("second.png"),
                ],
                "photos_public": "on",
            },
        ).status_code
        == 302
    )
    private = {**reply, "photos": [photo("private.png")]}
    assert act(department, order, "reply", private).status_code == 409  # waiting for verification
    assert act(dispatcher, order, "verify", {"decision": "accept"}).status_code == 302
    second = Attachment.objects.get(work_order=order, original_name="second.png")

    page = client.get(f"/track/{appeal.tracking_code}/").content.decode()
    assert f"/track/{appeal.tracking_code}/files/{second.pk}/" in page
    assert f"/files/{first.pk}/" not in page
    served = client.get(f"/track/{appeal.tracking_code}/files/{second.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == tiny_png()
    assert client.get(f"/track/{appeal.tracking_code}/files/{first.pk}/").status_code == 404
    stranger = type(client)()
    assert stranger.get(f"/track/{appeal.tracking_code}/files/{second.pk}/").status_code == 404


def test_a_reply_with_a_file_of_the_wrong_type_is_refused_and_changes_nothing(client, client_as):
    from shanzhi.org.models import Unit

    order = file_appeal(client).work_order
    dispatcher, department = client_as("dispatcher"), client_as("department")
    act(dispatcher, order, "dispatch", {"lead_unit": Unit.objects.get(name=ZHUJIAN).pk})
    act(department, order, "sign")
    fake = SimpleUploadedFile("after.jpg", b"MZ\x90\x00" + b"\x00" * 60, content_type="image/jpeg")
    refused = act(
        department, order, "reply", {"result": "solved", "text": "好了", "photos": [fake]}
    )
    assert refused.status_code == 400
    assert "文件 after.jpg 的类型不受支持" in refused.content.decode()
    order.refresh_from_db()
    assert order.state == "handling"
    assert not Attachment.objects.filter(work_order=order, step="reply").exists()


def test_an_operator_finds_a_callers_orders_by_the_full_number(client, client_as):
    """Phones are masked on screen; the operator types the full number, however written, and
    finds the caller's orders; the search is logged with the number masked; people who do not
    phone appellants have no such search."""
    from shanzhi.core.models import AuditEvent

    appeal = file_appeal(client)
    order = appeal.work_order
    operator = client_as("operator")
    assert 'name="phone"' in operator.get("/workorders/").content.decode()  # on the filter form
    found = operator.get("/workorders/", {"phone": "+86 138-1234-5678"}).content.decode()
    assert f'href="/workorders/{order.pk}/">{order.code}</a>' in found
    other = operator.get("/workorders/", {"phone": "13900000000"}).content.decode()
    assert f'href="/workorders/{order.pk}/">' not in other
    search = AuditEvent.objects.filter(action="appellant.search").order_by("pk")
    assert [(e.actor.username, e.object_id) for e in search][:1] == [("operator", "138****5678")]
    assert "13812345678" not in json.dumps([e.after for e in search])
    assert operator.get("/workorders/", {"phone": "123"}).status_code == 400

    department = client_as("department").get("/workorders/").content.decode()
    assert 'name="phone"' not in department

    history = operator.get("/workorders/callers/", {"phone": "138 1234 5678"}).content.decode()
    assert 'data-testid="caller-history"' in history and escape(appeal.title) in history
    assert client_as("department").get("/workorders/callers/?phone=13812345678").status_code == 403
    assert (
        "此号码没有反映过诉求"
        in operator.get("/workorders/callers/?phone=13900000000").content.decode()
    )
    form = operator.get("/workorders/new/").content.decode()
    assert 'id="sz-callers"' in form and "workorders/callers.js" in form
