"""Writes of the interop app: work orders handed over by 12345 hotline platforms, and the
platforms and their category mappings as administrators configure them."""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.errors import Forbidden, InvalidInput
from shanzhi.core.services import audit_record, record_delete, record_save
from shanzhi.interop.choices import CourtReferralKind
from shanzhi.interop.models import (
    CategoryMapping,
    Court,
    CourtReferral,
    HotlineOrder,
    HotlinePlatform,
)
from shanzhi.mediation import services as mediation_services
from shanzhi.mediation.services import CaseInput
from shanzhi.org.access import Actor
from shanzhi.workorders.choices import Channel, Nature, Urgency
from shanzhi.workorders.services import AppealInput, appeal_register
from shanzhi.workorders.services.attributes import active_categories


@dataclass
class HotlineOrderInput:
    """An order as a platform sends it (see interop.api.HotlineOrderIn)."""

    order_no: str
    category_code: str
    content: str
    category_name: str = ""
    title: str = ""
    appellant_name: str = ""
    appellant_phone: str = ""
    anonymous: bool = False
    confidential: bool = False
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    region_code: str = ""
    urgency: str = Urgency.NORMAL
    nature: str = Nature.COMPLAINT
    occurred_at: datetime.datetime | None = None
    deadline: datetime.datetime | None = None


@dataclass(frozen=True)
class Received:
    order: HotlineOrder
    created: bool


def _choice(enum, value: str, field: str) -> str:
    """Our value, or the Chinese label a platform may send instead (投诉, 紧急 …)."""
    value = (value or "").strip()
    if value in enum.values:
        return value
    for member in enum:
        if str(member.label) == value:
            return member.value
    raise InvalidInput(
        _("%(field)s 的取值 %(value)s 无效，可用：%(allowed)s")
        % {"field": field, "value": value, "allowed": "、".join(enum.values)},
        field,
    )


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)  # the platform's local time (TIME_ZONE)
    return moment


def _existing(platform: HotlinePlatform, number: str) -> HotlineOrder | None:
    return (
        HotlineOrder.objects.select_related("appeal__work_order")
        .filter(platform=platform, external_no=number)
        .first()
    )


def hotline_order_receive(*, platform: HotlinePlatform, data: HotlineOrderInput) -> Received:
    """Register a platform's order as an appeal on the hotline channel. The platform's order
    number is the idempotency key: a second push of it, also one racing the first, returns the
    first result and stores nothing. The category code goes through the platform's mapping; an
    unknown code is refused naming it. A refused order changes nothing."""
    number = data.order_no.strip()
    if not number:
        raise InvalidInput(_("缺少平台工单号"), "order_no")
    existing = _existing(platform, number)
    if existing is not None:
        return Received(existing, created=False)
    code = data.category_code.strip()
    mapping = (
        CategoryMapping.objects.select_related("category")
        .filter(platform=platform, external_code=code)
        .first()
    )
    if mapping is None:
        raise InvalidInput(
            _("未知的平台分类编码 %(code)s：请管理员在“热线分类映射”中为 %(platform)s 添加")
            % {"code": code, "platform": platform.name},
            "category_code",
        )
    category = active_categories.get().get(mapping.category.code)
    if category is None or category.is_branch:
        raise InvalidInput(
            _("平台分类编码 %(code)s 映射到的事项分类已停用或不是最细一级，请管理员修正映射")
            % {"code": code},
            "category_code",
        )
    if not Actor.of(platform.user).may_register():
        raise Forbidden(_("热线平台的接口账号没有受理权限：请管理员为其授予话务员角色"))
    appeal_input = AppealInput(
        channel=Channel.HOTLINE,
        nature=_choice(Nature, data.nature or Nature.COMPLAINT, "nature"),
        urgency=_choice(Urgency, data.urgency or Urgency.NORMAL, "urgency"),
        category_code=category.code,
        content=data.content,
        title=data.title,
        lon=data.lon,
        lat=data.lat,
        address=data.address,
        region_code=data.region_code,
        occurred_at=_aware(data.occurred_at),
        appellant_name=data.appellant_name,
        appellant_phone=data.appellant_phone,
        anonymous=data.anonymous,
        confidential=data.confidential,
    )
    try:
        with transaction.atomic():
            # The appeal's own idempotency key settles a race: the second insert waits for the
            # first transaction and then finds its appeal (appeal_register returns it).
            registered = appeal_register(
                actor=platform.user, data=appeal_input, idempotency_key=f"hotline:{number}"
            )
            if not registered.created:
                link = _existing(platform, number)
                if link is None:  # the account's key was used outside this endpoint
                    raise InvalidInput(_("平台工单号 %(no)s 已被占用") % {"no": number}, "order_no")
                return Received(link, created=False)
            appeal = registered.appeal
            link = HotlineOrder.objects.create(
                platform=platform,
                external_no=number,
                external_category=code,
                appeal=appeal,
                deadline=_aware(data.deadline),
                received_at=appeal.created_at,
            )
            audit_record(
                actor=platform.user,
                action="hotline.receive",
                object_type="hotline_order",
                object_id=link.pk,
                after={
                    "platform": platform.name,
                    "order_no": number,
                    "category_code": code,
                    "category": category.code,
                    "work_order": appeal.work_order.code,
                    "appeal": appeal.tracking_code,
                },
            )
    except IntegrityError:
        existing = _existing(platform, number)
        if existing is None:
            raise
        return Received(existing, created=False)
    return Received(link, created=True)


