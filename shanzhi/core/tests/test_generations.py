"""A change made in one process reaches the others with their next request (core.generations):
here the other process is simulated by changing the rows directly and bumping the shared
generation, which is all that process would share with this one."""

import pytest

from shanzhi.core import generations
from shanzhi.core.models import ApiToken
from shanzhi.core.services import api_token_create
from shanzhi.workorders.models import Category
from shanzhi.workorders.tests.helpers import appeal_body, post

pytestmark = pytest.mark.django_db


def test_a_token_revoked_elsewhere_stops_working_at_the_next_request(client, user_named):
    token = api_token_create(user=user_named("dispatcher"), name="machine")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/me", **auth).status_code == 200  # now remembered here

    ApiToken.objects.update(revoked=True)  # another process revokes it …
    assert client.get("/api/v1/me", **auth).status_code == 200  # (the memory, without a word)
    generations.bump("tokens")  # … and says so on commit
    assert client.get("/api/v1/me", **auth).status_code == 401


def test_a_category_closed_elsewhere_is_refused_at_the_next_request(client_as):
    operator = client_as("operator")
    body = appeal_body()
    assert post(operator, "/api/v1/appeals", body)[0] == 201  # categories now remembered

    Category.objects.filter(code=body["category"]).update(is_active=False)
    generations.bump("categories")
    status, answer = post(operator, "/api/v1/appeals", appeal_body())
    assert status == 400 and answer["errors"][0]["field"] == "category"


def test_generations_survive_a_cache_that_forgot_them():
    from django.core.cache import caches

    generations.bump("triage_units")
    first = generations.current("triage_units")
    caches[generations.ALIAS].delete("generation:triage_units")  # culled
    generations.bump("triage_units")
    assert first >= 1 and generations.current("triage_units") == 1  # new again, so reloaded
