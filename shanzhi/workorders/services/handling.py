"""The actions of domain.md §2 after registration, one service each. Every service locks the
order, checks its guard (role: 403; state: 409), changes the order, records the audit event and
notifies on commit (the steps of the case kit, `core.cases`). Each service is named, with its
guard, form and schema, in the registry of `workorders/actions.py`."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.errors import Conflict, InvalidInput
from shanzhi.core.ids import parse_id
from shanzhi.knowledge.selectors import entry_citable
from shanzhi.org.choices import UnitKind
from shanzhi.org.models import Unit
from shanzhi.territory.choices import RegionLevel, ancestor_codes, territory_prefix
from shanzhi.workorders.choices import (
    ACTIVE_ASSIGNMENT,
    CLOSED_STATES,
    Action,
    AssignmentRole,
    AssignmentState,
    AttachmentStep,
    ExtensionState,
    ReplyResult,
    ReturnReason,
    State,
    Supervision,
)
from shanzhi.workorders.models import (
    Assignment,
    DispatchRule,
    ExtensionRequest,
    WorkOrder,
)
from shanzhi.workorders.services import deadlines
from shanzhi.workorders.services.base import (
    begin,
    lock,
    save,
    tell_appellants,
    tell_units,
    version_expected,
)
from shanzhi.workorders.services.routing import dispatch_unit_for
from shanzhi.workorders.services.steps import (
    clear_clock,
    iso,
    text_input,
    withdraw_assignments,
)
from shanzhi.workorders.services.uploads import (
    Upload,
    check_uploads,
    discard_stored,
    store_uploads,
)

MAX_EXTENSION_DAYS = 60


# -- the actions -------------------------------------------------------------------------------


def workorder_answer_directly(*, actor, order_id, answer: str, entry=None) -> WorkOrder:
    """直办: the operator answers a consultation on the spot; the order waits for the rating.
    The answer may cite the knowledge-base entry it comes from (valid today), which the order's
    history names."""
    answer = text_input(answer, "answer")
    cited = entry_citable(entry) if entry else None
    with transaction.atomic():
        order = begin(order_id, actor, Action.ANSWER_DIRECTLY).order
        now = timezone.now()
        order.state = State.PENDING_RATING
        order.answered_directly = True
        order.reply_result, order.reply_text = ReplyResult.SOLVED, answer
        order.replied_at = order.verified_at = now
        save(
            order,
            [
                "state",
                "answered_directly",
                "reply_result",
                "reply_text",
                "replied_at",
                "verified_at",
            ],
            actor=actor,
            action=Action.ANSWER_DIRECTLY,
            before={"state": State.PENDING_DISPATCH},
            after={
                "state": order.state,
                "answer": answer,
                **(
                    {"knowledge_entry": cited.pk, "knowledge_question": cited.question}
                    if cited
                    else {}
                ),
            },
        )
        tell_appellants(
            order,
            "appeal.replied",
            lambda code: _("您的诉求（查询码 %(code)s）已答复，请查看并评价。") % {"code": code},
        )
    return order


def _unit_covers(unit: Unit, area_code: str) -> bool:
    """A unit may take an order in its jurisdiction (a county department: the whole county)."""
    return area_code.startswith(territory_prefix(unit.region_id))


def workorder_merge(*, actor, order_id, into_id) -> WorkOrder:
    """合并: a duplicate's appeals join an open work order; every appellant gets its answer."""
    from shanzhi.workorders.selectors import workorder_get_for

    with transaction.atomic():
        source = begin(order_id, actor, Action.MERGE).order
        target = workorder_get_for(actor, into_id)
        target = lock(target.pk)
        if target.pk == source.pk:
            raise InvalidInput(_("不能合并到自身"), "into")
        if target.state in CLOSED_STATES:
            raise Conflict(_("目标工单已关闭，不能并入"))
        moved = list(source.appeals.values_list("tracking_code", flat=True))
        source.appeals.update(work_order=target, is_primary=False)
        source.attachments.update(work_order=target)
        before = {"state": source.state}
        source.state, source.merged_into, source.closed_at = State.MERGED, target, timezone.now()
        save(
            source,
            ["state", "merged_into", "closed_at"],
            actor=actor,
            action=Action.MERGE,
            before=before,
            after={"state": source.state, "into": target.code},
        )
        save(
            target,
            [],
            actor=actor,
            action=Action.MERGE,
            before={"state": target.state},
            after={"state": target.state, "from": source.code, "appeals": moved},
        )
        if target.state == State.PENDING_RATING:
            tell_appellants(
                target,
                "appeal.replied",
                lambda code: (
                    _("您的诉求（查询码 %(code)s）已答复，请查看并评价。") % {"code": code}
                ),
            )
    return target