# The secret signs the platform's callbacks: audited as changed, never by value.
PLATFORM_SECRETS = ("secret",)


def hotline_platform_save(*, actor, platform: HotlinePlatform) -> HotlinePlatform:
    """A 12345 platform as an administrator entered it: its account, callback address and
    secret. Callbacks use the new address and secret from the next one on."""
    if not (platform.name or "").strip():
        raise InvalidInput(_("名称不能为空"), "name")
    record_save(actor=actor, instance=platform, redact=PLATFORM_SECRETS)
    return platform


def hotline_platform_delete(*, actor, platform: HotlinePlatform) -> None:
    record_delete(actor=actor, instance=platform, redact=PLATFORM_SECRETS)


def category_mapping_save(*, actor, mapping: CategoryMapping) -> CategoryMapping:
    """A platform's category code → one of our leaf categories; the next push uses it."""
    category = mapping.category
    if category.children.exists():
        raise InvalidInput(_("请选择最细一级的事项分类"), "category")
    if not category.is_active:
        raise InvalidInput(_("该事项分类已停用"), "category")
    record_save(actor=actor, instance=mapping)
    return mapping


def category_mapping_delete(*, actor, mapping: CategoryMapping) -> None:
    record_delete(actor=actor, instance=mapping)


# -- court referrals (委派调解) -----------------------------------------------------------------


@dataclass
class ReferralReceived:
    referral: CourtReferral
    created: bool


def court_referral_receive(
    *, court: Court, case_number: str, kind: str, data: CaseInput, judge: str = ""
) -> ReferralReceived:
    """Take in a dispute a court referred, at the organisation the court refers to. The court's
    case number is the idempotency key: a second push of it, also one racing the first, returns
    the first result and stores nothing. A refused referral changes nothing."""
    number = (case_number or "").strip()
    if not number:
        raise InvalidInput(_("缺少法院案号"), "case_number")
    existing = _referral(court, number)
    if existing is not None:
        return ReferralReceived(existing, created=False)
    if kind not in CourtReferralKind.values:
        raise InvalidInput(_("委派方式应为诉前委派调解或诉中委托调解"), "kind")
    try:
        with transaction.atomic():
            case = mediation_services.case_take_referral(
                actor_user=court.user, data=data, org=court.centre
            )
            referral = CourtReferral.objects.create(
                court=court,
                case_number=number,
                kind=kind,
                judge=(judge or "").strip()[:50],
                case=case,
                received_at=timezone.now(),
            )
            audit_record(
                actor=court.user,
                action="court.receive",
                object_type="court_referral",
                object_id=referral.pk,
                after={"court": court.name, "case_number": number, "code": case.code},
            )
    except IntegrityError:
        existing = _referral(court, number)
        if existing is None:
            raise
        return ReferralReceived(existing, created=False)
    return ReferralReceived(referral, created=True)


def _referral(court: Court, number: str) -> CourtReferral | None:
    return (
        CourtReferral.objects.select_related("case__dispatch_unit")
        .filter(court=court, case_number=number)
        .first()
    )


def court_save(*, actor, court: Court) -> Court:
    """A court as an administrator entered it: its account, the organisation it refers to, its
    callback address and secret."""
    if not (court.name or "").strip():
        raise InvalidInput(_("名称不能为空"), "name")
    record_save(actor=actor, instance=court, redact=PLATFORM_SECRETS)
    return court


def court_delete(*, actor, court: Court) -> None:
    record_delete(actor=actor, instance=court, redact=PLATFORM_SECRETS)
