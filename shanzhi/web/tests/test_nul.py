"""A NUL character never reaches the database (PostgreSQL refuses it: it would be a 500):
every request is refused with 400 in its interface's own format (the JSON API, Open311, the
400 page for every page the URL resolver knows) and nothing is stored."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/regions?parent=%00",
        "/api/v1/workorders?text=a%00b",
        "/api/v1/track/S%00?phone_tail=1234",
        "/open311/v2/requests.json?service_code=%00",
    ],
)
def test_nul_in_a_query_is_refused(client_as, url):
    response = client_as("dispatcher").get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def _sample_path(route: str) -> str | None:
    """A concrete path for a URL pattern: converters and regex groups filled with "1"."""
    path = re.sub(r"<(?:\w+:)?\w+>", "1", route)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    path = path.lstrip("^").rstrip("$").replace("\\", "")
    if re.search(r"[()\[\]*+?|]", path):
        return None  # a pattern too clever to fill: the resolver check below would miss it
    return "/" + path


def every_page() -> list[str]:
    """Every URL the resolver knows outside the JSON API (admin included), so a new page is
    covered without touching this test."""
    found = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if route.startswith("api/"):
                    continue  # the API is one Ninja view: covered above
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                path = _sample_path(route)
                if path is None:
                    continue
                if path.startswith("/admin/") and "/1/" in path and "/auth/user/" not in path:
                    continue  # one model's object pages stand for every model's (same views)
                found.append(path)

    walk(get_resolver().url_patterns)
    return sorted(set(found))


PAGES = every_page()


def test_the_page_list_is_complete():
    assert len(PAGES) > 60
    for page in ["/", "/command/", "/command/kpis/", "/workorders/", "/territory/", "/admin/"]:
        assert page in PAGES


@pytest.mark.parametrize("url", PAGES)
def test_nul_in_the_query_of_every_page_is_refused(client_as, url):
    response = client_as("dispatcher").get(url + "?region=%00&q=a%00b")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/command/?region=%00", "/workorders/?text=%00", "/track/S%00/", "/territory/?within=%00"],
)
def test_pages_answer_the_400_page(client_as, url):
    response = client_as("dispatcher").get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert 'data-testid="error-message"' in response.content.decode()


def test_multipart_text_fields_refuse_nul_but_files_may_hold_any_bytes(client, table_counts):
    counts = table_counts()
    photo = SimpleUploadedFile("p.png", b"\x89PNG\x00\x00\x00binary", content_type="image/png")
    response = client.post("/appeal/", {"content": "坑\x00", "photos": [photo]})
    assert response.status_code == 400 and "NUL" in response.content.decode()
    assert table_counts() == counts
    photo = SimpleUploadedFile("p.png", b"\x89PNG\x00\x00\x00binary", content_type="image/png")
    response = client.post("/appeal/", {"content": "", "photos": [photo]})
    assert response.status_code == 400 and "NUL" not in response.content.decode()  # the form's


def test_nul_in_json_and_form_bodies_is_refused(client_as, table_counts):
    counts = table_counts()
    operator = client_as("operator")
    body = {
        "nature": "complaint",
        "category": "010301",
        "content": "坑\u0000",
        "lon": 120.1,
        "lat": 30.87,
        "appellant_phone": "13812345678",
    }
    response = operator.post("/api/v1/appeals", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"] == []
    response = operator.post(
        "/open311/v2/requests.json",
        "service_code=010301&description=a%00",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400 and response.json()[0]["code"] == 400
    response = operator.get("/open311/v2/requests.xml?service_code=%00")
    assert response.status_code == 400 and response["Content-Type"] == "text/xml; charset=utf-8"
    assert table_counts() == counts
