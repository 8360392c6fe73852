"""The authorisation matrix: every role × every route × a foreign territory.

Every page route (Django's URL resolver) and every API operation (the committed OpenAPI
document) must be classified below, so that a new route fails this test until someone says
how it is protected. Routes about one object are asked for an object of a territory none of the
personas serves (南浔区; the personas all work in 吴兴区): they must answer 404 (or 403, or
send the anonymous visitor to the login page), and nothing may change. Scoped lists and
exports are read by every persona: nothing of the foreign territory may appear in them.

The leader (湖州市) and the administrator see the whole city, so for them 南浔区 is not
foreign: they are left out here and tested where their views are."""

import io
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLResolver
from django.utils import timezone

from shanzhi.core.outbox import Outgoing, enqueue
from shanzhi.interop.models import HotlineOrder, HotlinePlatform
from shanzhi.mediation.models import DisputeCase, MediationOrg
from shanzhi.mediation.services import CaseInput, PartyInput, case_register, party_evidence_add
from shanzhi.org.models import Household, Unit
from shanzhi.territory.models import Grid
from shanzhi.workorders.models import Appeal, Attachment, WorkOrder
from shanzhi.workorders.services import AppealInput, Upload, appeal_register

pytestmark = pytest.mark.django_db

FOREIGN_TOWNSHIP = "330503101"  # 南浔区南浔镇
FOREIGN_TITLE = "矩阵测试：南浔镇河埠头护栏断裂"
FOREIGN_PHONE = "13700009999"
FOREIGN_HOTLINE_NO = "NX-MATRIX-0001"
FOREIGN_DISPUTE = "矩阵测试：南浔镇楼上漏水纠纷"
PERSONAS = [
    None,  # anonymous
    "resident",
    "gridworker",
    "villageclerk",
    "operator",
    "dispatcher",
    "department",
    "commander",
    "mediator",
    "outsider",
]

# -- the routes, classified --------------------------------------------------------------------

