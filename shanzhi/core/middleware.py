import contextvars
import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
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
    if request.method in ("POST", "PUT", "PATCH") and request.content_type.startswith(_TEXT_BODIES):
        body = request.body
        return b"\x00" in body or b"%00" in body or b"\\u0000" in body.lower()
    return False


def _machine_interface(path: str) -> bool:
    """The JSON API and Open311: no Django form stands between their input and the database."""
    return path.startswith("/api/") or path.startswith("/open311/")


class RejectNulMiddleware:
    """Refuses, on the JSON API and Open311, a NUL character anywhere in the path, the query
    string or a text body with 400: PostgreSQL cannot store or even compare text holding one, so
    it must stop at the edge. The answer takes the interface's own error format. Pages take
    their input through Django forms, which refuse NUL with a message next to the field (and
    multipart files may hold any bytes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _machine_interface(request.path):
            try:
                if _carries_nul(request):
                    return self.refusal(request, 400, NUL_MESSAGE)
            except RequestDataTooBig:  # over DATA_UPLOAD_MAX_MEMORY_SIZE: 413, not an HTML 400
                return self.refusal(request, 413, TOO_BIG_MESSAGE)
        return self.get_response(request)

    @staticmethod
    def refusal(request, status: int = 400, message: str = NUL_MESSAGE):
        from django.http import HttpResponse, JsonResponse

        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "errors": []}, status=status)
        if request.path.endswith(".json"):  # Open311's error list
            return JsonResponse(
                [{"code": status, "description": message}], status=status, safe=False
            )
        if request.path.endswith(".xml"):
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<errors><error><code>{status}</code>'
                f"<description>{message}</description></error></errors>"
            )
            return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
