"""Reads of the interop app. The Open311 GeoReport v2 part is public (the spec makes every GET
keyless): no appellant data is ever read there, only the work order's own public fields. The
delivery log (at the end) is for administrators and district commanders, scoped by territory."""

import datetime
from dataclasses import dataclass

from django.db.models import BigIntegerField, Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from shanzhi.core.choices import DeliveryState
from shanzhi.core.errors import NotFound
from shanzhi.core.models import AuditEvent, Delivery
from shanzhi.core.scoping import ALL, prefix_q
from shanzhi.org.choices import Role
from shanzhi.org.models import Membership
from shanzhi.territory.choices import territory_prefix
from shanzhi.workorders.choices import FINISHED_STATES, PUBLIC_ACTIONS, Action, State
from shanzhi.workorders.models import Appeal, Category, WorkOrder
from shanzhi.workorders.selectors import (
    is_public_step,
    orders_published,
    public_step_text,
    published_answers,
)

# Open311 knows two statuses. A request is "closed" once the order is finished: the public has
# its answer (the answer was accepted and waits for the rating, or the order is archived) or it
# was merged into another order; everything else (waiting for dispatch, dispatched, being
# handled, suspended, replied but not yet verified) is "open".
OPEN311_CLOSED_STATES = FINISHED_STATES


def open311_status(state: str) -> str:
    return "closed" if state in OPEN311_CLOSED_STATES else "open"


@dataclass(frozen=True)
class Service:
    category: Category
    group: str  # the name of the root of its tree


def services_list() -> list[Service]:
    """Every active leaf category (appeals are filed under leaves), in tree order."""
    categories = list(
        Category.objects.filter(is_active=True).order_by("path").prefetch_related("attributes")
    )
    parents = {c.parent_id for c in categories}
    names = dict(Category.objects.filter(depth=1).values_list("code", "name"))
    return [
        Service(c, names.get(c.path.split("/")[0], c.name))
        for c in categories
        if c.pk not in parents
    ]


def service_get(code: str) -> Service | None:
    """The service with this code, or None when it is unknown, inactive or not a leaf."""
    return next((s for s in services_list() if s.category.code == code), None)


def services_changeset() -> datetime.datetime | None:
    """When the category tree last changed (the admin records every change in the audit trail)."""
    return (
        AuditEvent.objects.filter(object_type="category")
        .order_by("-pk")
        .values_list("created_at", flat=True)
        .first()
    )


def _orders(submitter=None) -> QuerySet[WorkOrder]:
    """The work orders public reads may show (workorders.selectors.orders_published); with a
    `submitter` (the account of a valid api_key), also the orders that account filed itself, so
    that a client can follow what it posted."""
    media = Appeal.objects.filter(
        work_order=OuterRef("pk"), is_primary=True, confidential=False
    ).values("media_url")[:1]
    orders = orders_published()
    if submitter is not None:
        orders = WorkOrder.objects.filter(
            Q(pk__in=orders.values("pk"))
            | Q(Exists(Appeal.objects.filter(work_order=OuterRef("pk"), submitted_by=submitter)))
        )
    return orders.select_related("category", "region", "lead_unit", "dispatch_unit").annotate(
        media_url=Subquery(media)
    )


@dataclass
class RequestFilters:
    ids: list[int] | None = None  # overrides every other filter
    submitter: object = None  # the account of a valid api_key: its own orders are shown too
    service_codes: list[str] | None = None
    statuses: list[str] | None = None
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None


def requests_query(filters: RequestFilters) -> QuerySet[WorkOrder]:
    """Work orders as Open311 requests, newest first. Merged duplicates are listed only when
    asked for by id (a client that posted one must still be able to follow it)."""
    orders = _orders(filters.submitter).order_by("-registered_at", "-pk")
    if filters.ids is not None:
        return orders.filter(pk__in=filters.ids)
    orders = orders.exclude(state=State.MERGED)
    if filters.service_codes is not None:
        orders = orders.filter(category__code__in=filters.service_codes)
    if filters.statuses is not None and set(filters.statuses) != {"open", "closed"}:
        closed = Q(state__in=OPEN311_CLOSED_STATES)
        orders = orders.filter(closed if "closed" in filters.statuses else ~closed)
    if filters.start is not None:
        orders = orders.filter(registered_at__gte=filters.start)
    if filters.end is not None:
        orders = orders.filter(registered_at__lte=filters.end)
    return orders


