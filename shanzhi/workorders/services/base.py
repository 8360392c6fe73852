"""What every work-order action shares: locking the row, guards, saving with an audit event."""

import contextlib
import contextvars
from dataclasses import dataclass, field

from django.db.models import F
from django.utils.translation import gettext as _

from shanzhi.core.errors import Conflict, Forbidden, NotFound
from shanzhi.core.ids import parse_id
from shanzhi.core.notify import Message, notify_all
from shanzhi.core.services import audit_record
from shanzhi.workorders.access import Actor
from shanzhi.workorders.choices import (
    ACTIVE_ASSIGNMENT,
    AssignmentRole,
    ExtensionState,
    State,
)
from shanzhi.workorders.models import Assignment, ExtensionRequest, WorkOrder

# The version of the order the person was looking at when they acted (a page or an API
# client's If-Match). Set with `expecting_version`; actions refuse a newer order with 409.
_expected_version: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "expected_version", default=None
)


@contextlib.contextmanager
def expecting_version(version: int | None):
    token = _expected_version.set(version)
    try:
        yield
    finally:
        _expected_version.reset(token)


def version_expected() -> bool:
    """Whether the person said which version of the order they acted on (If-Match, or the page's
    hidden field)."""
    return _expected_version.get() is not None


def check_version(order: WorkOrder) -> None:
    expected = _expected_version.get()
    if expected is not None and expected != order.version:
        raise Conflict(
            _("工单在您查看之后已被他人更新（第 %(seen)s 版 → 第 %(now)s 版），请刷新后再操作")
            % {"seen": expected, "now": order.version}
        )


def lock(order_id) -> WorkOrder:
    """The order, locked until the transaction ends (PostgreSQL; SQLite's IMMEDIATE transactions
    already serialise writers), so two people acting at once are applied one after the other.

    The bare row is locked first and only then read with what the action needs: under FOR UPDATE
    with joins, PostgreSQL re-checks an order row that another transaction changed against the
    joined rows as they were, which gave an order whose lead_unit was None while lead_unit_id was
    set (a sign-for racing a re-dispatch) or no row at all (after an escalation)."""
    order_id = parse_id(order_id)
    if order_id is None:
        raise NotFound(_("工单不存在"))
    if not list(WorkOrder.objects.select_for_update().filter(pk=order_id).values_list("pk")):
        raise NotFound(_("工单不存在"))
    order = (
        WorkOrder.objects.select_related("category", "lead_unit__region", "dispatch_unit__region")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(_("工单不存在"))
    return order


@dataclass
class Context:
    """What guards need beyond the order row, loaded once per action."""

    order: WorkOrder
    actor: Actor
    co_unit_ids: list[int] = field(default_factory=list)
    pending_extension: ExtensionRequest | None = None

    @classmethod
    def load(cls, order: WorkOrder, user) -> "Context":
        return cls(
            order=order,
            actor=Actor.of(user),
            co_unit_ids=list(
                Assignment.objects.filter(
                    work_order=order, role=AssignmentRole.CO, state__in=ACTIVE_ASSIGNMENT
                ).values_list("unit_id", flat=True)
            ),
            pending_extension=ExtensionRequest.objects.filter(
                work_order=order, state=ExtensionState.PENDING
            ).first(),
        )


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)


def require_state(order: WorkOrder, *states: str) -> None:
    if order.state not in states:
        raise Conflict(
            _("工单当前状态为“%(state)s”，不能执行此操作（可能已被他人处理，请刷新）")
            % {"state": State(order.state).label}
        )


def save(
    order: WorkOrder,
    fields: list[str],
    *,
    actor,
    action: str,
    before: dict,
    after: dict,
    reason: str = "",
) -> WorkOrder:
    """Save the changed fields, bump the version and record the action in the audit trail."""
    order.version = F("version") + 1
    order.save(update_fields=[*set(fields), "version", "updated_at"])
    order.refresh_from_db(fields=["version"])
    audit_record(
        actor=actor,
        action=action,
        object_type="workorder",
        object_id=order.pk,
        before=before,
        after=after,
        reason=reason,
    )
    return order


def tell_units(order: WorkOrder, kind: str, text: str, *unit_ids) -> None:
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
            for unit_id in dict.fromkeys(u for u in unit_ids if u)
        ]
    )


def tell_appellants(order: WorkOrder, kind: str, text_for) -> None:
    """Every appellant of the order, merged duplicates included, who left a phone;
    `text_for(tracking_code)` words the message for each."""
    notify_all(
        [
            Message(
                kind=kind,
                text=text_for(code),
                phone=phone,
                object_type="appeal",
                object_id=code,
                area_code=order.area_code,
            )
            for code, phone in order.appeals.exclude(appellant_phone="").values_list(
                "tracking_code", "appellant_phone"
            )
        ]
    )
