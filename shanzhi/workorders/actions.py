"""Every action on a work order, declared once: its guard (who, in which state), its service,
the detail page's form, the API's body schema, how each interface's input becomes the service's
arguments, and the message after success. The detail page's forms, its list of allowed actions,
the API's per-action routes (POST /workorders/{id}/actions/<name>) and the services' guard checks
are all built from this registry: adding an action is one `ACTIONS.add` here (and its service,
form and schema).

The order of the registry is the order in which the detail page offers the actions."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanzhi.core.cases import Actions
from shanzhi.core.errors import InvalidInput, NotFound
from shanzhi.org.access import Actor
from shanzhi.workorders import forms, schemas, selectors, services
from shanzhi.workorders.case import WORKORDER
from shanzhi.workorders.choices import Action, RatingVia, State
from shanzhi.workorders.services.guards import (
    guard_answer_directly,
    guard_co_reply,
    guard_decide_extension,
    guard_dispatcher,
    guard_escalate,
    guard_lead,
    guard_note,
    guard_rate_by_phone,
    guard_request_extension,
    guard_supervise,
)

ACTIONS = Actions(WORKORDER, Actor.of)


def _fields(form, user, order) -> dict:
    """A page form whose fields are the service's arguments."""
    return dict(form.cleaned_data)


def _body(payload) -> dict:
    """An API body whose fields are the service's arguments."""
    return payload.dict()


def _merge_target(form, user, order) -> dict:
    """The page names the target by its code (or id) as people see it on paper."""
    text = form.cleaned_data["target"].strip().upper()
    visible = selectors.workorders_visible_to(user)
    target = visible.filter(code=text).values_list("pk", flat=True).first()
    if target is None and text.isdigit():
        target = visible.filter(pk=int(text)).values_list("pk", flat=True).first()
    if target is None:
        raise InvalidInput(_("找不到编号为 %(code)s 的工单") % {"code": text}, "target")
    return {"into_id": target}


def _dispatch_page(form, user, order) -> dict:
    data = form.cleaned_data
    return {
        "lead_unit_id": data["lead_unit"],
        "co_unit_ids": data["co_units"],
        "note": data["note"],
        "rule_id": form.rule_id(data["lead_unit"]),
    }


def _dispatch_api(p) -> dict:
    return {
        "lead_unit_id": p.lead_unit,
        "co_unit_ids": p.co_units,
        "note": p.note,
        "rule_id": p.rule,
    }


def _decision(word: str, argument: str):
    """The pages ask for a decision by a radio button; the service takes a yes or no."""

    def page(form, user, order) -> dict:
        return {argument: form.cleaned_data["decision"] == word, "note": form.cleaned_data["note"]}

    return page


def _reply_page(form, user, order) -> dict:
    data = form.cleaned_data
    return {
        "result": data["result"],
        "text": data["text"],
        "uploads": [services.Upload(name=f.name, file=f, size=f.size) for f in data["photos"]],
        "photos_public": data["photos_public"],
    }


def _rating_page(form, user, order) -> dict:
    data = form.cleaned_data
    appeal = order.appeals.filter(pk=data["appeal"]).first()
    if appeal is None:
        raise NotFound(_("诉求不存在"), "appeal")
    return {
        "tracking_code": appeal.tracking_code,
        "rating": data["rating"],
        "comment": data["comment"],
        "via": RatingVia.PHONE,
    }


def _rating_api(p) -> dict:
    return {
        "tracking_code": p.appeal,
        "rating": p.rating,
        "comment": p.comment,
        "via": RatingVia.PHONE,
    }


