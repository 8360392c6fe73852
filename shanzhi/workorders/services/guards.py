"""Guards: who may take each action on a work order, and in which state. A guard raises
Forbidden (403: not this person's role) or Conflict (409: not in this state); the services call
them on the locked row, and `allowed_actions` calls them to offer exactly what a person may do."""

from django.utils.translation import gettext as _

from shanzhi.core.errors import Conflict, ServiceError
from shanzhi.workorders.choices import DIRECT_ANSWER_NATURES, FINISHED_STATES, Action, State
from shanzhi.workorders.models import WorkOrder
from shanzhi.workorders.services.base import (
    Context,
    check_version,
    lock,
    require,
    require_state,
)


def guard_answer_directly(ctx: Context) -> None:
    """直办 by an operator or dispatcher; or 就地化解: a grid worker settles on the spot what they
    have just reported themselves (小事不出村), whatever its nature."""
    order = ctx.order
    require_state(order, State.PENDING_DISPATCH)
    if ctx.actor.settles_on_the_spot(order):
        return
    require(ctx.actor.phones_appellants(order), _("只有话务员或分拨员可以直接答复"))
    if order.nature not in DIRECT_ANSWER_NATURES:
        raise Conflict(_("只有咨询、求助、建议和表扬类诉求可以直接答复"))


def guard_dispatcher(*states):
    def guard(ctx: Context) -> None:
        require(ctx.actor.dispatches(ctx.order), _("只有本工单的分拨单位可以执行此操作"))
        require_state(ctx.order, *states)

    return guard


def guard_lead(*states):
    def guard(ctx: Context) -> None:
        require(ctx.actor.leads(ctx.order), _("只有主办单位可以执行此操作"))
        require_state(ctx.order, *states)

    return guard


def guard_request_extension(ctx: Context) -> None:
    guard_lead(State.HANDLING)(ctx)
    if ctx.pending_extension is not None:
        raise Conflict(_("已有一份延期申请待审批"))


def guard_decide_extension(ctx: Context) -> None:
    guard_dispatcher(State.PENDING_SIGN, State.HANDLING, State.SUSPENDED)(ctx)
    if ctx.pending_extension is None:
        raise Conflict(_("没有待审批的延期申请"))


def guard_note(ctx: Context) -> None:
    require(
        ctx.actor.leads(ctx.order) or ctx.actor.co_handles(ctx.order, ctx.co_unit_ids),
        _("只有承办单位可以反馈办理过程"),
    )
    require_state(ctx.order, State.PENDING_SIGN, State.HANDLING)


def guard_co_reply(ctx: Context) -> None:
    require(ctx.actor.co_handles(ctx.order, ctx.co_unit_ids), _("只有协办单位可以提交协办意见"))
    require_state(ctx.order, State.PENDING_SIGN, State.HANDLING)


def guard_escalate(ctx: Context) -> None:
    order = ctx.order
    if ctx.actor.leads(order) and order.state in (State.PENDING_SIGN, State.HANDLING):
        return
    require(
        ctx.actor.dispatches(order) or ctx.actor.leads(order), _("只有承办单位或分拨单位可以上报")
    )
    require_state(order, State.PENDING_DISPATCH)


def guard_supervise(ctx: Context) -> None:
    require(ctx.actor.supervises(ctx.order), _("只有领导、指挥长或分拨单位可以督办"))
    if ctx.order.state in FINISHED_STATES:
        raise Conflict(_("工单已办结，不能督办"))


def guard_rate_by_phone(ctx: Context) -> None:
    require(ctx.actor.phones_appellants(ctx.order), _("只有话务员或分拨员可以登记电话回访"))
    require_state(ctx.order, State.PENDING_RATING)


GUARDS = {
    Action.ANSWER_DIRECTLY: guard_answer_directly,
    Action.MERGE: guard_dispatcher(State.PENDING_DISPATCH),
    Action.DISPATCH: guard_dispatcher(State.PENDING_DISPATCH, State.PENDING_SIGN, State.HANDLING),
    Action.SIGN: guard_lead(State.PENDING_SIGN),
    Action.RETURN: guard_lead(State.PENDING_SIGN, State.HANDLING),
    Action.REQUEST_EXTENSION: guard_request_extension,
    Action.DECIDE_EXTENSION: guard_decide_extension,
    Action.SUSPEND: guard_dispatcher(State.PENDING_SIGN, State.HANDLING),
    Action.RESUME: guard_dispatcher(State.SUSPENDED),
    Action.NOTE: guard_note,
    Action.ESCALATE: guard_escalate,
    Action.SUPERVISE: guard_supervise,
    Action.REPLY: guard_lead(State.HANDLING),
    Action.CO_REPLY: guard_co_reply,
    Action.VERIFY: guard_dispatcher(State.PENDING_VERIFY),
    Action.RATE: guard_rate_by_phone,
}


def allowed_actions(user, order: WorkOrder) -> list[str]:
    """The actions this person may take on the order now, in the order of GUARDS."""
    ctx = Context.load(order, user)
    allowed = []
    for action, guard in GUARDS.items():
        try:
            guard(ctx)
        except ServiceError:
            continue
        allowed.append(action)
    return allowed


def begin(order_id, user, action: str) -> Context:
    """Lock the order and check the action's guard: the first step of every action."""
    ctx = Context.load(lock(order_id), user)
    # A stale view is a conflict (409), whatever the guard would now say of the person's role.
    check_version(ctx.order)
    GUARDS[action](ctx)
    return ctx
