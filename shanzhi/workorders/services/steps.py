"""Steps several work-order actions share: checking a text they are given, withdrawing the
assignments of a re-dispatched or reopened order, and stopping its clock."""

from django.utils.translation import gettext as _

from shanzhi.core.errors import InvalidInput
from shanzhi.workorders.choices import ACTIVE_ASSIGNMENT, AssignmentState
from shanzhi.workorders.models import Assignment, WorkOrder
from shanzhi.workorders.services import deadlines

NOTE_MAX = 4000


def text_input(value, field: str, *, limit: int = NOTE_MAX, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(_("请填写%(field)s") % {"field": FIELD_NAMES.get(field, field)}, field)
    if len(text) > limit:
        raise InvalidInput(_("内容不能超过 %(n)s 字") % {"n": limit}, field)
    return text


FIELD_NAMES = {
    "reason": _("理由"),
    "text": _("内容"),
    "note": _("意见"),
    "answer": _("答复内容"),
}


def withdraw_assignments(order: WorkOrder) -> None:
    Assignment.objects.filter(work_order=order, state__in=ACTIVE_ASSIGNMENT).update(
        state=AssignmentState.WITHDRAWN
    )


def clear_clock(order: WorkOrder) -> list[str]:
    order.lead_unit = None
    order.sign_deadline = order.handle_deadline = order.warn_at = None
    order.remind_at = order.reminded_at = None
    order.is_warned = order.is_overdue = order.is_sign_overdue = False
    return ["lead_unit", *deadlines.DEADLINE_FIELDS]


def iso(value):
    return value.isoformat() if value else None
