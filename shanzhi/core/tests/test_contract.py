"""The OpenAPI document tells the truth about errors: every operation lists the statuses it can
answer with, each described by the one Error schema, and the answers the API really gives are
documented, shaped like Error and worded in Chinese (English with Accept-Language: en)."""

import json
import re

import pytest

from shanzhi.conftest import DISPATCHER_TOWNSHIP

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def document(client_as):
    response = client_as("dispatcher").get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def documented(document, method, path) -> set[int]:
    return {int(s) for s in document["paths"][path][method]["responses"]}


def test_every_operation_describes_its_errors_with_the_error_schema(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "errors"]
    assert error["properties"]["errors"]["items"]["required"] == ["field", "message"]
    count = 0
    for method, path, operation in operations(document):
        count += 1
        statuses = {int(s) for s in operation["responses"]}
        errors = {s for s in statuses if s >= 400}
        assert 400 in errors, (method, path)  # NUL refused at the edge, everywhere
        assert (401 in errors) == bool(operation.get("security")), (method, path)
        assert (404 in errors) or "{" not in path, (method, path)
        assert (413 in errors) == ("requestBody" in operation), (method, path)
        has_input = bool(operation.get("parameters") or operation.get("requestBody"))
        assert (422 in errors) == has_input, (method, path)
        if "/actions/" in path:
            assert {403, 404, 409} <= errors, path
        for status in errors:
            content = operation["responses"][str(status)]["content"]["application/json"]
            assert content["schema"] == ERROR_REF, (method, path, status)
    assert count >= 33


def test_throttled_operations_document_429(document):
    throttled = {(m, p) for m, p, op in operations(document) if "429" in op["responses"]}
    assert ("get", "/api/v1/track/{code}") in throttled
    assert ("post", "/api/v1/track/{code}/rating") in throttled
    assert ("get", "/api/v1/me") not in throttled