def request_get(order_id: int, *, submitter=None) -> WorkOrder | None:
    return _orders(submitter).filter(pk=order_id).first()


@dataclass(frozen=True)
class Update:
    event: AuditEvent
    order: WorkOrder
    status: str
    description: str


def updates_query(start: datetime.datetime, end: datetime.datetime) -> QuerySet[AuditEvent]:
    """The public steps of published work orders recorded in [start, end], oldest first."""
    published = (
        orders_published()
        .filter(pk=Cast(OuterRef("object_id"), BigIntegerField()))
        .exclude(state=State.MERGED)
    )
    return (
        AuditEvent.objects.filter(
            object_type="workorder",
            action__in=[str(a) for a in PUBLIC_ACTIONS],
            created_at__gte=start,
            created_at__lte=end,
        )
        .exclude(action=Action.NOTE, after__public=False)
        .filter(Exists(published))
        .order_by("pk")
    )


def updates_describe(events: list[AuditEvent]) -> list[Update]:
    """The steps as an appellant reads them on the tracking page (selectors.public_timeline):
    the step's name, the unit it went to, public progress notes, the rating, and each answer
    that was given to the appellants (a direct answer, or a reply the dispatcher accepted).
    Steps of merged orders and progress notes not marked public are left out."""
    ids = {int(e.object_id) for e in events}
    orders = _orders().filter(pk__in=ids).exclude(state=State.MERGED).in_bulk()
    published = published_answers(orders)
    updates = []
    for event in events:
        order = orders.get(int(event.object_id))
        if order is None or not is_public_step(event):
            continue
        text = public_step_text(event, order, published=event.pk in published)
        label = str(Action(event.action).label)
        state = (event.after or {}).get("state") or State.PENDING_DISPATCH
        updates.append(
            Update(event, order, open311_status(state), f"{label}：{text}" if text else label)
        )
    return updates


# ---------------------------------------------------------------------------------------------
# Sensor and video alarms (物联感知告警): the open events for the grid map and the dashboard.
# ---------------------------------------------------------------------------------------------

ALARM_EVENTS_LIMIT = 500


@dataclass(frozen=True)
class AlarmEvent:
    """An open work order opened by a sensor alarm, as a marker on a map."""

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
    lon: float
    lat: float
    first_at: datetime.datetime  # when the opening alarm went off
    last_at: datetime.datetime  # the latest alarm folded into it (or the first)
    count: int  # alarms in the incident: the opening one and its repeats
    url: str  # the work order's staff page


def open_alarm_events(
    scope: str | tuple[str, ...] = "", *, user=None, limit: int = ALARM_EVENTS_LIMIT
) -> list[AlarmEvent]:
    """Open work orders (待派单/待签收/办理中/已挂起) that a sensor alarm opened, whose area lies
    under `scope` (a code prefix, or a tuple of them; "" is everywhere), newest first. With
    `user`, only the orders that user may see (workorders_visible_to): pass it for anything
    shown to a person."""
    from django.db.models import OuterRef, Subquery
    from django.urls import reverse

    from shanzhi.core.scoping import prefix_q
    from shanzhi.interop.models import Alarm
    from shanzhi.workorders.choices import OPEN_STATES

    prefixes = (scope,) if isinstance(scope, str) else tuple(scope)
    alarms = Alarm.objects.filter(opened=True, work_order__state__in=OPEN_STATES).filter(
        prefix_q("work_order__area_code", prefixes)
    )
    if user is not None:
        from shanzhi.workorders.selectors import workorders_visible_to

        alarms = alarms.filter(work_order__in=workorders_visible_to(user).values("pk"))
    latest = Alarm.objects.filter(work_order=OuterRef("work_order")).order_by("-occurred_at")
    rows = (
        alarms.select_related("device", "work_order")
        .annotate(last_at=Subquery(latest.values("occurred_at")[:1]))
        .order_by("-occurred_at", "-pk")[:limit]
    )
    return [
        AlarmEvent(
            work_order_id=a.work_order_id,
            code=a.work_order.code,
            title=a.work_order.title,
            state=a.work_order.state,
            state_label=str(a.work_order.get_state_display()),
            urgency=a.work_order.urgency,
            urgency_label=str(a.work_order.get_urgency_display()),
            alarm_type=a.alarm_type,
            alarm_type_label=str(a.get_alarm_type_display()),
            level=a.level,
            level_label=str(a.get_level_display()),
            device_id=a.device.device_id,
            device_name=a.device.name,
            lon=a.lon,
            lat=a.lat,
            first_at=a.occurred_at,
            last_at=a.last_at or a.occurred_at,
            count=1 + a.repeat_count,
            url=reverse("workorder-detail", args=[a.work_order_id]),
        )
        for a in rows
    ]


