"""Writes of the mediation centre. Intake (`case_register`) makes the case with one code; every
later step is an action of the case kit: lock, guard, change, save with audit and event."""

import datetime
import secrets
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from shanzhi.core import events, workdays
from shanzhi.core.cases import require
from shanzhi.core.errors import Conflict, Forbidden, InvalidInput
from shanzhi.core.ids import parse_id
from shanzhi.core.notify import Message, notify_all
from shanzhi.core.services import audit_record
from shanzhi.core.text import clean_text
from shanzhi.mediation import selectors
from shanzhi.mediation.case import CONFIRM_WINDOW_CLOSING, DUE_SOON, MEDIATION
from shanzhi.mediation.choices import (
    CLOSED_STATES,
    OPEN_STATES,
    Action,
    ConfirmationState,
    ConfirmVia,
    DisputeSource,
    DisputeState,
    Fulfilment,
    MediationLevel,
    OrgKind,
    PartyKind,
    PartyRole,
    ReferralTarget,
    SessionKind,
    SessionState,
)
from shanzhi.mediation.models import (
    Consultation,
    DisputeCase,
    DisputeType,
    Evidence,
    JudicialConfirmation,
    MediationOrg,
    MediationSession,
    Mediator,
    Party,
)
from shanzhi.org.choices import MEDIATION_ROLES
from shanzhi.territory.choices import territory_prefix
from shanzhi.territory.models import Grid, Region
from shanzhi.workorders.case import WORKORDER
from shanzhi.workorders.choices import Action as OrderAction
from shanzhi.workorders.choices import ReplyResult
from shanzhi.workorders.choices import State as OrderState
from shanzhi.workorders.services.guards import guard_lead
from shanzhi.workorders.services.handling import workorder_hand_over, workorder_take_back
from shanzhi.workorders.services.intake import new_code
from shanzhi.workorders.services.uploads import (
    check_uploads,
    discard_stored,
    file_digest,
    store_file,
)

CODE_PREFIX = "TJ"  # 调解
# How the audit trail names who acted when it was no signed-in person (core.labels.actor_name).
PARTY, PUBLIC = "party", "public"
MAX_PARTIES = 20
PHONE_DIGITS = (7, 15)


@dataclass
class PartyInput:
    role: str
    name: str
    phone: str = ""
    id_number: str = ""
    kind: str = PartyKind.PERSON
    address: str = ""


@dataclass
class CaseInput:
    dispute_type_code: str
    title: str
    facts: str
    region_code: str
    parties: list[PartyInput] = field(default_factory=list)
    request: str = ""
    amount: Decimal | float | None = None
    people_involved: int = 2
    is_major: bool = False
    is_group: bool = False
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    org_id: int | None = None  # the organisation whose window takes it in

    # An API body names some fields as people see them (the type's and region's codes).
    RENAMED = {"dispute_type": "dispute_type_code", "region": "region_code", "org": "org_id"}

    @classmethod
    def of(cls, body: dict) -> "CaseInput":
        """From an API body (the window's, an application's, a court's referral): the fields
        it has, under their names here; other fields of the body are not the dispute's."""
        names = {f.name for f in fields(cls)}
        data = {cls.RENAMED.get(key, key): value for key, value in body.items()}
        data = {key: value for key, value in data.items() if key in names}
        data["parties"] = [PartyInput(**party) for party in body.get("parties") or []]
        return cls(**data)


# -- guards ----------------------------------------------------------------------------------


def _coordinates(ctx) -> bool:
    return ctx.actor.is_admin or ctx.case.dispatch_unit_id in ctx.actor.units_with(MEDIATION_ROLES)


def _handles(ctx) -> bool:
    case = ctx.case
    if case.mediator_id and case.mediator.user_id and case.mediator.user_id == ctx.actor.user.pk:
        return True
    return case.lead_unit_id is not None and case.lead_unit_id in ctx.actor.units_with(
        MEDIATION_ROLES
    )


def guard_assign(ctx) -> None:
    require(_coordinates(ctx), _("只有分派组织的调解员可以分派案件"))
    MEDIATION.require_state(ctx.case, DisputeState.PENDING, DisputeState.MEDIATING)


def guard_escalate(ctx) -> None:
    require(_coordinates(ctx) or _handles(ctx), _("只有承办或分派组织的调解员可以上报"))
    MEDIATION.require_state(ctx.case, *OPEN_STATES)
    if ctx.case.level == MediationLevel.COUNTY:
        raise Conflict(_("案件已在县级矛调中心，无法再上报"))


def guard_refer_out(ctx) -> None:
    require(_coordinates(ctx) or _handles(ctx), _("只有承办或分派组织的调解员可以转出"))
    MEDIATION.require_state(ctx.case, *OPEN_STATES)


def guard_consult(ctx) -> None:
    require(_coordinates(ctx) or _handles(ctx), _("只有承办或分派组织的调解员可以记录会商"))
    MEDIATION.require_state(ctx.case, *OPEN_STATES)
    if not (ctx.case.is_major or ctx.case.is_group):
        raise Conflict(_("只有重大疑难或群体性纠纷需要 3+X 会商研判"))


def guard_suspend(ctx) -> None:
    guard_mediate(ctx)
    if ctx.case.suspended_at is not None:
        raise Conflict(_("调解已中止"))


def guard_resume(ctx) -> None:
    guard_mediate(ctx)
    if ctx.case.suspended_at is None:
        raise Conflict(_("调解没有中止"))


def _confirmation(case) -> JudicialConfirmation | None:
    return JudicialConfirmation.objects.filter(case=case).first()


def guard_confirm_apply(ctx) -> None:
    require(_coordinates(ctx) or _handles(ctx), _("只有承办或分派组织的调解员可以登记司法确认"))
    MEDIATION.require_state(ctx.case, DisputeState.AGREED)
    if _confirmation(ctx.case) is not None:
        raise Conflict(_("已申请司法确认"))


def _guard_court_step(ctx, state: str, message: str) -> JudicialConfirmation:
    require(_coordinates(ctx) or _handles(ctx), _("只有承办或分派组织的调解员可以登记司法确认"))
    MEDIATION.require_state(ctx.case, DisputeState.AGREED)
    confirmation = _confirmation(ctx.case)
    if confirmation is None or confirmation.state != state:
        raise Conflict(message)
    return confirmation


def guard_confirm_accept(ctx) -> None:
    _guard_court_step(ctx, ConfirmationState.APPLIED, _("没有等待法院决定受理的司法确认申请"))


def guard_confirm_rule(ctx) -> None:
    _guard_court_step(ctx, ConfirmationState.ACCEPTED, _("法院尚未受理司法确认申请"))


def guard_mediate(ctx) -> None:
    require(_handles(ctx), _("只有承办案件的调解员可以办理"))
    MEDIATION.require_state(ctx.case, DisputeState.MEDIATING)


# -- intake ----------------------------------------------------------------------------------


def _text(value, name: str, label: str, limit: int, *, required: bool = True) -> str:
    text = clean_text(value or "").strip()
    if required and not text:
        raise InvalidInput(_("请填写%(label)s") % {"label": label}, name)
    if len(text) > limit:
        raise InvalidInput(
            _("%(label)s不能超过 %(limit)d 字") % {"label": label, "limit": limit}, name
        )
    return text


