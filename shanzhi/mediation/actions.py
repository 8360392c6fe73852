"""The registry of the dispute case's actions (core.cases.Actions): each action's guard, service,
page form, API schema and the message after success. The case page's forms and
`POST /api/v1/mediation/cases/{id}/actions/<name>` are built from it."""

from django.utils.translation import gettext_lazy

from shanzhi.core.cases import Actions
from shanzhi.mediation import forms, schemas, services
from shanzhi.mediation.case import MEDIATION
from shanzhi.mediation.choices import Action
from shanzhi.org.access import Actor
from shanzhi.workorders.services.uploads import Upload

ACTIONS = Actions(MEDIATION, Actor.of)

ACTIONS.add(
    Action.ASSIGN,
    services.guard_assign,
    service=services.case_assign,
    form=forms.AssignForm,
    schema=schemas.AssignIn,
    arguments=lambda data: {"mediator_id": data["mediator"]},
    done=gettext_lazy("已分派"),
)
ACTIONS.add(
    Action.ESCALATE,
    services.guard_escalate,
    service=services.case_escalate,
    form=forms.ReasonForm,
    schema=schemas.EscalateIn,
    arguments=lambda data: {"reason": data["reason"]},
    done=gettext_lazy("已上报上级调解组织"),
)
ACTIONS.add(
    Action.REFER_OUT,
    services.guard_refer_out,
    service=services.case_refer_out,
    form=forms.ReferForm,
    schema=schemas.ReferIn,
    arguments=lambda data: {"target": data["target"], "reason": data["reason"]},
    done=gettext_lazy("已转出"),
)
ACTIONS.add(
    Action.CONSULT,
    services.guard_consult,
    service=services.case_consult,
    form=forms.ConsultForm,
    schema=schemas.ConsultIn,
    arguments=lambda data: {
        "held_at": data["held_at"],
        "participants": data["participants"],
        "plan": data["plan"],
        "tasks": data.get("tasks") or "",
    },
    done=gettext_lazy("已记录会商研判"),
)
ACTIONS.add(
    Action.SUSPEND,
    services.guard_suspend,
    service=services.case_suspend,
    form=forms.ReasonForm,
    schema=schemas.EscalateIn,
    arguments=lambda data: {"reason": data["reason"]},
    done=gettext_lazy("已中止调解，期限暂停计算"),
)
ACTIONS.add(
    Action.RESUME,
    services.guard_resume,
    service=services.case_resume,
    form=forms.EmptyForm,
    schema=schemas.EmptyIn,
    arguments=lambda data: {},
    done=gettext_lazy("已恢复调解，期限已顺延"),
)
ACTIONS.add(
    Action.SCHEDULE,
    services.guard_mediate,
    service=services.case_schedule,
    form=forms.ScheduleForm,
    schema=schemas.ScheduleIn,
    arguments=lambda data: {
        "kind": data["kind"],
        "starts_at": data["starts_at"],
        "place": data["place"],
    },
    done=gettext_lazy("已安排调解会，已短信通知当事人"),
)
ACTIONS.add(
    Action.RECORD,
    services.guard_mediate,
    service=services.case_record,
    form=forms.RecordForm,
    schema=schemas.RecordIn,
    arguments=lambda data: {
        "session_id": data["session"],
        "attendance": data["attendance"],
        "minutes": data["minutes"],
        "outcome": data["outcome"],
    },
    done=gettext_lazy("已记录调解会"),
)
ACTIONS.add(
    Action.AGREE,
    services.guard_mediate,
    service=services.case_agree,
    form=forms.AgreeForm,
    schema=schemas.AgreeIn,
    arguments=lambda data: {"agreement": data["agreement"]},
    done=gettext_lazy("已记录调解协议"),
)
ACTIONS.add(
    Action.FAIL,
    services.guard_mediate,
    service=services.case_fail,
    form=forms.FailForm,
    schema=schemas.FailIn,
    arguments=lambda data: {"reason": data["reason"], "target": data.get("target") or ""},
    done=gettext_lazy("已按调解不成结案"),
)

ACTIONS.add(
    Action.EVIDENCE,
    services.guard_evidence,
    service=services.case_evidence_add,
    form=forms.EvidenceForm,
    schema=None,  # files come through the pages only, like the work orders' photos
    arguments=lambda data: {
        "uploads": [Upload(name=f.name, file=f, size=f.size) for f in data["files"]],
        "description": data.get("description") or "",
    },
    done=gettext_lazy("已上传证据"),
)
ACTIONS.add(
    Action.SIGN,
    services.guard_sign,
    service=services.case_sign,
    form=forms.SignForm,
    schema=schemas.SignIn,
    arguments=lambda data: {"party_ids": data["parties"]},
    done=gettext_lazy("已登记当场签字"),
)
ACTIONS.add(
    Action.FOLLOW_UP,
    services.guard_follow_up,
    service=services.case_follow_up,
    form=forms.FollowUpForm,
    schema=schemas.FollowUpIn,
    arguments=lambda data: {"fulfilment": data["fulfilment"], "note": data.get("note") or ""},
    done=gettext_lazy("已记录履行回访"),
)
ACTIONS.add(
    Action.CONFIRM_APPLY,
    services.guard_confirm_apply,
    service=services.case_confirm_apply,
    form=forms.ConfirmApplyForm,
    schema=schemas.ConfirmApplyIn,
    arguments=lambda data: {"court": data["court"], "applied_on": data["applied_on"]},
    done=gettext_lazy("已登记司法确认申请"),
)
ACTIONS.add(
    Action.CONFIRM_ACCEPT,
    services.guard_confirm_accept,
    service=services.case_confirm_accept,
    form=forms.ConfirmAcceptForm,
    schema=schemas.ConfirmAcceptIn,
    arguments=lambda data: {
        "accepted": data["accepted"],
        "decided_on": data["decided_on"],
        "reason": data.get("reason") or "",
    },
    done=gettext_lazy("已登记法院的受理决定"),
)
ACTIONS.add(
    Action.CONFIRM_RULE,
    services.guard_confirm_rule,
    service=services.case_confirm_rule,
    form=forms.ConfirmRuleForm,
    schema=schemas.ConfirmRuleIn,
    arguments=lambda data: {
        "confirmed": data["confirmed"],
        "ruled_on": data["ruled_on"],
        "ruling_number": data["ruling_number"],
        "reason": data.get("reason") or "",
    },
    done=gettext_lazy("已登记法院的裁定"),
)


def perform(name: str, user, case_id, data: dict):
    action = ACTIONS[name]
    return action.service(actor=user, case_id=case_id, **action.interface["arguments"](data))


def register_on_work_orders() -> None:
    """转调解 is an action of the work order, declared here where its service lives: the work
    order's page and API offer it like their own (`POST /workorders/{id}/actions/refer_mediation`).
    """
    from shanzhi.workorders.actions import ACTIONS as ORDER_ACTIONS
    from shanzhi.workorders.choices import Action as OrderAction

    if OrderAction.REFER_MEDIATION in ORDER_ACTIONS:
        return  # ready() may run twice in tests
    ORDER_ACTIONS.add(
        OrderAction.REFER_MEDIATION,
        services.guard_refer_from_order,
        service=services.workorder_refer,
        form=forms.ReferFromOrderForm,
        schema=schemas.ReferFromOrderIn,
        summary="转调解 · Refer to mediation",
        done=gettext_lazy("已转人民调解，工单挂起等待调解结果"),
    )
