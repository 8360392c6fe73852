import contextvars
import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# The id of the HTTP request being served, written into every audit event it causes.
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_request_id", default=""
)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Takes X-Request-ID from a trusted proxy when it is well formed, else makes one, and echoes it
    back so a user's report of a problem can be matched with the audit trail and the logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are Chinese unless the person chose another language (the language cookie set by
    the switcher in the footer); a browser's Accept-Language alone does not switch them. API
    clients still negotiate with Accept-Language."""

    def process_request(self, request):
        if request.path.startswith("/api/") or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return super().process_request(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


NUL_MESSAGE = "请求中含有空字符 (NUL)，无法处理 · The request contains a NUL character"
TOO_BIG_MESSAGE = "请求体过大，无法处理 · The request body is too large"
_TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/")


def _carries_nul(request) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    if request.content_type.startswith(_TEXT_BODIES):
        body = request.body
        return b"\x00" in body or b"%00" in body or b"\\u0000" in body.lower()
    if request.content_type == "multipart/form-data":
        # A file may hold any bytes; the text fields beside it may not.
        try:
            fields = request.POST
        except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
            return False  # the view answers the unreadable body as it always did
        return any("\x00" in value for _, values in fields.lists() for value in values)
    return False


def _machine_interface(path: str) -> bool:
    """The JSON API and Open311, which answer errors in their own formats."""
    return path.startswith("/api/") or path.startswith("/open311/")


class RejectNulMiddleware:
    """Refuses, on every request, a NUL character anywhere in the path, the query string, a
    text body or a text field of a multipart form with 400: PostgreSQL cannot store or even
    compare text holding one, so it must stop at the edge (ADR 0011). The JSON API and Open311
    answer in their own error format; pages get the 400 page. Multipart files may hold any
    bytes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            if _carries_nul(request):
                return self.refusal(request, 400, NUL_MESSAGE)
        except RequestDataTooBig:  # over DATA_UPLOAD_MAX_MEMORY_SIZE: 413, not a 500
            return self.refusal(request, 413, TOO_BIG_MESSAGE)
        return self.get_response(request)

    @staticmethod
    def refusal(request, status: int = 400, message: str = NUL_MESSAGE):
        from django.http import HttpResponse, JsonResponse
        from django.shortcuts import render

        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "errors": []}, status=status)
        if request.path.startswith("/open311/") and request.path.endswith(".xml"):
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<errors><error><code>{status}</code>'
                f"<description>{message}</description></error></errors>"
            )
            return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
        if _machine_interface(request.path):  # Open311's error list
            return JsonResponse(
                [{"code": status, "description": message}], status=status, safe=False
            )
        return render(request, "400.html", {"message": message}, status=status)


class ServiceErrorMiddleware:
    """The pages' answer to a refusal of shanzhi.core.errors that a view let through: NotFound
    gives the 404 page (exactly as Http404 does, so "missing" and "not yours" look the same),
    Forbidden the 403 page, any other kind the 400 page with its message at the kind's status.
    The API and Open311 catch the refusals themselves and never reach this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied
        from django.core.handlers.exception import response_for_exception
        from django.http import Http404
        from django.shortcuts import render

        from shanzhi.core.errors import Forbidden, NotFound, ServiceError

        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(exception.message))
        if isinstance(exception, Forbidden):
            return response_for_exception(request, PermissionDenied(exception.message))
        if isinstance(exception, ServiceError):
            context = {"message": exception.message, "field": exception.field}
            return render(request, "400.html", context, status=exception.status)
        return None