def _parties(rows: list[PartyInput]) -> list[Party]:
    if len(rows) > MAX_PARTIES:
        raise InvalidInput(_("当事人最多 %(n)d 人") % {"n": MAX_PARTIES}, "parties")
    parties = []
    for index, row in enumerate(rows):
        where = f"parties[{index}]"
        if row.role not in PartyRole.values:
            raise InvalidInput(_("当事人身份不正确"), f"{where}.role")
        if row.kind not in PartyKind.values:
            raise InvalidInput(_("当事人类别不正确"), f"{where}.kind")
        phone = "".join(ch for ch in (row.phone or "") if ch.isdigit())
        if row.phone and not PHONE_DIGITS[0] <= len(phone) <= PHONE_DIGITS[1]:
            raise InvalidInput(_("联系电话应为 7 至 15 位数字"), f"{where}.phone")
        parties.append(
            Party(
                role=row.role,
                kind=row.kind,
                name=_text(row.name, f"{where}.name", _("当事人姓名"), 100),
                phone=phone,
                id_number=_text(
                    row.id_number, f"{where}.id_number", _("证件号码"), 32, required=False
                ),
                address=_text(row.address, f"{where}.address", _("住址"), 200, required=False),
            )
        )
    applicants = [p for p in parties if p.role == PartyRole.APPLICANT]
    if not applicants:
        raise InvalidInput(_("至少需要一名申请人"), "parties")
    if not any(p.phone for p in applicants):
        raise InvalidInput(_("请留下至少一名申请人的联系电话"), "parties")
    if not any(p.role == PartyRole.RESPONDENT for p in parties):
        raise InvalidInput(_("至少需要一名被申请人"), "parties")
    return parties


def _window(actor_user, org_id) -> MediationOrg:
    orgs = selectors.window_orgs(actor_user)
    if org_id is not None:
        org = orgs.filter(pk=parse_id(org_id) or 0).first()
        if org is None:
            raise InvalidInput(_("受理组织不存在或不是您所在的组织"), "org")
        return org
    org = orgs.order_by("unit__region_id").first()  # the widest first: the county centre
    if org is None:
        raise Forbidden(_("只有乡镇调委会和县级矛调中心的调解员可以受理案件"))
    return org


def _place(data: CaseInput, org: MediationOrg) -> tuple[Region, Grid | None, str]:
    region = Region.objects.filter(code=(data.region_code or "").strip()).first()
    if region is None:
        raise InvalidInput(_("区划代码 %(code)s 不存在") % {"code": data.region_code}, "region")
    scope = territory_prefix(org.unit.region_id)
    grid = None
    area_code = territory_prefix(region.code)
    if data.lon is not None and data.lat is not None:
        from shanzhi.territory.locate import locate

        located = locate(data.lon, data.lat)
        if located is None:
            raise InvalidInput(_("该位置不在任何网格内"), "lon")
        grid = Grid.objects.filter(code=located.grid.code).first()
        area_code = located.area_code[:12]  # the village (a grid's code adds three digits)
        if not area_code.startswith(territory_prefix(region.code)):
            raise InvalidInput(_("位置不在所选区域内"), "lon")
    if not area_code.startswith(scope):
        raise InvalidInput(_("纠纷发生地不在本组织的管辖范围内"), "region")
    return region, grid, area_code


def case_register(
    *, actor_user, data: CaseInput, source: str = DisputeSource.WINDOW
) -> DisputeCase:
    """Take in a dispute at an organisation's window: one code from now to closure. The case
    waits for assignment (待分派) at that organisation; its mediation period runs from now in
    working days of its type."""
    return _register(actor_user, data, source, _window(actor_user, data.org_id))


def case_apply(*, data: CaseInput) -> DisputeCase:
    """An application from the public (网上申请), through the 解纷码 of an organisation with a
    window (`data.org_id`): taken in there like a walk-in, and the applicant gets the code by
    SMS to follow the case (调解查询)."""
    org = selectors.window_org(data.org_id)
    if org is None:
        raise InvalidInput(_("受理组织不存在，请重新扫描解纷码"), "org")
    case = _register(None, data, DisputeSource.ONLINE, org)
    _tell_parties(
        case,
        "mediation.applied",
        _("【善治】调解申请已受理，案件编号 %(code)s，凭编号和手机号后四位可查询进度。"),
        roles=(PartyRole.APPLICANT,),
    )
    return case


def case_take_referral(*, actor_user, data: CaseInput, org: MediationOrg) -> DisputeCase:
    """A dispute a court referred (委派/委托调解), taken in at the organisation the court refers
    to (interop.Court.centre), which assigns it like any other; every party with a phone gets
    the code by SMS."""
    case = _register(actor_user, data, DisputeSource.COURT, org)
    _tell_parties(
        case,
        "mediation.referred_in",
        _("【善治】人民法院委派的纠纷已由%(org)s受理调解，案件编号 %(code)s，")
        + _("凭编号和手机号后四位可查询进度。"),
    )
    return case


def _tell_parties(case: DisputeCase, kind: str, text: str, roles=tuple(PartyRole.values)):
    """An SMS to each party of these roles with a phone number (the first of each number)."""
    phones = dict.fromkeys(
        Party.objects.filter(case=case, role__in=roles)
        .exclude(phone="")
        .values_list("phone", flat=True)
    )
    words = {"code": case.code, "org": case.dispatch_unit.name}
    notify_all(
        [
            Message(
                kind=kind,
                text=text % words,
                phone=phone,
                object_type=MEDIATION.name,
                object_id=case.code,
                area_code=case.area_code,
            )
            for phone in phones
        ]
    )


def _register(
    actor_user, data: CaseInput, source: str, org: MediationOrg, work_order=None
) -> DisputeCase:
    dispute_type = DisputeType.objects.filter(
        code=(data.dispute_type_code or "").strip(), is_active=True
    ).first()
    if dispute_type is None:
        raise InvalidInput(_("纠纷类型不存在"), "dispute_type")
    title = _text(data.title, "title", _("纠纷简述"), 200)
    facts = _text(data.facts, "facts", _("纠纷事实"), 4000)
    request = _text(data.request, "request", _("申请事项"), 2000, required=False)
    address = _text(data.address, "address", _("地点"), 200, required=False)
    amount = None
    if data.amount is not None:
        try:
            amount = Decimal(str(data.amount)).quantize(Decimal("0.01"))
        except ArithmeticError as error:
            raise InvalidInput(_("涉及金额不正确"), "amount") from error
        if not Decimal(0) <= amount < Decimal(10) ** 12:
            raise InvalidInput(_("涉及金额不正确"), "amount")
    if not 1 <= data.people_involved <= 100_000:
        raise InvalidInput(_("涉及人数应在 1 至 100000 之间"), "people_involved")
    parties = _parties(data.parties)
    region, grid, area_code = _place(data, org)
    now = timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case = DisputeCase.objects.create(
                    code=new_code(CODE_PREFIX),
                    source=source,
                    dispute_type=dispute_type,
                    title=title,
                    facts=facts,
                    request=request,
                    amount=amount,
                    people_involved=data.people_involved,
                    is_major=data.is_major,
                    is_group=data.is_group,
                    region=region,
                    grid=grid,
                    lon=data.lon,
                    lat=data.lat,
                    address=address,
                    area_code=area_code,
                    level=org.level,
                    dispatch_unit=org.unit,
                    state=DisputeState.PENDING,
                    registered_at=now,
                    due_at=workdays.add_working_days(now, dispute_type.mediation_days),
                    visits=1 if source == DisputeSource.WINDOW else 0,
                    registered_by=actor_user,
                    work_order=work_order,
                )
                for party in parties:
                    party.case = case
                Party.objects.bulk_create(parties)
                audit_record(
                    actor=actor_user or PUBLIC,
                    action=Action.REGISTER,
                    object_type=MEDIATION.name,
                    object_id=case.pk,
                    after={
                        "code": case.code,
                        "source": source,
                        "org": org.unit.name,
                        "type": dispute_type.name,
                        "parties": len(parties),
                    },
                )
            return case
        except IntegrityError as error:
            if "code" not in str(error):
                raise
    raise Conflict(_("案件编号生成冲突，请重试"))