ACTIONS.add(
    Action.ANSWER_DIRECTLY,
    guard_answer_directly,
    service=services.workorder_answer_directly,
    form=forms.AnswerDirectlyForm,
    schema=schemas.AnswerIn,
    summary="直办 · Answer directly",
    done=gettext_lazy("已直接答复，等待回访"),
)
ACTIONS.add(
    Action.MERGE,
    guard_dispatcher(State.PENDING_DISPATCH),
    service=services.workorder_merge,
    form=forms.MergeForm,
    page=_merge_target,
    schema=schemas.MergeIn,
    api=lambda p: {"into_id": p.into},
    summary="合并 · Merge into another work order",
    done=lambda target, arguments: _("已并入工单 %(code)s") % {"code": target.code},
)
ACTIONS.add(
    # On an order already waiting for sign-for or being handled this is 改派, which needs the
    # version the person saw (the service refuses it without, see docs/workorders.md).
    Action.DISPATCH,
    guard_dispatcher(State.PENDING_DISPATCH, State.PENDING_SIGN, State.HANDLING),
    service=services.workorder_dispatch,
    form=forms.DispatchForm,
    page=_dispatch_page,
    schema=schemas.DispatchIn,
    api=_dispatch_api,
    summary="派单/改派 · Dispatch or re-dispatch",
    done=lambda order, arguments: _("已派单至 %(unit)s") % {"unit": order.lead_unit.name},
)
ACTIONS.add(
    Action.SIGN,
    guard_lead(State.PENDING_SIGN),
    service=services.workorder_sign,
    form=forms.SignForm,
    schema=schemas.Empty,
    summary="签收 · Sign for",
    done=gettext_lazy("已签收"),
)
ACTIONS.add(
    Action.RETURN,
    guard_lead(State.PENDING_SIGN, State.HANDLING),
    service=services.workorder_return,
    form=forms.ReturnForm,
    schema=schemas.ReturnIn,
    summary="退单 · Return to the dispatcher",
    done=gettext_lazy("已退单"),
)
ACTIONS.add(
    Action.REQUEST_EXTENSION,
    guard_request_extension,
    service=services.workorder_request_extension,
    form=forms.RequestExtensionForm,
    schema=schemas.ExtensionIn,
    summary="延期申请 · Ask for more time",
    done=gettext_lazy("延期申请已提交"),
)
ACTIONS.add(
    Action.DECIDE_EXTENSION,
    guard_decide_extension,
    service=services.workorder_decide_extension,
    form=forms.DecideExtensionForm,
    page=_decision("approve", "approve"),
    schema=schemas.DecisionIn,
    summary="延期审批 · Decide an extension request",
    done=lambda result, arguments: _("已批准延期") if arguments["approve"] else _("已驳回延期申请"),
)
ACTIONS.add(
    Action.SUSPEND,
    guard_dispatcher(State.PENDING_SIGN, State.HANDLING),
    service=services.workorder_suspend,
    form=forms.SuspendForm,
    schema=schemas.ReasonIn,
    summary="挂起 · Suspend",
    done=gettext_lazy("工单已挂起"),
)
ACTIONS.add(
    Action.RESUME,
    guard_dispatcher(State.SUSPENDED),
    service=services.workorder_resume,
    form=forms.ResumeForm,
    schema=schemas.NoteIn,
    summary="恢复 · Resume",
    done=gettext_lazy("工单已恢复办理"),
)
ACTIONS.add(
    Action.NOTE,
    guard_note,
    service=services.workorder_note,
    form=forms.NoteForm,
    schema=schemas.ProgressIn,
    summary="过程反馈 · Progress note",
    done=gettext_lazy("已记录办理情况"),
)
ACTIONS.add(
    Action.ESCALATE,
    guard_escalate,
    service=services.workorder_escalate,
    form=forms.EscalateForm,
    schema=schemas.ReasonIn,
    summary="上报 · Escalate one level up",
    done=lambda order, arguments: _("已上报至 %(unit)s") % {"unit": order.dispatch_unit.name},
)
ACTIONS.add(
    Action.SUPERVISE,
    guard_supervise,
    service=services.workorder_supervise,
    form=forms.SuperviseForm,
    schema=schemas.SuperviseIn,
    summary="督办 · Supervise",
    done=gettext_lazy("已督办"),
)
ACTIONS.add(
    Action.REPLY,
    guard_lead(State.HANDLING),
    service=services.workorder_reply,
    form=forms.ReplyForm,
    page=_reply_page,
    schema=schemas.ReplyIn,
    summary="回复/办结 · Reply",
    done=gettext_lazy("已回复，等待核查"),
)
ACTIONS.add(
    Action.CO_REPLY,
    guard_co_reply,
    service=services.workorder_co_reply,
    form=forms.CoReplyForm,
    schema=schemas.TextIn,
    summary="协办意见 · Co-unit reply",
    done=gettext_lazy("已提交协办意见"),
)
ACTIONS.add(
    Action.VERIFY,
    guard_dispatcher(State.PENDING_VERIFY),
    service=services.workorder_verify,
    form=forms.VerifyForm,
    page=_decision("accept", "accept"),
    schema=schemas.VerifyIn,
    summary="核查 · Verify the reply",
    done=lambda result, arguments: (
        _("核查通过，等待回访") if arguments["accept"] else _("已退回重办")
    ),
)
ACTIONS.add(
    Action.RATE,
    guard_rate_by_phone,
    service=services.appeal_rate,
    form=forms.PhoneRatingForm,
    page=_rating_page,
    schema=schemas.PhoneRatingIn,
    api=_rating_api,
    summary="电话回访 · Record a rating taken by phone",
    done=gettext_lazy("已登记电话回访结果"),
)


def perform(name: str, user, order_id: int, arguments: dict):
    """Call the action's service for this person; returns the message shown after it (`done`:
    a text, or a function of the service's result and the arguments)."""
    action = ACTIONS[name]
    result = action.service(actor=user, order_id=order_id, **arguments)
    done = action.interface["done"]
    return str(done(result, arguments) if callable(done) else done)


def page_arguments(name: str, form, user, order) -> dict:
    return ACTIONS[name].interface.get("page", _fields)(form, user, order)


def api_arguments(name: str, payload) -> dict:
    return ACTIONS[name].interface.get("api", _body)(payload)
