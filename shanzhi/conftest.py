"""Test fixtures shared by every app: the demo municipality is built once per test database and
each test runs in a transaction that is rolled back, so every test starts from the same world.

Personas are the demo accounts: resident, gridworker, villageclerk, dispatcher (月河街道),
department (吴兴区住建局), commander (吴兴区), mediator, leader (湖州市), admin, and outsider
(dispatcher of 织里镇, another township of the same district)."""

import pytest
from django.test import Client

DEMO_PASSWORD = "demo-Passw0rd"
DEMO_SEED = 2026
PERSONAS = [
    "resident",
    "gridworker",
    "villageclerk",
    "dispatcher",
    "department",
    "commander",
    "mediator",
    "leader",
    "admin",
    "outsider",
]
# Codes the tests refer to, from the demo built with DEMO_SEED.
DISPATCHER_TOWNSHIP = "330502001000"  # 月河街道
OUTSIDER_TOWNSHIP = "330502101000"  # 织里镇
DISTRICT = "330502000000"  # 吴兴区
CITY = "330500000000"  # 湖州市


def pytest_collection_modifyitems(items):
    """Transactional tests (real commits, several connections) end with a flush of the whole
    database, demo included: they run last."""

    def transactional(item):
        marker = item.get_closest_marker("django_db")
        return bool(marker and marker.kwargs.get("transaction"))

    items.sort(key=transactional)


# The audit chain's key in tests, so that no test writes a key into a shared data directory.
TEST_AUDIT_KEY = "shanzhi-test-audit-chain-key"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AUDIT_KEY = TEST_AUDIT_KEY
    # Checkpoints and signing keys of each test stay in its own directory.
    settings.AUDIT_KEY_FILE = tmp_path / "audit" / "audit_key"
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "audit" / "audit_signing_key.pem"
    settings.AUDIT_PUBLIC_KEY_FILE = tmp_path / "audit" / "audit_signing_key.pub.pem"
    settings.AUDIT_ANCHOR_DIR = tmp_path / "audit" / "anchors"
    settings.AUDIT_ANCHOR_WEBHOOK = ""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.LANGUAGE_CODE = "zh-hans"
    settings.NOTIFY_BACKEND = "memory"
    settings.SMS_GATEWAY_URL = settings.DINGTALK_WEBHOOK = ""  # whatever the environment says


@pytest.fixture
def outbox():
    """Notifications sent (after commit) during the test."""
    from shanzhi.core.notify import MemoryBackend

    MemoryBackend.outbox.clear()
    return MemoryBackend.outbox


@pytest.fixture
def receiver():
    """receiver(fail_first=2) → a local HTTP server that fails on purpose, stopped afterwards
    (see core/tests/receiver.py)."""
    from shanzhi.core.tests.receiver import Receiver

    started = []

    def start(**options):
        started.append(Receiver(**options).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.test import override_settings

    from shanzhi.demo.builder import build

    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            NOTIFY_BACKEND="memory",
            AUDIT_KEY=TEST_AUDIT_KEY,
        ),
    ):
        build(seed=DEMO_SEED, password=DEMO_PASSWORD)
        # Transactional tests end with a flush; with serialized_rollback they restore this.
        from django.db import connection

        connection._test_serialized_contents = connection.creation.serialize_db_to_string()


_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _fresh_caches(request):
    """Process-wide caches must not carry rows from a rolled-back test into the next one."""
    from django.core.cache import caches

    from shanzhi.core import memo, workdays
    from shanzhi.core.services import forget_tokens
    from shanzhi.territory import locate

    workdays.clear_cache()
    locate.invalidate()
    memo.clear_all()
    forget_tokens(everywhere=False)
    caches["default"].clear()
    if request.node.get_closest_marker("django_db") or _DB_FIXTURES & set(request.fixturenames):
        caches["throttle"].clear()  # throttles count there (a database table)
    yield
    workdays.clear_cache()
    locate.invalidate()


@pytest.fixture
def user_named(db):
    from django.contrib.auth import get_user_model

    return lambda username: get_user_model().objects.get(username=username)


@pytest.fixture
def client_as(db, user_named):
    """client_as("dispatcher") → a test client signed in as that persona."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(user_named(username))
        return client

    return make


@pytest.fixture
def api_as(client_as):
    """Like client_as, with JSON decoding: api_as("leader").get(url) → (status, body)."""

    class Api:
        def __init__(self, client):
            self.client = client

        def get(self, url, **extra):
            response = self.client.get(url, **extra)
            return response.status_code, response.json()

    return lambda username: Api(client_as(username))


@pytest.fixture
def table_counts(db):
    """Row counts of every table a refused action must leave untouched."""
    from django.contrib.auth import get_user_model

    from shanzhi.core.models import ApiToken, AuditEvent, CalendarDay
    from shanzhi.org.models import GridAssignment, Household, Membership, PartyMember, Unit
    from shanzhi.territory.models import Grid, Region, RegionOutline
    from shanzhi.workorders.models import Appeal, Assignment, Attachment, WorkOrder

    models = [
        WorkOrder,
        Appeal,
        Assignment,
        Attachment,
        AuditEvent,
        ApiToken,
        CalendarDay,
        Region,
        RegionOutline,
        Grid,
        Unit,
        Membership,
        GridAssignment,
        Household,
        PartyMember,
        get_user_model(),
    ]

    return lambda: {model.__name__: model.objects.count() for model in models}
