"""Guards: who may take each action on a work order, and in which state. A guard raises
Forbidden (403: not this person's role) or Conflict (409: not in this state). The registry in
`workorders/actions.py` names each action's guard; the kit (`core.cases`) calls it on the locked
row in every service, and for the page and the API to offer exactly what a person may do."""

from django.utils.translation import gettext as _

from shanzhi.core.errors import Conflict
from shanzhi.workorders.access import settles_on_the_spot
from shanzhi.workorders.choices import DIRECT_ANSWER_NATURES, FINISHED_STATES, State
from shanzhi.workorders.services.base import WorkOrderContext, require, require_state


def guard_answer_directly(ctx: WorkOrderContext) -> None:
    """直办 by an operator or dispatcher; or 就地化解: a grid worker settles on the spot what they
    have just reported themselves (小事不出村), whatever its nature."""
    order = ctx.order
    require_state(order, State.PENDING_DISPATCH)
    if settles_on_the_spot(ctx.actor, order):
        return
    require(ctx.actor.phones_appellants(order), _("只有话务员或分拨员可以直接答复"))
    if order.nature not in DIRECT_ANSWER_NATURES:
        raise Conflict(_("只有咨询、求助、建议和表扬类诉求可以直接答复"))


def guard_dispatcher(*states):
    def guard(ctx: WorkOrderContext) -> None:
        require(ctx.actor.dispatches(ctx.order), _("只有本工单的分拨单位可以执行此操作"))
        require_state(ctx.order, *states)

    return guard


def guard_lead(*states):
    def guard(ctx: WorkOrderContext) -> None:
        require(ctx.actor.leads(ctx.order), _("只有主办单位可以执行此操作"))
        require_state(ctx.order, *states)

    return guard


def guard_request_extension(ctx: WorkOrderContext) -> None:
    guard_lead(State.HANDLING)(ctx)
    if ctx.pending_extension is not None:
        raise Conflict(_("已有一份延期申请待审批"))


def guard_decide_extension(ctx: WorkOrderContext) -> None:
    guard_dispatcher(State.PENDING_SIGN, State.HANDLING, State.SUSPENDED)(ctx)
    if ctx.pending_extension is None:
        raise Conflict(_("没有待审批的延期申请"))


def guard_note(ctx: WorkOrderContext) -> None:
    require(
        ctx.actor.leads(ctx.order) or ctx.actor.co_handles(ctx.order, ctx.co_unit_ids),
        _("只有承办单位可以反馈办理过程"),
    )
    require_state(ctx.order, State.PENDING_SIGN, State.HANDLING)


def guard_co_reply(ctx: WorkOrderContext) -> None:
    require(ctx.actor.co_handles(ctx.order, ctx.co_unit_ids), _("只有协办单位可以提交协办意见"))
    require_state(ctx.order, State.PENDING_SIGN, State.HANDLING)


def guard_escalate(ctx: WorkOrderContext) -> None:
    order = ctx.order
    if ctx.actor.leads(order) and order.state in (State.PENDING_SIGN, State.HANDLING):
        return
    require(
        ctx.actor.dispatches(order) or ctx.actor.leads(order), _("只有承办单位或分拨单位可以上报")
    )
    require_state(order, State.PENDING_DISPATCH)


def guard_supervise(ctx: WorkOrderContext) -> None:
    require(ctx.actor.supervises(ctx.order), _("只有领导、指挥长或分拨单位可以督办"))
    if ctx.order.state in FINISHED_STATES:
        raise Conflict(_("工单已办结，不能督办"))


def guard_rate_by_phone(ctx: WorkOrderContext) -> None:
    require(ctx.actor.phones_appellants(ctx.order), _("只有话务员或分拨员可以登记电话回访"))
    require_state(ctx.order, State.PENDING_RATING)
