"""The interop JSON API: POST /api/v1/inbound/hotline (work orders handed over by 12345 hotline
platforms), POST /api/v1/mediation/referrals (disputes referred by a court) and
GET /api/v1/alarm-events (open sensor alarms as GeoJSON points)."""

import datetime
import json

import pydantic
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError

from shanzhi.core.api_auth import BearerToken
from shanzhi.core.dates import DeadlineMoment, PastMoment
from shanzhi.core.errors import Forbidden, InvalidInput, PayloadTooLarge
from shanzhi.core.text import CleanSchema
from shanzhi.interop import services
from shanzhi.interop.choices import CourtReferralKind
from shanzhi.interop.models import Court, HotlinePlatform
from shanzhi.interop.selectors import open_alarm_events
from shanzhi.mediation.schemas import DisputeBody
from shanzhi.mediation.services import CaseInput
from shanzhi.org.selectors import region_get_for
from shanzhi.territory.models import Region

router = Router(tags=["hotline"], auth=[BearerToken()])

MAX_BYTES = 256 * 1024  # a 12345 order is a few KB; attachments are not handed over this way


class HotlineOrderIn(CleanSchema):
    order_no: str = Field(
        ...,
        min_length=1,
        max_length=64,
        pattern=r"^[\w.:/#-]+$",
        description="平台工单号：幂等键，同一号码再次推送返回首次结果",
    )
    category_code: str = Field(
        ..., min_length=1, max_length=64, description="平台分类编码，经“热线分类映射”对应本平台分类"
    )
    category_name: str = Field("", max_length=100)
    title: str = Field("", max_length=200)
    content: str = Field(..., min_length=1, max_length=4000)
    appellant_name: str = Field("", max_length=50)
    appellant_phone: str = Field("", max_length=32)
    anonymous: bool = False
    confidential: bool = Field(False, description="诉求保密：承办单位看不到诉求人")
    address: str = Field("", max_length=200)
    lon: float | None = Field(None, ge=-180, le=180, description="WGS84 经度")
    lat: float | None = Field(None, ge=-90, le=90, description="WGS84 纬度")
    region_code: str = Field(
        "", max_length=12, description="无坐标时的区划代码（县区、乡镇或村社区）"
    )
    urgency: str = Field(
        "normal", max_length=16, description="normal/urgent/critical 或 一般/紧急/特急"
    )
    nature: str = Field(
        "complaint",
        max_length=16,
        description="consult/help/complaint/report/suggestion/praise 或 咨询/求助/投诉…",
    )
    occurred_at: PastMoment | None = Field(None, description="发生时间；无时区按北京时间")
    deadline: DeadlineMoment | None = Field(None, description="平台要求的办结时间（仅记录）")


class HotlineAck(Schema):
    order_no: str
    accepted: bool
    created: bool
    work_order_code: str
    tracking_code: str
    state: str
    received_at: datetime.datetime


def _body(request) -> dict:
    """The JSON object sent, or 413/400 before anything is parsed further."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BYTES:
        raise PayloadTooLarge(_("请求体超过 %(kb)s KB 的上限") % {"kb": MAX_BYTES // 1024})
    try:
        raw = request.body
    except RequestDataTooBig:
        raise PayloadTooLarge(
            _("请求体超过 %(kb)s KB 的上限") % {"kb": MAX_BYTES // 1024}
        ) from None
    if len(raw) > MAX_BYTES:
        raise PayloadTooLarge(_("请求体超过 %(kb)s KB 的上限") % {"kb": MAX_BYTES // 1024})
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput(_("请求体不是有效的 UTF-8 JSON")) from None
    if not isinstance(data, dict):
        raise InvalidInput(_("请求体须为 JSON 对象"))
    return data


@router.post(
    "/inbound/hotline",
    response={200: HotlineAck, 201: HotlineAck},
    summary="12345 热线工单推送 · Hotline hand-over",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": HotlineOrderIn.model_json_schema()}},
        }
    },
)
def hotline_inbound(request):
    """A 12345 platform pushes one work order. The order number is the idempotency key: the
    same number again answers 200 with the first result. Status callbacks (签收, 回复, 办结)
    go to the platform's callback URL."""
    platform = HotlinePlatform.objects.filter(user=request.user, is_active=True).first()
    if platform is None:
        raise Forbidden(_("该令牌未绑定已启用的 12345 热线平台"))
    data = _body(request)
    try:
        order = HotlineOrderIn.model_validate(data)
    except pydantic.ValidationError as error:
        raise ValidationError(error.errors(include_url=False, include_context=False)) from None
    received = services.hotline_order_receive(
        platform=platform, data=services.HotlineOrderInput(**order.model_dump())
    )
    appeal = received.order.appeal
    return Status(
        201 if received.created else 200,
        {
            "order_no": received.order.external_no,
            "accepted": True,
            "created": received.created,
            "work_order_code": appeal.work_order.code,
            "tracking_code": appeal.tracking_code,
            "state": appeal.work_order.state,
            "received_at": received.order.received_at,
        },
    )


