"""The mediation API: the window's intake, the lists and case pages of mediation staff, the
recommendation of mediators and the case's actions. Scoped exactly like the pages (the same
selectors and services)."""

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status

from shanzhi.core.cases import expecting_version
from shanzhi.core.errors import InvalidInput
from shanzhi.core.labels import actor_name
from shanzhi.core.pagination import CappedPaginator
from shanzhi.core.text import CleanSchema
from shanzhi.core.throttle import RateThrottle
from shanzhi.mediation import actions, selectors, services
from shanzhi.mediation.case import MEDIATION
from shanzhi.mediation.choices import DisputeState
from shanzhi.mediation.models import DisputeCase
from shanzhi.mediation.schemas import ApplicationIn, CaseIn
from shanzhi.workorders.choices import Rating

router = Router(tags=["mediation"])
public_router = Router(tags=["mediation-tracking"], auth=None)
TRACK_THROTTLE = [RateThrottle("track", "TRACK_RATE")]
APPLY_THROTTLE = [RateThrottle("mediation-apply", "MEDIATION_APPLY_RATE")]
PAGE_SIZE = 50


class DisputeTypeOut(Schema):
    code: str
    name: str
    parent: str | None
    mediation_days: int


class CaseSummary(Schema):
    id: int
    code: str
    title: str
    state: str
    state_label: str
    source: str
    dispute_type: str
    level: str
    area_code: str
    dispatch_org: str
    lead_org: str | None
    mediator: str | None
    registered_at: datetime.datetime
    due_at: datetime.datetime
    is_major: bool
    is_group: bool
    is_overdue: bool
    suspended: bool


class CasePage(Schema):
    items: list[CaseSummary]
    count: int
    page: int
    pages: int


class PartyOut(Schema):
    id: int
    role: str
    role_label: str
    kind: str
    name: str
    id_number: str
    phone: str
    address: str
    confirmed_at: datetime.datetime | None
    confirmed_via: str


class SessionOut(Schema):
    id: int
    kind: str
    starts_at: datetime.datetime
    place: str
    state: str
    attendance: str
    minutes: str
    outcome: str


class ConsultationOut(Schema):
    held_at: datetime.datetime
    participants: str
    plan: str
    tasks: str


class ConfirmationOut(Schema):
    apply_by: datetime.datetime
    state: str
    state_label: str
    court: str
    applied_on: datetime.date | None
    accept_due_at: datetime.datetime | None
    is_accept_late: bool
    accepted_on: datetime.date | None
    ruled_on: datetime.date | None
    ruling_number: str
    note: str


class EvidenceOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int
    description: str
    by_party: bool
    uploaded_at: datetime.datetime


class StepOut(Schema):
    at: datetime.datetime
    action: str
    actor: str
    reason: str
    after: dict


class CaseOut(CaseSummary):
    version: int
    facts: str
    request: str
    amount: Decimal | None
    people_involved: int
    address: str
    region: str
    grid: str | None
    agreement: str
    outcome_reason: str
    referral_target: str
    closed_at: datetime.datetime | None
    confirmation: ConfirmationOut | None
    parties: list[PartyOut]
    parties_masked: bool
    sessions: list[SessionOut]
    consultations: list[ConsultationOut]
    evidence: list[EvidenceOut]
    allowed_actions: list[str]
    timeline: list[StepOut]


class SimilarOut(Schema):
    id: int
    code: str
    title: str
    dispute_type: str
    state: str
    state_label: str
    closed_at: datetime.datetime | None
    gist: str
    same_township: bool


class RecommendationOut(Schema):
    mediator_id: int
    name: str
    org_id: int
    org_name: str
    score: float
    reasons: list[str]


def _summary(case: DisputeCase) -> dict:
    return {
        "id": case.pk,
        "code": case.code,
        "title": case.title,
        "state": case.state,
        "state_label": case.get_state_display(),
        "source": case.source,
        "dispute_type": case.dispute_type.name,
        "level": case.level,
        "area_code": case.area_code,
        "dispatch_org": case.dispatch_unit.name,
        "lead_org": case.lead_unit.name if case.lead_unit else None,
        "mediator": case.mediator.name if case.mediator else None,
        "registered_at": case.registered_at,
        "due_at": case.due_at,
        "is_major": case.is_major,
        "is_group": case.is_group,
        "is_overdue": case.is_overdue,
        "suspended": case.suspended_at is not None,
    }