def workorder_dispatch(
    *, actor, order_id, lead_unit_id, co_unit_ids=(), note: str = "", rule_id=None
) -> WorkOrder:
    """派单 to a lead unit and optional co-units; from 待签收 or 办理中 this is 改派, and after a
    return it is the ruling (审定). The deadlines start now, by the rule for the lead's level.

    改派 must name the version of the order the dispatcher saw (If-Match, or the page's hidden
    field): two dispatchers dispatching the same new order at once would otherwise both
    succeed, the second as an unintended 改派. So one wins and the other gets 409."""
    note = text_input(note, "note", required=False)
    with transaction.atomic():
        ctx = begin(order_id, actor, Action.DISPATCH)
        order = ctx.order
        if order.state != State.PENDING_DISPATCH and not version_expected():
            redispatch = _(
                "工单已派出（当前“%(state)s”）；如需改派，请刷新后基于最新版本操作（API 须带 If-Match）"  # noqa: E501
            )
            raise Conflict(redispatch % {"state": State(order.state).label})
        if rule_id is not None:
            rule_id = parse_id(rule_id)
            if rule_id is None or not DispatchRule.objects.filter(pk=rule_id).exists():
                raise InvalidInput(_("派单规则不存在"), "rule")
        lead_id = _int(lead_unit_id, "lead_unit")
        co_ids = list(dict.fromkeys(_int(u, "co_units") for u in co_unit_ids))
        units = {
            u.pk: u
            for u in Unit.objects.select_related("region").filter(
                pk__in=[lead_id, *co_ids], is_active=True
            )
        }
        # One message for a unit that does not exist, is inactive or may not handle the area,
        # and none names the unit: a dispatcher learns nothing of units they may not see.
        refused = {
            "lead_unit": _("所选主办单位不存在或不能承办该区域的工单"),
            "co_units": _("所选协办单位不存在或不能承办该区域的工单"),
        }
        lead = units.get(lead_id)
        if lead is None:
            raise InvalidInput(refused["lead_unit"], "lead_unit")
        if lead.pk in co_ids:
            raise InvalidInput(_("主办单位不能同时是协办单位"), "co_units")
        if any(u not in units for u in co_ids):
            raise InvalidInput(refused["co_units"], "co_units")
        for unit in [lead, *(units[u] for u in co_ids)]:
            if unit.kind in (UnitKind.CENTRE, UnitKind.COMMAND_ROOM) or not _unit_covers(
                unit, order.area_code
            ):
                field = "lead_unit" if unit is lead else "co_units"
                raise InvalidInput(refused[field], field)
        before = {"state": order.state, "lead_unit": order.lead_unit_id}
        withdraw_assignments(order)
        now = timezone.now()
        Assignment.objects.bulk_create(
            [
                Assignment(
                    work_order=order,
                    unit=lead,
                    role=AssignmentRole.LEAD,
                    state=AssignmentState.PENDING_SIGN,
                    assigned_at=now,
                )
            ]
            + [
                Assignment(
                    work_order=order,
                    unit=units[u],
                    role=AssignmentRole.CO,
                    state=AssignmentState.PENDING_SIGN,
                    assigned_at=now,
                )
                for u in co_ids
            ]
        )
        order.state = State.PENDING_SIGN
        order.lead_unit = lead
        order.dispatched_at = now
        order.signed_at = order.replied_at = None
        order.reply_result, order.reply_text = "", ""
        limits = deadlines.start_clock(order, now=now, level=lead.region.level)
        save(
            order,
            [
                "state",
                "lead_unit",
                "dispatched_at",
                "signed_at",
                "replied_at",
                "reply_result",
                "reply_text",
                *deadlines.DEADLINE_FIELDS,
            ],
            actor=actor,
            action=Action.DISPATCH,
            before=before,
            after={
                "state": order.state,
                "lead_unit": lead.pk,
                "lead_unit_name": lead.name,
                "co_units": co_ids,
                "rule": rule_id,
                "deadline_rule": limits.rule_id,
                "sign_deadline": iso(order.sign_deadline),
                "handle_deadline": iso(order.handle_deadline),
            },
            reason=note,
        )
        tell_units(
            order,
            "workorder.assigned",
            _("新工单待签收：%(code)s %(title)s") % {"code": order.code, "title": order.title},
            lead.pk,
            *co_ids,
        )
    return order


