"""What every work-order action shares: the kit's steps for the work order (`workorders/case.py`)
and notifying units and appellants."""

from shanzhi.core.cases import expecting_version, require, version_expected
from shanzhi.core.notify import Message, notify_all
from shanzhi.workorders.case import WORKORDER, WorkOrderContext
from shanzhi.workorders.models import WorkOrder

lock = WORKORDER.lock
begin = WORKORDER.begin
allowed_actions = WORKORDER.allowed
check_version = WORKORDER.check_version
require_state = WORKORDER.require_state
save = WORKORDER.save

__all__ = [
    "WORKORDER",
    "WorkOrderContext",
    "allowed_actions",
    "begin",
    "check_version",
    "expecting_version",
    "lock",
    "require",
    "require_state",
    "save",
    "tell_appellants",
    "tell_units",
    "version_expected",
]


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
