"""A past of disputes for the demo's mediation organisations, written straight into the tables
(like the work orders' history in `demo/history/`): the cases with their parties, the sessions
held, the agreements, the courts' confirmations and the parties' ratings, over the past `years`,
so that the mediation figures (化解率, 零跑率, 诉前化解 …) show a real year.

The mix follows the reports the project started from: Putuo's centre (about three quarters of
disputes resolved with no visit by the applicant, one in six with one, almost all on time and
satisfied) and Zhuji's court referrals (three in ten mediated, most of those confirmed by the
court). Nothing goes through the services and no audit events are written (a seeded case's
timeline is empty); the rollups are rebuilt from the rows afterwards."""

import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shanzhi.core import workdays
from shanzhi.demo.history.tables import CODE_ALPHABET
from shanzhi.demo.mediation import _name, _phone
from shanzhi.mediation.case import CONFIRM_WINDOW_CLOSING, DUE_SOON
from shanzhi.mediation.choices import (
    ConfirmationState,
    DisputeSource,
    DisputeState,
    Fulfilment,
    MediationLevel,
    OrgKind,
    PartyRole,
    ReferralTarget,
    SessionKind,
    SessionState,
)
from shanzhi.mediation.models import (
    DisputeCase,
    DisputeType,
    JudicialConfirmation,
    MediationOrg,
    MediationSession,
    Mediator,
    Party,
)
from shanzhi.mediation.services import CONFIRM_DAYS
from shanzhi.territory.models import Region

# What people come with, by type family: a title, and the gist of a typical agreement.
STORIES = {
    "01": ("赡养费分担", "子女按月支付赡养费，轮流照料老人起居。"),
    "02": ("邻里漏水纠纷", "责任方十日内维修并赔偿损失，双方互谅互让。"),
    "03": ("宅基地界址争议", "按村里登记的界址重新确界，拆除越界部分。"),
    "04": ("人身损害赔偿", "一次性赔偿医疗费、误工费等各项损失。"),
    "05": ("拖欠工资", "用人单位于月底前付清所欠工资。"),
    "06": ("医疗费用争议", "医院减免部分费用并给予一次性补偿。"),
    "07": ("物业费与车位纠纷", "业主补缴物业费，物业公司清理占用车位。"),
    "08": ("交通事故损害赔偿", "肇事方及保险公司按责任比例赔付。"),
    "09": ("消费退款纠纷", "商家退还货款并赔偿运费。"),
    "10": ("渔船碰撞纠纷", "按损失评估分担修理费用。"),
    "11": ("合同履行纠纷", "双方按约定继续履行，逾期部分分期付清。"),
}
# Where disputes come from: online through a 解纷码, referred by the court, at the window.
SOURCES = [(DisputeSource.ONLINE, 62), (DisputeSource.COURT, 20), (DisputeSource.WINDOW, 18)]
# Past agreements were followed up within a few days of their day; the recent ones still wait.
FOLLOW_UP_GRACE = datetime.timedelta(days=5)
LEVELS = [(MediationLevel.VILLAGE, 55), (MediationLevel.TOWNSHIP, 30), (MediationLevel.COUNTY, 15)]


@dataclass
class _World:
    villages: list[Region]
    types: list[DisputeType]
    families: dict[int, str]
    village_org: dict[str, MediationOrg]  # village code → its committee
    township_org: dict[str, MediationOrg]  # township code (9 digits) → its committee
    county_orgs: dict[str, list[MediationOrg]]  # county code (6) → centre and sector committees
    specialities: dict[int, set[str]]  # org unit id → the type codes it takes
    courts: dict[str, str]  # county code (6) → its court
    mediators: dict[int, list[int]]  # org unit id → mediator ids