def parties_viewed(*, actor, case: DisputeCase) -> None:
    """Someone saw the parties unmasked (PIPL: views of personal data are logged)."""
    audit_record(
        actor=actor,
        action="mediation.parties_view",
        object_type=MEDIATION.name,
        object_id=case.pk,
        after={"code": case.code},
    )


# -- actions ---------------------------------------------------------------------------------


def case_assign(*, actor, case_id, mediator_id) -> DisputeCase:
    """分派: to a mediator of the roster, whose organisation then handles the case. Assigning
    again (改派) is allowed while it is being mediated."""
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.ASSIGN)
        case = ctx.case
        mediator = (
            Mediator.objects.select_related("org__unit", "user")
            .filter(pk=parse_id(mediator_id) or 0)
            .first()
        )
        if mediator is None:
            raise InvalidInput(_("调解员不存在"), "mediator")
        if not mediator.is_available:
            raise InvalidInput(_("该调解员暂不接案"), "mediator")
        county = case.area_code[:6]
        if not mediator.org.unit.region_id.startswith(county):
            raise InvalidInput(_("只能分派给本县（区）的调解员"), "mediator")
        if mediator.pk == case.mediator_id:
            raise Conflict(_("案件已由该调解员承办"))
        before = {"state": case.state, "mediator": case.mediator.name if case.mediator else ""}
        case.mediator = mediator
        case.lead_unit = mediator.org.unit
        case.level = mediator.org.level
        case.state = DisputeState.MEDIATING
        case.assigned_at = timezone.now()
        # The mediator hears of the new case; the parties, of who mediates it.
        told = _tell_handlers(
            case,
            "mediation.assigned",
            _("新调解案件 %(code)s「%(title)s」已分派给您，期限 %(due)s。")
            % {
                "code": case.code,
                "title": case.title,
                "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d"),
            },
        )
        told += [
            Message(
                kind="mediation.assigned_party",
                text=_("【善治】您的纠纷（%(code)s）已由%(org)s调解员%(name)s承办。")
                % {"code": case.code, "org": mediator.org.unit.name, "name": mediator.name},
                phone=party.phone,
                object_type=MEDIATION.name,
                object_id=case.code,
                area_code=case.area_code,
            )
            for party in Party.objects.filter(case=case).exclude(phone="")
        ]
        notify_all(told)
        return MEDIATION.save(
            case,
            ["mediator", "lead_unit", "level", "state", "assigned_at"],
            actor=actor,
            action=Action.ASSIGN,
            before=before,
            after={
                "state": case.state,
                "mediator": mediator.name,
                "org": mediator.org.unit.name,
            },
        )


def case_escalate(*, actor, case_id, reason: str) -> DisputeCase:
    """上报: the case goes up one level (village → township → county centre) and waits there
    for assignment, with the reason why."""
    reason = _text(reason, "reason", _("上报理由"), 2000)
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.ESCALATE)
        case = ctx.case
        here = MediationOrg.objects.filter(pk=(case.lead_unit_id or case.dispatch_unit_id)).first()
        target = here.escalates_to if here else None
        if target is None:
            target = (
                MediationOrg.objects.select_related("unit")
                .filter(kind="centre", unit__region__code__startswith=case.area_code[:6])
                .first()
            )
        if target is None or target.unit_id == case.dispatch_unit_id and not case.lead_unit_id:
            raise Conflict(_("找不到可上报的上级调解组织"))
        before = {"state": case.state, "level": case.level}
        case.dispatch_unit = target.unit
        case.lead_unit = None
        case.mediator = None
        case.level = target.level
        case.state = DisputeState.PENDING
        return MEDIATION.save(
            case,
            ["dispatch_unit", "lead_unit", "mediator", "level", "state"],
            actor=actor,
            action=Action.ESCALATE,
            before=before,
            after={"state": case.state, "level": case.level, "org": target.unit.name},
            reason=reason,
        )


def _close_without_agreement(*, actor, case_id, action, state, target: str, reason: str):
    """Referral out (转出) and failure (调解不成) close the case the same way: the reason, and
    where the parties were sent or pointed."""
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, action)
        case = ctx.case
        before = {"state": case.state}
        case.state = state
        case.referral_target = target
        case.outcome_reason = reason
        case.closed_at = timezone.now()
        return MEDIATION.save(
            case,
            ["state", "referral_target", "outcome_reason", "closed_at"],
            actor=actor,
            action=action,
            before=before,
            after={"state": case.state, "target": target},
            reason=reason,
        )


def case_refer_out(*, actor, case_id, target: str, reason: str) -> DisputeCase:
    """转出: out of mediation, to arbitration, the court, 信访 or an administrative ruling."""
    if target not in ReferralTarget.values:
        raise InvalidInput(_("请选择转出去向"), "target")
    reason = _text(reason, "reason", _("转出理由"), 2000)
    return _close_without_agreement(
        actor=actor,
        case_id=case_id,
        action=Action.REFER_OUT,
        state=DisputeState.REFERRED,
        target=target,
        reason=reason,
    )


def case_suspend(*, actor, case_id, reason: str) -> DisputeCase:
    """中止调解 with both parties' agreement: the mediation period stands still until resumed."""
    reason = _text(reason, "reason", _("中止理由"), 2000)
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.SUSPEND)
        case = ctx.case
        case.suspended_at = timezone.now()
        return MEDIATION.save(
            case,
            ["suspended_at"],
            actor=actor,
            action=Action.SUSPEND,
            before={},
            after={"due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")},
            reason=reason,
        )


def case_resume(*, actor, case_id) -> DisputeCase:
    """恢复调解: the deadline moves on by the working time the case stood still."""
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.RESUME)
        case = ctx.case
        now = timezone.now()
        paused = workdays.working_time_between(case.suspended_at, now)
        before = {"due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")}
        case.due_at = workdays.add_working_time(case.due_at, paused)
        case.suspended_at = None
        if case.due_at > now + DUE_SOON:
            case.warned_at = None  # far from the end again: warn again when it comes near
        return MEDIATION.save(
            case,
            ["due_at", "suspended_at", "warned_at"],
            actor=actor,
            action=Action.RESUME,
            before=before,
            after={"due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")},
        )