def _detail(request, case: DisputeCase) -> dict:
    unmasked = selectors.sees_parties(request.user, case)
    parties = selectors.parties_of(case, unmasked=unmasked)
    if unmasked and parties:
        services.parties_viewed(actor=request.user, case=case)
    return {
        **_summary(case),
        "version": case.version,
        "facts": case.facts,
        "request": case.request,
        "amount": case.amount,
        "people_involved": case.people_involved,
        "address": case.address,
        "region": case.region_id,
        "grid": case.grid_id,
        "agreement": case.agreement,
        "outcome_reason": case.outcome_reason,
        "referral_target": case.referral_target,
        "closed_at": case.closed_at,
        "confirmation": selectors.confirmation_of(case),
        "parties": parties,
        "parties_masked": not unmasked,
        "sessions": [
            {
                "id": s.pk,
                "kind": s.kind,
                "starts_at": s.starts_at,
                "place": s.place,
                "state": s.state,
                "attendance": s.attendance,
                "minutes": s.minutes,
                "outcome": s.outcome,
            }
            for s in case.sessions.all()
        ],
        "consultations": [
            {"held_at": c.held_at, "participants": c.participants, "plan": c.plan, "tasks": c.tasks}
            for c in case.consultations.all()
        ],
        "evidence": selectors.evidence_of(case, unmasked=unmasked),
        "allowed_actions": [
            name
            for name in MEDIATION.allowed(request.user, case)
            if actions.ACTIONS[name].interface["schema"] is not None
        ],
        "timeline": [
            {
                "at": event.created_at,
                "action": event.action,
                "actor": actor_name(event),
                "reason": event.reason,
                "after": event.after or {},
            }
            for event in MEDIATION.timeline(case.pk)
        ],
    }


@router.get("/mediation/types", response=list[DisputeTypeOut], summary="纠纷类型 · Dispute types")
def dispute_types(request):
    return [
        {
            "code": t.code,
            "name": t.name,
            "parent": t.parent.code if t.parent else None,
            "mediation_days": t.mediation_days,
        }
        for t in selectors.dispute_types()
    ]


class CaseFilter(Schema):
    state: DisputeState | None = None
    box: str = Field(
        "",
        max_length=16,
        description="assign（待分派）、mine（我调解的）、today（今日调解会）、due（临近期限）、overdue（已超期）",
    )
    page: int = Field(1, ge=1, le=10_000)


@router.get("/mediation/cases", response=CasePage, summary="调解案件列表 · Dispute cases")
def case_list(request, filters: Query[CaseFilter]):
    cases = selectors.cases_visible_to(request.user).select_related(
        "dispute_type", "dispatch_unit", "lead_unit", "mediator"
    )
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.box:
        inbox = MEDIATION.inboxes.get(filters.box)
        if inbox is None:
            raise InvalidInput(_("没有这个收件箱"), "box")
        from shanzhi.org.access import Actor

        cases = cases.filter(inbox.cases_for(Actor.of(request.user)))
    paginator = CappedPaginator(cases.order_by("-registered_at", "-pk"), PAGE_SIZE)
    if filters.page > max(paginator.num_pages, 1):
        raise InvalidInput(_("页码超出范围"), "page")
    page = paginator.page(filters.page)
    return {
        "items": [_summary(case) for case in page.object_list],
        "count": paginator.count,
        "page": filters.page,
        "pages": paginator.num_pages,
    }


@router.post("/mediation/cases", response={201: CaseOut}, summary="窗口受理 · Take in a dispute")
def case_create(request, payload: CaseIn):
    case = services.case_register(
        actor_user=request.user,
        data=services.CaseInput.of(payload.dict()),
    )
    return Status(201, _detail(request, selectors.case_get_for(request.user, case.pk)))


@router.get("/mediation/cases/{case_id}", response=CaseOut, summary="调解案件详情 · One case")
def case_detail(request, case_id: int):
    return _detail(request, selectors.case_get_for(request.user, case_id))


@router.get(
    "/mediation/cases/{case_id}/recommendations",
    response=list[RecommendationOut],
    summary="推荐调解员 · Recommended mediators",
)
def case_recommendations(request, case_id: int):
    """The best three available mediators for the case, each with the reasons."""
    return selectors.recommend(selectors.case_get_for(request.user, case_id))


@router.get(
    "/mediation/cases/{case_id}/similar",
    response=list[SimilarOut],
    summary="类似案例 · Similar past cases",
)
def case_similar(request, case_id: int):
    """Closed cases of the same type family in the county that the caller may see: the same
    township first, agreements before failures, newest first; each with its agreement's gist."""
    return selectors.similar_cases(request.user, selectors.case_get_for(request.user, case_id))


