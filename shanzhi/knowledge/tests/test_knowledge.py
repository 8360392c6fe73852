"""知识库 (issue #11 item 8): administrators keep the entries through the services, operators
find the ones valid today from the registration page, and a 直办 answer cites one."""

import datetime

import pytest
from django.utils import timezone

from shanzhi.core.models import AuditEvent
from shanzhi.knowledge.models import Entry
from shanzhi.workorders.models import WorkOrder
from shanzhi.workorders.tests.helpers import act, appeal_body, register

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_the_demo_has_entries_and_search_finds_only_the_valid_ones(client_as):
    operator = client_as("operator")
    page = operator.get("/knowledge/search/", {"q": "社保卡 补办"}).content.decode()
    assert "社保卡丢失怎么补办？" in page and "采用此口径" in page
    assert page.count("data-entry=") == 2  # the entry and its button
    # Expired, not yet valid and switched-off entries are not offered.
    assert "秋季流感疫苗" not in operator.get("/knowledge/search/", {"q": "流感"}).content.decode()
    Entry.objects.create(
        question="明年的新政策？",
        answer="明年起施行。",
        valid_from=TODAY + datetime.timedelta(days=1),
    )
    Entry.objects.create(question="停用的政策？", answer="已停用。", is_active=False)
    page = operator.get("/knowledge/search/", {"q": "政策"}).content.decode()
    assert "明年的新政策" not in page and "停用的政策" not in page
    assert "没有找到" in operator.get("/knowledge/search/", {"q": "火星"}).content.decode()
    # Odd input is just text.
    odd = operator.get("/knowledge/search/", {"q": "<script>\u202e" + "长" * 500})
    assert odd.status_code == 200 and "<script>" not in odd.content.decode()


def test_residents_and_strangers_cannot_search(client_as, client):
    assert client_as("resident").get("/knowledge/search/", {"q": "社保"}).status_code == 403
    anonymous = client.get("/knowledge/search/", {"q": "社保"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_administrators_keep_entries_through_the_services(client_as):
    admin = client_as("admin")
    before = Entry.objects.count()
    refused = admin.post(
        "/admin/knowledge/entry/add/",
        {
            "question": "电动车能进电梯吗？",
            "answer": "不能。",
            "category": "消防安全",
            "valid_from": "2026-12-10",
            "valid_to": "2026-12-01",
            "is_active": "on",
        },
    )
    assert refused.status_code == 200 and "失效日期不能早于生效日期" in refused.content.decode()
    assert Entry.objects.count() == before
    saved = admin.post(
        "/admin/knowledge/entry/add/",
        {
            "question": "电动车能进电梯吗？",
            "answer": "不能，请到楼下集中充电。",
            "category": "消防安全",
            "is_active": "on",
        },
    )
    assert saved.status_code == 302
    entry = Entry.objects.get(question="电动车能进电梯吗？")
    assert AuditEvent.objects.filter(action="entry.create", object_id=str(entry.pk)).exists()


def test_a_direct_answer_cites_an_entry_and_the_history_names_it(client_as):
    operator = client_as("operator")
    entry = Entry.objects.get(question="社保卡丢失怎么补办？")
    response = operator.post(
        "/workorders/new/",
        {
            **{k: v for k, v in appeal_body(nature="consult").items() if v is not None},
            "channel": "hotline",
            "urgency": "normal",
            "answer": entry.answer,
            "entry": str(entry.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    order = WorkOrder.objects.order_by("-pk").first()
    assert order.state == "pending_rating" and order.reply_text == entry.answer
    event = AuditEvent.objects.get(action="answer_directly", object_id=str(order.pk))
    assert event.after["knowledge_entry"] == entry.pk
    detail = operator.get(f"/workorders/{order.pk}/").content.decode()
    assert "引用知识库：社保卡丢失怎么补办？" in detail


def test_citing_an_expired_or_unknown_entry_is_refused_and_changes_nothing(client_as):
    operator = client_as("operator")
    order_id = register(operator, nature="consult")["work_order_id"]
    order = WorkOrder.objects.get(pk=order_id)
    expired = Entry.objects.get(question="秋季流感疫苗预约时间？")
    for cited in (expired.pk, 999999):
        status, answer = act(
            operator, order.pk, "answer_directly", {"answer": "已答复", "entry": cited}
        )
        assert status == 400 and "知识库条目不存在或已失效" in str(answer)
        order.refresh_from_db()
        assert order.state == "pending_dispatch" and order.reply_text == ""
    assert not AuditEvent.objects.filter(action="answer_directly", object_id=str(order.pk)).exists()