# -- the delivery log (消息投递) -----------------------------------------------------------------

DELIVERY_ROLES = frozenset({Role.ADMIN, Role.DISTRICT_COMMANDER})


def delivery_scope(user) -> tuple[str, ...] | None:
    """Territory prefixes of the deliveries the user may see (ALL for administrators), or None
    when the user may not open the log at all. Deliveries concerning no area (none today) are
    for administrators only."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return ALL
    prefixes = set()
    for role, code in Membership.objects.filter(
        user=user, is_active=True, unit__is_active=True, role__in=DELIVERY_ROLES
    ).values_list("role", "unit__region_id"):
        if role == Role.ADMIN:
            return ALL
        prefixes.add(territory_prefix(code))
    return tuple(sorted(prefixes)) or None


def deliveries_visible_to(user) -> QuerySet[Delivery]:
    scope = delivery_scope(user)
    if scope is None:
        return Delivery.objects.none()
    return Delivery.objects.filter(prefix_q("area_code", scope))


def delivery_get_for(user, delivery_id) -> Delivery:
    """The delivery, or NotFound when it is missing or not visible (the same answer)."""
    delivery = deliveries_visible_to(user).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(_("投递记录不存在或无权查看"))
    return delivery


def delivery_counts(rows: QuerySet[Delivery]) -> dict[str, int]:
    """How many rows are in each state."""
    counts = dict.fromkeys(DeliveryState.values, 0)
    for row in rows.order_by().values("state").annotate(n=Count("pk")):
        counts[row["state"]] = row["n"]
    return counts


# ---------------------------------------------------------------------------------------------
# 12345 hand-overs (热线来件): what the platforms pushed, for the dispatchers who triage it.
# ---------------------------------------------------------------------------------------------


def hotline_orders_visible_to(user) -> QuerySet:
    """The hand-overs whose work orders this person may see (the work-order scope decides)."""
    from shanzhi.interop.models import HotlineOrder
    from shanzhi.workorders.selectors import workorders_visible_to

    return HotlineOrder.objects.filter(
        appeal__work_order__in=workorders_visible_to(user).values("pk")
    ).select_related("platform", "appeal__work_order__category", "appeal__work_order__lead_unit")


def hotline_last_callbacks(links) -> dict[int, Delivery]:
    """The latest status callback of each of these hand-overs, by hand-over id."""
    latest: dict[int, Delivery] = {}
    for delivery in Delivery.objects.filter(
        object_type="hotline_order", object_id__in=[str(link.pk) for link in links]
    ).order_by("pk"):
        latest[int(delivery.object_id)] = delivery
    return latest


def hotline_rows(links, *, now: datetime.datetime) -> list[dict]:
    """What the 热线来件 page shows of each hand-over: its order and state, whether the
    platform's own deadline has passed with the order still open (已超平台时限), and the last
    status callback with its label."""
    callbacks = hotline_last_callbacks(links)
    rows = []
    for link in links:
        order = link.appeal.work_order
        callback = callbacks.get(link.pk)
        finished = order.state in FINISHED_STATES
        payload = callback.payload if callback and isinstance(callback.payload, dict) else {}
        rows.append(
            {
                "link": link,
                "order": order,
                "state_label": State(order.state).label,
                "finished": finished,
                "late": bool(link.deadline and not finished and link.deadline < now),
                "callback": callback,
                "callback_label": payload.get("status_label", ""),
            }
        )
    return rows