def test_the_committed_document_is_the_served_one(document):
    from django.conf import settings

    committed = (settings.BASE_DIR.parent / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert json.loads(committed)["paths"] == document["paths"]


def test_required_text_fields_of_inputs_refuse_empty_strings(document):
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        if not name.endswith("In"):
            continue
        for field in schema.get("required", []):
            prop = schemas[name]["properties"][field]
            if prop.get("type") == "string":
                assert prop.get("minLength", 0) >= 1, (name, field)
    hotline = document["paths"]["/api/v1/inbound/hotline"]["post"]["requestBody"]
    body = hotline["content"]["application/json"]["schema"]
    for field in body["required"]:
        if body["properties"][field].get("type") == "string":
            assert body["properties"][field]["minLength"] >= 1, field


APPEAL = {"nature": "complaint", "category": "x", "content": "路灯不亮"}


# (method, url, body, expected status, expected fields in errors)
ANSWERS = [
    ("get", "/api/v1/workorders?limit=abc", None, 422, ["limit"]),
    ("get", "/api/v1/workorders?limit=0", None, 422, ["limit"]),
    ("get", "/api/v1/workorders?state=nonsense", None, 422, ["state"]),
    ("get", "/api/v1/workorders?date_from=tomorrow", None, 422, ["date_from"]),
    ("get", "/api/v1/workorders?text=" + "长" * 101, None, 422, ["text"]),
    ("get", "/api/v1/workorders?box=nonsense", None, 404, []),
    ("get", "/api/v1/workorders/999999999", None, 404, []),
    ("post", "/api/v1/appeals", {**APPEAL, "content": ""}, 422, ["content"]),
    ("post", "/api/v1/appeals", {**APPEAL, "category": ""}, 422, ["category"]),
    ("post", "/api/v1/appeals", {"nature": "complaint"}, 422, ["category", "content"]),
    ("post", "/api/v1/appeals", {**APPEAL, "anonymous": "perhaps"}, 422, ["anonymous"]),
    ("post", "/api/v1/appeals", {**APPEAL, "people_involved": 1.5}, 422, ["people_involved"]),
    ("post", "/api/v1/appeals", {**APPEAL, "occurred_at": "yesterday"}, 422, ["occurred_at"]),
    ("post", "/api/v1/appeals", {**APPEAL, "attributes": []}, 422, ["attributes"]),
    ("post", "/api/v1/appeals", {**APPEAL, "content": 5}, 422, ["content"]),
    ("post", "/api/v1/appeals", {**APPEAL, "lat": 91}, 422, ["lat"]),
    ("post", "/api/v1/appeals", [1, 2], 422, None),
    ("post", "/api/v1/appeals", APPEAL, 400, ["category"]),
    ("post", "/api/v1/workorders/1/actions/dispatch", {"lead_unit": "x"}, 422, ["lead_unit"]),
    ("post", "/api/v1/workorders/1/actions/dispatch", {"co_units": {}}, 422, None),
    ("post", "/api/v1/workorders/1/actions/note", {"text": ""}, 422, ["text"]),
    ("get", "/api/v1/grids/locate?lon=east&lat=30", None, 422, ["lon"]),
    ("get", "/api/v1/command/kpis?period=decade", None, 400, ["period"]),
]


@pytest.mark.parametrize(("method", "url", "body", "status", "fields"), ANSWERS)
def test_error_answers_are_documented_shaped_and_chinese(
    client_as, document, table_counts, method, url, body, status, fields
):
    client = client_as("dispatcher")
    before = table_counts()
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == status, response.content
    answer = response.json()
    assert set(answer) == {"detail", "errors"}
    assert CJK.search(answer["detail"]), answer
    if fields is not None:
        assert [e["field"] for e in answer["errors"]] == fields
    for error in answer["errors"]:
        assert set(error) == {"field", "message"}
        assert CJK.search(error["message"]), error  # never pydantic's English
    path = "/api/v1/" + url.split("?")[0].removeprefix("/api/v1/")
    template = re.sub(r"/\d+(/|$)", r"/{order_id}\1", path)
    assert status in documented(document, method, template)
    assert table_counts() == before


@pytest.mark.parametrize(
    "url",
    ["/api/v1/appeals", "/api/v1/workorders/1/actions/note", "/api/v1/track/ABC/rating"],
)
def test_malformed_json_is_refused_in_chinese(client_as, table_counts, url):
    before = table_counts()
    response = client_as("dispatcher").post(url, "{bad", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的 JSON", "errors": []}
    assert table_counts() == before


def test_csrf_refusal_of_a_session_write_is_chinese(db):
    from django.test import Client

    client = _signed_in(Client(enforce_csrf_checks=True))
    response = client.post("/api/v1/appeals", "{}", content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF 校验失败，请刷新页面后重试", "errors": []}


def _signed_in(client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="dispatcher"))
    return client


@pytest.mark.django_db
def test_every_pydantic_error_type_has_a_chinese_message():
    import typing

    from pydantic_core.core_schema import ErrorType

    from shanzhi.api import _GENERIC_MESSAGE, _PYDANTIC_MESSAGES

    assert CJK.search(_GENERIC_MESSAGE)
    for kind, message in _PYDANTIC_MESSAGES.items():
        assert kind in typing.get_args(ErrorType), kind
        assert CJK.search(message), kind
    # The types a JSON client can trigger against these schemas are all named.
    for kind in [
        "missing", "extra_forbidden", "json_invalid", "model_attributes_type", "dict_type",
        "list_type", "string_type", "string_too_short", "string_too_long", "int_parsing",
        "int_from_float", "float_parsing", "bool_parsing", "greater_than_equal",
        "less_than_equal", "enum", "literal_error", "date_parsing", "date_from_datetime_parsing",
        "datetime_parsing", "datetime_from_date_parsing", "url_parsing", "value_error",
    ]:  # fmt: skip
        assert kind in _PYDANTIC_MESSAGES, kind


def test_validation_messages_in_english_on_request(client_as):
    response = client_as("dispatcher").post(
        "/api/v1/appeals",
        json.dumps({"nature": "complaint"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert {e["message"] for e in response.json()["errors"]} == {"This field is required"}


def test_anonymous_answers_are_documented(document, db):
    from django.test import Client

    client = Client()
    for method, path, _operation in operations(document):
        url = path.replace("{order_id}", "1").replace("{code}", DISPATCHER_TOWNSHIP)
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, "{}", content_type="application/json")
        assert response.status_code in documented(document, method, path), (method, path)
        assert set(response.json()) == {"detail", "errors"} or response.status_code < 400


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("dispatch", {"lead_unit": 2**63}, "lead_unit"),
        ("dispatch", {"lead_unit": 1, "co_units": [2**64]}, "co_units.0"),
        ("dispatch", {"lead_unit": 1, "rule": 2**63}, "rule"),
        ("dispatch", {"lead_unit": 0}, "lead_unit"),
        ("merge", {"into": 2**63}, "into"),
    ],
)
def test_ids_beyond_the_database_are_refused_not_overflowed(
    client_as, user_named, table_counts, action, body, field
):
    """Schemathesis found: a unit id past 64 bits reached the database driver (OverflowError,
    500). Ids are bounded in the document and refused with 422."""
    from shanzhi.workorders.selectors import workorders_visible_to

    order = workorders_visible_to(user_named("dispatcher")).order_by("pk").first()
    before = table_counts()
    response = client_as("dispatcher").post(
        f"/api/v1/workorders/{order.pk}/actions/{action}",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert response.json()["errors"][0]["message"] in ("数值过大", "数值过小")
    assert table_counts() == before


def test_a_locked_tracking_code_answers_a_documented_403(document, db):
    """The per-code lock of fix/throttle answers 403; the document lists it for both tracking
    operations."""
    from django.test import Client

    from shanzhi.workorders.models import Appeal

    code = Appeal.objects.order_by("pk").values_list("tracking_code", flat=True).first()
    client = Client()
    for n in range(5):
        client.get(f"/api/v1/track/{code}?phone_tail=000{n}")
    response = client.get(f"/api/v1/track/{code}?phone_tail=0009")
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "errors"}
    assert 403 in documented(document, "get", "/api/v1/track/{code}")
    rating = client.post(
        f"/api/v1/track/{code}/rating",
        json.dumps({"phone_tail": "0009", "rating": "satisfied"}),
        content_type="application/json",
    )
    assert rating.status_code == 403
    assert 403 in documented(document, "post", "/api/v1/track/{code}/rating")