# Pages about one object: (route, method). The URL is built from the foreign objects.
PAGE_OBJECT_ROUTES = {
    ("workorders/<id:order_id>/", "GET"),
    ("workorders/<id:order_id>/act/<str:action>/", "POST"),
    ("workorders/attachments/<id:attachment_id>/", "GET"),
    ("territory/grids/<str:code>/", "GET"),
    ("command/assessment/<int:unit_id>/", "GET"),
    ("territory/grids/<str:code>/households/<int:household_id>/visit/", "POST"),
    ("^deliveries/(?P<delivery_id>[0-9]{1,18})/retry/$", "POST"),
    # Public, but only with the right phone tail: a wrong one is the same 404 as a wrong code.
    ("track/<str:code>/", "GET"),
    ("track/<str:code>/rate/", "POST"),
    ("track/<str:code>/files/<int:attachment_id>/", "GET"),
    ("mediation/<int:case_id>/", "GET"),
    ("mediation/<int:case_id>/agreement/", "GET"),
    # Public, but only with a party's phone tail: a wrong one is the same 404 as a wrong code.
    ("mediation/track/", "GET"),
    ("mediation/track/rate/", "POST"),
    ("mediation/track/evidence/", "POST"),
    ("mediation/track/confirm/", "POST"),
    ("mediation/evidence/<int:evidence_id>/", "GET"),
    ("mediation/<int:case_id>/act/<str:action>/", "POST"),
}
# Pages that list or export what is in the person's territory.
PAGE_LIST_ROUTES = {
    "workorders/",
    "workorders/callers/",
    "territory/",
    "command/",
    "command/map.json",
    "command/kpis/",
    "command/mediation/",
    "command/orders/",
    "command/assessment/",
    "command/gridworkers/",
    "command/export/kpis.xlsx",
    "command/export/orders.xlsx",
    "deliveries/",
    "hotline/",
    "mediation/",
}
# Pages that are not about anyone's territory, and why.
PAGE_OTHER_ROUTES = {
    "": "the home page: links by role",
    "healthz": "liveness, no data",
    "metrics": "figures for a scraper with the token or from an allowed address (test_metrics)",
    "accounts/login/": "signing in",
    "accounts/logout/": "signing out",
    "i18n/setlang/": "the language switch",
    "appeal/": "anyone files an appeal (test_pages)",
    "appeal/done/": "the filer's own receipt, kept in their session",
    "track/": "the tracking form",
    "workorders/new/": "registration by staff, anywhere (test_pages)",
    "workorders/new/done/": "the registrar's own receipt",
    "workorders/report/": "a grid worker's report (test_pages)",
    "workorders/report/done/": "the reporter's own receipt",
    "command/assessment/publish/": "publishing one's own territory's month (command tests)",
    "knowledge/search/": "the knowledge base: answers for any caller, staff only (knowledge tests)",
    "open311/v2/": "Open311: public reads of published orders only (interop test_open311)",
    "mediation/new/": "the window: a case of its own organisation's territory (mediation tests)",
    "mediation/apply/": "anyone applies to the organisation of a 解纷码 (mediation tests)",
    "mediation/codes/": "the 解纷码 of one's own organisations (mediation tests)",
}
API_OBJECT_OPERATIONS = {
    ("GET", "/api/v1/workorders/{order_id}"),
    ("GET", "/api/v1/grids/{code}"),
    ("GET", "/api/v1/track/{code}"),
    ("POST", "/api/v1/track/{code}/rating"),
    ("GET", "/api/v1/mediation/cases/{case_id}"),
    ("GET", "/api/v1/mediation/cases/{case_id}/recommendations"),
    ("GET", "/api/v1/mediation/cases/{case_id}/similar"),
    ("GET", "/api/v1/mediation/track/{code}"),
    ("POST", "/api/v1/mediation/track/{code}/rating"),
    ("POST", "/api/v1/mediation/track/{code}/confirmation"),
}
ACTION_PREFIX = "/api/v1/workorders/{order_id}/actions/"
MEDIATION_ACTION_PREFIX = "/api/v1/mediation/cases/{case_id}/actions/"
API_LIST_OPERATIONS = {
    "/api/v1/workorders",
    "/api/v1/grids",
    "/api/v1/households",
    "/api/v1/alarm-events",
    "/api/v1/command/kpis",
    "/api/v1/command/dashboard",
    "/api/v1/mediation/cases",
}
API_OTHER_OPERATIONS = {
    ("POST", "/api/v1/appeals"): "anyone files an appeal anywhere",
    ("POST", "/api/v1/inbound/hotline"): "a hotline platform's own token (interop test_hotline)",
    ("POST", "/api/v1/mediation/referrals"): "a court's own token (interop test_courts)",
    ("GET", "/api/v1/me"): "the caller's own account",
    ("GET", "/api/v1/categories"): "the category tree: configuration, public to staff",
    ("GET", "/api/v1/regions"): "the national division codes: public reference data",
    ("GET", "/api/v1/grids/locate"): "public: which grid a point lies in, no people",
    ("GET", "/api/v1/public/grids"): "public: grid outlines and names, no people",
    ("GET", "/api/v1/public/outlines"): "public: city, county and township outlines, no people",
    ("GET", "/api/v1/mediation/types"): "the dispute types: configuration, no people",
    ("POST", "/api/v1/mediation/cases"): "the window: its own organisation's territory only",
    ("POST", "/api/v1/mediation/applications"): "anyone applies to a 解纷码's organisation",
}
MEDIATION_ACTION_BODIES = {
    "assign": {"mediator": 1},
    "escalate": {"reason": "需上级协调"},
    "refer_out": {"target": "litigation", "reason": "转诉讼"},
    "suspend": {"reason": "双方同意等待伤情鉴定"},
    "resume": {},
    "consult": {"held_at": "2026-12-01T09:00:00+08:00", "participants": "法官", "plan": "方案"},
    "schedule": {"kind": "room", "starts_at": "2026-12-31T09:30:00+08:00", "place": "说事室"},
    "record": {"session": 1, "attendance": "双方到场", "minutes": "笔录", "outcome": "继续调解"},
    "agree": {"agreement": "双方同意"},
    "fail": {"reason": "分歧过大"},
    "confirm_apply": {"court": "吴兴区人民法院", "applied_on": "2026-12-01"},
    "confirm_accept": {"accepted": True, "decided_on": "2026-12-02"},
    "confirm_rule": {
        "confirmed": True,
        "ruled_on": "2026-12-03",
        "ruling_number": "（2026）浙0502民特1号",
    },
    "sign": {"parties": [1]},
    "follow_up": {"fulfilment": "fulfilled", "note": "已履行"},
}

