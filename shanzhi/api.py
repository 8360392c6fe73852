"""The JSON API under /api/v1/: one NinjaAPI with each app's router, one error format.

Every error body is {"detail": message, "errors": [{"field": name, "message": text}]}: the
message is translated (Chinese by default, English with Accept-Language: en). The OpenAPI
document describes that body as the `Error` schema under every status an operation can answer
with, by the rules of `error_statuses` (see docs/adr/0012-api-contract.md)."""

import typing

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic_core.core_schema import ErrorType

from shanzhi.core.api_auth import API_AUTH
from shanzhi.core.errors import (
    DATABASE_OUTAGE,
    DATABASE_OUTAGE_MESSAGE,
    DATABASE_OUTAGE_RETRY_AFTER,
    ServiceError,
)

ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "description": "每个错误的统一格式 · The body of every error answer",
    "required": ["detail", "errors"],
    "properties": {
        "detail": {"type": "string", "description": "给人看的说明（已翻译）"},
        "errors": {
            "type": "array",
            "description": "逐项说明：字段名（可为空）与该字段的问题",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

ERROR_DESCRIPTIONS = {
    400: "请求被拒绝：输入不合理（如分类不存在）、含 NUL 字符或请求体不是 JSON · Refused input",
    401: "需要登录或有效的 API 令牌 · Not authenticated",
    403: "无权执行（角色不允许，或会话请求缺少 CSRF 令牌） · Forbidden",
    404: "对象不存在或无权查看 · Not found or not visible",
    409: "对象当前状态不允许该操作，或已被他人改动 · Conflict with the current state",
    413: "请求体过大 · Payload too large",
    422: "请求参数不符合本文档的格式要求 · Validation failed",
    429: "请求过于频繁 · Too many requests",
    503: "数据库暂时无法访问，按 Retry-After 秒后重试 · Database briefly unavailable, retry",
}

# Refusals the generic rules of error_statuses cannot see: the lookups and role checks that the
# selectors and services make on query parameters and bodies ("METHOD path" under /api/v1).
EXTRA_ERROR_STATUSES = {
    "POST /appeals": {403},  # a channel or urgency only intake staff may claim
    "GET /workorders": {404},  # an inbox that does not exist
    "GET /households": {404},  # a grid outside the caller's scope
    "GET /grids": {404},  # `within` outside the caller's scope
    "GET /alarm-events": {404},  # `within` outside the caller's scope
    "GET /command/kpis": {403, 404},  # roles without the command centre; foreign territory
    "GET /command/dashboard": {403, 404},
    "POST /inbound/hotline": {403},  # a token bound to no active hotline platform
    "GET /track/{code}": {403},  # the code is locked for the day after wrong phone tails
    "POST /track/{code}/rating": {403, 409},  # locked; not awaiting a rating, or already rated
}
ACTION_ERROR_STATUSES = {403, 409}  # every work-order action: the role, the state, If-Match


def error_statuses(method: str, path: str, operation: dict, throttled: bool) -> set[int]:
    """The error statuses one operation of the document can answer with."""
    statuses = {400}  # RejectNulMiddleware refuses NUL in any path, query string or body
    statuses.add(503)  # the database is unreachable for a moment (Retry-After, docs/operations.md)
    has_input = bool(operation.get("parameters") or operation.get("requestBody"))
    if operation.get("security"):
        statuses.add(401)
        if method != "get":
            statuses.add(403)  # session requests without a CSRF token
    if "{" in path:
        statuses.add(404)
    if operation.get("requestBody"):
        statuses.add(413)  # over the body limits (DATA_UPLOAD_MAX_MEMORY_SIZE or the route's)
    if has_input:
        statuses.add(422)
    if throttled:
        statuses.add(429)
    if "/actions/" in path:
        statuses |= ACTION_ERROR_STATUSES
    statuses |= EXTRA_ERROR_STATUSES.get(f"{method.upper()} {path}", set())
    return statuses


class ShanzhiAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document describes every error answer with the `Error` schema."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:  # the served document (GET /api/v1/openapi.json)
            path_prefix = self.get_root_path(path_params or {})
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        prefix = "/" + path_prefix.strip("/") if path_prefix.strip("/") else ""
        throttled = {}
        for bound in self._get_bound_routers():
            for path_view in bound.path_operations.values():
                for op in path_view.operations:
                    op_id = op.operation_id or self.get_openapi_operation_id(op)
                    throttled[op_id] = bool(op.throttle_objects)
        schema["components"].setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"$ref": "#/components/schemas/Error"}
        for full_path, methods in schema["paths"].items():
            path = (
                full_path[len(prefix) :] if prefix and full_path.startswith(prefix) else full_path
            )
            for method, operation in methods.items():
                answers = operation["responses"]
                statuses = error_statuses(
                    method, path, operation, throttled.get(operation["operationId"], False)
                )
                for status in sorted(statuses):
                    answers.setdefault(  # Ninja keys responses by int status
                        status,
                        {
                            "description": ERROR_DESCRIPTIONS[status],
                            "content": {"application/json": {"schema": ref}},
                        },
                    )
        return schema


api = ShanzhiAPI(
    title="Shanzhi 善治 API",
    version="1",
    description="基层社会治理平台接口 · Grassroots social governance API",
    auth=API_AUTH,
    urls_namespace="api",
)

# Pydantic's messages are English: every error type a client can trigger gets a Chinese one
# (English through gettext with Accept-Language: en); an unlisted type gets _GENERIC_MESSAGE.
_PYDANTIC_MESSAGES = {
    "missing": gettext_noop("此项为必填项"),
    "missing_argument": gettext_noop("此项为必填项"),
    "extra_forbidden": gettext_noop("不允许的字段"),
    "json_invalid": gettext_noop("JSON 格式错误"),
    "json_type": gettext_noop("JSON 格式错误"),
    "model_type": gettext_noop("应为 JSON 对象"),
    "model_attributes_type": gettext_noop("应为 JSON 对象"),
    "dict_type": gettext_noop("应为 JSON 对象"),
    "mapping_type": gettext_noop("应为 JSON 对象"),
    "list_type": gettext_noop("应为列表"),
    "tuple_type": gettext_noop("应为列表"),
    "set_type": gettext_noop("应为列表"),
    "iterable_type": gettext_noop("应为列表"),
    "too_short": gettext_noop("列表项过少"),
    "too_long": gettext_noop("列表项过多"),
    "string_type": gettext_noop("必须是文本"),
    "string_unicode": gettext_noop("必须是有效的 Unicode 文本"),
    "string_too_short": gettext_noop("内容过短"),
    "string_too_long": gettext_noop("内容过长"),
    "string_pattern_mismatch": gettext_noop("格式不正确"),
    "string_not_ascii": gettext_noop("只能包含 ASCII 字符"),
    "bytes_type": gettext_noop("必须是文本"),
    "bool_type": gettext_noop("必须是 true 或 false"),
    "bool_parsing": gettext_noop("必须是 true 或 false"),
    "int_type": gettext_noop("必须是整数"),
    "int_parsing": gettext_noop("必须是整数"),
    "int_parsing_size": gettext_noop("整数超出范围"),
    "int_from_float": gettext_noop("必须是整数"),
    "float_type": gettext_noop("必须是数字"),
    "float_parsing": gettext_noop("必须是数字"),
    "decimal_type": gettext_noop("必须是数字"),
    "decimal_parsing": gettext_noop("必须是数字"),
    "finite_number": gettext_noop("必须是有限的数字"),
    "multiple_of": gettext_noop("数值不符合步长要求"),
    "greater_than": gettext_noop("数值过小"),
    "greater_than_equal": gettext_noop("数值过小"),
    "less_than": gettext_noop("数值过大"),
    "less_than_equal": gettext_noop("数值过大"),
    "none_required": gettext_noop("此项应为空"),
    "enum": gettext_noop("不是允许的取值"),
    "literal_error": gettext_noop("不是允许的取值"),
    "union_tag_invalid": gettext_noop("不是允许的取值"),
    "union_tag_not_found": gettext_noop("不是允许的取值"),
    "date_type": gettext_noop("日期格式应为 YYYY-MM-DD"),
    "date_parsing": gettext_noop("日期格式应为 YYYY-MM-DD"),
    "date_from_datetime_parsing": gettext_noop("日期格式应为 YYYY-MM-DD"),
    "date_from_datetime_inexact": gettext_noop("日期不能带有时刻"),
    "date_past": gettext_noop("日期应早于今天"),
    "date_future": gettext_noop("日期应晚于今天"),
    "time_type": gettext_noop("时间格式不正确"),
    "time_parsing": gettext_noop("时间格式不正确"),
    "datetime_type": gettext_noop("时间格式应为 ISO 8601，如 2026-01-31T08:30:00+08:00"),
    "datetime_parsing": gettext_noop("时间格式应为 ISO 8601，如 2026-01-31T08:30:00+08:00"),
    "datetime_from_date_parsing": gettext_noop(
        "时间格式应为 ISO 8601，如 2026-01-31T08:30:00+08:00"
    ),
    "datetime_object_invalid": gettext_noop("时间无效"),
    "datetime_past": gettext_noop("时间应早于现在"),
    "datetime_future": gettext_noop("时间应晚于现在"),
    "timezone_naive": gettext_noop("时间不应带时区"),
    "timezone_aware": gettext_noop("时间须带时区"),
    "timezone_offset": gettext_noop("时区不正确"),
    "time_delta_type": gettext_noop("时长格式不正确"),
    "time_delta_parsing": gettext_noop("时长格式不正确"),
    "url_type": gettext_noop("网址格式不正确"),
    "url_parsing": gettext_noop("网址格式不正确"),
    "url_syntax_violation": gettext_noop("网址格式不正确"),
    "url_too_long": gettext_noop("网址过长"),
    "url_scheme": gettext_noop("网址应以 http 或 https 开头"),
    "uuid_type": gettext_noop("UUID 格式不正确"),
    "uuid_parsing": gettext_noop("UUID 格式不正确"),
    "uuid_version": gettext_noop("UUID 格式不正确"),
    "value_error": gettext_noop("取值无效"),
    "assertion_error": gettext_noop("取值无效"),
}
_GENERIC_MESSAGE = gettext_noop("取值无效")
_PYDANTIC_CORE_TYPES = frozenset(typing.get_args(ErrorType))

# Messages of Ninja's own HttpErrors that reach a client.
_NINJA_MESSAGES = {
    "Cannot parse request body": gettext_noop("请求体不是有效的 JSON"),
    "CSRF check Failed": gettext_noop("CSRF 校验失败，请刷新页面后重试"),
}


def _field_name(location) -> str:
    # Ninja prefixes locations with the parameter source ("query", "body", …) and a model name.
    parts = [str(p) for p in location if p not in ("query", "body", "path", "form", "header")]
    return ".".join(parts[1:] if len(parts) > 1 and parts[0] in ("payload", "data") else parts)


def error_response(request, status: int, detail: str, errors: list | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = []
    for error in exc.errors:
        kind = error.get("type", "")
        if kind in _PYDANTIC_MESSAGES:
            message = _(_PYDANTIC_MESSAGES[kind])
        elif kind in _PYDANTIC_CORE_TYPES:
            message = _(_GENERIC_MESSAGE)
        else:  # the project's own PydanticCustomError (e.g. core.dates): already translated
            message = error.get("msg", "")
        errors.append({"field": _field_name(error.get("loc", ())), "message": message})
    names = "、".join(e["field"] for e in errors if e["field"])
    detail = _("请求参数有误：%(fields)s") % {"fields": names} if names else _("请求参数有误")
    return error_response(request, 422, detail, errors)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, _("对象不存在或无权查看"))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error_response(request, 401, _("需要登录或有效的 API 令牌"))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    message = str(exc)
    # Ninja appends the parser's exception with DEBUG on: the message is matched on its start.
    known = next((m for m in _NINJA_MESSAGES if message.startswith(m)), None)
    return error_response(request, exc.status_code, _(_NINJA_MESSAGES[known]) if known else message)


@api.exception_handler(Throttled)
def on_throttled(request, exc: Throttled):
    # Ninja adds Retry-After to this answer (shanzhi.core.throttle.RateThrottle).
    return error_response(request, 429, _("请求过于频繁，请稍后再试"))


@api.exception_handler(ServiceError)
def on_service_error(request, exc: ServiceError):
    """Every refusal of core.errors (raised by services, selectors or the API's own checks)."""
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
    return error_response(request, exc.status, exc.message, errors)


def on_database_outage(request, exc):
    response = error_response(request, 503, str(DATABASE_OUTAGE_MESSAGE))
    response["Retry-After"] = str(DATABASE_OUTAGE_RETRY_AFTER)
    return response


for _outage in DATABASE_OUTAGE:
    api.add_exception_handler(_outage, on_database_outage)


def _add_routers():
    from shanzhi.command.api import router as command_router
    from shanzhi.interop.api import alarms_router, courts_router
    from shanzhi.interop.api import router as hotline_router
    from shanzhi.mediation.api import public_router as mediation_track_router
    from shanzhi.mediation.api import router as mediation_router
    from shanzhi.org.api import router as org_router
    from shanzhi.territory.api import router as territory_router
    from shanzhi.workorders.api import public_router as track_router
    from shanzhi.workorders.api import router as workorders_router

    # Territory first: its /grids/locate must come before org's /grids/{code}.
    api.add_router("", territory_router)
    api.add_router("", org_router)
    api.add_router("", workorders_router)
    api.add_router("", track_router)
    api.add_router("", command_router)
    api.add_router("", alarms_router)
    api.add_router("", hotline_router)
    api.add_router("", courts_router)
    api.add_router("", mediation_router)
    api.add_router("", mediation_track_router)


_add_routers()