class ReferralIn(DisputeBody):
    """A dispute referred by a court (委派/委托调解)."""

    case_number: str = Field(
        ...,
        min_length=1,
        max_length=64,
        description="法院案号：幂等键，同一案号再次推送返回首次结果",
    )
    kind: CourtReferralKind = Field(
        CourtReferralKind.PRE_LITIGATION, description="pre_litigation 诉前委派 / entrusted 诉中委托"
    )
    judge: str = Field("", max_length=50, description="承办法官")


class ReferralAck(Schema):
    case_number: str
    created: bool
    code: str
    state: str
    org: str
    received_at: datetime.datetime


courts_router = Router(tags=["court"], auth=[BearerToken()])


@courts_router.post(
    "/mediation/referrals",
    response={200: ReferralAck, 201: ReferralAck},
    summary="法院委派调解 · A court refers a dispute",
)
def court_referral(request, payload: ReferralIn):
    """A court pushes a dispute for mediation. Its case number is the idempotency key: the same
    number again answers 200 with the first result. Status callbacks (分派, 调解成功, 调解不成,
    转出) go to the court's callback URL."""
    court = (
        Court.objects.select_related("centre__unit")
        .filter(user=request.user, is_active=True)
        .first()
    )
    if court is None:
        raise Forbidden(_("该令牌未绑定已启用的委派法院"))
    received = services.court_referral_receive(
        court=court,
        case_number=payload.case_number,
        kind=payload.kind,
        judge=payload.judge,
        data=CaseInput.of(payload.dict()),
    )
    referral = received.referral
    return Status(
        201 if received.created else 200,
        {
            "case_number": referral.case_number,
            "created": received.created,
            "code": referral.case.code,
            "state": referral.case.state,
            "org": referral.case.dispatch_unit.name,
            "received_at": referral.received_at,
        },
    )


alarms_router = Router(tags=["alarms"])


class AlarmEventProperties(Schema):
    work_order_id: int
    code: str
    title: str
    state: str
    state_label: str
    urgency: str
    urgency_label: str
    alarm_type: str
    alarm_type_label: str
    level: str
    level_label: str
    device_id: str
    device_name: str
    first_at: datetime.datetime
    last_at: datetime.datetime
    count: int
    url: str


class AlarmEventFeature(Schema):
    type: str = "Feature"
    id: int
    geometry: dict
    properties: AlarmEventProperties


class AlarmEventCollection(Schema):
    type: str = "FeatureCollection"
    features: list[AlarmEventFeature]


@alarms_router.get(
    "/alarm-events",
    response=AlarmEventCollection,
    summary="未办结的物联感知告警 · Open sensor alarm events",
)
def alarm_events(request, within: str | None = None):
    """Open work orders opened by sensor alarms that the caller may see, optionally only inside
    region `within`, newest first (at most 500), as GeoJSON points at the alarm's position."""
    prefix = ""
    if within:
        if not Region.objects.filter(code=within).exists():
            raise InvalidInput(_("区划代码 %(code)s 不存在") % {"code": within}, "within")
        prefix = region_get_for(request.user, within).prefix
    events = open_alarm_events(prefix, user=request.user)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": event.work_order_id,
                "geometry": {"type": "Point", "coordinates": [event.lon, event.lat]},
                "properties": {k: v for k, v in event.__dict__.items() if k not in ("lon", "lat")},
            }
            for event in events
        ],
    }