def _int(value, field: str) -> int:
    number = parse_id(value)
    if number is None:
        raise InvalidInput(_("单位编号必须是正整数"), field)
    return number


def workorder_sign(*, actor, order_id) -> WorkOrder:
    """签收: the lead unit takes the order; the handling stage starts."""
    with transaction.atomic():
        order = begin(order_id, actor, Action.SIGN).order
        now = timezone.now()
        on_time = bool(order.sign_deadline and now <= order.sign_deadline)
        order.state, order.signed_at = State.HANDLING, now
        Assignment.objects.filter(
            work_order=order, unit=order.lead_unit, state=AssignmentState.PENDING_SIGN
        ).update(state=AssignmentState.SIGNED, signed_at=now, signed_in_time=on_time)
        save(
            order,
            ["state", "signed_at"],
            actor=actor,
            action=Action.SIGN,
            before={"state": State.PENDING_SIGN},
            after={"state": order.state, "on_time": on_time},
            at=now,
        )
    return order


def workorder_return(*, actor, order_id, reason: str, note: str) -> WorkOrder:
    """退单: the lead unit sends the order back to the dispatcher with a reason."""
    if reason not in ReturnReason.values:
        raise InvalidInput(_("请选择退单理由"), "reason")
    note = text_input(note, "note")
    with transaction.atomic():
        order = begin(order_id, actor, Action.RETURN).order
        before = {"state": order.state, "lead_unit": order.lead_unit_id}
        Assignment.objects.filter(
            work_order=order,
            unit=order.lead_unit,
            role=AssignmentRole.LEAD,
            state__in=ACTIVE_ASSIGNMENT,
        ).update(state=AssignmentState.RETURNED, return_reason=reason)
        Assignment.objects.filter(
            work_order=order, role=AssignmentRole.CO, state__in=ACTIVE_ASSIGNMENT
        ).update(state=AssignmentState.WITHDRAWN)
        order.state = State.PENDING_DISPATCH
        order.returns_count += 1
        order.signed_at = None
        fields = clear_clock(order)
        save(
            order,
            ["state", "returns_count", "signed_at", *fields],
            actor=actor,
            action=Action.RETURN,
            before=before,
            after={
                "state": order.state,
                "reason": reason,
                "reason_label": str(ReturnReason(reason).label),
            },
            reason=note,
        )
        tell_units(
            order,
            "workorder.returned",
            _("工单 %(code)s 被退回：%(reason)s")
            % {"code": order.code, "reason": ReturnReason(reason).label},
            order.dispatch_unit_id,
        )
    return order


def workorder_request_extension(*, actor, order_id, days, reason: str) -> ExtensionRequest:
    """延期申请 by the lead unit, in working days."""
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise InvalidInput(_("延期天数必须是整数"), "days") from None
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput(
            _("延期天数应在 1 到 %(n)s 个工作日之间") % {"n": MAX_EXTENSION_DAYS}, "days"
        )
    reason = text_input(reason, "reason")
    with transaction.atomic():
        order = begin(order_id, actor, Action.REQUEST_EXTENSION).order
        request = ExtensionRequest.objects.create(
            work_order=order,
            unit=order.lead_unit,
            days=days,
            reason=reason,
            state=ExtensionState.PENDING,
            requested_at=timezone.now(),
        )
        save(
            order,
            [],
            actor=actor,
            action=Action.REQUEST_EXTENSION,
            before={"state": order.state},
            after={"state": order.state, "extension": request.pk, "days": days},
            reason=reason,
        )
        tell_units(
            order,
            "workorder.extension_requested",
            _("工单 %(code)s 申请延期 %(days)s 个工作日") % {"code": order.code, "days": days},
            order.dispatch_unit_id,
        )
    return request