CONSULTATION_PAST = datetime.timedelta(days=30)


def case_consult(*, actor, case_id, held_at, participants: str, plan: str, tasks: str = ""):
    """会商研判 (3+X) on a major or group dispute: who took part, the plan agreed, who does what.
    Recorded after the meeting, within the last 30 days."""
    participants = _text(participants, "participants", _("参会人员"), 2000)
    plan = _text(plan, "plan", _("化解方案"), 4000)
    tasks = _text(tasks, "tasks", _("责任分工"), 4000, required=False)
    now = timezone.now()
    if held_at is None or not now - CONSULTATION_PAST <= held_at <= now + SESSION_GRACE:
        raise InvalidInput(_("会商时间应在最近 30 天内"), "held_at")
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.CONSULT)
        consultation = Consultation.objects.create(
            case=ctx.case,
            held_at=held_at,
            participants=participants,
            plan=plan,
            tasks=tasks,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        return MEDIATION.save(
            ctx.case,
            [],
            actor=actor,
            action=Action.CONSULT,
            before={},
            after={
                "consultation": consultation.pk,
                "held_at": timezone.localtime(held_at).strftime("%Y-%m-%d %H:%M"),
            },
        )


SESSION_AHEAD = datetime.timedelta(days=180)
SESSION_GRACE = datetime.timedelta(hours=1)  # a session being held now may still be entered


def case_schedule(*, actor, case_id, kind: str, starts_at, place: str) -> DisputeCase:
    """安排调解会: in a room or by video; every party with a phone is told by SMS."""
    if kind not in SessionKind.values:
        raise InvalidInput(_("请选择调解方式"), "kind")
    place = _text(place, "place", _("地点或视频链接"), 300)
    now = timezone.now()
    if starts_at is None or not now - SESSION_GRACE <= starts_at <= now + SESSION_AHEAD:
        raise InvalidInput(_("调解会时间应在现在到 180 天之内"), "starts_at")
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.SCHEDULE)
        case = ctx.case
        session = MediationSession.objects.create(
            case=case,
            kind=kind,
            starts_at=starts_at,
            place=place,
            scheduled_by=actor if getattr(actor, "pk", None) else None,
        )
        when = timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M")
        how = _("视频调解，链接：%(place)s") if kind == SessionKind.VIDEO else _("地点：%(place)s")
        text = _("【善治】您的纠纷（%(code)s）定于 %(when)s 调解，%(how)s。请准时参加。") % {
            "code": case.code,
            "when": when,
            "how": how % {"place": place},
        }
        notify_all(
            [
                Message(
                    kind="mediation.session",
                    text=text,
                    phone=party.phone,
                    object_type=MEDIATION.name,
                    object_id=case.code,
                    area_code=case.area_code,
                )
                for party in Party.objects.filter(case=case).exclude(phone="")
            ]
        )
        return MEDIATION.save(
            case,
            [],
            actor=actor,
            action=Action.SCHEDULE,
            before={},
            after={"session": session.pk, "kind": kind, "starts_at": when, "place": place},
        )


def case_record(
    *, actor, case_id, session_id, attendance: str, minutes: str, outcome: str
) -> DisputeCase:
    """记录调解会: who came, the minutes and what came of it; the session is then held."""
    attendance = _text(attendance, "attendance", _("到场情况"), 500)
    minutes = _text(minutes, "minutes", _("调解笔录"), 8000)
    outcome = _text(outcome, "outcome", _("本次结果"), 500)
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.RECORD)
        case = ctx.case
        session = (
            MediationSession.objects.select_for_update()
            .filter(pk=parse_id(session_id) or 0, case=case)
            .first()
        )
        if session is None:
            raise InvalidInput(_("没有这次调解会"), "session")
        if session.state != SessionState.SCHEDULED:
            raise Conflict(_("这次调解会已记录"))
        session.attendance, session.minutes, session.outcome = attendance, minutes, outcome
        session.state = SessionState.HELD
        session.save(update_fields=["attendance", "minutes", "outcome", "state"])
        case.visits = _visits(case)
        return MEDIATION.save(
            case,
            ["visits"],
            actor=actor,
            action=Action.RECORD,
            before={"session": session.pk, "state": SessionState.SCHEDULED},
            after={"session": session.pk, "state": SessionState.HELD, "outcome": outcome},
        )


def _visits(case: DisputeCase) -> int:
    """The distinct days the applicant came in person: the day of a walk-in intake, and each
    day a session was held in a room (a video session is no visit)."""
    days = {
        timezone.localtime(moment).date()
        for moment in MediationSession.objects.filter(
            case=case, kind=SessionKind.ROOM, state=SessionState.HELD
        ).values_list("starts_at", flat=True)
    }
    if case.source == DisputeSource.WINDOW:
        days.add(timezone.localtime(case.registered_at).date())
    return len(days)


def case_agree(*, actor, case_id, agreement: str) -> DisputeCase:
    """达成协议: the agreement the parties reached, in the words of the 调解协议书."""
    agreement = _text(agreement, "agreement", _("协议内容"), 8000)
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.AGREE)
        case = ctx.case
        before = {"state": case.state}
        case.state = DisputeState.AGREED
        case.agreement = agreement
        case.closed_at = timezone.now()
        case.confirm_due_at = workdays.add_legal_days(case.closed_at, CONFIRM_DAYS)
        case.follow_up_due_at = case.closed_at + datetime.timedelta(
            days=settings.MEDIATION_FOLLOW_UP_DAYS
        )
        case.fulfilment = ""
        _send_confirm_codes(case)
        return MEDIATION.save(
            case,
            ["state", "agreement", "closed_at", "confirm_due_at", "follow_up_due_at", "fulfilment"],
            actor=actor,
            action=Action.AGREE,
            before=before,
            after={"state": case.state, "confirm_due": _day(case.confirm_due_at)},
        )


# -- the parties' confirmation of the agreement -------------------------------------------------


def _confirm_code_hash(party_id: int, code: str) -> str:
    return salted_hmac("shanzhi.mediation.confirm", f"{party_id}:{code}").hexdigest()


def _send_confirm_codes(case: DisputeCase) -> None:
    """Each party with a phone gets a six-digit code to confirm the agreement online (调解查询);
    the others sign on the spot. Only a keyed hash of the code is kept."""
    messages = []
    for party in Party.objects.filter(case=case, confirmed_at__isnull=True).exclude(phone=""):
        code = f"{secrets.randbelow(10**6):06d}"
        party.confirm_code_hash = _confirm_code_hash(party.pk, code)
        party.save(update_fields=["confirm_code_hash"])
        messages.append(
            Message(
                kind="mediation.confirm_code",
                text=_(
                    "【善治】您的纠纷（%(case)s）已达成调解协议，请在“调解查询”核对协议内容后确认，"
                )
                % {"case": case.code}
                + _("确认码 %(code)s，请勿告诉他人。") % {"code": code},
                phone=party.phone,
                object_type=MEDIATION.name,
                object_id=case.code,
                area_code=case.area_code,
            )
        )
    notify_all(messages)


