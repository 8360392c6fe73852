"""The work-order API: intake for machine clients, the staff console's lists and actions, and
the public tracking endpoints. Scoped exactly like the pages (the same selectors and services)."""

import base64
import binascii
import datetime

from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status

from shanzhi.core.dates import FilterDate, PastMoment
from shanzhi.core.errors import InvalidInput
from shanzhi.core.text import CleanSchema
from shanzhi.core.throttle import RateThrottle
from shanzhi.workorders import actions, selectors, services
from shanzhi.workorders.choices import (
    ANSWERED_STATES,
    Action,
    Channel,
    Nature,
    Rating,
    RatingVia,
    State,
    Supervision,
    Urgency,
)
from shanzhi.workorders.models import Appeal, WorkOrder

router = Router(tags=["workorders"])
public_router = Router(tags=["tracking"], auth=None)


# -- schemas -----------------------------------------------------------------------------------


class AppealIn(CleanSchema):
    nature: Nature
    category: str = Field(..., min_length=1, description="叶子分类编码，见 GET /categories")
    content: str = Field(..., min_length=1, max_length=4000)
    title: str = Field("", max_length=200)
    channel: Channel = Channel.API
    urgency: Urgency = Urgency.NORMAL
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    address: str = Field("", max_length=200)
    region: str = Field("", max_length=12, description="无坐标时的区划代码（乡镇街道或村社区）")
    occurred_at: PastMoment | None = None
    people_involved: int | None = Field(None, ge=0)
    amount_involved: float | None = Field(None, ge=0)
    appellant_name: str = Field("", max_length=50)
    appellant_phone: str = Field("", max_length=32)
    anonymous: bool = False
    confidential: bool = False
    publishable: bool = False
    attributes: dict[str, str | float | list[str]] = Field(
        default_factory=dict, description="补充信息：事项分类所设问题的回答（编码 → 值）"
    )
    media_url: str = Field(
        "", max_length=500, description="客户端托管的图片或视频链接（http/https）"
    )


class RegisteredOut(Schema):
    tracking_code: str
    work_order_id: int
    work_order_code: str
    state: str
    created: bool


class WorkOrderSummary(Schema):
    id: int
    code: str
    state: str
    state_label: str
    title: str
    nature: str
    category: str
    category_name: str
    urgency: str
    channel: str
    area_code: str
    region_name: str
    dispatch_unit: str
    lead_unit: str | None
    supervision: str
    registered_at: datetime.datetime
    sign_deadline: datetime.datetime | None
    handle_deadline: datetime.datetime | None
    is_warned: bool
    is_overdue: bool
    is_sign_overdue: bool


class WorkOrderPage(Schema):
    items: list[WorkOrderSummary]
    next_cursor: str | None


class AppellantOut(Schema):
    tracking_code: str
    channel: str
    name: str
    phone: str
    confidential: bool
    rating: str
    rating_comment: str


class AssignmentOut(Schema):
    unit_id: int
    unit: str
    role: str
    state: str
    assigned_at: datetime.datetime
    signed_at: datetime.datetime | None
    replied_at: datetime.datetime | None
    reply_text: str
    return_reason: str


class EventOut(Schema):
    id: int
    at: datetime.datetime
    action: str
    action_label: str
    actor: str
    reason: str
    details: dict | None


class WorkOrderOut(WorkOrderSummary):
    content: str
    address: str
    lon: float | None
    lat: float | None
    grid: str | None
    signed_at: datetime.datetime | None
    replied_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    reply_result: str
    reply_text: str
    answered_directly: bool
    extension_days: int
    returns_count: int
    reopen_count: int
    version: int
    appellants: list[AppellantOut]
    assignments: list[AssignmentOut]
    allowed_actions: list[str]
    timeline: list[EventOut]


class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None
    path: str
    depth: int
    leaf: bool


def _summary(order: WorkOrder) -> dict:
    return {
        "id": order.pk,
        "code": order.code,
        "state": order.state,
        "state_label": str(State(order.state).label),
        "title": order.title,
        "nature": order.nature,
        "category": order.category.code,
        "category_name": order.category.name,
        "urgency": order.urgency,
        "channel": order.channel,
        "area_code": order.area_code,
        "region_name": order.region.name,
        "dispatch_unit": order.dispatch_unit.name,
        "lead_unit": order.lead_unit.name if order.lead_unit_id else None,
        "supervision": order.supervision,
        "registered_at": order.registered_at,
        "sign_deadline": order.sign_deadline,
        "handle_deadline": order.handle_deadline,
        "is_warned": order.is_warned,
        "is_overdue": order.is_overdue,
        "is_sign_overdue": order.is_sign_overdue,
    }


