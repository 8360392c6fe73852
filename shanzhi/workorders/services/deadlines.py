"""Deadlines of a work order: which rule applies, what the deadlines are, and the periodic sweep
that raises warnings, marks overdue orders, sends the reminder (催办) the next working day after a
deadline passed, and archives answered orders that stay unrated."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core import workdays
from shanzhi.core.choices import DurationUnit
from shanzhi.core.notify import Message, notify_all
from shanzhi.core.services import audit_record
from shanzhi.workorders.choices import CLOCK_STATES, Action, State
from shanzhi.workorders.models import DeadlineRule, WorkOrder

SWEEP_BATCH = 500


@dataclass(frozen=True)
class Limits:
    rule_id: int | None
    sign_amount: float
    sign_unit: str
    handle_amount: float
    handle_unit: str
    warn_ratio: float


# Used only when no rule matches at all (the defaults of domain.md; the migration seeds them).
FALLBACK = Limits(None, 1, "working_days", 13, "working_days", 0.75)


def rule_for(*, category, nature: str, urgency: str, level: str) -> Limits:
    """The matching rule with the highest priority, then the most specific one."""
    ancestors = [c for c in category.path.split("/") if c]
    candidates = DeadlineRule.objects.filter(
        Q(category__isnull=True) | Q(category__code__in=ancestors),
        Q(nature="") | Q(nature=nature),
        Q(urgency="") | Q(urgency=urgency),
        Q(level="") | Q(level=level),
    ).select_related("category")

    def rank(rule):
        depth = rule.category.depth if rule.category_id else 0
        specific = sum(bool(v) for v in (rule.nature, rule.urgency, rule.level))
        return (rule.priority, depth, specific, -rule.pk)

    best = max(candidates, key=rank, default=None)
    if best is None:
        return FALLBACK
    return Limits(
        best.pk,
        float(best.sign_amount),
        best.sign_unit,
        float(best.handle_amount),
        best.handle_unit,
        float(best.warn_ratio),
    )


def start_clock(
    order: WorkOrder, *, now: datetime.datetime, level: str, sign: bool = True
) -> Limits:
    """Set the deadlines of a freshly dispatched order, or (sign=False) of one sent back to its
    lead unit for 重办, whose sign-for stage is over and keeps its record."""
    limits = rule_for(
        category=order.category, nature=order.nature, urgency=order.urgency, level=level
    )
    if sign:
        order.sign_deadline = workdays.add_duration(now, limits.sign_amount, limits.sign_unit)
        order.sign_limit_unit = limits.sign_unit
        order.is_sign_overdue = False
    order.handle_limit_unit = limits.handle_unit
    order.handle_deadline = workdays.add_duration(now, limits.handle_amount, limits.handle_unit)
    if order.extension_days:
        order.handle_deadline = workdays.add_working_days(
            order.handle_deadline, order.extension_days
        )
    order.warn_at = _warn_point(now, order.handle_deadline, limits.warn_ratio)
    order.is_warned = order.is_overdue = False
    order.remind_at = order.reminded_at = None
    return limits


def _warn_point(start, deadline, ratio: float) -> datetime.datetime:
    return start + (deadline - start) * ratio


def extend(order: WorkOrder, *, days: int, now: datetime.datetime) -> None:
    """An approved extension adds working days to the handling deadline."""
    start = order.dispatched_at or now
    ratio = _current_ratio(order, start)
    order.handle_deadline = workdays.add_working_days(order.handle_deadline, days)
    order.extension_days += days
    order.warn_at = _warn_point(start, order.handle_deadline, ratio)
    refresh_flags(order, now=now)


def resume(order: WorkOrder, *, suspended_at: datetime.datetime, now: datetime.datetime) -> None:
    """After a suspension the clock runs on from where it stopped: a working-day limit gets back
    the working time that was left when it stopped (to the end of that day); a limit in natural
    days or hours moves by the length of the pause."""

    def moved(deadline, unit):
        if unit == DurationUnit.WORKING_DAYS:
            left = workdays.working_time_between(suspended_at, deadline)
            return workdays.end_of_day(workdays.add_working_time(now, left))
        return deadline + (now - suspended_at)

    start = order.dispatched_at or suspended_at
    ratio = _current_ratio(order, start)
    if order.signed_at is None and order.sign_deadline:
        order.sign_deadline = moved(order.sign_deadline, order.sign_limit_unit)
    if order.handle_deadline:
        order.handle_deadline = moved(order.handle_deadline, order.handle_limit_unit)
        order.warn_at = _warn_point(start, order.handle_deadline, ratio)
    refresh_flags(order, now=now)


def _current_ratio(order, start) -> float:
    if order.warn_at and order.handle_deadline and order.handle_deadline > start:
        return (order.warn_at - start) / (order.handle_deadline - start)
    return FALLBACK.warn_ratio


def refresh_flags(order: WorkOrder, *, now: datetime.datetime) -> None:
    """Flags that follow from the deadlines, after an action moved them."""
    order.is_warned = bool(order.warn_at and order.warn_at <= now)
    order.is_sign_overdue = bool(
        order.signed_at is None and order.sign_deadline and order.sign_deadline < now
    )
    order.is_overdue = bool(order.handle_deadline and order.handle_deadline < now)
    if not (order.is_overdue or order.is_sign_overdue):
        order.remind_at = order.reminded_at = None


def next_working_morning(after: datetime.datetime) -> datetime.datetime:
    """Start of the first working day after the local date of `after` (when 催办 goes out)."""
    tz = workdays.local_tz()
    day = after.astimezone(tz).date() + datetime.timedelta(days=1)
    while not workdays.is_working_day(day):
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(8, 30), tzinfo=tz)


DEADLINE_FIELDS = [
    "sign_deadline",
    "handle_deadline",
    "warn_at",
    "is_warned",
    "is_overdue",
    "is_sign_overdue",
    "remind_at",
    "reminded_at",
    "extension_days",
    "sign_limit_unit",
    "handle_limit_unit",
]


# -- the sweep ---------------------------------------------------------------------------------


def _claim(order_id: int, condition: Q, **changes) -> bool:
    """Set `changes` on the order only if it still meets `condition`: the worker whose UPDATE
    changed the row does the follow-up, so several workers never repeat a step."""
    return bool(
        WorkOrder.objects.filter(condition, pk=order_id).update(
            **changes, updated_at=timezone.now(), version=F("version") + 1
        )
    )


def _staff_message(order, kind: str, text: str, *unit_ids) -> None:
    notify_all(
        [
            Message(
                kind=kind,
                text=text,
                unit_id=unit_id,
                object_type="workorder",
                object_id=str(order.pk),
                area_code=order.area_code,
            )
            for unit_id in unit_ids
            if unit_id
        ]
    )


def deadlines_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """One pass over the orders whose deadlines need attention. Idempotent; safe to run from
    several workers at once. Returns how many orders each step touched."""
    now = now or timezone.now()
    counts = {"warned": 0, "sign_overdue": 0, "overdue": 0, "reminded": 0, "archived": 0}
    clock = Q(state__in=CLOCK_STATES)

    for order in WorkOrder.objects.filter(clock, is_warned=False, warn_at__lte=now)[:SWEEP_BATCH]:
        with transaction.atomic():
            if _claim(order.pk, Q(is_warned=False) & clock, is_warned=True):
                audit_record(
                    actor="system",
                    action=Action.WARN,
                    object_type="workorder",
                    object_id=order.pk,
                    after={"handle_deadline": order.handle_deadline},
                )
                _staff_message(
                    order,
                    "workorder.warning",
                    _("工单 %(code)s 即将超期，办结期限 %(deadline)s")
                    % {
                        "code": order.code,
                        "deadline": timezone.localtime(order.handle_deadline).strftime(
                            "%Y-%m-%d %H:%M"
                        ),
                    },
                    order.lead_unit_id,
                )
                counts["warned"] += 1

    pending_sign = Q(state=State.PENDING_SIGN, signed_at__isnull=True)
    for order in WorkOrder.objects.filter(
        pending_sign, is_sign_overdue=False, sign_deadline__lt=now
    )[:SWEEP_BATCH]:
        remind_at = order.remind_at or next_working_morning(order.sign_deadline)
        with transaction.atomic():
            if _claim(
                order.pk,
                pending_sign & Q(is_sign_overdue=False),
                is_sign_overdue=True,
                remind_at=remind_at,
            ):
                audit_record(
                    actor="system",
                    action=Action.OVERDUE,
                    object_type="workorder",
                    object_id=order.pk,
                    after={"stage": "sign", "sign_deadline": order.sign_deadline},
                )
                _staff_message(
                    order,
                    "workorder.overdue",
                    _("工单 %(code)s 签收已超期") % {"code": order.code},
                    order.lead_unit_id,
                )
                counts["sign_overdue"] += 1

    for order in WorkOrder.objects.filter(clock, is_overdue=False, handle_deadline__lt=now)[
        :SWEEP_BATCH
    ]:
        remind_at = order.remind_at or next_working_morning(order.handle_deadline)
        with transaction.atomic():
            if _claim(order.pk, clock & Q(is_overdue=False), is_overdue=True, remind_at=remind_at):
                audit_record(
                    actor="system",
                    action=Action.OVERDUE,
                    object_type="workorder",
                    object_id=order.pk,
                    after={"stage": "handle", "handle_deadline": order.handle_deadline},
                )
                _staff_message(
                    order,
                    "workorder.overdue",
                    _("工单 %(code)s 已超过办结期限") % {"code": order.code},
                    order.lead_unit_id,
                    order.dispatch_unit_id,
                )
                counts["overdue"] += 1

    for order in WorkOrder.objects.filter(clock, reminded_at__isnull=True, remind_at__lte=now)[
        :SWEEP_BATCH
    ]:
        with transaction.atomic():
            if _claim(order.pk, clock & Q(reminded_at__isnull=True), reminded_at=now):
                audit_record(
                    actor="system",
                    action=Action.REMIND,
                    object_type="workorder",
                    object_id=order.pk,
                    reason=_("超期自动催办"),
                )
                _staff_message(
                    order,
                    "workorder.reminder",
                    _("催办：工单 %(code)s 已超期，请尽快办理") % {"code": order.code},
                    order.lead_unit_id,
                    order.dispatch_unit_id,
                )
                counts["reminded"] += 1

    cutoff = now - datetime.timedelta(days=settings.ARCHIVE_UNRATED_DAYS)
    waiting = Q(state=State.PENDING_RATING)
    # closing imports this module for the deadlines; archiving lives there with rating.
    from shanzhi.workorders.services.closing import workorder_archive

    reason = _("答复后 %(n)s 天未评价，自动归档") % {"n": settings.ARCHIVE_UNRATED_DAYS}
    for order_id in WorkOrder.objects.filter(waiting, verified_at__lte=cutoff).values_list(
        "pk", flat=True
    )[:SWEEP_BATCH]:
        if workorder_archive(order_id=order_id, reason=reason, now=now):
            counts["archived"] += 1
    return counts
