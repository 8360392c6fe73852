"""The demo's mediation centre: dispute types, a county centre per county, a people's mediation
committee per township and in the first villages, 吴兴区's sector committees, a lawyers' studio
and a 红带蓝 group, 40-odd mediators, and cases at every step so that the `mediator` account has
work on day one. Everything goes through the services, as a window clerk and mediators would."""

import datetime
import random

from django.utils import timezone

from shanzhi.demo import data
from shanzhi.mediation import services as mediation
from shanzhi.mediation.choices import (
    MediationLevel,
    OrgKind,
    PartyRole,
    ReferralTarget,
    SessionKind,
)
from shanzhi.mediation.models import DisputeType, MediationOrg, Mediator
from shanzhi.org import services as org
from shanzhi.org.choices import Role, UnitKind
from shanzhi.org.models import Unit
from shanzhi.territory.models import Region

ACTOR = "demo"

# (code, name, mediation days, children)
DISPUTE_TYPES = [
    ("01", "婚姻家庭", 30, ["离婚财产", "赡养抚养", "继承"]),
    ("02", "邻里纠纷", 15, ["相邻通行", "噪声扰民", "漏水渗水"]),
    ("03", "宅基地和土地承包", 30, ["宅基地界址", "土地承包经营"]),
    ("04", "人身损害", 30, []),
    ("05", "劳动争议", 15, ["拖欠工资", "工伤赔偿"]),
    ("06", "医疗纠纷", 30, []),
    ("07", "物业纠纷", 30, []),
    ("08", "交通事故", 30, []),
    ("09", "消费纠纷", 15, []),
    ("10", "海事渔事", 30, []),
    ("11", "其他", 30, []),
]

# 吴兴区's sector committees and studios: (name, kind, the type codes they take)
SECTORS = [
    ("吴兴区医疗纠纷人民调解委员会", OrgKind.SECTOR_COMMITTEE, ["06"]),
    ("吴兴区劳动争议人民调解委员会", OrgKind.SECTOR_COMMITTEE, ["05", "0501", "0502"]),
    ("吴兴区道路交通事故人民调解委员会", OrgKind.SECTOR_COMMITTEE, ["08"]),
    ("吴兴区物业纠纷人民调解委员会", OrgKind.SECTOR_COMMITTEE, ["07"]),
    ("吴兴区婚姻家庭纠纷人民调解委员会", OrgKind.SECTOR_COMMITTEE, ["01", "0101", "0102"]),
    ("吴兴区律师调解工作室", OrgKind.LAWYER_STUDIO, ["04", "05", "09"]),
]

