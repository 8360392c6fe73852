"""Reads of appeals and work orders that depend on who asks."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanzhi.core import inbox_counts as inbox_counters
from shanzhi.core.errors import NotFound
from shanzhi.core.ids import parse_id
from shanzhi.core.memo import Memo
from shanzhi.core.models import AuditEvent
from shanzhi.core.privacy import phone_key
from shanzhi.core.scoping import in_scope, prefix_q
from shanzhi.org.access import Actor
from shanzhi.org.choices import (
    COMMAND_ROLES,
    DISPATCH_ROLES,
    HANDLER_ROLES,
    PHONE_ROLES,
    TERRITORIAL_ROLES,
    UnitKind,
)
from shanzhi.org.models import Unit
from shanzhi.territory.choices import PREFIX_LENGTH, RegionLevel, ancestor_codes, territory_prefix
from shanzhi.workorders.case import WORKORDER
from shanzhi.workorders.choices import (
    ACTIVE_ASSIGNMENT,
    CLOCK_STATES,
    PUBLIC_ACTIONS,
    Action,
    AssignmentRole,
    AttachmentStep,
    State,
)
from shanzhi.workorders.models import Appeal, Assignment, Category, DispatchRule, WorkOrder


def workorders_visible_to(user) -> QuerySet[WorkOrder]:
    """Territorial roles: every order in their jurisdiction. Handling units: every order they
    were ever assigned. Dispatching units: every order they triage."""
    actor = Actor.of(user)
    if not getattr(user, "is_authenticated", False):
        return WorkOrder.objects.none()
    query = prefix_q("area_code", actor.prefixes_with(TERRITORIAL_ROLES))
    handler_units = actor.units_with(HANDLER_ROLES)
    if handler_units:
        query |= Q(
            Exists(Assignment.objects.filter(work_order=OuterRef("pk"), unit_id__in=handler_units))
        )
    dispatch_units = actor.units_with(DISPATCH_ROLES)
    if dispatch_units:
        query |= Q(dispatch_unit_id__in=dispatch_units)
    return WorkOrder.objects.filter(query)


def workorder_get_for(user, order_id) -> WorkOrder:
    order_id = parse_id(order_id)
    if order_id is None:
        raise NotFound(_("工单不存在"))
    order = (
        workorders_visible_to(user)
        .select_related("category", "region", "grid", "dispatch_unit", "lead_unit__region")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(_("工单不存在"))
    return order


# How a person can stand to a work order. An inbox holds the orders to which the person stands
# in one of its relations, on the conditions of the box (INBOX_RULES); administrators stand in
# every relation to every order.
DISPATCHES = "dispatches"  # their unit dispatches it
LEADS = "leads"  # their unit is its lead unit
CO_HANDLES = "co_handles"  # their unit co-handles it (an active co-assignment)
ASSIGNED = "assigned"  # their unit was assigned it at some time (lead or co, returned or not)
TERRITORY = "territory"  # it lies in their territory
# It lies in the territory they oversee (the command centre's people: the dashboard counts the
# same orders, so their 已超期 and 即将超期 boxes agree with its 超期 and 临期 figures).
SUPERVISES = "supervises"
RELATIONS = (DISPATCHES, LEADS, CO_HANDLES, ASSIGNED, TERRITORY, SUPERVISES)
# workorders_visible_to, as relations: the person may see the order at all.
VISIBLE = (TERRITORY, ASSIGNED, DISPATCHES)


def _meets(condition: Q, values: dict) -> bool:
    """Whether `values` meet a condition of exact lookups (an inbox's flags), in Python."""
    results = [
        _meets(child, values) if isinstance(child, Q) else values[child[0]] == child[1]
        for child in condition.children
    ]
    met = all(results) if condition.connector == Q.AND else any(results)
    return not met if condition.negated else met


@dataclass(frozen=True)
class Inbox:
    """One inbox: the orders in one of `states` (any state when empty) whose deadline flags
    meet `flags` (exact lookups on is_warned, is_overdue, is_sign_overdue) and to which the
    person stands in one of `relations`. inbox() reads it as a query on the work orders,
    inbox_boxes() as a test on values (the command centre's workload cells)."""

    label: str
    states: frozenset = frozenset()
    relations: tuple = VISIBLE
    flags: Q = Q()

    def matches(self, state: str, flags: dict) -> bool:
        """The box's condition on an order's state and flags, whoever asks."""
        return (not self.states or state in self.states) and _meets(self.flags, flags)

    def condition(self) -> Q:
        """The same condition as a query on the work orders."""
        return (Q(state__in=self.states) if self.states else Q()) & self.flags

    def holds(self, state: str, flags: dict, relations: set[str]) -> bool:
        return self.matches(state, flags) and any(r in relations for r in self.relations)


INBOX_RULES = {
    "pending_dispatch": Inbox(_("待派单"), frozenset({State.PENDING_DISPATCH}), (DISPATCHES,)),
    "pending_sign": Inbox(_("待签收"), frozenset({State.PENDING_SIGN}), (LEADS, CO_HANDLES)),
    "handling": Inbox(
        _("办理中"), frozenset({State.HANDLING, State.SUSPENDED}), (LEADS, CO_HANDLES)
    ),
    "due_soon": Inbox(
        _("即将超期"),
        CLOCK_STATES,
        (DISPATCHES, LEADS, SUPERVISES),
        Q(is_warned=True, is_overdue=False),
    ),
    "overdue": Inbox(
        _("已超期"),
        CLOCK_STATES,
        (DISPATCHES, LEADS, SUPERVISES),
        Q(is_overdue=True) | Q(is_sign_overdue=True),
    ),
    "pending_verify": Inbox(_("待核查"), frozenset({State.PENDING_VERIFY}), (DISPATCHES,)),
    "pending_rating": Inbox(_("待回访"), frozenset({State.PENDING_RATING})),
    "all": Inbox(_("全部")),
}
INBOXES = {name: rule.label for name, rule in INBOX_RULES.items()}
COUNTED_BOXES = [box for box in INBOXES if box != "all"]
INBOX_FLAGS = ("is_warned", "is_overdue", "is_sign_overdue")


def _relation_q(actor: Actor, relation: str) -> Q:
    """A relation as a condition on the work orders."""
    handler_units = actor.units_with(HANDLER_ROLES)
    if relation == DISPATCHES:
        return Q(dispatch_unit_id__in=actor.units_with(DISPATCH_ROLES))
    if relation == LEADS:
        return Q(lead_unit_id__in=handler_units)
    if relation == TERRITORY:
        return prefix_q("area_code", actor.prefixes_with(TERRITORIAL_ROLES))
    if relation == SUPERVISES:
        return prefix_q("area_code", actor.prefixes_with(COMMAND_ROLES))
    assignments = Assignment.objects.filter(work_order=OuterRef("pk"), unit_id__in=handler_units)
    if relation == CO_HANDLES:
        assignments = assignments.filter(role=AssignmentRole.CO, state__in=ACTIVE_ASSIGNMENT)
    return Q(Exists(assignments))


def inbox(user, box: str) -> QuerySet[WorkOrder]:
    """The work orders waiting for this person's unit in one inbox (INBOX_RULES)."""
    rule = INBOX_RULES.get(box)
    if rule is None:
        raise NotFound(_("没有这个收件箱"))
    if len(rule.states) == 1:
        condition = Q(state=next(iter(rule.states))) & rule.flags
    else:
        condition = (Q(state__in=sorted(rule.states)) if rule.states else Q()) & rule.flags
    if rule.relations == VISIBLE:
        return workorders_visible_to(user).filter(condition)
    actor = Actor.of(user)
    if actor.is_admin:  # every unit's
        return WorkOrder.objects.filter(condition)
    # These boxes name the person's own units (dispatching, leading or co-handling), which
    # implies visibility: without the visibility OR the database goes straight to the unit and
    # state indexes instead of checking every order in that state across the city.
    mine = Q()
    for relation in rule.relations:
        mine |= _relation_q(actor, relation)
    return WorkOrder.objects.filter(condition & mine)


@dataclass(frozen=True)
class InboxViewer:
    """A person as the inboxes see them."""

    is_admin: bool
    dispatch_units: frozenset[int]
    handler_units: frozenset[int]
    territory: tuple[str, ...]  # code prefixes; "" is everywhere
    supervised: tuple[str, ...] = ()  # the territory overseen (COMMAND_ROLES), likewise


def inbox_viewer(user) -> InboxViewer:
    actor = Actor.of(user)
    return InboxViewer(
        is_admin=actor.is_admin,
        dispatch_units=frozenset(actor.units_with(DISPATCH_ROLES)),
        handler_units=frozenset(actor.units_with(HANDLER_ROLES)),
        territory=actor.prefixes_with(TERRITORIAL_ROLES),
        supervised=actor.prefixes_with(COMMAND_ROLES),
    )


def relations_to(
    viewer: InboxViewer,
    *,
    area_code: str,
    dispatch_unit_id: int,
    lead_unit_id: int,
    co_units,
    assigned_units,
) -> set[str]:
    """The person's relations to an order, from its values (the same as _relation_q)."""
    if viewer.is_admin:
        return set(RELATIONS)
    handler = viewer.handler_units
    found = set()
    if dispatch_unit_id in viewer.dispatch_units:
        found.add(DISPATCHES)
    if lead_unit_id in handler:
        found.add(LEADS)
    if handler.intersection(co_units):
        found.add(CO_HANDLES)
    if handler.intersection(assigned_units):
        found.add(ASSIGNED)
    if in_scope(area_code, viewer.territory):
        found.add(TERRITORY)
    if viewer.supervised and in_scope(area_code, viewer.supervised):
        found.add(SUPERVISES)
    return found


def inbox_boxes(state: str, flags: dict, relations: set[str]) -> list[str]:
    """The counted inboxes that hold an order in `state` with these deadline `flags`, for a
    person who stands to it in `relations`: the conditions of inbox(), on values."""
    return [box for box in COUNTED_BOXES if INBOX_RULES[box].holds(state, flags, relations)]


def inbox_states(relation: str) -> frozenset | None:
    """The states in which a relation can put an order into a counted inbox (None: any)."""
    rules = [INBOX_RULES[box] for box in COUNTED_BOXES if relation in INBOX_RULES[box].relations]
    if any(not rule.states for rule in rules):
        return None
    return frozenset().union(*(rule.states for rule in rules))


def inbox_counts(user) -> dict[str, int]:
    """How many orders each inbox holds: from the counter the command centre registers for work
    orders (its workload table: a few rows for a unit, however long the history), else counted
    on the work orders themselves."""
    if not getattr(user, "is_authenticated", False):
        return dict.fromkeys(COUNTED_BOXES, 0)
    counts = inbox_counters.counted("workorder", user)
    return counts if counts is not None else inbox_counts_of_orders(user)


def inbox_counts_of_orders(user) -> dict[str, int]:
    return {box: inbox(user, box).count() for box in COUNTED_BOXES}


@dataclass
class Filters:
    state: str = ""
    category: str = ""  # a category code: its whole subtree
    region: str = ""  # a region or grid code: everything inside it
    urgency: str = ""
    channel: str = ""
    nature: str = ""
    supervision: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    text: str = ""
    phone: str = ""  # a caller's full number (only people who phone appellants may search by it)


def apply_filters(orders: QuerySet[WorkOrder], filters: Filters) -> QuerySet[WorkOrder]:
    for name in ("state", "urgency", "channel", "nature", "supervision"):
        value = getattr(filters, name)
        if value:
            orders = orders.filter(**{name: value})
    if filters.category:
        category = Category.objects.filter(code=filters.category).first()
        path = category.path if category else "-"
        orders = orders.filter(Q(category__path=path) | Q(category__path__startswith=path + "/"))
    if filters.region:
        orders = orders.filter(area_code__startswith=territory_prefix(filters.region))
    tz = timezone.get_current_timezone()
    if filters.date_from:
        start = datetime.datetime.combine(filters.date_from, datetime.time.min, tzinfo=tz)
        orders = orders.filter(registered_at__gte=start)
    if filters.date_to:
        end = datetime.datetime.combine(
            filters.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        orders = orders.filter(registered_at__lt=end)
    if filters.phone:
        orders = orders.filter(
            Exists(
                Appeal.objects.filter(work_order=OuterRef("pk"), phone_key=phone_key(filters.phone))
            )
        )
    text = filters.text.strip()
    if text:
        orders = orders.filter(
            Q(code__iexact=text)
            | Q(title__icontains=text)
            | Q(content__icontains=text)
            | Q(address__icontains=text)
            | Q(
                Exists(Appeal.objects.filter(work_order=OuterRef("pk"), tracking_code__iexact=text))
            )
        )
    return orders


def orders_published() -> QuerySet[WorkOrder]:
    """Work orders the public may read (Open311 and any other public read): the first appellant
    agreed to publication (同意公开) and no appellant of the order asked for confidentiality
    (诉求保密). Everything else stays out of public reads, whatever its state."""
    return WorkOrder.objects.filter(
        Exists(
            Appeal.objects.filter(
                work_order=OuterRef("pk"), is_primary=True, publishable=True, confidential=False
            )
        )
    ).exclude(Exists(Appeal.objects.filter(work_order=OuterRef("pk"), confidential=True)))


def appellant_visible(user, order: WorkOrder) -> bool:
    """Whether the person may see who raised the appeals (诉求保密 hides them from handling
    units: only the dispatching level and the hotline see confidential appellants)."""
    actor = Actor.of(user)
    if actor.is_admin or actor.phones_appellants(order):
        return True
    if order.appeals.filter(confidential=True).exists():
        return False
    return actor.leads(order) or in_scope(order.area_code, actor.prefixes_with(TERRITORIAL_ROLES))


def timeline(order: WorkOrder, *, public_only: bool = False) -> list[AuditEvent]:
    """The order's history, read from the audit trail (oldest first): its actions, not the
    records of who looked at it."""
    events = WORKORDER.timeline(order.pk)
    if public_only:
        events = [e for e in events if is_public_step(e)]
    return events


@dataclass(frozen=True)
class Proposal:
    unit: Unit
    rule: DispatchRule
    co_units: tuple[Unit, ...]


def dispatch_proposals(order: WorkOrder) -> list[Proposal]:
    """Units the dispatch rules propose for this order: rules for the most specific category
    first, and among them the lowest level first (小事不出村、大事不出镇), then the rules' own
    order. Named units and 属地 units both count."""
    ancestors = [c for c in order.category.path.split("/") if c]
    area_regions = set(ancestor_codes(order.area_code))
    if len(order.area_code) == 12:
        area_regions.add(order.area_code)
    rules = (
        DispatchRule.objects.filter(category__code__in=ancestors)
        .filter(Q(region__isnull=True) | Q(region_id__in=area_regions))
        .select_related("lead_unit__region", "region", "category")
        .prefetch_related("co_units")
    )
    proposals, seen = [], set()
    for rule in rules:
        unit = rule.lead_unit
        if unit is None and rule.lead_kind and rule.lead_level:
            length = PREFIX_LENGTH[RegionLevel(rule.lead_level)]
            region_code = order.area_code[:length].ljust(12, "0")
            unit = (
                Unit.objects.select_related("region")
                .filter(kind=rule.lead_kind, region_id=region_code, is_active=True)
                .first()
            )
        if unit is None or not unit.is_active or unit.pk in seen:
            continue
        seen.add(unit.pk)
        proposals.append(Proposal(unit, rule, tuple(rule.co_units.filter(is_active=True))))
    level_rank = {level: i for i, level in enumerate(reversed(list(PREFIX_LENGTH)))}
    # The most specific rule first; among equally specific ones, the lowest level first.
    proposals.sort(
        key=lambda p: (
            -p.rule.category.depth,
            level_rank[RegionLevel(p.unit.region.level)],
            p.rule.order,
        )
    )
    return proposals


def dispatchable_units(order: WorkOrder) -> QuerySet[Unit]:
    """Every unit whose jurisdiction covers the order's area (the dispatcher may choose any)."""
    codes = set(ancestor_codes(order.area_code))
    if len(order.area_code) == 12:
        codes.add(order.area_code)
    return (
        Unit.objects.filter(region_id__in=codes, is_active=True)
        .exclude(kind__in=[UnitKind.CENTRE, UnitKind.COMMAND_ROOM])  # they triage, not handle
        .select_related("region")
        .order_by("-region_id", "kind", "name")
    )


def _load_category_tree() -> list[Category]:
    return list(Category.objects.filter(is_active=True).order_by("path"))


# Every list page shows the categories in its filter: kept in memory like the intake's.
category_tree = Memo("category_tree", _load_category_tree, seconds=60)


def categories_tree() -> list[Category]:
    """The active categories in tree order (read-only: the objects are shared)."""
    return category_tree.get()


def own_appeal_phone_tail(user, code: str) -> str:
    """The phone tail of an appeal this signed-in person filed themselves ("" otherwise): their
    own appeals open on the tracking page without typing it."""
    if not getattr(user, "is_authenticated", False) or not code:
        return ""
    phone = (
        Appeal.objects.filter(tracking_code=code, submitted_by=user)
        .values_list("appellant_phone", flat=True)
        .first()
    )
    return (phone or "")[-4:]


def last_phone_of(user) -> str:
    """The phone this person left on their latest appeal ("" when none)."""
    return (
        Appeal.objects.filter(submitted_by=user)
        .exclude(appellant_phone="")
        .order_by("-pk")
        .values_list("appellant_phone", flat=True)
        .first()
        or ""
    )


def workorder_state(order_id: int) -> str:
    return WorkOrder.objects.filter(pk=order_id).values_list("state", flat=True).first() or ""


def appeal_for_tracking(code: str, phone_tail: str) -> Appeal:
    """The appeal a tracking code names, if the phone's last four digits match (appeals left
    without a phone are found by the code alone). Wrong and unknown give the same 404."""
    appeal = (
        Appeal.objects.select_related("work_order", "category")
        .filter(tracking_code=(code or "").strip().upper())
        .first()
    )
    if appeal is None:
        raise NotFound(_("查询码或手机号后四位不正确"))
    if appeal.appellant_phone and appeal.appellant_phone[-4:] != (phone_tail or "").strip():
        raise NotFound(_("查询码或手机号后四位不正确"))
    return appeal


def appellants_for(user, order: WorkOrder) -> tuple[list[dict], bool]:
    """The order's appellants as this person may see them: in full when entitled (the caller
    then records the view: services.workorder_appellants_viewed), hidden when confidential,
    masked otherwise. Returns the rows and whether anything is shown in full."""
    from shanzhi.core.privacy import mask_name, mask_phone

    full = appellant_visible(user, order)
    rows = []
    for appeal in order.appeals.select_related("submitted_by").order_by("pk"):
        if full:
            name, phone = appeal.appellant_name, appeal.appellant_phone
        elif appeal.confidential:
            name = phone = str(_("（保密）"))
        else:
            name, phone = mask_name(appeal.appellant_name), mask_phone(appeal.appellant_phone)
        rows.append(
            {"appeal": appeal, "name": name, "phone": phone, "answers": attribute_answers(appeal)}
        )
    shown = full and any(r["name"] or r["phone"] for r in rows)
    return rows, shown


def appeals_submitted_by(user, *, limit: int = 20) -> list[Appeal]:
    """What a person raised themselves on the public pages while signed in, newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Appeal.objects.filter(submitted_by=user, channel__in=["web", "wechat"])
        .select_related("work_order")
        .order_by("-created_at", "-pk")[:limit]
    )


CALLER_HISTORY = 10


def may_search_phones(user) -> bool:
    """Who finds appeals by a caller's full number: those who phone appellants (话务员,
    分拨员, 指挥长), whose work is to answer the same caller again."""
    return Actor.of(user).has_role(PHONE_ROLES)


def caller_history(user, phone: str) -> list[Appeal]:
    """以往来电: the latest appeals this person may see that were left with this number."""
    key = phone_key(phone)
    if len(key) < 7 or not may_search_phones(user):
        return []
    return list(
        Appeal.objects.filter(
            phone_key=key, work_order__in=workorders_visible_to(user).values("pk")
        )
        .select_related("work_order", "category")
        .order_by("-created_at", "-pk")[:CALLER_HISTORY]
    )


@dataclass(frozen=True)
class PublicStep:
    at: datetime.datetime
    action: str
    label: str
    text: str


def is_public_step(event: AuditEvent) -> bool:
    """Whether an appellant sees this step: public actions, progress notes only when public."""
    return event.action in PUBLIC_ACTIONS and (
        event.action != Action.NOTE or bool((event.after or {}).get("public"))
    )


def public_step_text(event: AuditEvent, order: WorkOrder, *, published: bool) -> str:
    """What an appellant may read of a step besides its name: the unit it went to, a public
    note, the rating, and an answer once it was given to them (`published`: a
    direct answer, or a reply the dispatcher accepted; a reply sent back for rework is never
    shown). Answers stay after a reopen, as the history before the new one."""
    from shanzhi.workorders.choices import Rating

    after = event.after or {}
    if event.action == Action.DISPATCH:
        return after.get("lead_unit_name") or ""
    if event.action == Action.NOTE:
        return after.get("text") or ""
    if event.action == Action.REFER_MEDIATION and after.get("dispute"):
        # The appellant is the applicant of the mediation: they follow it on 调解查询.
        return _("%(org)s受理调解，案件编号 %(code)s") % {
            "org": after.get("org") or "",
            "code": after["dispute"],
        }
    if event.action == Action.RATE and after.get("rating") in Rating.values:
        # the label only: on a merged order other appellants read this timeline too
        return str(Rating(after["rating"]).label)
    if published:
        return after.get("text") or after.get("answer") or ""
    return ""


ANSWER_STEPS = (Action.REPLY, Action.VERIFY, Action.ANSWER_DIRECTLY)


def _published_in(events) -> set[int]:
    """Of one order's events in order, the ids of the answers the appellant was given: each
    direct answer, and each reply that a later verification accepted before the next reply."""
    published, pending = set(), None
    for event in events:
        if event.action == Action.ANSWER_DIRECTLY:
            published.add(event.pk)
        elif event.action == Action.REPLY:
            pending = event.pk
        elif event.action == Action.VERIFY and pending is not None:
            if (event.after or {}).get("accepted"):
                published.add(pending)
            pending = None
    return published


def published_answers(order_ids) -> set[int]:
    """The audit-event ids of the answers given to appellants, for these orders (for the public
    timelines of many orders at once: Open311's service request updates)."""
    by_order: dict[str, list] = {}
    for event in (
        AuditEvent.objects.filter(
            object_type="workorder",
            object_id__in=[str(i) for i in order_ids],
            action__in=ANSWER_STEPS,
        )
        .only("pk", "object_id", "action", "after")
        .order_by("pk")
    ):
        by_order.setdefault(event.object_id, []).append(event)
    return set().union(*(_published_in(events) for events in by_order.values()))


def public_reply_files(order: WorkOrder) -> list:
    """The files of replies the appellants were given (accepted at verification) that the lead
    unit marked public: a rejected reply's files stay with the staff."""
    events = timeline(order)
    published = _published_in(events)
    replies = [e for e in events if e.action == Action.REPLY]
    if not any(e.pk in published for e in replies):
        return []

    def given(item) -> bool:
        # a file belongs to the reply saved with it: the first reply recorded after it (audit
        # times are kept to the millisecond, so the file's is compared at that precision)
        at = item.created_at.replace(microsecond=item.created_at.microsecond // 1000 * 1000)
        reply = next((e for e in replies if e.created_at >= at), None)
        return reply is not None and reply.pk in published

    files = order.attachments.filter(step=AttachmentStep.REPLY, public=True).order_by("pk")
    return [item for item in files if given(item)]


def public_timeline(order: WorkOrder) -> list[PublicStep]:
    """The steps an appellant sees, with what they may read of each (public_step_text)."""
    events = timeline(order)  # all of them: a verification decides whether a reply was given
    published = _published_in(events)
    return [
        PublicStep(
            event.created_at,
            event.action,
            str(Action(event.action).label),
            public_step_text(event, order, published=event.pk in published),
        )
        for event in events
        if is_public_step(event)
    ]


def attribute_answers(appeal: Appeal) -> list[tuple[str, str]]:
    """The appeal's answers to its category's questions, as (question, answer) in words."""
    from shanzhi.workorders.models import ServiceAttribute

    if not appeal.attributes:
        return []
    questions = {q.code: q for q in ServiceAttribute.objects.filter(category_id=appeal.category_id)}
    rows = []
    for code, value in appeal.attributes.items():
        question = questions.get(code)
        names = {
            str(v.get("key")): str(v.get("name"))
            for v in (question.values if question else [])
            if isinstance(v, dict)
        }
        values = value if isinstance(value, list) else [value]
        shown = "、".join(names.get(str(v), str(v)) for v in values)
        rows.append((question.description if question else code, shown))
    return rows