def _world() -> _World:
    orgs = list(MediationOrg.objects.select_related("unit"))
    village_org, township_org, county_orgs = {}, {}, {}
    for org in orgs:
        code = org.unit.region_id
        if org.kind == OrgKind.VILLAGE_COMMITTEE:
            village_org[code] = org
        elif org.kind == OrgKind.TOWNSHIP_COMMITTEE:
            township_org[code[:9]] = org
        elif org.kind in (OrgKind.CENTRE, OrgKind.SECTOR_COMMITTEE, OrgKind.LAWYER_STUDIO):
            county_orgs.setdefault(code[:6], []).append(org)
    mediators: dict[int, list[int]] = {}
    for pk, unit_id in Mediator.objects.values_list("pk", "org__unit_id"):
        mediators.setdefault(unit_id, []).append(pk)
    types = list(DisputeType.objects.filter(is_active=True).select_related("parent"))
    specialities: dict[int, set[str]] = {}
    for unit_id, code in MediationOrg.specialities.through.objects.values_list(
        "mediationorg_id", "disputetype__code"
    ):
        specialities.setdefault(unit_id, set()).add(code)
    courts = {
        code[:6]: f"{name}人民法院"
        for code, name in Region.objects.filter(level="county").values_list("code", "name")
    }
    return _World(
        villages=[
            v
            for v in Region.objects.filter(level="village").order_by("code")
            if v.code[:9] in township_org
        ],
        types=[t for t in types if t.parent_id or not any(c.parent_id == t.pk for c in types)],
        families={t.pk: (t.parent.code if t.parent else t.code) for t in types},
        village_org=village_org,
        township_org=township_org,
        county_orgs=county_orgs,
        specialities=specialities,
        courts=courts,
        mediators=mediators,
    )


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def _org_for(rng, world: _World, village: Region, level: str, family: str, source: str):
    county = world.county_orgs.get(village.code[:6], [])
    if source == DisputeSource.COURT or level == MediationLevel.COUNTY:
        sectors = [o for o in county if o.kind != OrgKind.CENTRE]
        centre = [o for o in county if o.kind == OrgKind.CENTRE]
        fitting = [o for o in sectors if family in world.specialities.get(o.unit_id, ())]
        if fitting and rng.random() < 0.7:
            return rng.choice(fitting)
        if centre:
            return centre[0]
    if level == MediationLevel.VILLAGE and village.code in world.village_org:
        return world.village_org[village.code]
    return world.township_org[village.code[:9]]


def _code(rng: random.Random, moment: datetime.datetime, taken: set[str]) -> str:
    while True:
        day = timezone.localtime(moment).strftime("%y%m%d")
        code = "TJ" + day + "".join(rng.choice(CODE_ALPHABET) for _ in range(7))
        if code not in taken:
            taken.add(code)
            return code


def _working_hours(rng: random.Random, day: datetime.date) -> datetime.datetime:
    minute = rng.randint(8 * 60 + 30, 17 * 60 + 30)
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60))
    )


def seed_disputes(
    *, cases: int, years: float = 1, seed: int = 2026, now: datetime.datetime | None = None
) -> int:
    """Add `cases` disputes taken in over the past `years` up to `now`, with their lives cut at
    `now`: old ones closed (agreed, failed or referred out), recent ones being mediated or
    waiting. Returns the number added."""
    if cases < 1:
        return 0
    rng = random.Random(seed)
    now = now or timezone.now()
    world = _world()
    if not world.villages or not world.types:
        return 0
    today = timezone.localtime(now).date()
    first = today - datetime.timedelta(days=int(365 * years))
    span = (today - first).days
    taken = set(DisputeCase.objects.values_list("code", flat=True))
    with transaction.atomic():
        for start in range(0, cases, CHUNK):
            made = []
            for index in range(start, min(start + CHUNK, cases)):
                day = first + datetime.timedelta(days=int(span * (index + rng.random()) / cases))
                made.append(_dispute(rng, world, _working_hours(rng, day), now, taken))
            _write(sorted(made, key=lambda item: item[0].registered_at))  # ids grow with time
    return cases