# A few disputes of 吴兴区, told as the window writes them down: (type, title, facts, request).
CASES = [
    (
        "0203",
        "楼上卫生间漏水",
        "楼上住户卫生间防水层老化，楼下天花板长期渗水发霉，多次协商未果。",
        "楼上住户维修防水并赔偿楼下装修损失。",
    ),
    (
        "0202",
        "广场舞音响扰民",
        "小区广场舞每晚九点后仍放音乐，附近住户休息受影响。",
        "调整活动时间、降低音量。",
    ),
    ("0501", "装修队拖欠工资", "装修公司拖欠五名工人两个月工资共计四万余元。", "支付拖欠工资。"),
    (
        "0102",
        "老人赡养费分担",
        "三名子女对父亲赡养费分担意见不一，老人生活无着。",
        "明确每月赡养费及看护安排。",
    ),
    (
        "0201",
        "邻居砌墙挡路",
        "邻居在两户之间通道砌墙，另一户出入只能绕行。",
        "拆除围墙、恢复通行。",
    ),
    (
        "08",
        "电动车相撞赔偿",
        "两辆电动自行车在路口相撞，一方骨折住院，赔偿数额协商不下。",
        "赔偿医疗费、误工费。",
    ),
    (
        "07",
        "物业费与停车位",
        "业主以停车位被占为由拒交物业费，物业公司要求补缴。",
        "解决车位占用问题后补缴物业费。",
    ),
    (
        "0301",
        "宅基地界址争议",
        "两户翻建房屋时对宅基地界址各执一词，已发生口角。",
        "按原界址重新确认。",
    ),
    ("06", "术后感染赔偿", "患者在镇卫生院手术后感染，家属认为医院存在过错。", "医院赔偿并道歉。"),
    ("09", "预付卡退费", "健身房停业，会员预付卡余额无法退还，涉及三十余人。", "退还余额。"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = [
    "建华",
    "秀兰",
    "国强",
    "丽娟",
    "志明",
    "海燕",
    "卫东",
    "桂英",
    "文军",
    "春梅",
    "德明",
    "玉珍",
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return "13" + "".join(str(rng.randint(0, 9)) for _ in range(9))


def _org(unit, kind, level, *, escalates_to=None, specialities=()) -> MediationOrg:
    return mediation.roster_save(
        actor=ACTOR,
        obj=MediationOrg(unit=unit, kind=kind, level=level, escalates_to=escalates_to),
        created=True,
        specialities=list(specialities),
    )


def _mediator(rng, org_, *, area, specialities=(), user=None, name=None) -> Mediator:
    return mediation.roster_save(
        actor=ACTOR,
        obj=Mediator(
            org=org_,
            user=user,
            name=name or _name(rng),
            phone=_phone(rng),
            area=area,
            certificate=f"浙调证{rng.randint(100000, 999999)}",
        ),
        created=True,
        specialities=list(specialities),
    )


# The work-order categories whose appeals may be referred to mediation (转调解), by dispute type.
CATEGORIES_OF_TYPE = {
    "02": ["0701"],  # 邻里纠纷
    "0301": ["070102"],  # 宅基地纠纷
    "01": ["0702"],  # 家庭纠纷
    "05": ["0401"],  # 劳资纠纷
    "07": ["0302"],  # 物业管理
    "09": ["0503"],  # 消费维权
}


def build_types() -> dict[str, DisputeType]:
    from shanzhi.workorders.models import Category

    types = {}
    for sort, (code, name, days, children) in enumerate(DISPUTE_TYPES):
        parent = mediation.roster_save(
            actor=ACTOR,
            obj=DisputeType(code=code, name=name, mediation_days=days, sort=sort),
            created=True,
        )
        types[code] = parent
        for index, child in enumerate(children, start=1):
            child_code = f"{code}{index:02d}"
            types[child_code] = mediation.roster_save(
                actor=ACTOR,
                obj=DisputeType(
                    code=child_code, name=child, parent=parent, mediation_days=days, sort=index
                ),
                created=True,
            )
    for code, category_codes in CATEGORIES_OF_TYPE.items():
        mediation.roster_save(
            actor=ACTOR,
            obj=types[code],
            created=False,
            categories=list(Category.objects.filter(code__in=category_codes)),
        )
    return types


def build(
    rng: random.Random, people: dict, villages_by_township: dict, password_hash: str = ""
) -> dict[str, int]:
    types = build_types()
    mediators = 0
    staff_org = None
    committees: dict[str, MediationOrg] = {}
    for county_code, townships in data.TOWNSHIPS.items():
        county = Region.objects.get(code=county_code)
        county_unit = Unit.objects.get(name=f"{county.name}人民调解委员会")
        centre = _org(
            county_unit, OrgKind.CENTRE, MediationLevel.COUNTY, specialities=types.values()
        )
        for _ in range(2):
            _mediator(rng, centre, area=county, specialities=[types["11"], types["04"]])
            mediators += 1
        if county_code == "330502000000":
            staff_org = centre
        for suffix, township_name in townships:
            township = Region.objects.get(code=county_code[:6] + suffix + "000")
            unit = org.unit_create(
                actor=ACTOR,
                name=f"{township_name}人民调解委员会",
                kind=UnitKind.MEDIATION,
                region=township,
                parent=county_unit,
            )
            committee = _org(
                unit,
                OrgKind.TOWNSHIP_COMMITTEE,
                MediationLevel.TOWNSHIP,
                escalates_to=centre,
                specialities=[types["02"], types["03"], types["01"]],
            )
            committees[township.code] = committee
            for index in range(2):
                user = None
                if county_code == "330502000000":
                    user = org.person_create(
                        actor=ACTOR,
                        username=f"tj{township.code[:9]}{index + 1}",
                        full_name=_name(rng),
                        password=None,
                    )
                    # They sign in with the demo password like the demo's other accounts.
                    user.password = password_hash
                    user.save(update_fields=["password"])
                    org.membership_grant(actor=ACTOR, user=user, unit=unit, role=Role.MEDIATOR)
                roster_name = _name(rng)  # drawn either way: the demo stays the same per seed
                _mediator(
                    rng,
                    committee,
                    area=township,
                    specialities=[types["02"], types["0201"], types["0203"], types["03"]],
                    user=user,
                    name=user.get_full_name() if user else roster_name,
                )
                mediators += 1
            for village in villages_by_township.get(township.code, [])[:2]:
                v_unit = org.unit_create(
                    actor=ACTOR,
                    name=f"{village.name}人民调解委员会",
                    kind=UnitKind.MEDIATION,
                    region=village,
                    parent=unit,
                )
                v_org = _org(
                    v_unit,
                    OrgKind.VILLAGE_COMMITTEE,
                    MediationLevel.VILLAGE,
                    escalates_to=committee,
                    specialities=[types["02"]],
                )
                _mediator(rng, v_org, area=village, specialities=[types["02"], types["0202"]])
                mediators += 1

    county = Region.objects.get(code="330502000000")
    county_unit = staff_org.unit
    for name, kind, codes in SECTORS:
        unit = org.unit_create(
            actor=ACTOR, name=name, kind=UnitKind.MEDIATION, region=county, parent=county_unit
        )
        sector = _org(unit, kind, MediationLevel.COUNTY, specialities=[types[c] for c in codes])
        for _ in range(2):
            _mediator(rng, sector, area=county, specialities=[types[c] for c in codes])
            mediators += 1
    first_township = Region.objects.get(code="330502001000")
    group_unit = org.unit_create(
        actor=ACTOR,
        name="月河街道红带蓝调解小组",
        kind=UnitKind.MEDIATION,
        region=first_township,
        parent=committees[first_township.code].unit,
    )
    group = _org(
        group_unit,
        OrgKind.RED_BLUE_GROUP,
        MediationLevel.TOWNSHIP,
        escalates_to=committees[first_township.code],
        specialities=[types["02"], types["01"]],
    )
    for index in range(3):  # a 老娘舅 mentor and two grid workers
        _mediator(
            rng,
            group,
            area=first_township,
            specialities=[types["02"], types["0102"]] if index == 0 else [types["02"]],
        )
        mediators += 1

    # The `mediator` account is one of the centre's mediators and has work on day one.
    staff = people["mediator"]
    me = _mediator(
        rng,
        staff_org,
        area=county,
        specialities=[types["01"], types["02"], types["05"]],
        user=staff,
        name=staff.get_full_name(),
    )
    mediators += 1
    cases = _cases(rng, staff, me, types, committees)
    return {"dispute_types": len(types), "mediators": mediators, "mediation_cases": cases}


def _cases(rng, staff, me: Mediator, types, committees) -> int:
    villages = list(Region.objects.filter(code__startswith="330502", level="village"))
    township_mediators = list(
        Mediator.objects.filter(org__kind=OrgKind.TOWNSHIP_COMMITTEE, user__isnull=False)
    )
    made = []
    for index, (code, title, facts, request) in enumerate(CASES):
        village = rng.choice(villages)
        case = mediation.case_register(
            actor_user=staff,
            data=mediation.CaseInput(
                dispute_type_code=code,
                title=title,
                facts=facts,
                request=request,
                region_code=village.code,
                address=f"{village.name}{rng.randint(1, 30)}号",
                people_involved=30 if code == "09" else 2,
                is_group=code == "09",
                parties=[
                    mediation.PartyInput(
                        role=PartyRole.APPLICANT, name=_name(rng), phone=_phone(rng)
                    ),
                    mediation.PartyInput(
                        role=PartyRole.RESPONDENT, name=_name(rng), phone=_phone(rng)
                    ),
                ],
            ),
        )
        made.append(case)
        if index in (0, 1, 3, 4):  # the mediator's own desk
            mediation.case_assign(actor=staff, case_id=case.pk, mediator_id=me.pk)
        elif index in (5, 6, 7):  # out to a township committee's mediator
            local = [m for m in township_mediators if case.area_code.startswith(m.area_id[:9])]
            mediator = local[0] if local else township_mediators[0]
            mediation.case_assign(actor=staff, case_id=case.pk, mediator_id=mediator.pk)
            if index == 6:
                mediation.case_agree(
                    actor=mediator.user,
                    case_id=case.pk,
                    agreement="一、业主于本月底前补缴物业费；二、物业公司清理占用车位并加装地锁。",
                )
            if index == 7:
                mediation.case_escalate(
                    actor=mediator.user,
                    case_id=case.pk,
                    reason="双方分歧大，涉及宅基地确权，需县级会商。",
                )
    # A session on the mediator's own desk, today if the afternoon is still ahead.
    now = timezone.localtime()
    at = now.replace(hour=15, minute=0, second=0, microsecond=0)
    if at <= now:
        at = (now + datetime.timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
    mediation.case_schedule(
        actor=staff,
        case_id=made[0].pk,
        kind=SessionKind.ROOM,
        starts_at=at,
        place="吴兴区矛调中心说事室",
    )
    # One agreement and one referral on the mediator's own desk.
    mediation.case_agree(
        actor=staff,
        case_id=made[1].pk,
        agreement="一、活动时间调整为每晚七点至八点半；二、音响音量不超过五十五分贝。",
    )
    mediation.case_refer_out(
        actor=staff,
        case_id=made[2].pk,
        target=ReferralTarget.ARBITRATION,
        reason="用人单位拒不到场，引导工人申请劳动仲裁。",
    )
    return len(made)