# Bodies that would be valid for an object one may act on, so that a refusal is about who asks.
ACTION_BODIES = {
    "answer_directly": {"answer": "已答复"},
    "merge": {"into": 1},
    "dispatch": {"lead_unit": 1},
    "return": {"reason": "wrong_territory", "note": "不属本单位"},
    "request_extension": {"days": 2, "reason": "需要协调"},
    "decide_extension": {"approve": True},
    "suspend": {"reason": "等待鉴定"},
    "note": {"text": "已到现场", "public": False},
    "escalate": {"reason": "需上级协调"},
    "supervise": {"level": "red", "note": "尽快办理"},
    "reply": {"result": "solved", "text": "已修复"},
    "co_reply": {"text": "已配合"},
    "verify": {"accept": True},
    "rate": {"appeal": "S000", "rating": "satisfied"},
    "refer_mediation": {"dispute_type": "0202", "respondent_name": "王五"},
}


def _page_routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(("admin/", "api/v1/", "open311/v2/")):
                yield route if not route.startswith("open311") else "open311/v2/"
                continue
            yield from _page_routes(pattern.url_patterns, route)
        else:
            yield route


def _operations():
    with open("docs/openapi.json", encoding="utf-8") as handle:
        document = json.load(handle)
    return {(m.upper(), path) for path, ops in document["paths"].items() for m in ops}


def _actions(prefix: str = ACTION_PREFIX) -> list[str]:
    """The actions with a route of their own (API and pages share them)."""
    return sorted(p.removeprefix(prefix) for _m, p in _operations() if p.startswith(prefix))


def test_every_route_is_classified():
    """A new page or API operation must be added to one of the tables above."""
    pages = set(_page_routes()) - {"admin/", "api/v1/"}
    known = {r for r, _m in PAGE_OBJECT_ROUTES} | PAGE_LIST_ROUTES | set(PAGE_OTHER_ROUTES)
    assert sorted(pages - known) == [], "classify these page routes in the matrix"
    assert sorted(known - pages) == [], "these routes no longer exist"
    operations = {
        op for op in _operations() if not op[1].startswith((ACTION_PREFIX, MEDIATION_ACTION_PREFIX))
    }
    assert len(_actions()) >= 14  # every action route is an object route, tried below
    assert _actions(MEDIATION_ACTION_PREFIX) == sorted(MEDIATION_ACTION_BODIES)
    known_api = (
        API_OBJECT_OPERATIONS
        | {("GET", p) for p in API_LIST_OPERATIONS}
        | set(API_OTHER_OPERATIONS)
    )
    assert sorted(operations - known_api) == [], "classify these API operations in the matrix"
    assert sorted(known_api - operations) == [], "these operations no longer exist"


# -- the foreign territory ---------------------------------------------------------------------