def _detail(request, order: WorkOrder) -> dict:
    appellants, shown = selectors.appellants_for(request.user, order)
    if shown:
        services.workorder_appellants_viewed(actor=request.user, order=order)
    return {
        **_summary(order),
        "content": order.content,
        "address": order.address,
        "lon": order.lon,
        "lat": order.lat,
        "grid": order.grid_id,
        "signed_at": order.signed_at,
        "replied_at": order.replied_at,
        "closed_at": order.closed_at,
        "reply_result": order.reply_result,
        "reply_text": order.reply_text,
        "answered_directly": order.answered_directly,
        "extension_days": order.extension_days,
        "returns_count": order.returns_count,
        "reopen_count": order.reopen_count,
        "version": order.version,
        "appellants": [
            {
                "tracking_code": row["appeal"].tracking_code,
                "channel": row["appeal"].channel,
                "name": row["name"],
                "phone": row["phone"],
                "confidential": row["appeal"].confidential,
                "rating": row["appeal"].rating,
                "rating_comment": row["appeal"].rating_comment,
            }
            for row in appellants
        ],
        "assignments": [
            {
                "unit_id": s.unit_id,
                "unit": s.unit.name,
                "role": s.role,
                "state": s.state,
                "assigned_at": s.assigned_at,
                "signed_at": s.signed_at,
                "replied_at": s.replied_at,
                "reply_text": s.reply_text,
                "return_reason": s.return_reason,
            }
            for s in order.assignments.select_related("unit").order_by("pk")
        ],
        "allowed_actions": services.allowed_actions(request.user, order),
        "timeline": [
            {
                "id": e.pk,
                "at": e.created_at,
                "action": e.action,
                "action_label": str(Action(e.action).label)
                if e.action in Action.values
                else e.action,
                "actor": e.actor.get_full_name() if e.actor else e.actor_label,
                "reason": e.reason,
                "details": e.after,
            }
            for e in selectors.timeline(order)
            if e.action != "appellant.view"
        ],
    }


# -- intake ------------------------------------------------------------------------------------


@router.post(
    "/appeals",
    response={200: RegisteredOut, 201: RegisteredOut},
    summary="提交诉求 · Register an appeal",
)
def appeal_create(
    request, payload: AppealIn, idempotency_key: str = Header("", alias="Idempotency-Key")
):
    """Registers an appeal as a new work order. Send an `Idempotency-Key` header: a retry
    with the same key returns the first result (200) and creates nothing."""
    registered = services.appeal_register(
        actor=request.user,
        idempotency_key=idempotency_key,
        data=services.AppealInput(
            channel=payload.channel,
            nature=payload.nature,
            category_code=payload.category,
            content=payload.content,
            title=payload.title,
            urgency=payload.urgency,
            lon=payload.lon,
            lat=payload.lat,
            address=payload.address,
            region_code=payload.region,
            occurred_at=payload.occurred_at,
            people_involved=payload.people_involved,
            amount_involved=payload.amount_involved,
            appellant_name=payload.appellant_name,
            appellant_phone=payload.appellant_phone,
            anonymous=payload.anonymous,
            confidential=payload.confidential,
            publishable=payload.publishable,
            attributes=payload.attributes,
            media_url=payload.media_url,
        ),
    )
    appeal = registered.appeal
    order = appeal.work_order
    return Status(
        201 if registered.created else 200,
        {
            "tracking_code": appeal.tracking_code,
            "work_order_id": order.pk,
            "work_order_code": order.code,
            "state": order.state,
            "created": registered.created,
        },
    )


@router.get("/categories", response=list[CategoryOut], summary="事项分类 · Categories")
def categories(request):
    tree = selectors.categories_tree()
    parents = {c.parent_id for c in tree}
    by_id = {c.pk: c for c in tree}
    return [
        {
            "code": c.code,
            "name": c.name,
            "parent": by_id[c.parent_id].code if c.parent_id in by_id else None,
            "path": c.path,
            "depth": c.depth,
            "leaf": c.pk not in parents,
        }
        for c in tree
    ]


# -- the console -------------------------------------------------------------------------------


class ListQuery(CleanSchema):
    box: str = Field("all", description="收件箱：" + "、".join(selectors.INBOXES))
    state: State | None = None
    category: str = ""
    region: str = ""
    urgency: Urgency | None = None
    channel: Channel | None = None
    nature: Nature | None = None
    supervision: Supervision | None = None
    date_from: FilterDate | None = None
    date_to: FilterDate | None = None
    text: str = Field("", max_length=100)
    cursor: str = ""
    limit: int = Field(50, ge=1, le=200)


def _decode_cursor(cursor: str) -> tuple[datetime.datetime, int] | None:
    if not cursor:
        return None
    try:
        at, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        moment = datetime.datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError
        return moment, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(_("翻页游标无效"), "cursor") from None


def _encode_cursor(order: WorkOrder) -> str:
    return base64.urlsafe_b64encode(
        f"{order.registered_at.isoformat()}|{order.pk}".encode()
    ).decode()