def guard_sign(ctx) -> None:
    guard_agreed_staff(ctx)
    if not Party.objects.filter(case=ctx.case, confirmed_at__isnull=True).exists():
        raise Conflict(_("各方当事人均已确认协议"))


def guard_agreed_staff(ctx) -> None:
    require(_coordinates(ctx) or _handles(ctx), _("只有承办或分派组织的调解员可以登记签字"))
    MEDIATION.require_state(ctx.case, DisputeState.AGREED)


def case_sign(*, actor, case_id, party_ids) -> DisputeCase:
    """当场签字确认: the parties who signed the printed 调解协议书 in front of the mediator."""
    ids = {parse_id(pk) for pk in party_ids or []} - {None}
    if not ids:
        raise InvalidInput(_("请选择签字的当事人"), "parties")
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.SIGN)
        parties = list(Party.objects.select_for_update().filter(case=ctx.case, pk__in=ids))
        if len(parties) != len(ids):
            raise InvalidInput(_("当事人不属于本案"), "parties")
        if any(p.confirmed_at for p in parties):
            raise Conflict(_("所选当事人中已有人确认过协议"))
        now = timezone.now()
        Party.objects.filter(pk__in=ids).update(
            confirmed_at=now, confirmed_via=ConfirmVia.IN_PERSON, confirm_code_hash=""
        )
        return MEDIATION.save(
            ctx.case,
            [],
            actor=actor,
            action=Action.SIGN,
            before={},
            after={"parties": sorted(p.get_role_display() for p in parties)},
        )


def party_confirm_agreement(*, code: str, phone_tail: str, confirm_code: str) -> DisputeCase:
    """A party confirms the agreement online on the tracking page, with the code and four
    digits of their phone and the six-digit code sent to that phone. A wrong confirmation code
    counts against the case code like a wrong tail; confirming twice is a conflict."""
    from shanzhi.workorders.services.tracking import _locked, tracking_failure_count

    case = case_track(code=code, phone_tail=phone_tail)  # first: a wrong tail learns nothing
    digits = (confirm_code or "").strip()
    with transaction.atomic():
        case = MEDIATION.lock(case.pk)
        if case.state != DisputeState.AGREED:
            raise Conflict(_("案件尚未达成调解协议"))
        tail = (phone_tail or "").strip()
        party = next(
            (
                p
                for p in Party.objects.select_for_update().filter(case=case, phone__endswith=tail)
                if digits.isdigit()
                and p.confirm_code_hash
                and constant_time_compare(p.confirm_code_hash, _confirm_code_hash(p.pk, digits))
            ),
            None,
        )
        if party is None:
            already = Party.objects.filter(
                case=case, phone__endswith=tail, confirmed_at__isnull=False
            ).exists()
            if (
                already
                and not Party.objects.filter(
                    case=case, phone__endswith=tail, confirmed_at__isnull=True
                ).exists()
            ):
                raise Conflict(_("您已确认过调解协议"))
            wrong = True
        else:
            wrong = False
            party.confirmed_at, party.confirmed_via = timezone.now(), ConfirmVia.ONLINE
            party.confirm_code_hash = ""
            party.save(update_fields=["confirmed_at", "confirmed_via", "confirm_code_hash"])
            case = MEDIATION.save(
                case,
                [],
                actor=PARTY,
                action=Action.PARTY_CONFIRM,
                before={},
                after={"party": party.get_role_display()},
            )
    if wrong:  # counted outside the transaction above, which changed nothing
        if tracking_failure_count(code=case.code, day=timezone.localdate()):
            raise _locked()
        raise InvalidInput(_("确认码不正确"), "confirm_code")
    return case


# -- 履行回访: was the agreement kept? -----------------------------------------------------------

FOLLOW_UP_AGAIN = datetime.timedelta(days=7)  # partly kept: asked again a week later


def guard_follow_up(ctx) -> None:
    require(_coordinates(ctx) or _handles(ctx), _("只有承办或分派组织的调解员可以履行回访"))
    MEDIATION.require_state(ctx.case, DisputeState.AGREED)
    if ctx.case.follow_up_due_at is None:
        raise Conflict(_("该协议已履行，无需回访"))


def case_follow_up(*, actor, case_id, fulfilment: str, note: str = "") -> DisputeCase:
    """履行回访: kept (closed for good), partly kept (asked again in a week), or broken: the
    case is mediated again (调解中, the same code, a new period from now); the agreement stays in
    the timeline."""
    if fulfilment not in Fulfilment.values:
        raise InvalidInput(_("请选择履行情况"), "fulfilment")
    note = _text(note, "note", _("回访情况"), 2000, required=fulfilment != Fulfilment.FULFILLED)
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.FOLLOW_UP)
        case = ctx.case
        now = timezone.now()
        before = {"state": case.state, "fulfilment": case.fulfilment}
        case.fulfilment = fulfilment
        fields = ["fulfilment"]
        if fulfilment == Fulfilment.FULFILLED:
            case.follow_up_due_at = None  # nothing more to ask
            fields.append("follow_up_due_at")
        elif fulfilment == Fulfilment.PARTLY:
            case.follow_up_due_at = now + FOLLOW_UP_AGAIN
            fields.append("follow_up_due_at")
        elif fulfilment == Fulfilment.BROKEN:
            case.state = DisputeState.MEDIATING
            case.closed_at = case.confirm_due_at = case.confirm_reminded_at = None
            case.follow_up_due_at = case.warned_at = None
            case.is_overdue = False
            case.due_at = workdays.add_working_days(now, case.dispute_type.mediation_days)
            fields += [
                "state",
                "closed_at",
                "confirm_due_at",
                "confirm_reminded_at",
                "follow_up_due_at",
                "warned_at",
                "is_overdue",
                "due_at",
            ]
        return MEDIATION.save(
            case,
            fields,
            actor=actor,
            action=Action.FOLLOW_UP,
            before=before,
            after={"state": case.state, "fulfilment": fulfilment},
            reason=note,
        )


def case_fail(*, actor, case_id, reason: str, target: str = "") -> DisputeCase:
    """调解不成: closed with the reason, and where the parties were pointed (if anywhere)."""
    if target and target not in ReferralTarget.values:
        raise InvalidInput(_("转出去向不正确"), "target")
    reason = _text(reason, "reason", _("调解不成的原因"), 2000)
    return _close_without_agreement(
        actor=actor,
        case_id=case_id,
        action=Action.FAIL,
        state=DisputeState.FAILED,
        target=target,
        reason=reason,
    )


# -- evidence (证据) ------------------------------------------------------------------------------

EVIDENCE_PER_CASE = 30


def guard_evidence(ctx) -> None:
    require(_coordinates(ctx) or _handles(ctx), _("只有承办或分派组织的调解员可以上传证据"))
    MEDIATION.require_state(ctx.case, *OPEN_STATES)


def _store_evidence(case, checked, *, description, by_party, user, stored) -> None:
    for upload, (content_type, kind, ext) in checked:
        item = Evidence(
            case=case,
            kind=kind,
            content_type=content_type,
            size=upload.size,
            sha256=file_digest(upload.file),
            original_name=upload.name[:200],
            description=description,
            by_party=by_party,
            uploaded_by=user,
            uploaded_at=timezone.now(),
        )
        store_file(item, upload, ext, stored)


