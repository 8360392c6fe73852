"""Open311 GeoReport v2 endpoints (plus FixMyStreet's servicerequestupdates), mounted at
/open311/v2/. Every answer is XML or JSON by the path's suffix; every refusal is the spec's
error list with 400, 403, 404 or 405, and a database outage 503 with Retry-After. Reads are
public; only POST requests needs an api_key."""

import functools
import hashlib
import re

from django.core.exceptions import SuspiciousOperation
from django.http import UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from shanzhi.core.errors import (
    DATABASE_OUTAGE,
    DATABASE_OUTAGE_MESSAGE,
    DATABASE_OUTAGE_RETRY_AFTER,
    ServiceError,
)
from shanzhi.core.services import api_token_authenticate
from shanzhi.interop import open311, selectors
from shanzhi.interop.open311 import Open311Error, param
from shanzhi.interop.xml import FORMATS, Many, render, render_errors
from shanzhi.workorders.choices import Channel, Nature
from shanzhi.workorders.services import AppealInput, appeal_register

NATURES = (Nature.COMPLAINT, Nature.REPORT)


def endpoint(*methods: str):
    """Check the format suffix and the method, and turn refusals into the spec's errors."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request, fmt: str, **kwargs):
            if fmt not in FORMATS:
                return render_errors("xml", 404, f"unknown format .{fmt}: use .xml or .json")
            if request.method not in allowed:
                response = render_errors(fmt, 405, f"method {request.method} not allowed")
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return render_errors(fmt, error.status, error.description)
            except ServiceError as error:
                status = error.status if error.status in (403, 404) else 400
                return render_errors(fmt, status, error.message)
            except DATABASE_OUTAGE:
                response = render_errors(fmt, 503, str(DATABASE_OUTAGE_MESSAGE))
                response["Retry-After"] = str(DATABASE_OUTAGE_RETRY_AFTER)
                return response

        return wrapped

    return decorate


@endpoint("GET")
def discovery(request, fmt):
    base = request.build_absolute_uri(request.path.rsplit("/", 1)[0])
    document = open311.discovery_document(url=base, changeset=selectors.services_changeset())
    return render(fmt, "discovery", document)


@endpoint("GET")
def services(request, fmt):
    items = [open311.service_document(s) for s in selectors.services_list()]
    return render(fmt, "services", Many("service", items))


@endpoint("GET")
def service_definition(request, fmt, code):
    service = selectors.service_get(code)
    if service is None:
        raise Open311Error(404, f"service_code {code} not found")
    return render(fmt, "service_definition", open311.definition_document(service))


@endpoint("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    filters = selectors.RequestFilters(ids=open311.ids(request.GET), submitter=_submitter(request))
    if filters.ids is None:
        filters.start, filters.end = open311.date_range(request.GET, open311.REQUESTS_DEFAULT_SPAN)
        filters.service_codes = open311.comma_list(request.GET, "service_code")
        filters.statuses = open311.statuses(request.GET)
    offset, size = open311.paging(request.GET)
    orders = selectors.requests_query(filters)[offset : offset + size]
    return render(
        fmt, "service_requests", Many("request", [open311.request_document(o) for o in orders])
    )


@endpoint("GET")
def request_detail(request, fmt, request_id):
    order = None
    if open311.is_number(request_id):
        order = selectors.request_get(int(request_id), submitter=_submitter(request))
    if order is None:
        raise Open311Error(404, f"service_request_id {request_id} not found")
    return render(fmt, "service_requests", Many("request", [open311.request_document(order)]))


def _submitter(request):
    """The account of the api_key a GET carries, if valid: it also sees what it posted itself.
    Reads need no key, so an invalid one is ignored rather than refused."""
    key = param(request.GET, "api_key")
    return api_token_authenticate(key) if key else None


@endpoint("GET")
def token(request, fmt, token):
    raise Open311Error(404, "no tokens are issued: requests are realtime and get an id at once")


def not_found(request, path=""):
    """Anything else under /open311/v2/: the spec's 404, as XML (the required format)."""
    return render_errors("xml", 404, "no such resource: use /<resource>.xml or .json")


@endpoint("GET")
def service_request_updates(request, fmt):
    start, end = open311.date_range(request.GET, open311.UPDATES_DEFAULT_SPAN)
    offset, size = open311.paging(request.GET)
    events = list(selectors.updates_query(start, end)[offset : offset + size])
    items = [open311.update_document(u) for u in selectors.updates_describe(events)]
    return render(fmt, "service_request_updates", Many("request_update", items))


def _form(request):
    try:
        data = request.POST
    except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
        raise Open311Error(400, "the request body could not be read") from None
    if any("\x00" in value for values in data.lists() for value in values[1]):
        raise Open311Error(400, "parameters may not contain NUL characters")
    return data


