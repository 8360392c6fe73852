"""The end of the loop: the dispatcher verifies the answer (核查), appellants rate it (回访/评价),
the order is archived (归档) by the last rating or by the sweep; and the record of who saw the
appellants' personal data."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core import events
from shanzhi.core.errors import Conflict, InvalidInput
from shanzhi.core.privacy import mask_phone, phone_key
from shanzhi.core.services import audit_record
from shanzhi.org.access import Actor
from shanzhi.workorders.choices import (
    Action,
    AssignmentRole,
    AssignmentState,
    Rating,
    RatingVia,
    State,
)
from shanzhi.workorders.models import (
    Appeal,
    Assignment,
    WorkOrder,
)
from shanzhi.workorders.services import deadlines
from shanzhi.workorders.services.base import (
    WorkOrderContext,
    begin,
    lock,
    require_state,
    save,
    tell_appellants,
    tell_units,
)
from shanzhi.workorders.services.guards import guard_rate_by_phone
from shanzhi.workorders.services.steps import clear_clock, iso, text_input, withdraw_assignments


def workorder_verify(*, actor, order_id, accept: bool, note: str = "") -> WorkOrder:
    """核查: the dispatcher accepts the answer (it goes to the appellant for rating) or sends it
    back to the lead unit to be handled again (重办), with a fresh handling deadline."""
    note = text_input(note, "note", required=not accept)
    with transaction.atomic():
        order = begin(order_id, actor, Action.VERIFY).order
        now = timezone.now()
        if accept:
            order.state, order.verified_at = State.PENDING_RATING, now
            fields = ["state", "verified_at"]
        else:
            order.state = State.HANDLING
            order.reopen_count += 1
            order.replied_at = None
            Assignment.objects.filter(
                work_order=order,
                unit=order.lead_unit,
                role=AssignmentRole.LEAD,
                state=AssignmentState.REPLIED,
            ).update(state=AssignmentState.SIGNED)
            deadlines.start_clock(order, now=now, level=order.lead_unit.region.level, sign=False)
            fields = ["state", "reopen_count", "replied_at", *deadlines.DEADLINE_FIELDS]
        save(
            order,
            fields,
            actor=actor,
            action=Action.VERIFY,
            before={"state": State.PENDING_VERIFY},
            after={
                "state": order.state,
                "accepted": accept,
                "handle_deadline": iso(order.handle_deadline),
            },
            reason=note,
        )
        if accept:
            tell_appellants(
                order,
                "appeal.replied",
                lambda code: (
                    _("您的诉求（查询码 %(code)s）已办结答复，请查看并评价。") % {"code": code}
                ),
            )
        else:
            tell_units(
                order,
                "workorder.reopened",
                _("工单 %(code)s 核查未通过，请重新办理") % {"code": order.code},
                order.lead_unit_id,
            )
    return order


def appeal_rate(
    *,
    actor,
    order_id,
    tracking_code: str,
    rating: str,
    comment: str = "",
    via: str = RatingVia.APPELLANT,
) -> WorkOrder:
    """回访/评价 of one appeal of the order, named by its tracking code. 不满意 sends the order
    back to the dispatcher for 重办; when every appellant has rated, the order is archived."""
    if rating not in Rating.values:
        raise InvalidInput(_("请选择评价"), "rating")
    comment = text_input(comment, "comment", limit=1000, required=False)
    with transaction.atomic():
        order = lock(order_id)
        if via == RatingVia.PHONE:
            guard_rate_by_phone(WorkOrderContext.load(order, Actor.of(actor)))
        else:
            require_state(order, State.PENDING_RATING)
        appeal = (
            Appeal.objects.select_for_update()
            .filter(work_order=order, tracking_code=tracking_code)
            .first()
        )
        if appeal is None:
            raise InvalidInput(_("该工单没有这个查询码的诉求"), "appeal")
        if appeal.rating:
            raise Conflict(_("该诉求已经评价过了"))
        if rating == Rating.DISSATISFIED and not comment:
            # 重办 starts from it: the dispatcher needs to know what was not solved
            raise InvalidInput(_("请说明不满意的原因"), "comment")
        now = timezone.now()
        appeal.rating, appeal.rating_comment = rating, comment
        appeal.rated_at, appeal.rated_via = now, via
        appeal.save(update_fields=["rating", "rating_comment", "rated_at", "rated_via"])
        before = {"state": order.state}
        fields: list[str] = []
        if rating == Rating.DISSATISFIED:
            order.state = State.PENDING_DISPATCH
            order.reopen_count += 1
            order.replied_at = order.verified_at = None
            withdraw_assignments(order)
            fields = ["state", "reopen_count", "replied_at", "verified_at", *clear_clock(order)]
        elif not order.appeals.filter(rating="").exists():
            fields = _archive(order, now)
        save(
            order,
            fields,
            actor=actor if getattr(actor, "is_authenticated", False) else "appellant",
            action=Action.RATE,
            before=before,
            after={
                "state": order.state,
                "appeal": appeal.tracking_code,
                "rating": rating,
                "via": via,
                "comment": comment,
            },
        )
        if rating == Rating.DISSATISFIED:
            tell_units(
                order,
                "workorder.dissatisfied",
                _("工单 %(code)s 群众不满意，请重新派单") % {"code": order.code},
                order.dispatch_unit_id,
            )
    return order


def _archive(order: WorkOrder, now) -> list[str]:
    """归档, the last step of the loop, on a locked order: what archiving changes and tells,
    whoever archives (rating when every appellant has rated, the sweep when nobody rated in
    time). The caller saves the fields with its own audit event."""
    order.state, order.closed_at = State.ARCHIVED, now
    events.publish("workorder.archived", case=order, at=now)
    return ["state", "closed_at"]


def workorder_archive(*, order_id, actor="system", reason: str = "", now=None) -> bool:
    """归档 an answered order that waits for ratings (the deadline sweep: 答复后 N 天未评价).
    False when it no longer waits: an appellant rated it meanwhile, or another worker archived
    it first (the lock makes one of them win)."""
    now = now or timezone.now()
    with transaction.atomic():
        order = lock(order_id)
        if order.state != State.PENDING_RATING:
            return False
        fields = _archive(order, now)
        save(
            order,
            fields,
            actor=actor,
            action=Action.ARCHIVE,
            before={"state": State.PENDING_RATING},
            after={"state": State.ARCHIVED, "auto": True},
            reason=reason,
        )
    return True


def workorder_appellants_viewed(*, actor, order: WorkOrder) -> None:
    """Record that someone saw the appellants' full names and phone numbers (PIPL: views of
    personal data are logged). Called by the pages and the API when they show them unmasked."""
    audit_record(
        actor=actor,
        action="appellant.view",
        object_type="workorder",
        object_id=order.pk,
        after={"appeals": list(order.appeals.values_list("tracking_code", flat=True))},
    )


def appellant_phone_searched(*, actor, phone: str, found: int) -> None:
    """Record that someone looked for a caller by their full number (PIPL: a search by personal
    data is logged like a view of it). The number is kept masked."""
    audit_record(
        actor=actor,
        action="appellant.search",
        object_type="phone",
        object_id=mask_phone(phone_key(phone)),
        after={"found": found},
    )
