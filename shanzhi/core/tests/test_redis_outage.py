"""Redis down (docs/deployment.md#redis): the shared caches point at a port where nothing
listens. Staff go on working, and a token revoked meanwhile stops working at once (the memories
reload from the database while the generations cannot be read); the public throttle refuses
rather than letting requests through uncounted. The same with a real Redis stopped mid-run is in
test_deployment.py."""

import subprocess

import pytest
from django.core.cache import caches

from shanzhi.core import generations, replica
from shanzhi.core.models import ApiToken
from shanzhi.core.services import api_token_create
from shanzhi.core.tests.processes import environment, free_port, shanzhi
from shanzhi.workorders.tests.helpers import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    down = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
    settings.CACHES = {**settings.CACHES, "shared": down, "throttle": down}
    yield
    caches["shared"].close()


def test_staff_go_on_and_a_revoked_token_stops_at_once(client, user_named, redis_down):
    token = api_token_create(user=user_named("dispatcher"), name="machine")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/me", **auth).status_code == 200
    ApiToken.objects.update(revoked=True)  # another process, whose bump could not be sent
    assert client.get("/api/v1/me", **auth).status_code == 401
    # bump() itself does not fail the change that calls it.
    generations.bump("tokens")


def test_the_public_throttle_refuses_while_it_cannot_count(client, client_as, redis_down):
    code = register(client_as("operator"))["tracking_code"]
    response = client.get(f"/api/v1/track/{code}?phone_tail=5678")
    assert response.status_code == 429 and response["Retry-After"] == "10"
    page = client.get(f"/track/?code={code}&phone_tail=5678", follow=True)
    assert page.status_code == 429 and "查询过于频繁" in page.content.decode()


def test_without_a_replica_every_read_goes_to_the_primary(client_as):
    assert not replica.configured()
    assert replica.ReplicaRouter().db_for_read(ApiToken) is None
    assert client_as("commander").get("/command/").status_code == 200


def test_wal_positions_order_as_numbers():
    assert replica.lsn_value("0/16B3748") < replica.lsn_value("0/16B3750")
    assert replica.lsn_value("0/FFFFFFFF") < replica.lsn_value("1/0")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"SHANZHI_TASKS_BACKEND": "rq"}, "SHANZHI_TASKS_BACKEND=rq needs SHANZHI_REDIS_URL"),
        ({"SHANZHI_TASKS_BACKEND": "celery"}, "'celery' is none of database, rq"),
        (
            {"SHANZHI_DATABASE_REPLICA_URL": "postgres://x@127.0.0.1:1/x"},
            "SHANZHI_DATABASE_REPLICA_URL needs PostgreSQL as DATABASE_URL",
        ),
    ],
)
def test_a_deployment_setting_that_cannot_work_stops_the_start(tmp_path, extra, message):
    done = subprocess.run(
        shanzhi("manage", "check"),
        env=environment(tmp_path, **extra),
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and message in done.stderr