@pytest.fixture
def foreign(settings, tmp_path):
    """A work order with a photo, a grid, a household and an outbox row in 南浔镇."""
    from shanzhi.workorders.tests.test_pages import tiny_png

    settings.MEDIA_ROOT = tmp_path / "media"
    # Every public route is tried with a wrong phone tail: more tries than the day's limit, and
    # the code would lock (403) before the last of them (the lock has its own tests).
    settings.TRACKING_FAILURE_LIMIT = 20
    grid = Grid.objects.filter(code__startswith=FOREIGN_TOWNSHIP).order_by("code").first()
    household = Household.objects.filter(grid=grid).first()
    assert grid is not None and household is not None
    photo = io.BytesIO(tiny_png())
    registered = appeal_register(
        actor=None,
        data=AppealInput(
            channel="web",
            nature="complaint",
            category_code="010301",
            title=FOREIGN_TITLE,
            content=FOREIGN_TITLE + "，有人差点落水。",
            lon=grid.lon,
            lat=grid.lat,
            appellant_name="钱多多",
            appellant_phone=FOREIGN_PHONE,
            publishable=False,
            uploads=[Upload(name="rail.png", file=photo, size=len(photo.getvalue()))],
        ),
    )
    appeal = registered.appeal
    order = appeal.work_order
    assert order.area_code.startswith(FOREIGN_TOWNSHIP)
    # …handed over by a 12345 platform, so that the hand-over page has something to leak
    platform = HotlinePlatform.objects.create(
        name="矩阵测试热线",
        user=get_user_model().objects.create_user("matrix-hotline"),
    )
    HotlineOrder.objects.create(
        platform=platform,
        external_no=FOREIGN_HOTLINE_NO,
        external_category="0101",
        appeal=appeal,
        received_at=timezone.now(),
    )
    (delivery,) = enqueue(
        [
            Outgoing(
                channel="webhook",
                target="http://127.0.0.1:9/",
                kind="test",
                payload={},
                area_code=order.area_code,
            )
        ]
    )
    # … and a dispute taken in at 南浔区's mediation centre
    nanxun_centre = MediationOrg.objects.get(unit__name="南浔区人民调解委员会")
    dispute = case_register(
        actor_user=get_user_model().objects.get(username="admin"),
        data=CaseInput(
            dispute_type_code="0203",
            title=FOREIGN_DISPUTE,
            facts=FOREIGN_DISPUTE + "，楼下天花板发霉。",
            region_code=FOREIGN_TOWNSHIP + "000",
            org_id=nanxun_centre.pk,
            parties=[
                PartyInput(role="applicant", name="钱多多", phone=FOREIGN_PHONE),
                PartyInput(role="respondent", name="孙少少", phone="13700008888"),
            ],
        ),
    )
    evidence = party_evidence_add(
        code=dispute.code,
        phone_tail=FOREIGN_PHONE[-4:],
        uploads=[Upload(name="钱多多的收据.pdf", file=io.BytesIO(b"%PDF-1.4 matrix"), size=15)],
    ).evidence.get()
    return {
        "dispute": dispute,
        "evidence": evidence,
        "unit": Unit.objects.filter(region__code__startswith=FOREIGN_TOWNSHIP[:6])
        .exclude(kind__in=["centre", "command_room"])
        .order_by("pk")
        .first(),
        "order": order,
        "appeal": appeal,
        "attachment": Attachment.objects.get(work_order=order),
        "grid": grid,
        "household": household,
        "delivery": delivery,
        "markers": [
            order.code,
            FOREIGN_TITLE,
            FOREIGN_PHONE,
            household.address,
            "钱多多",
            FOREIGN_HOTLINE_NO,
            # Not the dispute's code: the parties' tracking form echoes the code a visitor typed.
            FOREIGN_DISPUTE,
            "孙少少",
        ],
    }


def _snapshot(foreign):
    order = WorkOrder.objects.get(pk=foreign["order"].pk)
    appeal = Appeal.objects.get(pk=foreign["appeal"].pk)
    dispute = DisputeCase.objects.get(pk=foreign["dispute"].pk)
    return (
        order.state,
        order.version,
        order.lead_unit_id,
        order.supervision,
        appeal.rating,
        dispute.state,
        dispute.version,
    )


