"""The JSON API under /api/v1/: one NinjaAPI with each app's router, one error format.

Every error body is {"detail": message, "errors": [{"field": name, "message": text}]}: the
message is translated (Chinese by default, English with Accept-Language: en)."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from shanzhi.core.api_auth import API_AUTH
from shanzhi.core.errors import ServiceError

api = NinjaAPI(
    title="Shanzhi 善治 API",
    version="1",
    description="基层社会治理平台接口 · Grassroots social governance API",
    auth=API_AUTH,
    urls_namespace="api",
)

_PYDANTIC_MESSAGES = {
    "missing": gettext_noop("此项为必填项"),
    "greater_than_equal": gettext_noop("数值过小"),
    "less_than_equal": gettext_noop("数值过大"),
    "float_parsing": gettext_noop("必须是数字"),
    "int_parsing": gettext_noop("必须是整数"),
    "string_too_long": gettext_noop("内容过长"),
    "string_too_short": gettext_noop("内容过短"),
    "string_pattern_mismatch": gettext_noop("格式不正确"),
    "json_invalid": gettext_noop("JSON 格式错误"),
    "enum": gettext_noop("不是允许的取值"),
    "literal_error": gettext_noop("不是允许的取值"),
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
        message = (
            _(_PYDANTIC_MESSAGES[kind]) if kind in _PYDANTIC_MESSAGES else error.get("msg", "")
        )
        errors.append({"field": _field_name(error.get("loc", ())), "message": message})
    names = "、".join(e["field"] for e in errors if e["field"])
    return error_response(request, 422, _("请求参数有误：%(fields)s") % {"fields": names}, errors)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, _("对象不存在或无权查看"))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error_response(request, 401, _("需要登录或有效的 API 令牌"))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, str(exc))


@api.exception_handler(Throttled)
def on_throttled(request, exc: Throttled):
    # Ninja adds Retry-After to this answer (shanzhi.core.throttle.RateThrottle).
    return error_response(request, 429, _("请求过于频繁，请稍后再试"))


@api.exception_handler(ServiceError)
def on_service_error(request, exc: ServiceError):
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
    return error_response(request, exc.status, exc.message, errors)


class FieldError(HttpError):
    """A 400 that names the offending field."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(status, message)
        self.field = field


@api.exception_handler(FieldError)
def on_field_error(request, exc: FieldError):
    return error_response(
        request, exc.status_code, str(exc), [{"field": exc.field, "message": str(exc)}]
    )


def _add_routers():
    from shanzhi.command.api import router as command_router
    from shanzhi.interop.api import alarms_router
    from shanzhi.interop.api import router as hotline_router
    from shanzhi.org.api import router as org_router
    from shanzhi.territory.api import router as territory_router
    from shanzhi.workorders.api import public_router as track_router
    from shanzhi.workorders.api import router as workorders_router

    api.add_router("", org_router)
    api.add_router("", territory_router)
    api.add_router("", workorders_router)
    api.add_router("", track_router)
    api.add_router("", command_router)
    api.add_router("", alarms_router)
    api.add_router("", hotline_router)


_add_routers()
