"""Intake: every channel registers appeals through `appeal_register`; the operator may answer a
consultation on the spot (直办); a dispatcher folds duplicates into one work order (合并)."""

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.dates import PAST, DateOutOfRange, check_moment
from shanzhi.core.errors import Forbidden, InvalidInput, Unprocessable
from shanzhi.core.notify import Message, notify_all
from shanzhi.core.privacy import phone_key
from shanzhi.core.services import audit_record
from shanzhi.org.access import Actor
from shanzhi.org.services import PHONE_RE
from shanzhi.territory import locate
from shanzhi.territory.choices import ancestor_codes, territory_prefix
from shanzhi.territory.geo import GeometryError, check_lon_lat, distance_km
from shanzhi.territory.models import Region
from shanzhi.workorders.access import may_claim_channel, may_set_urgency
from shanzhi.workorders.choices import (
    Action,
    Channel,
    Nature,
    State,
    Urgency,
)
from shanzhi.workorders.models import (
    Appeal,
    WorkOrder,
)
from shanzhi.workorders.services.attributes import active_categories, clean_attributes
from shanzhi.workorders.services.handling import workorder_answer_directly
from shanzhi.workorders.services.routing import dispatch_unit_id_for
from shanzhi.workorders.services.uploads import Upload, check_uploads, discard_stored, store_uploads

PUBLIC_CHANNELS = frozenset({Channel.WEB, Channel.WECHAT, Channel.API})
CONTENT_MAX = 4000
TITLE_MAX = 200
logger = logging.getLogger(__name__)
MEDIA_URL = URLValidator(schemes=["http", "https"])
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out on the phone


def new_code(prefix: str) -> str:
    """The date and seven random letters, easy to read out on the phone. 32⁷ codes a day make a
    clash very rare; the unique constraint catches it and the registration is simply retried."""
    today = timezone.localdate().strftime("%y%m%d")
    return prefix + today + "".join(secrets.choice(CODE_ALPHABET) for _ in range(7))


def _code_clash(error: IntegrityError) -> bool:
    text = str(error)
    return "code" in text and "idempotency" not in text


@dataclass
class AppealInput:
    channel: str
    nature: str
    category_code: str
    content: str
    title: str = ""
    urgency: str = Urgency.NORMAL
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    region_code: str = ""
    occurred_at: object = None
    people_involved: int | None = None
    amount_involved: object = None
    appellant_name: str = ""
    appellant_phone: str = ""
    anonymous: bool = False
    confidential: bool = False
    publishable: bool = False
    uploads: list[Upload] = field(default_factory=list)
    attributes: dict = field(default_factory=dict)  # answers to the category's questions
    media_url: str = ""  # a link to a picture or video hosted by the client (Open311)


# How far from a region's centre a pin may lie when no grid covers it: a village is a few
# kilometres across, a township tens, a county about a hundred.
REGION_RADIUS_KM = {"village": 8, "township": 25, "county": 60, "city": 150, "province": 600}


def check_point_in_region(lon: float, lat: float, grid_code: str, region: Region) -> None:
    """A pin and a chosen region must agree: the grid under the pin lies in the region, or, where
    no grid covers the pin, the pin is within the region's reach of its centre (a pin in
    Beijing is not an address in a Huzhou community)."""
    if grid_code:
        if not grid_code.startswith(territory_prefix(region.code)):
            place = Region.objects.filter(code=grid_code[:12]).values_list("name", flat=True)
            raise InvalidInput(
                _("标出的位置在%(place)s，不在所选的%(region)s，请核对地图上的位置或所选区域")
                % {"place": place.first() or grid_code[:12], "region": region.name},
                "lon",
            )
        return
    centre = next(
        (
            r
            for r in [
                region,
                *Region.objects.filter(code__in=ancestor_codes(region.code)).order_by("-code"),
            ]
            if r.lon is not None and r.lat is not None
        ),
        None,
    )
    if centre is None:
        return
    km = distance_km(lon, lat, centre.lon, centre.lat)
    if km > REGION_RADIUS_KM.get(centre.level, 60):
        raise InvalidInput(
            _("标出的位置离%(region)s约 %(km)s 公里，不在该区域内，请核对地图上的位置或所选区域")
            % {"region": region.name, "km": f"{km:,.0f}"},
            "lon",
        )