def _add_evidence(case_id, uploads, description, *, actor, begin) -> DisputeCase:
    """Check every file by its first bytes and size before anything is stored, then store them
    with the case locked; a refusal leaves no file and no row."""
    if not uploads:
        raise InvalidInput(_("请选择要上传的证据文件"), "files")
    checked = check_uploads(list(uploads))
    description = _text(description, "description", _("证据说明"), 200, required=False)
    stored: list[str] = []
    try:
        with transaction.atomic():
            case = begin()
            if case.evidence.count() + len(checked) > EVIDENCE_PER_CASE:
                raise InvalidInput(
                    _("每件案件最多 %(n)d 份证据") % {"n": EVIDENCE_PER_CASE}, "files"
                )
            user = actor if getattr(actor, "is_authenticated", False) else None
            _store_evidence(
                case,
                checked,
                description=description,
                by_party=user is None,
                user=user,
                stored=stored,
            )
            return MEDIATION.save(
                case,
                [],
                actor=actor,
                action=Action.EVIDENCE,
                before={},
                after={"files": len(checked), "by_party": user is None},
                reason=description,
            )
    except BaseException:
        discard_stored(stored)  # the rows are rolled back; the files must go too
        raise


def case_evidence_add(*, actor, case_id, uploads, description: str = "") -> DisputeCase:
    """The case's mediation staff add evidence while the case is open."""
    return _add_evidence(
        case_id,
        uploads,
        description,
        actor=actor,
        begin=lambda: MEDIATION.begin(case_id, actor, Action.EVIDENCE).case,
    )


def party_evidence_add(*, code: str, phone_tail: str, uploads, description: str = ""):
    """A party adds evidence on the tracking page, with the code and four digits of a party's
    phone (a wrong tail learns nothing and counts like a wrong tracking try), while the case
    is open."""
    case = case_track(code=code, phone_tail=phone_tail)

    def begin():
        locked = MEDIATION.lock(case.pk)
        if locked.state not in OPEN_STATES:
            raise Conflict(_("案件已结案，不能再提交证据"))
        return locked

    return _add_evidence(case.pk, uploads, description, actor=PARTY, begin=begin)


def evidence_viewed(*, actor, item: Evidence) -> None:
    """A file of evidence was opened: logged like a view of the parties' data."""
    audit_record(
        actor=actor,
        action="mediation.evidence_view",
        object_type="mediation_evidence",
        object_id=item.pk,
        after={"case": item.case.code},
    )


# -- from a work order (转调解) ------------------------------------------------------------------


def dispute_type_for_category(category) -> DisputeType | None:
    """The dispute type whose work-order categories cover this category (the nearest: a leaf's
    own mapping before its group's), or None: then its appeals are not referred to mediation."""
    codes = [code for code in reversed(category.path.split("/")) if code]
    mapped = dict(
        DisputeType.categories.through.objects.filter(
            category__code__in=codes, disputetype__is_active=True
        ).values_list("category__code", "disputetype_id")
    )
    nearest = next((mapped[code] for code in codes if code in mapped), None)
    return DisputeType.objects.filter(pk=nearest).first() if nearest else None


def guard_refer_from_order(ctx) -> None:
    """转调解: the lead unit, while handling, an order of a category mapped to a dispute type,
    not referred before."""
    guard_lead(OrderState.HANDLING)(ctx)
    if dispute_type_for_category(ctx.order.category) is None:
        raise Conflict(_("该事项分类不属于矛盾纠纷，不能转调解"))
    if DisputeCase.objects.filter(work_order_id=ctx.order.pk).exists():
        raise Conflict(_("该工单已转调解"))


def _committee_for(area_code: str) -> MediationOrg | None:
    """Where a work order's dispute is mediated: its township's people's mediation committee,
    else its county's centre."""
    orgs = MediationOrg.objects.select_related("unit")
    return (
        orgs.filter(
            kind=OrgKind.TOWNSHIP_COMMITTEE, unit__region_id=area_code[:9].ljust(12, "0")
        ).first()
        or orgs.filter(kind=OrgKind.CENTRE, unit__region_id=area_code[:6].ljust(12, "0")).first()
    )


def workorder_refer(
    *, actor, order_id, dispute_type: str, respondent_name: str, respondent_phone: str = ""
):
    """转调解 (an action of the work order, registered by this app): the dispute is taken in
    at the township's mediation committee with the appellant as applicant, one code; the work
    order waits, suspended, and the mediation's outcome becomes its reply (`_order_answered`),
    so that the appellant sees one story."""
    respondent_name = _text(respondent_name, "respondent_name", _("被申请人"), 100)
    with transaction.atomic():
        order = WORKORDER.begin(order_id, actor, OrderAction.REFER_MEDIATION).order
        org = _committee_for(order.area_code)
        if org is None:
            raise Conflict(_("该地没有人民调解组织，不能转调解"))
        appeal = order.appeals.filter(is_primary=True).first()
        if appeal is None or not appeal.appellant_phone:
            raise Conflict(_("诉求人没有留下电话，无法作为调解申请人"))
        case = _register(
            actor,
            CaseInput(
                dispute_type_code=dispute_type,
                title=order.title,
                facts=appeal.content[:4000],
                region_code=order.area_code[:12],
                lon=order.lon,
                lat=order.lat,
                address=order.address[:200],
                parties=[
                    PartyInput(
                        role=PartyRole.APPLICANT,
                        name=appeal.appellant_name or _("诉求人"),
                        phone=appeal.appellant_phone,
                    ),
                    PartyInput(
                        role=PartyRole.RESPONDENT, name=respondent_name, phone=respondent_phone
                    ),
                ],
            ),
            DisputeSource.WORKORDER,
            org,
            work_order=order,
        )
        workorder_hand_over(
            order,
            actor=actor,
            action=OrderAction.REFER_MEDIATION,
            reason=_("转%(org)s调解，调解案件编号 %(code)s")
            % {"org": org.unit.name, "code": case.code},
            after={"dispute": case.code, "org": org.unit.name},
        )
    return order


def _order_answered(case: DisputeCase, actor) -> None:
    """A dispute from a work order has ended: the order's reply is the outcome (an agreement
    solves the matter; a failure or a referral out explains where it goes)."""
    if not case.work_order_id:
        return
    if case.state == DisputeState.AGREED:
        result = ReplyResult.SOLVED
        text = _("经%(org)s调解，双方达成协议：%(agreement)s") % {
            "org": (case.lead_unit or case.dispatch_unit).name,
            "agreement": case.agreement,
        }
    else:
        result = ReplyResult.UNSOLVED
        target = case.get_referral_target_display() if case.referral_target else ""
        text = _("经%(org)s调解未能达成协议：%(reason)s") % {
            "org": (case.lead_unit or case.dispatch_unit).name,
            "reason": case.outcome_reason,
        } + (_("已引导当事人通过%(target)s解决。") % {"target": target} if target else "")
    workorder_take_back(actor=actor, order_id=case.work_order_id, result=result, text=text[:2000])


@events.subscriber(MEDIATION.event(Action.AGREE))
def _agreed(*, case, actor, at):
    _order_answered(case, actor)


