"""The work order as a kind of case for the kit (`core.cases`): its model, states, actions and the
context its guards read. The registry of its actions is `workorders/actions.py`."""

from dataclasses import dataclass, field

from django.utils.translation import pgettext_lazy

from shanzhi.core.cases import CaseKind, Context
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
    noun=pgettext_lazy("the noun in messages about a case", "工单"),
    states=State,
    actions=Action,
    related=("category", "lead_unit__region", "dispatch_unit__region"),
    context=WorkOrderContext,
)