def workorder_decide_extension(*, actor, order_id, approve: bool, note: str = "") -> WorkOrder:
    """The dispatching level approves (the deadline moves) or refuses an extension request."""
    note = text_input(note, "note", required=not approve)
    with transaction.atomic():
        ctx = begin(order_id, actor, Action.DECIDE_EXTENSION)
        order, request = ctx.order, ctx.pending_extension
        before = {"handle_deadline": iso(order.handle_deadline)}
        now = timezone.now()
        request.state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
        request.decided_at, request.decision_note = now, note
        request.save(update_fields=["state", "decided_at", "decision_note"])
        if approve:
            deadlines.extend(order, days=request.days, now=now)
        save(
            order,
            deadlines.DEADLINE_FIELDS if approve else [],
            actor=actor,
            action=Action.DECIDE_EXTENSION,
            before=before,
            after={
                "extension": request.pk,
                "approved": approve,
                "days": request.days,
                "handle_deadline": iso(order.handle_deadline),
            },
            reason=note,
        )
        tell_units(
            order,
            "workorder.extension_decided",
            (
                _("工单 %(code)s 的延期申请已批准")
                if approve
                else _("工单 %(code)s 的延期申请被驳回")
            )
            % {"code": order.code},
            order.lead_unit_id,
        )
    return order


def workorder_suspend(*, actor, order_id, reason: str) -> WorkOrder:
    """挂起: the deadline clock stops (e.g. waiting for a court ruling)."""
    reason = text_input(reason, "reason")
    with transaction.atomic():
        order = begin(order_id, actor, Action.SUSPEND).order
        before = {"state": order.state}
        order.suspended_from, order.state = order.state, State.SUSPENDED
        order.suspended_at = timezone.now()
        save(
            order,
            ["state", "suspended_from", "suspended_at"],
            actor=actor,
            action=Action.SUSPEND,
            before=before,
            after={"state": order.state},
            reason=reason,
        )
        tell_units(
            order,
            "workorder.suspended",
            _("工单 %(code)s 已挂起") % {"code": order.code},
            order.lead_unit_id,
        )
    return order


def workorder_resume(*, actor, order_id, note: str = "") -> WorkOrder:
    """恢复: the clock runs again; every open deadline moves by the time spent suspended."""
    note = text_input(note, "note", required=False)
    with transaction.atomic():
        order = begin(order_id, actor, Action.RESUME).order
        now = timezone.now()
        paused = now - order.suspended_at
        deadlines.resume(order, suspended_at=order.suspended_at, now=now)
        order.state, order.suspended_from = order.suspended_from, ""
        order.suspended_at = None
        save(
            order,
            ["state", "suspended_from", "suspended_at", *deadlines.DEADLINE_FIELDS],
            actor=actor,
            action=Action.RESUME,
            before={"state": State.SUSPENDED},
            after={
                "state": order.state,
                "paused_seconds": int(paused.total_seconds()),
                "handle_deadline": iso(order.handle_deadline),
            },
            reason=note,
        )
        tell_units(
            order,
            "workorder.resumed",
            _("工单 %(code)s 已恢复办理") % {"code": order.code},
            order.lead_unit_id,
        )
    return order


def workorder_hand_over(order: WorkOrder, *, actor, action: str, reason: str, after: dict):
    """Suspend an order, locked by `begin(…, action)`, while a process outside the work-order
    loop takes its matter (转调解: a people's mediation case): its deadlines stand still until
    `workorder_take_back`. Call in the transaction that began the action."""
    before = {"state": order.state}
    order.suspended_from, order.state = order.state, State.SUSPENDED
    order.suspended_at = timezone.now()
    return save(
        order,
        ["state", "suspended_from", "suspended_at"],
        actor=actor,
        action=action,
        before=before,
        after={"state": order.state, **after},
        reason=reason,
    )