@events.subscriber(MEDIATION.event(Action.FAIL))
def _failed(*, case, actor, at):
    _order_answered(case, actor)


@events.subscriber(MEDIATION.event(Action.REFER_OUT))
def _referred(*, case, actor, at):
    _order_answered(case, actor)


# -- judicial confirmation (司法确认) -----------------------------------------------------------

# 人民调解法 §33: the parties apply jointly within 30 days of the agreement taking effect; the
# court decides within 3 days whether to accept. Both are periods of civil procedure
# (workdays.add_legal_days).
CONFIRM_DAYS = 30
COURT_ACCEPT_DAYS = 3


def _day(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")


def _court_day(value, name: str, label: str, *, after: datetime.date, after_label: str):
    """A day the court acted on: not in the future, not before the step it follows."""
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise InvalidInput(_("请填写%(label)s") % {"label": label}, name)
    if value > timezone.localdate():
        raise InvalidInput(_("%(label)s不能晚于今天") % {"label": label}, name)
    if value < after:
        raise InvalidInput(
            _("%(label)s不能早于%(after)s（%(day)s）")
            % {"label": label, "after": after_label, "day": after.isoformat()},
            name,
        )
    return value


def case_confirm_apply(*, actor, case_id, court: str, applied_on) -> DisputeCase:
    """申请司法确认: the parties applied jointly to a court on `applied_on`, which must lie
    within the 30 days after the agreement. The court's 3 days to accept start the next day."""
    court = _text(court, "court", _("受理法院"), 100)
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.CONFIRM_APPLY)
        case = ctx.case
        agreed_on = timezone.localtime(case.closed_at).date()
        applied_on = _court_day(
            applied_on, "applied_on", _("申请日期"), after=agreed_on, after_label=_("协议日期")
        )
        due = timezone.localtime(case.confirm_due_at).date()
        if applied_on > due:
            raise Conflict(
                _("已超过司法确认的申请期限（%(due)s）：协议达成之日起 30 日内须由双方共同申请")
                % {"due": due.isoformat()}
            )
        confirmation = JudicialConfirmation.objects.create(
            case=case,
            court=court,
            applied_on=applied_on,
            accept_due_at=workdays.add_legal_days(applied_on, COURT_ACCEPT_DAYS),
        )
        return MEDIATION.save(
            case,
            [],
            actor=actor,
            action=Action.CONFIRM_APPLY,
            before={},
            after={
                "court": court,
                "applied_on": applied_on.isoformat(),
                "accept_due": _day(confirmation.accept_due_at),
            },
        )


def case_confirm_accept(*, actor, case_id, accepted: bool, decided_on, reason: str = ""):
    """法院受理决定: the court accepted the application, or did not (with its reason)."""
    reason = _text(reason, "reason", _("不予受理的理由"), 2000, required=not accepted)
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.CONFIRM_ACCEPT)
        confirmation = JudicialConfirmation.objects.select_for_update().get(case=ctx.case)
        decided_on = _court_day(
            decided_on,
            "decided_on",
            _("受理决定日期"),
            after=confirmation.applied_on,
            after_label=_("申请日期"),
        )
        confirmation.state = (
            ConfirmationState.ACCEPTED if accepted else ConfirmationState.NOT_ACCEPTED
        )
        confirmation.accepted_on = decided_on
        confirmation.note = reason
        confirmation.save(update_fields=["state", "accepted_on", "note"])
        return MEDIATION.save(
            ctx.case,
            [],
            actor=actor,
            action=Action.CONFIRM_ACCEPT,
            before={"confirmation": ConfirmationState.APPLIED},
            after={"confirmation": confirmation.state, "on": decided_on.isoformat()},
            reason=reason,
        )


def case_confirm_rule(
    *, actor, case_id, confirmed: bool, ruled_on, ruling_number: str, reason: str = ""
):
    """法院确认裁定: the agreement confirmed as valid (then enforceable), or the application
    refused (the parties may then change the agreement through mediation, or go to court)."""
    ruling_number = _text(ruling_number, "ruling_number", _("裁定书文号"), 64)
    reason = _text(reason, "reason", _("驳回的理由"), 2000, required=not confirmed)
    with transaction.atomic():
        ctx = MEDIATION.begin(case_id, actor, Action.CONFIRM_RULE)
        confirmation = JudicialConfirmation.objects.select_for_update().get(case=ctx.case)
        ruled_on = _court_day(
            ruled_on,
            "ruled_on",
            _("裁定日期"),
            after=confirmation.accepted_on,
            after_label=_("受理决定日期"),
        )
        confirmation.state = ConfirmationState.CONFIRMED if confirmed else ConfirmationState.REFUSED
        confirmation.ruled_on = ruled_on
        confirmation.ruling_number = ruling_number
        if reason:
            confirmation.note = reason
        confirmation.save(update_fields=["state", "ruled_on", "ruling_number", "note"])
        return MEDIATION.save(
            ctx.case,
            [],
            actor=actor,
            action=Action.CONFIRM_RULE,
            before={"confirmation": ConfirmationState.ACCEPTED},
            after={
                "confirmation": confirmation.state,
                "on": ruled_on.isoformat(),
                "ruling": ruling_number,
            },
            reason=reason,
        )


def _confirmation_sweep(now: datetime.datetime) -> dict[str, int]:
    """Agreements whose 30 days end within five days and that nobody has taken to court: the
    parties (SMS) and the mediator are reminded once. Applications the court has not decided
    on within its 3 days: marked once, and the mediator told to follow it up."""
    counts = {"confirm_reminded": 0, "court_late": 0}
    closing = Q(
        state=DisputeState.AGREED,
        confirm_reminded_at__isnull=True,
        confirm_due_at__gt=now,
        confirm_due_at__lte=now + CONFIRM_WINDOW_CLOSING,
        confirmation__isnull=True,
    )
    for case_id in DisputeCase.objects.filter(closing).values_list("pk", flat=True):
        with transaction.atomic():
            case = (
                DisputeCase.objects.select_for_update(of=("self",))
                .filter(closing, pk=case_id)
                .first()
            )  # of: the condition joins the confirmation (an outer join PostgreSQL cannot lock)
            if case is None:
                continue
            case.confirm_reminded_at = now
            due = _day(case.confirm_due_at)
            MEDIATION.save(
                case,
                ["confirm_reminded_at"],
                actor=None,
                action=Action.CONFIRM_REMIND,
                before={},
                after={"confirm_due": due},
            )
            words = {"code": case.code, "due": due}
            sms = (
                _("【善治】您的调解协议（%(code)s）如需申请司法确认，")
                + _("请双方于 %(due)s 前共同向人民法院提出。")
            ) % words
            notify_all(
                _tell_handlers(
                    case,
                    "mediation.confirm_remind",
                    _("调解案件 %(code)s 的司法确认申请期限将于 %(due)s 届满。") % words,
                )
                + [
                    Message(
                        kind="mediation.confirm_remind",
                        text=sms,
                        phone=party.phone,
                        object_type=MEDIATION.name,
                        object_id=case.code,
                        area_code=case.area_code,
                    )
                    for party in Party.objects.filter(case=case).exclude(phone="")
                ]
            )
            counts["confirm_reminded"] += 1
    late = Q(state=ConfirmationState.APPLIED, is_accept_late=False, accept_due_at__lte=now)
    for case_id in JudicialConfirmation.objects.filter(late).values_list("case_id", flat=True):
        with transaction.atomic():
            confirmation = (
                JudicialConfirmation.objects.select_for_update(of=("self",))
                .filter(late, case_id=case_id)
                .select_related("case__mediator")
                .first()
            )
            if confirmation is None:
                continue
            confirmation.is_accept_late = True
            confirmation.save(update_fields=["is_accept_late"])
            case = confirmation.case
            due = _day(confirmation.accept_due_at)
            MEDIATION.save(
                case, [], actor=None, action=Action.CONFIRM_LATE, before={}, after={"due": due}
            )
            text = _(
                "调解案件 %(code)s 的司法确认申请，%(court)s 未在 %(due)s 前决定是否受理，请跟进。"
            ) % {"code": case.code, "court": confirmation.court, "due": due}
            notify_all(_tell_handlers(case, "mediation.confirm_late", text))
            counts["court_late"] += 1
    return counts