def _client(persona, client_as):
    return Client() if persona is None else client_as(persona)


def _refused_page(response, persona) -> bool:
    if persona is None and response.status_code == 302:
        return "/accounts/login/" in response["Location"]
    return response.status_code in (403, 404)


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p or "anonymous")
def test_objects_of_a_foreign_territory_are_refused_and_nothing_changes(
    client_as, table_counts, foreign, persona
):
    client = _client(persona, client_as)
    order, grid = foreign["order"], foreign["grid"]
    before, counts = _snapshot(foreign), table_counts()
    wrong_tail = "0000" if not FOREIGN_PHONE.endswith("0000") else "1111"
    pages = [
        ("GET", f"/workorders/{order.pk}/", {}),
        ("GET", f"/workorders/attachments/{foreign['attachment'].pk}/", {}),
        ("GET", f"/territory/grids/{grid.code}/", {}),
        ("GET", f"/command/assessment/{foreign['unit'].pk}/", {}),
        (
            "POST",
            f"/territory/grids/{grid.code}/households/{foreign['household'].pk}/visit/",
            {"note": "走访"},
        ),
        ("POST", f"/deliveries/{foreign['delivery'].pk}/retry/", {}),
        ("GET", f"/track/{foreign['appeal'].tracking_code}/?phone_tail={wrong_tail}", {}),
        (
            "GET",
            f"/track/{foreign['appeal'].tracking_code}/files/{foreign['attachment'].pk}/",
            {},
        ),
        (
            "POST",
            f"/track/{foreign['appeal'].tracking_code}/rate/",
            {"phone_tail": wrong_tail, "rating": "dissatisfied"},
        ),
    ] + [
        ("POST", f"/workorders/{order.pk}/act/{action}/", {**ACTION_BODIES.get(action, {})})
        for action in _actions()
    ]
    dispute = foreign["dispute"]
    pages += [
        ("GET", f"/mediation/{dispute.pk}/", {}),
        ("GET", f"/mediation/{dispute.pk}/agreement/", {}),
        ("GET", f"/mediation/evidence/{foreign['evidence'].pk}/", {}),
        (
            "POST",
            "/mediation/track/confirm/",
            {"code": dispute.code, "phone_tail": wrong_tail, "confirm_code": "123456"},
        ),
        (
            "POST",
            "/mediation/track/evidence/",
            {
                "code": dispute.code,
                "phone_tail": wrong_tail,
                "files": [SimpleUploadedFile("x.pdf", b"%PDF-1.4 x")],
            },
        ),
        ("GET", f"/mediation/track/?code={dispute.code}&phone_tail={wrong_tail}", {}),
        (
            "POST",
            "/mediation/track/rate/",
            {"code": dispute.code, "phone_tail": wrong_tail, "rating": "dissatisfied"},
        ),
    ] + [
        ("POST", f"/mediation/{dispute.pk}/act/{action}/", body)
        for action, body in MEDIATION_ACTION_BODIES.items()
    ]
    for method, url, data in pages:
        response = client.get(url) if method == "GET" else client.post(url, data)
        assert _refused_page(response, persona), (url, response.status_code)
        text = response.content.decode(errors="replace")
        assert not [m for m in foreign["markers"] if m in text], url

    api = [
        ("GET", f"/api/v1/workorders/{order.pk}", None),
        ("GET", f"/api/v1/grids/{grid.code}", None),
        ("GET", f"/api/v1/track/{foreign['appeal'].tracking_code}?phone_tail={wrong_tail}", None),
        (
            "POST",
            f"/api/v1/track/{foreign['appeal'].tracking_code}/rating",
            {"phone_tail": wrong_tail, "rating": "dissatisfied"},
        ),
    ] + [
        ("POST", f"/api/v1/workorders/{order.pk}/actions/{a}", ACTION_BODIES.get(a, {}))
        for a in _actions()
    ]
    api += [
        ("GET", f"/api/v1/mediation/cases/{dispute.pk}", None),
        ("GET", f"/api/v1/mediation/cases/{dispute.pk}/recommendations", None),
        ("GET", f"/api/v1/mediation/cases/{dispute.pk}/similar", None),
        ("GET", f"/api/v1/mediation/track/{dispute.code}?phone_tail={wrong_tail}", None),
        (
            "POST",
            f"/api/v1/mediation/track/{dispute.code}/rating",
            {"phone_tail": wrong_tail, "rating": "satisfied"},
        ),
        (
            "POST",
            f"/api/v1/mediation/track/{dispute.code}/confirmation",
            {"phone_tail": wrong_tail, "confirm_code": "123456"},
        ),
    ] + [
        ("POST", f"/api/v1/mediation/cases/{dispute.pk}/actions/{a}", body)
        for a, body in MEDIATION_ACTION_BODIES.items()
    ]
    public = ("/api/v1/track/", "/api/v1/mediation/track/")
    for method, url, body in api:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, json.dumps(body), content_type="application/json")
        allowed = {404} if url.startswith(public) else ({401} if persona is None else {403, 404})
        assert response.status_code in allowed, (url, response.status_code, response.content)
        text = response.content.decode()
        assert not [m for m in foreign["markers"] if m in text], url
    assert _snapshot(foreign) == before
    assert table_counts() == counts


