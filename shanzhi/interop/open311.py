"""Open311 GeoReport v2: parameter parsing and the documents the endpoints return. The views
(views.py) only tie these to the selectors and to `appeal_register`."""

import datetime
import re
import zoneinfo

from django.conf import settings
from django.utils import timezone

from shanzhi.core.dates import FILTER, DateOutOfRange, check_moment
from shanzhi.core.privacy import mask_contacts
from shanzhi.core.text import NulCharacter, clean_text
from shanzhi.interop.selectors import Service, Update, open311_status
from shanzhi.interop.xml import Many
from shanzhi.workorders.choices import ANSWERED_STATES, LIST_ATTRIBUTE_TYPES, State
from shanzhi.workorders.models import WorkOrder

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FIXED_CHANGESET = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
MAX_SPAN = datetime.timedelta(days=90)
REQUESTS_DEFAULT_SPAN = MAX_SPAN
UPDATES_DEFAULT_SPAN = datetime.timedelta(hours=2)  # what FixMyStreet polls by default
PAGE_SIZE_MAX = 1000
_DIGITS = re.compile(r"[0-9]{1,18}")
LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
CONTACT = "善治平台管理员（所在地社会治理中心）"
KEY_SERVICE = (
    "api_key 是平台的 API 令牌：由管理员在服务器上执行 `shanzhi token create USERNAME` 为一个"
    "账号签发，提交诉求（POST requests）时作为 api_key 参数发送；查询类接口无需 api_key。"
)


class Open311Error(Exception):
    """A refusal in the spec's terms: 400, 403, 404 or 405 and a description for the user."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def w3c(value: datetime.datetime | None) -> str | None:
    """W3C-DTF with the offset and whole seconds: 2026-11-22T23:04:37+08:00."""
    if value is None:
        return None
    return value.astimezone(LOCAL_TZ).replace(microsecond=0).isoformat()


# -- parameters ---------------------------------------------------------------------------------


def param(data, name: str) -> str:
    """A parameter, cleaned (shanzhi.core.text) and stripped; sent empty is the same as absent
    (spec)."""
    value = data.get(name)
    return clean_param(value) if isinstance(value, str) else ""


def clean_param(value: str) -> str:
    """Control and bidirectional characters removed (ADR 0011); a NUL is refused with 400."""
    try:
        return clean_text(value).strip()
    except NulCharacter:
        raise Open311Error(400, "parameters may not contain NUL characters") from None


def comma_list(data, name: str) -> list[str] | None:
    value = param(data, name)
    if not value:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def parse_date(data, name: str) -> datetime.datetime | None:
    """A W3C/ISO 8601 date. Dates with no offset are read as Asia/Shanghai time and fractions of
    a second are accepted: clients in the wild send both."""
    value = param(data, name)
    if not value:
        return None
    try:
        # A "+" left unencoded in a query string arrives as a space: "…T00:00:00 08:00".
        parsed = datetime.datetime.fromisoformat(re.sub(r" (\d\d:?\d\d)$", r"+\1", value))
    except ValueError:
        raise Open311Error(
            400, f"{name} is not a W3C date such as 2026-01-01T00:00:00+08:00"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    try:
        return check_moment(parsed, name, FILTER)
    except DateOutOfRange:
        raise Open311Error(
            400, f"{name} is out of range: from 2000-01-01 to one year from now"
        ) from None


def date_range(data, default_span: datetime.timedelta) -> tuple[datetime.datetime, ...]:
    """start_date and end_date: with neither, the last `default_span`; with one, the span
    before or after it; more than 90 days apart is refused."""
    start, end = parse_date(data, "start_date"), parse_date(data, "end_date")
    if start is None and end is None:
        end = timezone.now()
    try:
        if start is None:
            start = end - default_span
        elif end is None:
            end = start + default_span
    except OverflowError:
        raise Open311Error(400, "start_date or end_date is out of range") from None
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    return start, end


def is_number(value: str) -> bool:
    """ASCII digits only ("²".isdigit() is true, and int() refuses it), of a sane length."""
    return bool(_DIGITS.fullmatch(value))


def positive_int(data, name: str, default: int) -> int:
    value = param(data, name)
    if not value:
        return default
    if not is_number(value) or int(value) < 1:
        raise Open311Error(400, f"{name} must be a positive integer")
    return int(value)


def paging(data) -> tuple[int, int]:
    """The pagination extension: page (from 1) and page_size (at most 1000, the spec's limit)."""
    page = positive_int(data, "page", 1)
    size = min(positive_int(data, "page_size", PAGE_SIZE_MAX), PAGE_SIZE_MAX)
    if page > 1_000_000:
        raise Open311Error(400, "page is too large")
    return (page - 1) * size, size


def statuses(data) -> list[str] | None:
    values = comma_list(data, "status")
    if values is not None and not set(values) <= {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed or both (comma separated)")
    return values


def ids(data) -> list[int] | None:
    """service_request_id, a comma list: ids that cannot exist match nothing."""
    values = comma_list(data, "service_request_id")
    if values is None:
        return None
    return [int(v) for v in values if is_number(v)]


# -- documents ----------------------------------------------------------------------------------


def discovery_document(*, url: str, changeset: datetime.datetime | None) -> dict:
    changed = w3c(changeset or FIXED_CHANGESET)
    return {
        "changeset": changed,
        "contact": CONTACT,
        "key_service": KEY_SERVICE,
        "endpoints": Many(
            "endpoint",
            [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": changed,
                    "type": "production",
                    "formats": Many("format", ["text/xml", "application/json"]),
                }
            ],
        ),
    }


def service_document(service: Service) -> dict:
    category = service.category
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": bool(service.category.attributes.all()),
        "type": "realtime",
        "keywords": category.keywords.replace("，", ","),
        "group": service.group,
    }