CHUNK = 20_000  # cases made and written at a time: a million never sit in memory at once


def _write(made) -> None:
    DisputeCase.objects.bulk_create([case for case, *_rest in made], batch_size=2000)
    Party.objects.bulk_create(
        [p for case, parties, *_r in made for p in _bind(parties, case)], batch_size=5000
    )
    MediationSession.objects.bulk_create(
        [s for case, _p, sessions, _c in made for s in _bind(sessions, case)], batch_size=5000
    )
    JudicialConfirmation.objects.bulk_create(
        [c for case, _p, _s, c in made if c is not None and _bind([c], case)], batch_size=5000
    )


def _bind(rows, case):
    for row in rows:
        row.case = case
    return rows


def _dispute(rng, world: _World, registered: datetime.datetime, now, taken):
    dispute_type = rng.choice(world.types)
    family = world.families[dispute_type.pk]
    village = rng.choice(world.villages)
    source = _pick(rng, SOURCES)
    org = _org_for(rng, world, village, _pick(rng, LEVELS), family, source)
    mediators = world.mediators.get(org.unit_id) or [None]
    title, gist = STORIES.get(family, STORIES["11"])
    due = workdays.add_working_days(registered, dispute_type.mediation_days)
    case = DisputeCase(
        code=_code(rng, registered, taken),
        source=source,
        dispute_type=dispute_type,
        title=title,
        facts=f"{village.name}村民反映：{title}，双方多次协商未果，申请调解。",
        request="请求依法调解。",
        people_involved=2,
        region=village,
        area_code=village.code,
        address=f"{village.name}{rng.randint(1, 40)}号",
        level=org.level,
        dispatch_unit_id=org.unit_id,
        state=DisputeState.PENDING,
        registered_at=registered,
        due_at=due,
    )
    parties = [
        Party(role=PartyRole.APPLICANT, name=_name(rng), phone=_phone(rng)),
        Party(role=PartyRole.RESPONDENT, name=_name(rng), phone=_phone(rng)),
    ]
    on_the_spot = source == DisputeSource.WINDOW and rng.random() < 0.85
    if on_the_spot:  # mediated at the window the same day (说事室 on the spot)
        closing = registered + datetime.timedelta(minutes=rng.randint(40, 180))
    elif rng.random() < 0.01:  # past the period
        closing = due + datetime.timedelta(days=rng.randint(1, 10))
    else:
        days = max(1, min(int(rng.expovariate(1 / 7)) + 1, dispute_type.mediation_days))
        closing = min(registered + datetime.timedelta(days=days), due)
    assigned = registered + datetime.timedelta(minutes=rng.randint(10, 240))
    if assigned > now:
        return case, parties, [], None  # still waiting at the window
    case.state, case.assigned_at = DisputeState.MEDIATING, assigned
    case.lead_unit_id, case.mediator_id = org.unit_id, rng.choice(mediators)
    sessions = []
    if not on_the_spot:
        held = max(assigned, closing - datetime.timedelta(hours=rng.randint(1, 48)))
        video = source != DisputeSource.WINDOW and rng.random() < 0.95
        sessions.append(
            MediationSession(
                kind=SessionKind.VIDEO if video else SessionKind.ROOM,
                starts_at=held,
                place="视频调解" if video else f"{org.unit.name}说事室",
                state=SessionState.HELD if held <= now else SessionState.SCHEDULED,
                attendance="双方到场" if held <= now else "",
                minutes="调解员释法说理，双方陈述意见。" if held <= now else "",
                outcome="达成一致意见" if held <= now else "",
            )
        )
    days = {timezone.localtime(s.starts_at).date() for s in sessions if s.kind == SessionKind.ROOM}
    if source == DisputeSource.WINDOW:
        days.add(timezone.localtime(registered).date())
    if closing > now:
        # What the sweep would have done already: the warning near the end, the overdue mark.
        case.is_overdue = due <= now
        if due - DUE_SOON <= now:
            case.warned_at = due - DUE_SOON
        held = {
            timezone.localtime(s.starts_at).date()
            for s in sessions
            if s.kind == SessionKind.ROOM and s.state == SessionState.HELD
        }
        window = (
            {timezone.localtime(registered).date()} if source == DisputeSource.WINDOW else set()
        )
        case.visits = len(held | window)
        return case, parties, sessions, None
    case.visits = len(days)
    case.closed_at = closing
    outcome = rng.random()
    resolved = 0.30 if source == DisputeSource.COURT else 0.92
    if outcome < resolved:
        case.state, case.agreement = DisputeState.AGREED, f"经调解，双方自愿达成如下协议：{gist}"
        case.confirm_due_at = workdays.add_legal_days(closing, CONFIRM_DAYS)
        case.follow_up_due_at = closing + datetime.timedelta(days=settings.MEDIATION_FOLLOW_UP_DAYS)
        if case.follow_up_due_at + FOLLOW_UP_GRACE <= now:  # asked about long ago: almost all kept
            case.fulfilment, case.follow_up_due_at = Fulfilment.FULFILLED, None
    elif outcome < resolved + (0.5 if source == DisputeSource.COURT else 0.05):
        case.state, case.outcome_reason = DisputeState.FAILED, "双方分歧较大，调解不成。"
        case.referral_target = ReferralTarget.LITIGATION
    else:
        case.state, case.outcome_reason = DisputeState.REFERRED, "属劳动争议，引导申请仲裁。"
        case.referral_target = ReferralTarget.ARBITRATION
    case.is_overdue = closing > due
    if rng.random() < 0.65:
        rated = closing + datetime.timedelta(hours=rng.randint(2, 72))
        if rated <= now:
            grade = rng.random()
            case.rating = (
                "satisfied" if grade < 0.85 else "basically" if grade < 0.993 else ("dissatisfied")
            )
            case.rating_comment = "处理太慢" if case.rating == "dissatisfied" else ""
            case.rated_at = rated
    court = world.courts.get(village.code[:6], "人民法院")
    confirmation = _confirmation(rng, case, source, court, now)
    reminder = case.confirm_due_at and case.confirm_due_at - CONFIRM_WINDOW_CLOSING
    if confirmation is None and reminder and reminder <= now:
        case.confirm_reminded_at = reminder  # the sweep's reminder, already sent
    if confirmation is not None and confirmation.accepted_on is None:
        confirmation.is_accept_late = confirmation.accept_due_at <= now
    return case, parties, sessions, confirmation


def _confirmation(rng, case, source: str, court: str, now) -> JudicialConfirmation | None:
    """Most agreements of court referrals, and a few others, go to court for confirmation."""
    if case.state != DisputeState.AGREED:
        return None
    if rng.random() >= (0.85 if source == DisputeSource.COURT else 0.08):
        return None
    today = timezone.localtime(now).date()
    applied = timezone.localtime(case.closed_at).date() + datetime.timedelta(rng.randint(0, 10))
    if applied > today:
        return None
    confirmation = JudicialConfirmation(
        court=court,
        applied_on=applied,
        accept_due_at=workdays.add_legal_days(applied, 3),
    )
    accepted = applied + datetime.timedelta(rng.randint(0, 3))
    if accepted > today:
        return confirmation
    confirmation.state, confirmation.accepted_on = ConfirmationState.ACCEPTED, accepted
    ruled = accepted + datetime.timedelta(rng.randint(3, 15))
    if ruled > today:
        return confirmation
    confirmation.state, confirmation.ruled_on = ConfirmationState.CONFIRMED, ruled
    county = case.area_code[2:6]
    confirmation.ruling_number = f"（{ruled.year}）浙{county}民特{rng.randint(100, 9999)}号"
    return confirmation
