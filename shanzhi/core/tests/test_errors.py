"""One hierarchy of refusals (shanzhi.core.errors) for every app: a selector's NotFound is the same
404 on the pages as Http404 and the same 404 body on the API, whether the object is missing or
not the caller's; the pages answer every other kind with its page and status; and the apps do
not import the API module (no import circle)."""

import ast
import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.base import SessionBase

from shanzhi.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    Unprocessable,
)
from shanzhi.core.middleware import ServiceErrorMiddleware

SHANZHI = Path(__file__).resolve().parents[2]
NOT_FOUND_BODY = {"detail": "对象不存在或无权查看", "errors": []}


def _templates(response) -> list[str]:
    return [t.name for t in response.templates]


def _invisible_order_id(user) -> int:
    from shanzhi.workorders import selectors
    from shanzhi.workorders.models import WorkOrder

    for order_id in WorkOrder.objects.order_by("pk").values_list("pk", flat=True):
        try:
            selectors.workorder_get_for(user, order_id)
        except NotFound:
            return order_id
    pytest.fail("the demo has no work order the outsider cannot see")


@pytest.mark.django_db
def test_a_selectors_not_found_is_the_404_page_and_the_404_json(client_as, user_named):
    outsider = client_as("outsider")
    hidden_order = _invisible_order_id(user_named("outsider"))
    # What a page's own Http404 looks like (an unknown inbox).
    plain = outsider.get("/workorders/?box=nonsense")
    assert plain.status_code == 404 and "404.html" in _templates(plain)

    objects = [
        # (page, API) of an object that is not the caller's, then of one that does not exist
        (
            ("/territory/grids/330502001001001/", "/api/v1/grids/330502001001001"),
            ("/territory/grids/330502101299009/", "/api/v1/grids/330502101299009"),
            NOT_FOUND_BODY,
        ),
        (
            (f"/workorders/{hidden_order}/", f"/api/v1/workorders/{hidden_order}"),
            ("/workorders/999999999/", "/api/v1/workorders/999999999"),
            {"detail": "工单不存在", "errors": []},
        ),
    ]
    for not_yours, missing, body in objects:
        for page_url, api_url in (not_yours, missing):
            page = outsider.get(page_url)
            assert page.status_code == 404, page_url
            assert _templates(page) == _templates(plain), page_url
            assert "页面不存在" in page.content.decode()
            response = outsider.get(api_url)
            assert (response.status_code, response.json()) == (404, body), api_url


def _page_request(rf):
    request = rf.get("/somewhere/")
    request.user = AnonymousUser()
    request.session = SessionBase()
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize(
    ("error", "status", "template", "shown"),
    [
        (NotFound(), 404, "404.html", "页面不存在"),
        (Forbidden("不可以"), 403, "403.html", "无权访问"),
        (InvalidInput("名称不能为空", "name"), 400, "400.html", "名称不能为空"),
        (Conflict("工单状态已变化"), 409, "400.html", "工单状态已变化"),
        (Unprocessable("不能照办"), 422, "400.html", "不能照办"),
        (PayloadTooLarge("太大了"), 413, "400.html", "太大了"),
    ],
)
def test_pages_answer_each_kind_with_its_page_and_status(rf, error, status, template, shown):
    middleware = ServiceErrorMiddleware(lambda request: None)
    response = middleware.process_exception(_page_request(rf), error)
    assert response.status_code == status
    assert shown in response.content.decode()


def test_other_exceptions_are_left_alone(rf):
    middleware = ServiceErrorMiddleware(lambda request: None)
    assert middleware.process_exception(_page_request(rf), ValueError("x")) is None


def _imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_app_imports_the_api_module():
    """shanzhi/api.py gathers the apps' routers; an app importing it back makes a circle. Only
    the URL root (which mounts it) and the openapi command (which prints it) may import it."""
    allowed = {"api.py", "urls.py", "web/management/commands/openapi.py"}
    offenders = [
        str(path.relative_to(SHANZHI))
        for path in sorted(SHANZHI.rglob("*.py"))
        if "tests" not in path.relative_to(SHANZHI).parts
        and str(path.relative_to(SHANZHI)) not in allowed
        and "shanzhi.api" in _imports_of(path)
    ]
    assert offenders == []


def test_selectors_and_services_refuse_with_core_errors_only():
    """Every selector and service says "not found" with core.errors.NotFound, never Http404,
    and defines no error class of its own."""
    offenders = []
    for path in sorted(SHANZHI.rglob("*.py")):
        relative = path.relative_to(SHANZHI)
        if "tests" in relative.parts or not (
            path.name in ("selectors.py", "services.py") or "services" in relative.parts
        ):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if "django.http.Http404" in _imports_of(path):
            offenders.append(f"{relative}: imports Http404")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ClassDef)
                and node.name.endswith("Error")
                and not any(getattr(b, "id", "") in _CORE_KINDS for b in node.bases)
            ):
                offenders.append(f"{relative}: class {node.name}")
    assert offenders == []


_CORE_KINDS = {"InvalidInput", "NotFound", "Forbidden", "Conflict", "PayloadTooLarge"}


@pytest.mark.django_db
def test_a_calendar_day_of_unknown_kind_is_refused_as_invalid_input(table_counts):
    from shanzhi.core.models import CalendarDay
    from shanzhi.core.services import calendar_day_set

    before = table_counts()
    with pytest.raises(InvalidInput) as caught:
        calendar_day_set(actor="test", date=datetime.date(2027, 1, 1), kind="nonsense")
    assert (caught.value.status, caught.value.field) == (400, "kind")
    assert caught.value.message == "未知的日期类型"
    assert table_counts() == before
    assert not CalendarDay.objects.filter(date=datetime.date(2027, 1, 1)).exists()


def test_the_console_drops_routine_task_lines_and_the_traceback_of_a_refusal():
    """`shanzhi up`'s console (settings.LOGGING): the worker's routine INFO lines are dropped, a
    4xx is one line without its traceback, a 5xx keeps everything; DEBUG shows it all."""
    import logging
    import sys

    from shanzhi.core.logging import RoutineFilter

    try:
        raise PermissionError("denied")
    except PermissionError:
        exc_info = sys.exc_info()

    def record(name, level, status=None, with_exc=False):
        made = logging.LogRecord(
            name, level, __file__, 1, "msg", (), exc_info if with_exc else None
        )
        if status is not None:
            made.status_code = status
        return made

    quiet = RoutineFilter()
    assert not quiet.filter(record("django_tasks", logging.INFO))
    assert not quiet.filter(record("django_tasks_db", logging.INFO))
    assert not quiet.filter(record("axes.handlers.database", logging.INFO))
    assert quiet.filter(record("django_tasks", logging.ERROR, with_exc=True))
    refused = record("django.request", logging.WARNING, status=403, with_exc=True)
    assert quiet.filter(refused) and refused.exc_info is None
    failed = record("django.request", logging.ERROR, status=500, with_exc=True)
    assert quiet.filter(failed) and failed.exc_info is exc_info
    assert RoutineFilter(verbose=True).filter(record("django_tasks", logging.INFO))