# -- the roster and the types (administrators, through the admin) ------------------------------


def roster_save(*, actor, obj, created: bool, specialities=None, categories=None):
    """Save a dispute type, a mediation organisation or a mediator as an administrator edited
    it, with its specialities (a type: its work-order categories), and record it in the audit
    trail."""
    with transaction.atomic():
        obj.full_clean(validate_unique=True)
        obj.save()
        after = {
            field.name: str(getattr(obj, field.attname))
            for field in obj._meta.concrete_fields
            if not field.primary_key
        }
        if specialities is not None:
            obj.specialities.set(specialities)
            after["specialities"] = sorted(str(s) for s in specialities)
        if categories is not None:
            obj.categories.set(categories)
            after["categories"] = sorted(c.code for c in categories)
        audit_record(
            actor=actor,
            action=f"{obj._meta.model_name}.{'create' if created else 'update'}",
            object_type=obj._meta.model_name,
            object_id=obj.pk,
            after=after,
        )
    return obj


# -- the parties' way in ---------------------------------------------------------------------


def case_track(*, code: str, phone_tail: str) -> DisputeCase:
    """The case that this code and the last four digits of a party's phone open, for the
    parties' public page and API. As with appeals (workorders.services.tracking), a wrong code
    and a wrong tail give the same 404 and count against the code; at the day's limit the code
    is locked (403) whatever the tail."""
    from shanzhi.workorders.models import TrackingFailures
    from shanzhi.workorders.services.tracking import (
        _locked,
        _wrong,
        tracking_code_normal,
        tracking_failure_count,
    )

    normal = tracking_code_normal(code)
    tail = (phone_tail or "").strip()
    if not normal.startswith(CODE_PREFIX):
        raise _wrong()
    today = timezone.localdate()
    if TrackingFailures.objects.filter(code=normal, day=today, locked_at__isnull=False).exists():
        raise _locked()
    case = DisputeCase.objects.filter(code=normal).select_related("dispute_type").first()
    if (
        case is not None
        and len(tail) == 4
        and tail.isdigit()
        and Party.objects.filter(case=case, phone__endswith=tail).exists()
    ):
        return case
    if tracking_failure_count(code=normal, day=today):
        raise _locked()
    raise _wrong()


# -- the mediation period ----------------------------------------------------------------------


def _tell_handlers(case: DisputeCase, kind: str, text: str) -> list[Message]:
    """The case's mediator when they have an account, else everyone of the organisation that
    has the case (the handling one, or the assigning one while it waits)."""
    common = {"kind": kind, "text": text, "object_type": MEDIATION.name, "object_id": case.code}
    if case.mediator_id and case.mediator.user_id:
        return [Message(user_id=case.mediator.user_id, **common)]
    return [Message(unit_id=case.lead_unit_id or case.dispatch_unit_id, **common)]


def _mark_period(pending: Q, kind: str, mark: dict, message: str) -> int:
    """Mark each open, running case matching `pending` once (checked again under its lock):
    the fields of `mark`, the audit event `kind`, and a message to whoever has the case. A
    suspended case's period stands still, so it is neither warned nor marked meanwhile."""
    running = Q(state__in=OPEN_STATES, suspended_at__isnull=True) & pending
    marked = 0
    for case_id in DisputeCase.objects.filter(running).values_list("pk", flat=True):
        with transaction.atomic():
            case = DisputeCase.objects.select_for_update().filter(running, pk=case_id).first()
            if case is None:
                continue
            for name, value in mark.items():
                setattr(case, name, value)
            due = timezone.localtime(case.due_at).strftime("%Y-%m-%d")
            MEDIATION.save(case, list(mark), actor=None, action=kind, before={}, after={"due": due})
            text = message % {"code": case.code, "title": case.title, "due": due}
            notify_all(_tell_handlers(case, f"mediation.{kind}", text))
            marked += 1
    return marked


def deadlines_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Open cases whose mediation period ends within three days are warned once (临期预警), and
    those past it are marked overdue once (超期); each in the audit trail and told to whoever
    has the case. Safe to run as often as wanted: a case is warned and marked at most once."""
    now = now or timezone.now()
    counts = {"warn": 0, "overdue": 0}
    for kind, pending, mark, message in (
        (
            "warn",
            Q(warned_at__isnull=True, due_at__lte=now + DUE_SOON),
            {"warned_at": now},
            _("调解案件 %(code)s「%(title)s」将于 %(due)s 到期，请抓紧调解。"),
        ),
        (
            "overdue",
            Q(is_overdue=False, due_at__lte=now),
            {"is_overdue": True},
            _("调解案件 %(code)s「%(title)s」已超过调解期限（%(due)s）。"),
        ),
    ):
        counts[kind] += _mark_period(pending, kind, mark, message)
    return {
        "warned": counts["warn"],
        "overdue": counts["overdue"],
        **_confirmation_sweep(now),
    }


def case_rate(*, code: str, phone_tail: str, rating: str, comment: str = "") -> DisputeCase:
    """A party rates the mediation (满意, 基本满意, 不满意) on the public page, with the code and
    four digits of their phone, once the case is closed; the first rating stands. 不满意 needs a
    reason."""
    from shanzhi.workorders.choices import Rating

    case = case_track(code=code, phone_tail=phone_tail)  # first: a wrong tail learns nothing
    if rating not in Rating.values:
        raise InvalidInput(_("请选择评价"), "rating")
    comment = _text(comment, "comment", _("评价意见"), 1000, required=rating == Rating.DISSATISFIED)
    with transaction.atomic():
        case = DisputeCase.objects.select_for_update().get(pk=case.pk)
        if case.state not in CLOSED_STATES:
            raise Conflict(_("调解结束后才能评价"))
        if case.rated_at is not None:
            raise Conflict(_("该案件已评价过"))
        case.rating, case.rating_comment, case.rated_at = rating, comment, timezone.now()
        return MEDIATION.save(
            case,
            ["rating", "rating_comment", "rated_at"],
            actor=PARTY,
            action=Action.RATE,
            before={},
            after={"rating": rating},
            reason=comment,
        )
