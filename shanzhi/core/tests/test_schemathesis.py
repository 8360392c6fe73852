"""Schemathesis over the committed docs/openapi.json: every operation, as an anonymous client and
as the demo dispatcher (Bearer token), with positive and negative data, against the application
in-process (WSGI) on the demo database. Checks: no 5xx, bodies match the documented schema, every
status is documented, and schema-valid data is accepted (see docs/adr/0012-api-contract.md for
what "accepted" means here). Zero failures is the bar; nothing is skipped: the operations are
parametrized from the document itself and test_every_operation_is_exercised guards the list.

SHANZHI_SCHEMATHESIS_EXAMPLES sets the examples per operation and persona (default 20); the run
is derandomized, so CI sees the same cases every time."""

import json
import os
import re
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

DOCUMENT = Path(settings.BASE_DIR).parent / "docs" / "openapi.json"
EXAMPLES = int(os.environ.get("SHANZHI_SCHEMATHESIS_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    positive_data_acceptance,
]
# Schema-valid data that the API may still truthfully refuse: the document describes shapes, not
# the database, so a well-formed code of a category or region that does not exist is a 400 or a
# 404, a valid action on an order in the wrong state a 409, a role without the right a 403, an
# anonymous client a 401, and a throttled client a 429. What it must never answer to such data
# is 422 (the document would promise more than the validator accepts), 413 or 5xx.
ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}}}
)
SCHEMA = schemathesis.openapi.from_path(DOCUMENT, config=CONFIG)


def _labels() -> list[str]:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return [f"{method.upper()} {path}" for path, ops in document["paths"].items() for method in ops]


LABELS = _labels()
PERSONAS = ["anonymous", "dispatcher"]


def _operation(label: str):
    method, path = label.split(" ", 1)
    return SCHEMA[path][method]


def _demo_values() -> dict[str, list]:
    """Codes and ids of the demo world, which generated cases borrow for their parameters of
    these names half of the time: random strings almost never name a real category or order,
    and the search would stop at the first lookup."""
    from shanzhi.org.models import Unit
    from shanzhi.territory.models import Grid, Region
    from shanzhi.workorders.models import Appeal, Category, WorkOrder

    leaves = list(
        Category.objects.filter(children__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)
    )
    orders = list(WorkOrder.objects.order_by("pk").values_list("pk", flat=True)[:200])
    units = list(Unit.objects.order_by("pk").values_list("pk", flat=True))
    regions = list(Region.objects.order_by("code").values_list("code", flat=True)[:300])
    grids = list(Grid.objects.order_by("code").values_list("code", flat=True)[:100])
    codes = list(Appeal.objects.order_by("pk").values_list("tracking_code", flat=True)[:200])
    return {
        "category": leaves,
        "order_id": orders,
        "into": orders,
        "lead_unit": units,
        "unit": [str(u) for u in units],
        "region": regions,
        "parent": regions,
        "within": regions,
        "grid": grids,
        "code": codes + grids,
        "appeal": codes,
    }


def _borrow(case, values: dict[str, list], pick: int) -> None:
    """Give the case's parameters that name demo objects a real value (types kept)."""
    for part in (case.path_parameters, case.query, case.body):
        if not isinstance(part, dict):
            continue
        for name, current in part.items():
            choices = values.get(name)
            if not choices:
                continue
            value = choices[pick % len(choices)]
            if isinstance(current, str) == isinstance(value, str):
                part[name] = value


# ADR 0011's date window (2000-01-01 to today + 366 days, moments not in the future) cannot be
# written in JSON Schema for `format: date`/`date-time`: a schema-valid date outside it is refused
# with 422 by design. Positive cases have their dates moved into the window (year 2020); negative
# cases keep theirs, and the window's refusals are tested in web/tests/test_input_hygiene.py.
WINDOWED_DATES = (
    "date_from",
    "date_to",
    "occurred_at",
    "deadline",
    "starts_at",
    "held_at",
    "applied_on",
    "decided_on",
    "ruled_on",
)


def _into_date_window(case) -> None:
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    for part in (case.query, case.body):
        if not isinstance(part, dict):
            continue
        for name in WINDOWED_DATES:
            value = part.get(name)
            if isinstance(value, str) and re.match(r"^\d{4}-", value):
                part[name] = "2020" + value[4:]


@pytest.fixture
def wsgi_app():
    """The Django WSGI application, serving inside the test's transaction: like Django's test
    client, it must not close the connection at the end of each request."""
    from django.core.handlers.wsgi import WSGIHandler

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_every_operation_is_exercised():
    """The parametrization below is the committed document's list of operations, which is the
    code's (shanzhi manage openapi --check); none may be left out or filtered away."""
    from shanzhi.web.management.commands.openapi import generate

    code = json.loads(generate())
    assert [f"{m.upper()} {p}" for p, ops in code["paths"].items() for m in ops] == LABELS
    loaded = [result.ok() for result in SCHEMA.get_all_operations()]
    assert sorted(op.label for op in loaded) == sorted(LABELS)
    assert len(LABELS) >= 33


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("label", LABELS)
def test_operation_keeps_its_contract(label, persona, wsgi_app, user_named):
    from shanzhi.core.services import api_token_create

    headers = {}
    if persona != "anonymous":
        token = api_token_create(user=user_named(persona), name="schemathesis")
        headers["Authorization"] = f"Bearer {token}"
    operation = _operation(label)
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    values = _demo_values()

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, borrow=st.booleans(), pick=st.integers(0, 10**6))
    def run(case, borrow, pick):
        if borrow:
            _borrow(case, values, pick)
        _into_date_window(case)
        case.call_and_validate(
            app=wsgi_app, base_url="http://testserver", headers=headers, checks=CHECKS
        )

    run()