def workorder_take_back(*, actor, order_id, result: str, text: str) -> WorkOrder | None:
    """The process an order was handed over to has ended: the clock runs again (its deadlines
    move by the time it stood still, as after 恢复) and the outcome is the lead unit's reply,
    which the dispatcher verifies like any other. An order no longer waiting (the dispatcher
    resumed it meanwhile) is left as it is. Call in the transaction of the ending."""
    order = (
        WorkOrder.objects.select_for_update()
        .filter(pk=order_id, state=State.SUSPENDED, suspended_from=State.HANDLING)
        .first()
    )
    if order is None:
        return None
    now = timezone.now()
    deadlines.resume(order, suspended_at=order.suspended_at, now=now)
    order.suspended_from, order.suspended_at = "", None
    moved = ["suspended_from", "suspended_at", *deadlines.DEADLINE_FIELDS]
    return _record_reply(order, actor, result, text, now, State.SUSPENDED, moved, {})


def workorder_note(*, actor, order_id, text: str, public: bool = False) -> WorkOrder:
    """过程反馈: a progress note in the timeline; public notes reach the appellant too."""
    text = text_input(text, "text")
    with transaction.atomic():
        order = begin(order_id, actor, Action.NOTE).order
        save(
            order,
            [],
            actor=actor,
            action=Action.NOTE,
            before={"state": order.state},
            after={"state": order.state, "text": text, "public": bool(public)},
        )
    return order


def _dispatch_unit_above(unit: Unit) -> Unit:
    """The triage unit one level above a unit: village → township command room, township →
    county centre, county → city centre."""

    level = RegionLevel(unit.region.level)
    if level in (RegionLevel.CITY, RegionLevel.PROVINCE):
        raise Conflict(_("已是最高层级，不能再上报"))
    parent_code = ancestor_codes(unit.region_id)[0]
    if level == RegionLevel.VILLAGE:
        return dispatch_unit_for(unit.region_id)
    return dispatch_unit_for(parent_code)


def workorder_escalate(*, actor, order_id, reason: str) -> WorkOrder:
    """上报: a matter that cannot be solved at this level goes to the triage unit one level up
    (小事不出村、大事不出镇、矛盾不上交: escalation is counted)."""
    reason = text_input(reason, "reason")
    with transaction.atomic():
        ctx = begin(order_id, actor, Action.ESCALATE)
        order = ctx.order
        from_unit = (
            order.lead_unit if ctx.actor.leads(order) and order.lead_unit else (order.dispatch_unit)
        )
        target = _dispatch_unit_above(from_unit)
        before = {
            "state": order.state,
            "dispatch_unit": order.dispatch_unit_id,
            "lead_unit": order.lead_unit_id,
        }
        withdraw_assignments(order)
        order.state = State.PENDING_DISPATCH
        order.dispatch_unit = target
        order.escalations_count += 1
        order.signed_at = None
        fields = clear_clock(order)
        save(
            order,
            ["state", "dispatch_unit", "escalations_count", "signed_at", *fields],
            actor=actor,
            action=Action.ESCALATE,
            before=before,
            after={
                "state": order.state,
                "dispatch_unit": target.pk,
                "dispatch_unit_name": target.name,
            },
            reason=reason,
        )
        tell_units(
            order,
            "workorder.escalated",
            _("下级上报工单 %(code)s：%(title)s") % {"code": order.code, "title": order.title},
            target.pk,
        )
    return order