def _clean(data: AppealInput) -> dict:
    """Check every field; the first problem is raised naming its field."""
    if data.channel not in Channel.values:
        raise InvalidInput(_("未知的来源渠道"), "channel")
    if data.nature not in Nature.values:
        raise InvalidInput(_("未知的诉求性质"), "nature")
    if data.urgency not in Urgency.values:
        raise InvalidInput(_("未知的紧急程度"), "urgency")
    category = active_categories.get().get(data.category_code)
    if category is None:
        raise InvalidInput(_("事项分类不存在"), "category")
    if category.is_branch:
        raise InvalidInput(_("请选择最细一级的事项分类"), "category")
    if not isinstance(data.attributes, dict):
        raise InvalidInput(_("补充信息格式不正确"), "attributes")
    answers = clean_attributes(category, data.attributes)
    content = (data.content or "").strip()
    if not content:
        raise InvalidInput(_("诉求内容不能为空"), "content")
    if len(content) > CONTENT_MAX:
        raise InvalidInput(_("诉求内容不能超过 %(n)s 字") % {"n": CONTENT_MAX}, "content")
    title = (data.title or "").strip() or content.splitlines()[0][:40]
    if len(title) > TITLE_MAX:
        raise InvalidInput(_("标题不能超过 %(n)s 字") % {"n": TITLE_MAX}, "title")
    if len(data.address or "") > 200:
        raise InvalidInput(_("地址不能超过 200 字"), "address")
    media_url = (data.media_url or "").strip()
    if media_url:
        try:
            MEDIA_URL(media_url)
        except ValidationError:
            raise InvalidInput(_("媒体链接应为 http 或 https 网址"), "media_url") from None
    phone = (data.appellant_phone or "").strip().replace(" ", "")
    if phone and not PHONE_RE.match(phone):
        raise InvalidInput(_("电话号码格式不正确"), "appellant_phone")
    name = (data.appellant_name or "").strip()
    if len(name) > 50:
        raise InvalidInput(_("姓名不能超过 50 字"), "appellant_name")
    # The public must leave a phone (to be answered and to follow the appeal) or choose to stay
    # anonymous; staff registering a call, a visit or their own finding need not.
    if data.channel in PUBLIC_CHANNELS and not data.anonymous and not phone:
        raise InvalidInput(_("请留下联系电话，或选择匿名反映"), "appellant_phone")
    if data.people_involved is not None and not 0 <= int(data.people_involved) <= 1_000_000:
        raise InvalidInput(_("涉及人数不合理"), "people_involved")
    amount = None
    if data.amount_involved not in (None, ""):
        try:
            amount = Decimal(str(data.amount_involved))
        except InvalidOperation:
            raise InvalidInput(_("涉及金额必须是数字"), "amount_involved") from None
        if not amount.is_finite() or not 0 <= amount < Decimal("1e12"):
            raise InvalidInput(_("涉及金额不合理"), "amount_involved")

    occurred_at = data.occurred_at
    if occurred_at is not None:
        try:
            check_moment(occurred_at, "occurred_at", PAST)
        except DateOutOfRange as error:
            raise InvalidInput(error.message, "occurred_at") from None

    grid_code = region_code = ""
    lon = lat = None
    if data.lon is not None or data.lat is not None:
        if data.lon is None or data.lat is None:
            raise InvalidInput(_("经度和纬度须同时填写"), "lon")
        try:
            lon, lat = check_lon_lat(data.lon, data.lat)
        except GeometryError as error:
            raise InvalidInput(str(error), "lon") from None
        place = locate.locate(lon, lat)
        if place is not None:
            grid_code, region_code = place.grid.code, place.grid.code[:12]
    chosen = None
    if data.region_code:
        chosen = Region.objects.filter(code=data.region_code).first()
        if chosen is None:
            raise InvalidInput(_("区划代码 %(code)s 不存在") % {"code": data.region_code}, "region")
        if chosen.level not in ("township", "village", "county"):
            raise InvalidInput(_("请选择县区、乡镇街道或村社区"), "region")
    if chosen is not None and lon is not None:
        check_point_in_region(lon, lat, grid_code, chosen)
    if not grid_code:
        if chosen is not None:
            region_code = chosen.code
        elif lon is not None:
            raise InvalidInput(_("该位置不在本平台的网格范围内，请选择所在乡镇街道或村社区"), "lon")
        else:
            raise InvalidInput(_("请在地图上标出位置，或选择所在区域"), "region")
    area_code = grid_code or region_code
    return {
        "category": category,
        "answers": answers,
        "content": content,
        "title": title,
        "phone": phone,
        "name": "" if data.anonymous else name,
        "amount": amount,
        "grid_id": grid_code or None,
        "region_id": region_code,
        "area_code": area_code,
        "lon": lon,
        "lat": lat,
        "dispatch_unit_id": dispatch_unit_id_for(area_code),
        "media_url": media_url,
    }


@dataclass(frozen=True)
class Registered:
    appeal: Appeal
    created: bool