@router.get("/workorders", response=WorkOrderPage, summary="工单列表 · Work orders")
def workorder_list(request, query: Query[ListQuery]):
    """Newest first, cursor-paginated: pass `next_cursor` back as `cursor`."""
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise InvalidInput(_("开始日期不能晚于结束日期"), "date_from")
    orders = selectors.apply_filters(
        selectors.inbox(request.user, query.box),
        selectors.Filters(
            state=query.state or "",
            category=query.category,
            region=query.region,
            urgency=query.urgency or "",
            channel=query.channel or "",
            nature=query.nature or "",
            supervision=query.supervision or "",
            date_from=query.date_from,
            date_to=query.date_to,
            text=query.text,
        ),
    ).select_related("category", "region", "dispatch_unit", "lead_unit")
    after = _decode_cursor(query.cursor)
    if after:
        from django.db.models import Q

        orders = orders.filter(
            Q(registered_at__lt=after[0]) | Q(registered_at=after[0], pk__lt=after[1])
        )
    page = list(orders.order_by("-registered_at", "-pk")[: query.limit + 1])
    more = len(page) > query.limit
    page = page[: query.limit]
    return {
        "items": [_summary(o) for o in page],
        "next_cursor": _encode_cursor(page[-1]) if more else None,
    }


@router.get("/workorders/{order_id}", response=WorkOrderOut, summary="工单详情 · One work order")
def workorder_detail(request, order_id: int):
    return _detail(request, selectors.workorder_get_for(request.user, order_id))


# -- actions: one route each, with the action's own body --------------------------------------


def _visible(request, order_id: int) -> WorkOrder:
    return selectors.workorder_get_for(request.user, order_id)


def _done(request, order_id: int):
    return _detail(request, selectors.workorder_get_for(request.user, order_id))


def _action_route(action) -> None:
    """POST /workorders/{id}/actions/<name> with the action's own body schema. An `If-Match`
    header with the order's `version` makes the action refuse (409) an order changed since."""
    schema = action.interface["schema"]

    def endpoint(
        request,
        order_id: int,
        payload: schema,  # type: ignore[valid-type]
        if_match: str = Header("", alias="If-Match"),
    ):
        _visible(request, order_id)  # not visible → the same 404 as missing
        seen = if_match.strip().strip('"')
        if seen and not seen.isdigit():
            raise InvalidInput(_("If-Match 须为工单的版本号"), "If-Match")
        with services.expecting_version(int(seen) if seen else None):
            actions.perform(
                action.name, request.user, order_id, actions.api_arguments(action.name, payload)
            )
        return _done(request, order_id)

    endpoint.__name__ = f"workorder_action_{action.name}"
    router.post(
        f"/workorders/{{order_id}}/actions/{action.name}",
        response=WorkOrderOut,
        summary=action.interface["summary"],
        operation_id=f"workorder_action_{action.name}",
    )(endpoint)


for _registered_action in actions.ACTIONS:
    _action_route(_registered_action)


# -- public tracking ---------------------------------------------------------------------------

# One count per client address for the tracking page and API together (settings.TRACK_RATE).
TRACK_THROTTLE = [RateThrottle("track", "TRACK_RATE")]


class TrackEvent(Schema):
    at: datetime.datetime
    action: str
    action_label: str
    text: str


class TrackOut(Schema):
    tracking_code: str
    title: str
    category_name: str
    state: str
    state_label: str
    registered_at: datetime.datetime
    reply_result: str
    reply_text: str
    can_rate: bool
    rating: str
    timeline: list[TrackEvent]


def public_view(appeal: Appeal) -> dict:
    """What an appellant may see of their appeal: the public steps and the answer."""
    order = appeal.work_order
    answered = order.state in ANSWERED_STATES
    return {
        "tracking_code": appeal.tracking_code,
        "title": appeal.title,
        "category_name": appeal.category.name,
        "state": order.state,
        "state_label": str(State(order.state).label),
        "registered_at": appeal.created_at,
        "reply_result": order.reply_result if answered else "",
        "reply_text": order.reply_text if answered else "",
        "can_rate": order.state == State.PENDING_RATING and not appeal.rating,
        "rating": appeal.rating,
        "timeline": [
            {"at": step.at, "action": step.action, "action_label": step.label, "text": step.text}
            for step in selectors.public_timeline(order)
        ],
    }


@public_router.get(
    "/track/{code}",
    response=TrackOut,
    throttle=TRACK_THROTTLE,
    summary="进度查询 · Track an appeal",
)
def track(request, code: str, phone_tail: str = Query("", max_length=4)):
    """Public: the tracking code and the last four digits of the phone left with the appeal."""
    return public_view(services.appeal_track(code=code, phone_tail=phone_tail))


class RatingIn(CleanSchema):
    phone_tail: str = Field("", max_length=4)
    rating: Rating
    comment: str = Field("", max_length=1000, description="不满意时必填：原因")


@public_router.post(
    "/track/{code}/rating",
    response=TrackOut,
    throttle=TRACK_THROTTLE,
    summary="评价 · Rate the answer",
)
def track_rate(request, code: str, payload: RatingIn):
    appeal = services.appeal_track(code=code, phone_tail=payload.phone_tail)
    services.appeal_rate(
        actor=None,
        order_id=appeal.work_order_id,
        tracking_code=appeal.tracking_code,
        rating=payload.rating,
        comment=payload.comment,
        via=RatingVia.APPELLANT,
    )
    appeal.refresh_from_db()
    return public_view(appeal)