def workorder_supervise(*, actor, order_id, level: str, note: str) -> WorkOrder:
    """督办: 普通 / 黄牌 / 红牌 (a red card counts against the unit in the ranking)."""
    if level not in (Supervision.NORMAL, Supervision.YELLOW, Supervision.RED):
        raise InvalidInput(_("请选择督办等级"), "level")
    note = text_input(note, "note")
    with transaction.atomic():
        order = begin(order_id, actor, Action.SUPERVISE).order
        before = {"supervision": order.supervision}
        order.supervision = level
        save(
            order,
            ["supervision"],
            actor=actor,
            action=Action.SUPERVISE,
            before=before,
            after={"supervision": level, "lead_unit": order.lead_unit_id},
            reason=note,
        )
        tell_units(
            order,
            "workorder.supervised",
            _("%(level)s：工单 %(code)s，%(note)s")
            % {"level": Supervision(level).label, "code": order.code, "note": note},
            order.lead_unit_id,
            order.dispatch_unit_id,
        )
    return order


def workorder_reply(
    *,
    actor,
    order_id,
    result: str,
    text: str,
    uploads: list[Upload] = (),
    photos_public: bool = False,
) -> WorkOrder:
    """回复/办结: the lead unit's answer, with the result and files of what was done (办理后照片,
    shown to the dispatcher who verifies and, when `photos_public`, on the tracking page); the
    dispatcher verifies it next."""
    if result not in ReplyResult.values:
        raise InvalidInput(_("请选择办理结果"), "result")
    text = text_input(text, "text")
    checked = check_uploads(list(uploads))
    stored: list[str] = []
    try:
        return _reply(actor, order_id, result, text, checked, bool(photos_public), stored)
    except BaseException:
        discard_stored(stored)  # the rows are rolled back; the files must go too
        raise


def _reply(actor, order_id, result, text, checked, photos_public, stored) -> WorkOrder:
    with transaction.atomic():
        order = begin(order_id, actor, Action.REPLY).order
        now = timezone.now()
        store_uploads(
            checked,
            order=order,
            appeal=None,
            actor_user=actor if getattr(actor, "is_authenticated", False) else None,
            stored=stored,
            step=AttachmentStep.REPLY,
            public=photos_public,
        )
        files = {"files": len(checked), "files_public": photos_public} if checked else {}
        return _record_reply(order, actor, result, text, now, State.HANDLING, [], files)


def _record_reply(order, actor, result, text, now, was: str, fields: list[str], after: dict):
    """The lead unit's answer on a locked order: the order waits for verification, the lead
    assignment is answered, the dispatcher told."""
    order.state = State.PENDING_VERIFY
    order.replied_at, order.reply_result, order.reply_text = now, result, text
    Assignment.objects.filter(
        work_order=order,
        unit=order.lead_unit,
        role=AssignmentRole.LEAD,
        state=AssignmentState.SIGNED,
    ).update(state=AssignmentState.REPLIED, replied_at=now, reply_text=text)
    save(
        order,
        ["state", "replied_at", "reply_result", "reply_text", *fields],
        actor=actor,
        action=Action.REPLY,
        before={"state": was},
        after={
            "state": order.state,
            "result": result,
            "text": text,
            "on_time": bool(order.handle_deadline and now <= order.handle_deadline),
            **after,
        },
        at=now,
    )
    tell_units(
        order,
        "workorder.replied",
        _("工单 %(code)s 已回复，待核查") % {"code": order.code},
        order.dispatch_unit_id,
    )
    return order


def workorder_co_reply(*, actor, order_id, text: str) -> WorkOrder:
    """协办意见: a co-unit's contribution, seen by the lead unit and the dispatcher."""
    text = text_input(text, "text")
    with transaction.atomic():
        ctx = begin(order_id, actor, Action.CO_REPLY)
        order = ctx.order
        units = ctx.actor.co_handles(order, ctx.co_unit_ids)
        now = timezone.now()
        Assignment.objects.filter(
            work_order=order, unit_id__in=units, role=AssignmentRole.CO, state__in=ACTIVE_ASSIGNMENT
        ).update(state=AssignmentState.REPLIED, replied_at=now, reply_text=text)
        save(
            order,
            [],
            actor=actor,
            action=Action.CO_REPLY,
            before={"state": order.state},
            after={"state": order.state, "units": sorted(units), "text": text},
        )
        tell_units(
            order,
            "workorder.co_replied",
            _("工单 %(code)s 收到协办意见") % {"code": order.code},
            order.lead_unit_id,
        )
    return order
