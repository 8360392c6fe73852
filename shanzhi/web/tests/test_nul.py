"""A NUL character never reaches the database (PostgreSQL refuses it: it would be a 500):
every interface answers 400 in its own format and stores nothing."""

import json

import pytest

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


@pytest.mark.parametrize(
    ("url", "status"),
    [("/territory/?within=%00", 404), ("/workorders/?text=%00", 400), ("/track/S%00/", 404)],
)
def test_pages_handle_nul_themselves(client_as, url, status):
    assert client_as("dispatcher").get(url).status_code == status


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
