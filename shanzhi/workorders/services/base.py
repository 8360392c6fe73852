"""What every work-order action shares: the work order as a kind of case for the kit
(`core.cases`), the context its guards read, and notifying units and appellants."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from shanzhi.core.cases import CaseKind, Context, expecting_version, require, version_expected
from shanzhi.core.notify import Message, notify_all
from shanzhi.workorders.choices import (
    ACTIVE_ASSIGNMENT,
    Action,
    AssignmentRole,
    ExtensionState,
    State,
)
from shanzhi.workorders.models import Assignment, ExtensionRequest, WorkOrder


@dataclass
class WorkOrderContext(Context):
    """What work-order guards need beyond the order row, loaded once per action."""

    co_unit_ids: list[int] = field(default_factory=list)
    pending_extension: ExtensionRequest | None = None

    @property
    def order(self) -> WorkOrder:
        return self.case

    @classmethod
    def load(cls, case: WorkOrder, actor) -> "WorkOrderContext":
        return cls(
            case=case,
            actor=actor,
            co_unit_ids=list(
                Assignment.objects.filter(
                    work_order=case, role=AssignmentRole.CO, state__in=ACTIVE_ASSIGNMENT
                ).values_list("unit_id", flat=True)
            ),
            pending_extension=ExtensionRequest.objects.filter(
                work_order=case, state=ExtensionState.PENDING
            ).first(),
        )


WORKORDER = CaseKind(
    name="workorder",
    model=WorkOrder,
    noun=gettext_lazy("工单"),
    states=State,
    actions=Action,
    related=("category", "lead_unit__region", "dispatch_unit__region"),
    context=WorkOrderContext,
)

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