def definition_document(service: Service) -> dict:
    """The questions of the service, in the spec's attribute shape (values only for lists)."""
    attributes = []
    for question in service.category.attributes.all():
        attribute = {
            "variable": True,
            "code": question.code,
            "datatype": question.datatype,
            "required": question.required,
            "datatype_description": question.datatype_description,
            "order": question.order,
            "description": question.description,
        }
        if question.datatype in LIST_ATTRIBUTE_TYPES:
            attribute["values"] = Many(
                "value",
                [{"key": str(v.get("key")), "name": str(v.get("name"))} for v in question.values],
            )
        attributes.append(attribute)
    return {"service_code": service.category.code, "attributes": Many("attribute", attributes)}


def public_location(order: WorkOrder) -> tuple[str | None, float | None, float | None]:
    """(address, lat, long) at the precision the locality chose (settings.OPEN311_LOCATION)."""
    region = order.region.name if order.region_id else None
    precision = settings.OPEN311_LOCATION
    if precision == "exact":
        return mask_contacts(order.address) or region, order.lat, order.lon
    if precision == "region" or order.lat is None or order.lon is None:
        return region, None, None
    return region, round(order.lat, 3), round(order.lon, 3)


def request_document(order: WorkOrder) -> dict:
    """A published work order (selectors.orders_published) as an Open311 request. Public data
    only: never an appellant's name or phone; the description is the appellant's text, which
    they agreed to publish, with any phone number, ID number or e-mail address in it masked
    (so is the answer); the place is as precise as settings.OPEN311_LOCATION allows."""
    status = open311_status(order.state)
    notes = None
    if order.state in ANSWERED_STATES:
        notes = order.reply_text
    elif order.state == State.MERGED and order.merged_into_id:
        notes = f"已合并到 service_request_id {order.merged_into_id} 办理"
    updated = order.updated_at
    if status == "closed":
        updated = order.closed_at or order.verified_at or order.updated_at
    unit = order.lead_unit or order.dispatch_unit
    address, lat, lon = public_location(order)
    return {
        "service_request_id": str(order.pk),
        "status": status,
        "status_notes": mask_contacts(notes) or None,
        "service_name": order.category.name,
        "service_code": order.category.code,
        "description": mask_contacts(order.content),
        "agency_responsible": unit.name if unit else None,
        "requested_datetime": w3c(order.registered_at),
        "updated_datetime": w3c(updated),
        "expected_datetime": w3c(order.handle_deadline) if status == "open" else None,
        "address": address,
        "lat": lat,
        "long": lon,
        "media_url": getattr(order, "media_url", "") or None,
    }


def update_document(update: Update) -> dict:
    return {
        "update_id": str(update.event.pk),
        "service_request_id": str(update.order.pk),
        "status": update.status,
        "updated_datetime": w3c(update.event.created_at),
        "description": mask_contacts(update.description),
    }


def created_document(order_id: int, tracking_code: str) -> dict:
    return {
        "service_request_id": str(order_id),
        "service_notice": f"已受理，查询码 {tracking_code}（凭查询码和手机号后四位查询办理进度）",
    }
