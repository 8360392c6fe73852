"""Open311 GeoReport v2 over raw HTTP, in both formats, with every refusal; then the same
endpoints through a third-party client (georeport) against a live server."""

import datetime
import json
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from shanzhi.core.services import api_token_create
from shanzhi.org.models import Unit
from shanzhi.workorders.models import Appeal, Category, WorkOrder
from shanzhi.workorders.selectors import orders_published
from shanzhi.workorders.services import (
    appeal_rate,
    workorder_dispatch,
    workorder_note,
    workorder_reply,
    workorder_sign,
    workorder_verify,
)
from shanzhi.workorders.tests.helpers import PHONE, ROAD_DAMAGE, point_in, register

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
XML = "text/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"


@pytest.fixture
def api_key(user_named):
    return api_token_create(user=user_named("operator"), name="open311 client")


def xml_of(response):
    assert response["Content-Type"] == XML
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 (our own response)


def json_of(response):
    assert response["Content-Type"] == JSON
    return json.loads(response.content)


def form(**overrides):
    lon, lat = point_in()
    body = {
        "service_code": ROAD_DAMAGE,
        "lat": str(lat),
        "long": str(lon),
        "description": "小区门口人行道塌陷，老人摔倒。",
        "first_name": "四",
        "last_name": "李",
        "phone": PHONE,
        "email": "li@example.org",
        "media_url": "https://example.org/a.jpg",
        "attribute[WHERE]": "门口",
        "publishable": "true",  # the appellant agreed to publication: public GETs show it
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def post_request(client, fmt="json", **overrides):
    return client.post(f"{BASE}/requests.{fmt}", form(**overrides))


def errors_of(response, fmt):
    """[(code, description)] from either format."""
    if fmt == "json":
        return [(e["code"], e["description"]) for e in json_of(response)]
    root = xml_of(response)
    assert root.tag == "errors" and all(e.tag == "error" for e in root)
    return [(int(e.findtext("code")), e.findtext("description")) for e in root]


# -- discovery and services ------------------------------------------------------------------


def test_discovery_in_both_formats(client):
    data = json_of(client.get(f"{BASE}/discovery.json"))
    assert data["contact"] and "shanzhi token create" in data["key_service"]
    (endpoint,) = data["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://testserver/open311/v2",
        "changeset": data["changeset"],
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    assert datetime.datetime.fromisoformat(data["changeset"]).tzinfo is not None
    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    formats = root.find("endpoints/endpoint/formats")
    assert [f.text for f in formats.findall("format")] == ["text/xml", "application/json"]
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"


def test_services_are_the_active_leaf_categories(client):
    services = json_of(client.get(f"{BASE}/services.json"))
    assert len(services) == 46
    road = next(s for s in services if s["service_code"] == ROAD_DAMAGE)
    assert road["service_name"] == "道路破损" and road["group"] == "城市管理"
    assert (road["metadata"], road["type"]) == (False, "realtime")
    assert set(road) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert all(isinstance(s["service_code"], str) for s in services)
    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == 46
    first = root.find("service")
    assert [c.tag for c in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first.findtext("metadata") == "false"
    # An inactive leaf disappears; its parent does not become a service while it has others.
    Category.objects.filter(code=ROAD_DAMAGE).update(is_active=False)
    codes = [s["service_code"] for s in json_of(client.get(f"{BASE}/services.json"))]
    assert ROAD_DAMAGE not in codes and len(codes) == 45


def test_service_definition(client):
    assert json_of(client.get(f"{BASE}/services/{ROAD_DAMAGE}.json")) == {
        "service_code": ROAD_DAMAGE,
        "attributes": [],
    }
    root = xml_of(client.get(f"{BASE}/services/{ROAD_DAMAGE}.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == ROAD_DAMAGE
    assert root.find("attributes") is not None and len(root.find("attributes")) == 0


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize("code", ["999999", "01", "0103", "abc"])
def test_unknown_or_branch_service_code_is_404(client, fmt, code):
    response = client.get(f"{BASE}/services/{code}.{fmt}")
    assert response.status_code == 404
    assert errors_of(response, fmt)[0][0] == 404


def test_unknown_format_or_resource_is_404_in_xml(client):
    for path in (
        "services.html",
        "discovery.yaml",
        "requests.csv",
        f"services/{ROAD_DAMAGE}.txt",
        "requests",
        "nothing.xml",
        "",
    ):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 404
        assert errors_of(response, "xml")[0][0] == 404


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_wrong_method_is_405(client, fmt):
    for method, path in [
        ("post", "services"),
        ("put", "requests"),
        ("delete", "requests/1"),
        ("post", "discovery"),
        ("post", "servicerequestupdates"),
    ]:
        response = getattr(client, method)(f"{BASE}/{path}.{fmt}")
        assert response.status_code == 405, path
        assert errors_of(response, fmt)[0][0] == 405
        assert "GET" in response["Allow"]


# -- POST requests ---------------------------------------------------------------------------


def test_post_a_request_in_json(client, api_key):
    response = post_request(client, api_key=api_key)
    assert response.status_code == 200, response.content
    (created,) = json_of(response)
    assert set(created) == {"service_request_id", "service_notice"}
    order = WorkOrder.objects.get(pk=int(created["service_request_id"]))
    appeal = order.appeals.get()
    assert appeal.tracking_code in created["service_notice"]
    assert (order.channel, order.nature, order.category.code) == ("api", "complaint", ROAD_DAMAGE)
    assert (appeal.appellant_name, appeal.appellant_phone) == ("李四", PHONE)
    assert appeal.submitted_by.username == "operator"
    assert order.grid_id == "330502001002001"


def test_post_a_request_in_xml_multipart_as_report(client, api_key):
    lon, lat = point_in()
    response = client.post(
        f"{BASE}/requests.xml",
        {
            "api_key": api_key,
            "service_code": ROAD_DAMAGE,
            "lat": str(lat),
            "long": str(lon),
            "description": "有人夜间倾倒渣土",
            "nature": "report",
        },  # the test client sends multipart/form-data
    )
    assert response.status_code == 200
    root = xml_of(response)
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert [c.tag for c in request] == ["service_request_id", "service_notice"]
    order = WorkOrder.objects.get(pk=int(request.findtext("service_request_id")))
    # No phone: registered as anonymous.
    assert order.nature == "report" and order.appeals.get().anonymous is True


def test_post_urlencoded_and_device_id_retries(client, api_key):
    from urllib.parse import urlencode

    body = urlencode(form(api_key=api_key, device_id="phone-1"))

    def send(text):
        return client.post(
            f"{BASE}/requests.json", text, content_type="application/x-www-form-urlencoded"
        )

    first = json_of(send(body))
    count = WorkOrder.objects.count()
    assert json_of(send(body)) == first  # a retry: the same request, nothing new
    assert WorkOrder.objects.count() == count
    # Another report from the same device is a new request.
    other = json_of(
        send(urlencode(form(api_key=api_key, device_id="phone-1", description="又塌了")))
    )
    assert other[0]["service_request_id"] != first[0]["service_request_id"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_refusals(client, api_key, fmt, table_counts):
    before, orders = table_counts(), WorkOrder.objects.count()
    cases = [
        (403, {}),
        (403, {"api_key": "sz_not-a-token"}),
        (400, {"api_key": api_key, "service_code": None}),
        (404, {"api_key": api_key, "service_code": "999999"}),
        (404, {"api_key": api_key, "service_code": "0103"}),  # a branch, not a service
        (400, {"api_key": api_key, "description": None}),
        (400, {"api_key": api_key, "description": "长" * 4001}),
        (400, {"api_key": api_key, "lat": None, "long": None}),
        (400, {"api_key": api_key, "lat": None}),
        (400, {"api_key": api_key, "lat": "north", "long": "120"}),
        (400, {"api_key": api_key, "lat": "95", "long": "120"}),
        (400, {"api_key": api_key, "lat": "39.9", "long": "116.4"}),  # outside every grid
        (400, {"api_key": api_key, "phone": "12"}),
        (400, {"api_key": api_key, "nature": "praise"}),
    ]
    for status, overrides in cases:
        response = post_request(client, fmt, **overrides)
        assert response.status_code == status, (overrides, response.content)
        ((code, description),) = errors_of(response, fmt)
        assert code == status and description
    response = post_request(
        client, fmt, api_key=api_key, lat=None, long=None, address_string="月河街道 1 号"
    )
    assert response.status_code == 400
    assert errors_of(response, fmt)[0][1] == "lat and long are required for this jurisdiction"
    assert (table_counts(), WorkOrder.objects.count()) == (before, orders)


def test_a_revoked_token_is_refused(client, user_named):
    from shanzhi.core.models import ApiToken
    from shanzhi.core.services import api_token_revoke

    key = api_token_create(user=user_named("operator"))
    api_token_revoke(actor="test", token_id=ApiToken.objects.get(prefix=key[:8]).pk)
    assert post_request(client, api_key=key).status_code == 403


# -- GET requests ----------------------------------------------------------------------------


def _ids(response):
    return [r["service_request_id"] for r in json_of(response)]


def test_get_requests_default_window_and_fields(client, api_key):
    created = json_of(post_request(client, api_key=api_key))[0]["service_request_id"]
    requests = json_of(client.get(f"{BASE}/requests.json"))
    assert requests and requests[0]["service_request_id"] == created  # newest first
    mine = requests[0]
    assert mine["status"] == "open" and mine["service_code"] == ROAD_DAMAGE
    assert mine["service_name"] == "道路破损"
    assert mine["agency_responsible"] == "月河街道综合指挥室"
    assert "status_notes" not in mine
    assert isinstance(mine["lat"], float) and isinstance(mine["long"], float)
    requested = mine["requested_datetime"]
    assert requested.endswith("+08:00") and "." not in requested
    horizon = timezone.now() - datetime.timedelta(days=90)
    for r in requests:
        assert datetime.datetime.fromisoformat(r["requested_datetime"]) >= horizon.replace(
            microsecond=0
        )
        assert r["status"] in ("open", "closed") and isinstance(r["service_request_id"], str)
    published = orders_published().filter(registered_at__gte=horizon).exclude(state="merged")
    assert len(requests) == published.count() < WorkOrder.objects.count()
    root = xml_of(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    first = root.find("request")
    assert first.findtext("service_request_id") == created
    assert first.findtext("long") and first.findtext("requested_datetime") == requested


def test_get_requests_filters(client, api_key):
    a = json_of(post_request(client, api_key=api_key))[0]["service_request_id"]
    b = json_of(post_request(client, api_key=api_key, service_code="070101"))[0][
        "service_request_id"
    ]
    # service_request_id overrides every other filter, including a bad one.
    response = client.get(
        f"{BASE}/requests.json",
        {"service_request_id": f"{a}, {b},x", "service_code": "999999", "start_date": "bad"},
    )
    assert sorted(_ids(response)) == sorted([a, b])
    only_b = _ids(client.get(f"{BASE}/requests.json", {"service_code": "070101"}))
    assert b in only_b and a not in only_b
    assert all(
        r["service_code"] in ("070101", ROAD_DAMAGE)
        for r in json_of(
            client.get(f"{BASE}/requests.json", {"service_code": f"070101,{ROAD_DAMAGE}"})
        )
    )
    closed = json_of(client.get(f"{BASE}/requests.json", {"status": "closed"}))
    opened = json_of(client.get(f"{BASE}/requests.json", {"status": "open"}))
    both = json_of(client.get(f"{BASE}/requests.json", {"status": "open,closed"}))
    assert closed and opened
    assert {r["status"] for r in closed} == {"closed"} and {r["status"] for r in opened} == {"open"}
    assert len(both) == len(closed) + len(opened)
    assert a in [r["service_request_id"] for r in opened]
    # Dates: a window in the past without the new ones; an unencoded "+" arrives as a space.
    now = timezone.localtime()
    past = {
        "start_date": (now - datetime.timedelta(days=30)).isoformat(),
        "end_date": (now - datetime.timedelta(days=1)).isoformat(),
    }
    assert a not in _ids(client.get(f"{BASE}/requests.json", past))
    recent = {"start_date": (now - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S")}
    assert set(_ids(client.get(f"{BASE}/requests.json", recent))) >= {a, b}
    spaced = (now - datetime.timedelta(minutes=5)).replace(microsecond=0).isoformat()
    response = client.get(f"{BASE}/requests.json?start_date={spaced}")  # + not encoded
    assert response.status_code == 200 and a in _ids(response)
    # Pages.
    everything = _ids(client.get(f"{BASE}/requests.json"))
    page1 = _ids(client.get(f"{BASE}/requests.json", {"page_size": 3}))
    page2 = _ids(client.get(f"{BASE}/requests.json", {"page_size": 3, "page": 2}))
    assert page1 == everything[:3] and page2 == everything[3:6]
    assert _ids(client.get(f"{BASE}/requests.json", {"page": 1000})) == []
    # Sent empty is the same as absent.
    assert _ids(client.get(f"{BASE}/requests.json", {"status": "", "page": ""})) == everything


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_get_requests_refusals(client, fmt):
    now = timezone.now()
    for params in [
        {"start_date": "yesterday"},
        {"end_date": "2026-13-01T00:00:00Z"},
        {
            "start_date": (now - datetime.timedelta(days=91)).isoformat(),
            "end_date": now.isoformat(),
        },
        {"start_date": now.isoformat(), "end_date": (now - datetime.timedelta(days=1)).isoformat()},
        {"status": "pending"},
        {"page": "0"},
        {"page": "-1"},
        {"page_size": "many"},
        {"page_size": "1.5"},
        {"page": "²"},
        {"start_date": "9999-12-31T00:00:00Z"},
        {"end_date": "0001-01-01T00:00:00Z"},
    ]:
        response = client.get(f"{BASE}/requests.{fmt}", params)
        assert response.status_code == 400, params
        assert errors_of(response, fmt)[0][0] == 400
    response = client.get(f"{BASE}/servicerequestupdates.{fmt}", {"start_date": "2020-01-01Z"})
    assert response.status_code == 400


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_one_request_and_404s(client, api_key, fmt):
    created = json_of(post_request(client, api_key=api_key))[0]["service_request_id"]
    response = client.get(f"{BASE}/requests/{created}.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        (request,) = json_of(response)
        assert request["service_request_id"] == created
    else:
        root = xml_of(response)
        assert [r.findtext("service_request_id") for r in root.findall("request")] == [created]
    for missing in ("999999999", "abc", "1.5", "-1", "9" * 30, "²", "١٢"):
        response = client.get(f"{BASE}/requests/{missing}.{fmt}")
        assert response.status_code == 404, missing
        assert errors_of(response, fmt)[0][0] == 404
    assert client.head(f"{BASE}/requests/{created}.{fmt}").status_code == 200
    response = client.get(f"{BASE}/tokens/abc123.{fmt}")
    assert response.status_code == 404 and errors_of(response, fmt)[0][0] == 404


def test_no_personal_data_in_any_get(client, api_key):
    json_of(post_request(client, api_key=api_key, first_name="秘密", last_name="欧阳"))
    secrets = set()
    for name, phone in Appeal.objects.values_list("appellant_name", "appellant_phone"):
        secrets |= {v for v in (name, phone) if len(v) >= 2}
    assert "欧阳秘密" in secrets and PHONE in secrets
    since = (timezone.now() - datetime.timedelta(days=89)).isoformat()
    for path in [
        "requests.json",
        "requests.xml",
        "requests.json?status=closed",
        f"servicerequestupdates.json?start_date={since.replace('+', '%2B')}",
        f"servicerequestupdates.xml?start_date={since.replace('+', '%2B')}",
    ]:
        text = client.get(f"{BASE}/{path}").content.decode()
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, (path, leaked)
    for order in WorkOrder.objects.all()[:50]:
        text = client.get(f"{BASE}/requests/{order.pk}.json").content.decode()
        assert not [s for s in secrets if s in text]


# -- the loop, followed from outside ---------------------------------------------------------


def test_a_posted_request_followed_to_closed(client, api_key, user_named):
    start = timezone.now() - datetime.timedelta(seconds=1)
    created = json_of(post_request(client, api_key=api_key))[0]["service_request_id"]
    order_id = int(created)
    dispatcher, department = user_named("dispatcher"), user_named("department")
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    workorder_dispatch(actor=dispatcher, order_id=order_id, lead_unit_id=housing.pk)
    (request,) = json_of(client.get(f"{BASE}/requests/{created}.json"))
    assert request["status"] == "open"
    assert request["agency_responsible"] == "吴兴区住房和城乡建设局"
    assert request["expected_datetime"].endswith("+08:00")
    workorder_sign(actor=department, order_id=order_id)
    workorder_note(actor=department, order_id=order_id, text="已安排施工队", public=True)
    workorder_note(actor=department, order_id=order_id, text="内部：材料待采购")
    workorder_reply(actor=department, order_id=order_id, result="solved", text="路面已修复。")
    # Replied but not yet verified: still open, and the answer is not public yet.
    (request,) = json_of(client.get(f"{BASE}/requests/{created}.json"))
    assert request["status"] == "open" and "status_notes" not in request
    workorder_verify(actor=dispatcher, order_id=order_id, accept=True)
    (request,) = json_of(client.get(f"{BASE}/requests/{created}.json"))
    assert (request["status"], request["status_notes"]) == ("closed", "路面已修复。")
    code = Appeal.objects.get(work_order_id=order_id).tracking_code
    appeal_rate(actor=None, order_id=order_id, tracking_code=code, rating="satisfied")
    root = xml_of(client.get(f"{BASE}/requests/{created}.xml"))
    request = root.find("request")
    assert request.findtext("status") == "closed"
    assert request.findtext("status_notes") == "路面已修复。"
    closed_at = WorkOrder.objects.get(pk=order_id).closed_at
    assert (
        request.findtext("updated_datetime")
        == closed_at.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
        .replace(microsecond=0)
        .isoformat()
    )
    assert request.find("expected_datetime") is None

    updates = json_of(
        client.get(f"{BASE}/servicerequestupdates.json", {"start_date": start.isoformat()})
    )
    mine = [u for u in updates if u["service_request_id"] == created]
    assert [u["description"] for u in mine] == [
        "受理",
        "派单：吴兴区住房和城乡建设局",
        "签收",
        "过程反馈：已安排施工队",
        "回复：路面已修复。",
        "核查",
        "评价：满意",
    ]
    assert [u["status"] for u in mine] == ["open"] * 5 + ["closed"] * 2
    assert all(isinstance(u["update_id"], str) for u in mine)
    assert [int(u["update_id"]) for u in mine] == sorted(int(u["update_id"]) for u in mine)
    assert all(u["updated_datetime"].endswith("+08:00") for u in mine)
    root = xml_of(client.get(f"{BASE}/servicerequestupdates.xml"))  # default: the last 2 hours
    assert root.tag == "service_request_updates"
    items = [
        u for u in root.findall("request_update") if u.findtext("service_request_id") == created
    ]
    assert len(items) == 7
    assert [c.tag for c in items[0]] == [
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
    ]
    # A window that ended ten days ago holds none of it.
    old = (timezone.now() - datetime.timedelta(days=10)).isoformat()
    past = json_of(client.get(f"{BASE}/servicerequestupdates.json", {"end_date": old}))
    assert created not in [u["service_request_id"] for u in past]


# -- a third-party client against a live server ----------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_georeport_client_against_a_live_server(live_server):
    """georeport (PyPI) reads services, definitions and requests; it has no method to post a
    request, so the POST goes through `requests`, the HTTP library georeport itself uses."""
    georeport = pytest.importorskip("georeport")
    import requests
    from django.contrib.auth import get_user_model

    key = api_token_create(user=get_user_model().objects.get(username="operator"))
    root = f"{live_server.url}{BASE}"
    for output_format in ("json", "xml"):
        client = georeport.GeoReport(root, output_format=output_format)
        services = client.get_service_list()
        assert len(services) == 46
        assert ROAD_DAMAGE in [s["service_code"] for s in services]
        definition = client.get_service_definition(ROAD_DAMAGE)
        assert definition["service_code"] == ROAD_DAMAGE

    lon, lat = point_in()
    response = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "service_code": ROAD_DAMAGE,
            "lat": lat,
            "long": lon,
            "description": "井盖缺失",
            "phone": PHONE,
            "publishable": "true",
        },
        timeout=10,
    )
    assert response.status_code == 200 and response.headers["Content-Type"] == JSON
    created = response.json()[0]["service_request_id"]

    client = georeport.GeoReport(root, api_key=key)
    request = client.get_service_request(created)
    assert (request["service_request_id"], request["status"]) == (created, "open")
    listed = client.get_service_requests(service_request_id=created)
    assert [r["service_request_id"] for r in listed] == [created]
    # XML: georeport's xmltodict gives a dict, not a list, for a single request.
    xml_client = georeport.GeoReport(root, output_format="xml")
    one = xml_client.get_service_request(created)
    assert one["service_request_id"] == created and one["description"] == "井盖缺失"
    recent = xml_client.get_service_requests(service_code=ROAD_DAMAGE, status="open")
    recent = recent if isinstance(recent, list) else [recent]
    assert created in [r["service_request_id"] for r in recent]
    with pytest.raises(requests.HTTPError):
        client.get_service_definition("999999")


def test_media_url_is_kept_as_a_link_and_checked(client, api_key, client_as, table_counts):
    created = json_of(post_request(client, api_key=api_key))[0]["service_request_id"]
    one = json_of(client.get(f"{BASE}/requests/{created}.json"))[0]
    assert one["media_url"] == "https://example.org/a.jpg"
    page = client_as("commander").get(f"/workorders/{created}/").content.decode()
    assert 'href="https://example.org/a.jpg" rel="noopener noreferrer nofollow"' in page
    before = table_counts()
    for bad in ("javascript:alert(1)", "ftp://example.org/a.jpg", "not a url"):
        response = post_request(client, api_key=api_key, media_url=bad)
        assert response.status_code == 400, bad
        assert "媒体链接" in response.content.decode()
    assert table_counts() == before


# -- publication: only what the appellant agreed to publish, never a confidential appeal ------


def _public_texts(client) -> str:
    """Everything an anonymous client can read of the work orders through Open311."""
    since = (timezone.now() - datetime.timedelta(days=89)).isoformat().replace("+", "%2B")
    texts = []
    for path in [
        "requests.json",
        "requests.xml",
        "requests.json?status=closed",
        "requests.json?status=open",
        f"servicerequestupdates.json?start_date={since}",
        f"servicerequestupdates.xml?start_date={since}",
    ]:
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 200, path
        texts.append(response.content.decode())
    return "\n".join(texts)


def test_confidential_and_unpublished_appeals_appear_in_no_public_read(client, user_named):
    """The tester's case: an appeal filed on /appeal/ with 保密 ticked and the author's phone in
    the text came back whole from GET requests. Now neither it nor an appeal whose author did not
    agree to publication appears in any public read, by list, by id or as an update."""
    from shanzhi.workorders.tests.test_pages import file_appeal

    resident = Client()
    secret = file_appeal(
        resident,
        content="我家楼下烧烤油烟扰民，我的电话13900001111，住3幢502。",
        confidential="on",
        publishable="on",
    )
    unpublished = file_appeal(resident, content="隔壁装修噪音，我是5幢的陈阿姨。")
    published = file_appeal(resident, content="人行道塌陷，联系我13900002222。", publishable="on")
    assert (secret.confidential, secret.publishable) == (True, True)
    assert not unpublished.publishable and published.publishable
    # Each step of the loop writes a public update; take both hidden ones to an answer.
    dispatcher = user_named("dispatcher")
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    for appeal in (secret, unpublished, published):
        workorder_dispatch(actor=dispatcher, order_id=appeal.work_order_id, lead_unit_id=housing.pk)

    text = _public_texts(client)
    for hidden in (secret, unpublished):
        assert hidden.content not in text
        assert hidden.work_order.content not in text
        assert f'"service_request_id": "{hidden.work_order_id}"' not in text
        assert f"<service_request_id>{hidden.work_order_id}</service_request_id>" not in text
        for fmt in ("json", "xml"):
            response = client.get(f"{BASE}/requests/{hidden.work_order_id}.{fmt}")
            assert response.status_code == 404
            assert errors_of(response, fmt)[0][0] == 404
            by_id = client.get(f"{BASE}/requests.{fmt}?service_request_id={hidden.work_order_id}")
            assert str(hidden.work_order_id) not in by_id.content.decode()
    assert "13900001111" not in text and "13900002222" not in text
    # The published one is there, its author's phone masked.
    (request,) = json_of(client.get(f"{BASE}/requests/{published.work_order_id}.json"))
    assert request["description"] == "人行道塌陷，联系我139****2222。"
    assert str(published.work_order_id) in text


def test_public_reads_equal_the_published_orders(client):
    """The demo holds confidential, unpublished and published orders; a public list holds
    exactly the published ones that are not merged."""
    listed = {int(i) for i in _ids(client.get(f"{BASE}/requests.json?page_size=1000"))}
    horizon = timezone.now() - datetime.timedelta(days=90)
    expected = set(
        orders_published()
        .filter(registered_at__gte=horizon)
        .exclude(state="merged")
        .values_list("pk", flat=True)
    )
    assert listed == expected and expected
    hidden = set(WorkOrder.objects.values_list("pk", flat=True)) - expected
    assert Appeal.objects.filter(work_order_id__in=hidden, confidential=True).exists()
    assert Appeal.objects.filter(work_order_id__in=hidden, publishable=False).exists()
    assert not Appeal.objects.filter(work_order_id__in=listed, confidential=True).exists()
    assert not Appeal.objects.filter(
        work_order_id__in=listed, is_primary=True, publishable=False
    ).exists()


def test_a_merged_confidential_duplicate_hides_the_surviving_order(client, api_key, user_named):
    first = int(json_of(post_request(client, api_key=api_key))[0]["service_request_id"])
    dispatcher = user_named("dispatcher")
    from shanzhi.workorders.services import workorder_merge

    second = register(client_as_operator(user_named), confidential=True, publishable=True)
    assert client.get(f"{BASE}/requests/{first}.json").status_code == 200
    workorder_merge(actor=dispatcher, order_id=second["work_order_id"], into_id=first)
    assert client.get(f"{BASE}/requests/{first}.json").status_code == 404


def client_as_operator(user_named):
    operator = Client()
    operator.force_login(user_named("operator"))
    return operator


def test_the_posting_account_follows_its_own_unpublished_request(client, api_key):
    created = json_of(post_request(client, api_key=api_key, publishable=None))[0][
        "service_request_id"
    ]
    assert client.get(f"{BASE}/requests/{created}.json").status_code == 404
    mine = client.get(f"{BASE}/requests/{created}.json", {"api_key": api_key})
    assert mine.status_code == 200 and json_of(mine)[0]["service_request_id"] == created
    listed = client.get(
        f"{BASE}/requests.json", {"service_request_id": created, "api_key": api_key}
    )
    assert _ids(listed) == [created]
    # Another account's key does not open it.
    from django.contrib.auth import get_user_model

    other = api_token_create(user=get_user_model().objects.get(username="dispatcher"))
    assert client.get(f"{BASE}/requests/{created}.json", {"api_key": other}).status_code == 404
    assert post_request(client, api_key=api_key, publishable="maybe").status_code == 400


@pytest.mark.parametrize(
    ("precision", "exact_point", "has_point", "address_is_region"),
    [("exact", True, True, False), ("rounded", False, True, True), ("region", False, False, True)],
)
def test_the_place_is_as_precise_as_the_locality_chooses(
    client, api_key, settings, precision, exact_point, has_point, address_is_region
):
    settings.OPEN311_LOCATION = precision
    created = json_of(post_request(client, api_key=api_key, address_string="月河小区3幢502室"))[0][
        "service_request_id"
    ]
    order = WorkOrder.objects.select_related("region").get(pk=created)
    (request,) = json_of(client.get(f"{BASE}/requests/{created}.json"))
    if has_point:
        assert (request["lat"], request["long"]) == (
            (order.lat, order.lon) if exact_point else (round(order.lat, 3), round(order.lon, 3))
        )
    else:
        assert "lat" not in request and "long" not in request
    assert request["address"] == (order.region.name if address_is_region else "月河小区3幢502室")
    if address_is_region:
        assert "502" not in json.dumps(request, ensure_ascii=False)


def test_an_open311_post_may_ask_for_confidentiality_and_is_then_never_public(client, api_key):
    created = json_of(post_request(client, api_key=api_key, confidential="true"))[0][
        "service_request_id"
    ]
    appeal = Appeal.objects.get(work_order_id=created)
    assert (appeal.confidential, appeal.publishable) == (True, True)
    assert client.get(f"{BASE}/requests/{created}.json").status_code == 404
    assert created not in _ids(client.get(f"{BASE}/requests.json"))
    assert post_request(client, api_key=api_key, confidential="yes").status_code == 400


def test_phone_numbers_in_full_width_or_spaced_digits_are_masked_too(client, api_key, user_named):
    created = int(json_of(post_request(client, api_key=api_key))[0]["service_request_id"])
    dispatcher, department = user_named("dispatcher"), user_named("department")
    housing = Unit.objects.get(name="吴兴区住房和城乡建设局")
    workorder_dispatch(actor=dispatcher, order_id=created, lead_unit_id=housing.pk)
    workorder_sign(actor=department, order_id=created)
    text = (
        "联系人电话１３８１２３４５６７８，备用 1 3 9 1 2 3 4 5 6 7 8，座机０５７２－２３４５６７８"
    )
    workorder_note(actor=department, order_id=created, text=text, public=True)
    since = (timezone.now() - datetime.timedelta(minutes=5)).isoformat().replace("+", "%2B")
    body = client.get(f"{BASE}/servicerequestupdates.json?start_date={since}").content.decode()
    for raw in ("１３８１２３４５６７８", "1 3 9 1 2 3 4 5 6 7 8", "２３４５６７８"):
        assert raw not in body
    assert "138****5678" in body and "139****5678" in body