def request_fingerprint(data: AppealInput) -> str:
    """A digest of everything the client asked for (uploads aside), taken before any cleaning."""
    asked = {f.name: getattr(data, f.name) for f in fields(data) if f.name != "uploads"}
    text = json.dumps(asked, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _repeated(existing: Appeal, fingerprint: str) -> Registered:
    """A retry with a used key returns the first result, unless it asks for something else
    (the IETF Idempotency-Key draft: 422). Appeals stored before fingerprints match any."""
    if fingerprint and existing.idempotency_fingerprint not in ("", fingerprint):
        raise Unprocessable(
            _("该 Idempotency-Key 已用于另一份不同的请求，请为新的诉求使用新的键"),
            "Idempotency-Key",
        )
    return Registered(existing, created=False)


def appeal_register(
    *,
    actor,
    data: AppealInput,
    idempotency_key: str = "",
    direct_answer: str = "",
    direct_entry: int | None = None,
) -> Registered:
    """Register an appeal from any channel as a new work order, waiting for dispatch. Staff and
    API clients are `actor` users; a resident on the public page registers with actor None.
    With an idempotency key, a retry returns the first result and creates nothing. With a
    direct answer the operator answers it on the spot (直办) in the same transaction: if that is
    refused, nothing is registered. A grid worker's report is signed with their own name."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    key = (idempotency_key or "").strip()
    if len(key) > 128:
        raise InvalidInput(_("Idempotency-Key 不能超过 128 个字符"), "Idempotency-Key")
    fingerprint = request_fingerprint(data) if key and user is not None else ""
    if key and user is not None:
        existing = Appeal.objects.filter(submitted_by=user, idempotency_key=key).first()
        if existing is not None:
            return _repeated(existing, fingerprint)
    claimant = Actor.of(user)
    if not may_claim_channel(claimant, data.channel):
        raise Forbidden(_("只有受理人员可以登记该渠道的诉求"), "channel")
    if not may_set_urgency(claimant, data.urgency):
        raise Forbidden(_("紧急程度由受理人员判定，请按“一般”提交"), "urgency")
    if data.channel == Channel.GRID and not data.appellant_name and user is not None:
        data.appellant_name = user.get_full_name() or user.get_username()
    cleaned = _clean(data)
    checked = check_uploads(data.uploads)
    now = timezone.now()
    for attempt in range(3):
        stored: list[str] = []
        try:
            with transaction.atomic():
                order = WorkOrder.objects.create(
                    code=new_code("GD"),
                    state=State.PENDING_DISPATCH,
                    nature=data.nature,
                    category_id=cleaned["category"].pk,
                    urgency=data.urgency,
                    channel=data.channel,
                    title=cleaned["title"],
                    content=cleaned["content"],
                    area_code=cleaned["area_code"],
                    region_id=cleaned["region_id"],
                    grid_id=cleaned["grid_id"],
                    address=(data.address or "").strip(),
                    lon=cleaned["lon"],
                    lat=cleaned["lat"],
                    dispatch_unit_id=cleaned["dispatch_unit_id"],
                    registered_at=now,
                )
                appeal = Appeal.objects.create(
                    tracking_code=new_code("S"),
                    work_order=order,
                    channel=data.channel,
                    nature=data.nature,
                    category_id=cleaned["category"].pk,
                    urgency=data.urgency,
                    title=cleaned["title"],
                    content=cleaned["content"],
                    occurred_at=data.occurred_at,
                    address=order.address,
                    lon=order.lon,
                    lat=order.lat,
                    area_code=order.area_code,
                    people_involved=data.people_involved,
                    amount_involved=cleaned["amount"],
                    appellant_name=cleaned["name"],
                    appellant_phone=cleaned["phone"],
                    phone_key=phone_key(cleaned["phone"]),
                    anonymous=data.anonymous,
                    confidential=data.confidential,
                    publishable=data.publishable,
                    submitted_by=user,
                    idempotency_key=key if user is not None else "",
                    idempotency_fingerprint=fingerprint,
                    attributes=cleaned["answers"],
                    media_url=cleaned["media_url"],
                    created_at=now,
                )
                store_uploads(checked, order=order, appeal=appeal, actor_user=user, stored=stored)
                audit_record(
                    actor=user or "public",
                    action=Action.REGISTER,
                    object_type="workorder",
                    object_id=order.pk,
                    after={
                        "code": order.code,
                        "appeal": appeal.tracking_code,
                        "channel": data.channel,
                        "category": cleaned["category"].code,
                        "area": order.area_code,
                        "dispatch_unit": order.dispatch_unit_id,
                        "attachments": len(checked),
                    },
                )
                messages = []
                if appeal.appellant_phone:
                    messages.append(
                        Message(
                            kind="appeal.registered",
                            text=_("您的诉求已受理，查询码 %(code)s。")
                            % {"code": appeal.tracking_code},
                            phone=appeal.appellant_phone,
                            object_type="appeal",
                            object_id=appeal.tracking_code,
                            area_code=order.area_code,
                        )
                    )
                messages.append(
                    Message(
                        kind="workorder.new",
                        text=_("新工单待派单：%(code)s %(title)s")
                        % {"code": order.code, "title": order.title},
                        unit_id=order.dispatch_unit_id,
                        object_type="workorder",
                        object_id=str(order.pk),
                        area_code=order.area_code,
                    )
                )
                notify_all(messages)  # one INSERT for the outbox rows among them
                if direct_answer:
                    workorder_answer_directly(
                        actor=actor, order_id=order.pk, answer=direct_answer, entry=direct_entry
                    )
        except IntegrityError as error:
            discard_stored(stored)
            # Two retries with the same key raced; the other one won.
            existing = key and Appeal.objects.filter(submitted_by=user, idempotency_key=key).first()
            if existing:
                return _repeated(existing, fingerprint)
            if attempt < 2 and _code_clash(error):
                continue
            raise
        except BaseException:
            discard_stored(stored)  # the rows are rolled back; the files must go too
            raise
        return Registered(appeal, created=True)
    raise AssertionError("unreachable")  # pragma: no cover