LIST_PAGES = [
    "/workorders/?box=all",
    "/workorders/?text=河埠头护栏",
    # the foreign appellant's number as a caller would give it (the form echoes what was typed)
    "/workorders/?phone=%2B86%20137%200000%209999",
    "/workorders/callers/?phone=%2B86%20137%200000%209999",
    "/territory/",
    "/command/",
    "/command/map.json",
    "/command/kpis/",
    "/command/mediation/",
    "/command/orders/",
    "/command/assessment/",
    "/command/gridworkers/",
    "/command/export/kpis.xlsx",
    "/command/export/orders.xlsx",
    "/deliveries/",
    "/hotline/",
    "/mediation/",
]
LIST_API = [
    "/api/v1/workorders?limit=200",
    "/api/v1/workorders?text=河埠头护栏",
    "/api/v1/grids",
    "/api/v1/households",
    "/api/v1/alarm-events",
    "/api/v1/command/kpis",
    "/api/v1/command/dashboard",
    "/api/v1/mediation/cases",
]


def _texts_of(response) -> str:
    """The text of a page, a JSON answer or an Excel workbook."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    return body.decode(errors="replace")


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p or "anonymous")
def test_no_list_or_export_shows_a_foreign_territory(client_as, foreign, persona):
    client = _client(persona, client_as)
    # Every list route of the tables is read below.
    assert {re.sub(r"\?.*", "", u).lstrip("/") for u in LIST_PAGES} == PAGE_LIST_ROUTES
    assert {re.sub(r"\?.*", "", u) for u in LIST_API} == API_LIST_OPERATIONS
    regions = [f"{u}{'&' if '?' in u else '?'}region={FOREIGN_TOWNSHIP}000" for u in LIST_PAGES[2:]]
    for url in LIST_PAGES + regions:
        response = client.get(url)
        if persona is None:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
            continue
        assert response.status_code in (200, 400, 403, 404), (url, response.status_code)
        text = _texts_of(response)
        assert not [m for m in foreign["markers"] if m in text], url
        assert foreign["grid"].code not in text, url
    for url in LIST_API + [f"{u}?region={FOREIGN_TOWNSHIP}000" for u in LIST_API[2:]]:
        url = url.replace("?region", "&region") if url.count("?") > 1 else url
        response = client.get(url)
        if persona is None:
            assert response.status_code == 401, url
            continue
        assert response.status_code in (200, 400, 403, 404, 422), (url, response.status_code)
        text = response.content.decode()
        assert not [m for m in foreign["markers"] if m in text], url
        assert foreign["grid"].code not in text, url