def _post_request(request, fmt):
    """POST Service Request: the token user registers an appeal through the "api" channel.

    - api_key (form field, or in the query string) is an API token (`shanzhi token create`).
    - service_code: a leaf category code. lat + long are required: an address alone gives no
      point, and the platform does not geocode, so address_string/address_id only are refused.
    - description is required (it is the appeal's content), at most 4000 characters.
    - last_name + first_name (Chinese order) and phone go to the appellant; without a phone the
      appeal is registered as anonymous (the public channels need a phone to answer on), and
      the name is then not kept. email is accepted and ignored.
    - media_url (http/https, at most 500 characters) is kept as a link on the appeal, shown to
      staff and returned in GET requests unless the appeal is confidential.
    - attribute[CODE] (attribute[CODE][] for a multivaluelist) answers the service
      definition's questions; they are checked against their datatypes.
    - nature (extension): complaint (default) or report.
    - publishable (extension): true when the appellant agreed to publication (同意公开); only
      then does the request appear in public GETs (to others than the posting account).
    - confidential (extension): true when the appellant asked for confidentiality (诉求保密):
      handling units do not see who they are, and the request is never public.
    - Retries: an Idempotency-Key header is honoured. device_id identifies the device, not the
      request, so it is never used alone: with a device_id, the key is a hash of the device id
      and of what was reported (service, point, description), so a retried submission from the
      same device returns the first request instead of a second one.
    """
    data = _form(request)
    key = param(data, "api_key") or param(request.GET, "api_key")
    if not key:
        raise Open311Error(403, "api_key is required")
    user = api_token_authenticate(key)
    if user is None:
        raise Open311Error(403, "api_key is invalid")
    code = param(data, "service_code")
    if not code:
        raise Open311Error(400, "service_code is required")
    if selectors.service_get(code) is None:
        raise Open311Error(404, f"service_code {code} not found")
    lat, lon = _point(data)
    description = param(data, "description")
    if not description:
        raise Open311Error(400, "description is required")
    if len(description) > 4000:
        raise Open311Error(400, "description may not be longer than 4000 characters")
    nature = param(data, "nature") or Nature.COMPLAINT
    if nature not in NATURES:
        raise Open311Error(400, "nature must be complaint or report")
    phone = param(data, "phone")
    registered = appeal_register(
        actor=user,
        data=AppealInput(
            channel=Channel.API,
            nature=nature,
            category_code=code,
            content=description,
            lon=lon,
            lat=lat,
            address=param(data, "address_string"),
            appellant_name=param(data, "last_name") + param(data, "first_name"),
            appellant_phone=phone,
            anonymous=not phone,
            attributes=_attributes(data),
            media_url=param(data, "media_url")[:501],
            publishable=_flag(data, "publishable"),
            confidential=_flag(data, "confidential"),
        ),
        idempotency_key=_idempotency_key(request, data, code, lat, lon, description),
    )
    appeal = registered.appeal
    document = open311.created_document(appeal.work_order_id, appeal.tracking_code)
    return render(fmt, "service_requests", Many("request", [document]))


def _flag(data, name: str) -> bool:
    value = param(data, name).lower()
    if value not in ("", "true", "false", "1", "0"):
        raise Open311Error(400, f"{name} must be true or false")
    return value in ("true", "1")


ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def _attributes(data) -> dict:
    """attribute[CODE]=v and, for a multivaluelist, attribute[CODE][]=v1&attribute[CODE][]=v2."""
    answers: dict = {}
    for name in data:
        match = ATTRIBUTE_FIELD.match(name)
        if match:
            values = [open311.clean_param(v) for v in data.getlist(name)]
            answers[match.group(1)] = values if match.group(2) else values[-1]
    return answers


def _point(data) -> tuple[float, float]:
    lat, lon = param(data, "lat"), param(data, "long")
    if not lat and not lon:
        if param(data, "address_string") or param(data, "address_id"):
            raise Open311Error(400, "lat and long are required for this jurisdiction")
        raise Open311Error(400, "a location is required: lat and long")
    if not lat or not lon:
        raise Open311Error(400, "lat and long must be sent together")
    try:
        point = float(lat), float(lon)
    except ValueError:
        raise Open311Error(400, "lat and long must be numbers (WGS84)") from None
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        raise Open311Error(400, "lat and long are out of range (WGS84)")
    return point


def _idempotency_key(request, data, code, lat, lon, description) -> str:
    header = request.headers.get("Idempotency-Key", "").strip()
    if header:
        return header
    device = param(data, "device_id")
    if not device:
        return ""
    text = "\x1f".join([device, code, f"{lat:.6f}", f"{lon:.6f}", description])
    return "open311:" + hashlib.sha256(text.encode()).hexdigest()[:64]