def _action_route(action) -> None:
    schema = action.interface["schema"]

    def endpoint(
        request,
        case_id: int,
        payload: schema,  # type: ignore[valid-type]
        if_match: str = Header("", alias="If-Match"),
    ):
        selectors.case_get_for(request.user, case_id)  # not visible → the same 404 as missing
        seen = if_match.strip().strip('"')
        if seen and not seen.isdigit():
            raise InvalidInput(_("If-Match 须为案件的版本号"), "If-Match")
        with expecting_version(int(seen) if seen else None):
            actions.perform(action.name, request.user, case_id, payload.dict())
        return _detail(request, selectors.case_get_for(request.user, case_id))

    endpoint.__name__ = f"mediation_action_{action.name}"
    router.post(
        f"/mediation/cases/{{case_id}}/actions/{action.name}",
        response=CaseOut,
        summary=f"{action.label} · {action.name}",
        operation_id=f"mediation_action_{action.name}",
    )(endpoint)


for _registered in actions.ACTIONS:
    if _registered.interface["schema"] is not None:  # evidence: files, through the pages
        _action_route(_registered)


class PublicSessionOut(Schema):
    kind: str
    kind_label: str
    starts_at: datetime.datetime
    place: str
    state: str
    outcome: str


class PublicCaseOut(Schema):
    code: str
    title: str
    dispute_type: str
    state: str
    state_label: str
    registered_at: datetime.datetime
    due_at: datetime.datetime
    org: str
    mediator: str | None
    sessions: list[PublicSessionOut]
    agreement: str
    outcome_reason: str
    referral_target: str
    rating: str
    may_rate: bool
    confirmation: ConfirmationOut | None
    evidence_count: int
    may_add_evidence: bool
    parties: int
    parties_confirmed: int
    may_confirm: bool


class PublicRatingIn(CleanSchema):
    phone_tail: str = Field(..., min_length=4, max_length=4)
    rating: Rating
    comment: str = Field("", max_length=1000, description="不满意时必填：原因")


@public_router.get(
    "/mediation/track/{code}",
    response=PublicCaseOut,
    throttle=TRACK_THROTTLE,
    summary="当事人查询调解进度 · A party follows their case",
)
def case_track(request, code: str, phone_tail: str = Query("", max_length=4)):
    """Public: the case code and the last four digits of a party's phone."""
    return selectors.public_view(services.case_track(code=code, phone_tail=phone_tail))


class PublicConfirmIn(CleanSchema):
    phone_tail: str = Field(..., min_length=4, max_length=4)
    confirm_code: str = Field(..., min_length=6, max_length=6, description="短信中的 6 位确认码")


@public_router.post(
    "/mediation/track/{code}/confirmation",
    response=PublicCaseOut,
    throttle=TRACK_THROTTLE,
    summary="当事人确认调解协议 · A party confirms the agreement",
)
def case_confirm(request, code: str, payload: PublicConfirmIn):
    """Public: a party confirms the agreement with the six-digit code sent to their phone when
    it was recorded. A wrong code counts against the case code like a wrong tail."""
    return selectors.public_view(
        services.party_confirm_agreement(
            code=code, phone_tail=payload.phone_tail, confirm_code=payload.confirm_code
        )
    )


class AppliedOut(Schema):
    code: str
    state: str
    state_label: str
    org: str


@public_router.post(
    "/mediation/applications",
    response={201: AppliedOut},
    throttle=APPLY_THROTTLE,
    summary="网上申请调解 · Apply for mediation",
)
def case_apply(request, payload: ApplicationIn):
    """Public: an application to the organisation of a 解纷码. The applicant gets the case code
    by SMS and follows it with GET /mediation/track/{code}."""
    case = services.case_apply(data=services.CaseInput.of(payload.dict()))
    return Status(
        201,
        {
            "code": case.code,
            "state": case.state,
            "state_label": case.get_state_display(),
            "org": case.dispatch_unit.name,
        },
    )


@public_router.post(
    "/mediation/track/{code}/rating",
    response=PublicCaseOut,
    throttle=TRACK_THROTTLE,
    summary="当事人评价调解 · A party rates the mediation",
)
def case_rate(request, code: str, payload: PublicRatingIn):
    """Public: once the case is closed, a party rates it (the first rating stands)."""
    return selectors.public_view(
        services.case_rate(
            code=code, phone_tail=payload.phone_tail, rating=payload.rating, comment=payload.comment
        )
    )
