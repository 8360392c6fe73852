"""The demo's categories, dispatch rules and a working day's worth of work orders in every state,
made through the same services the staff use."""

import random

from shapely.geometry import shape

from shanzhi.demo import data
from shanzhi.org.choices import UnitKind
from shanzhi.org.models import Unit
from shanzhi.territory.models import Grid, Region
from shanzhi.workorders import services
from shanzhi.workorders.choices import Channel, Rating, RatingVia, ReplyResult
from shanzhi.workorders.models import Category
from shanzhi.workorders.selectors import dispatch_proposals
from shanzhi.workorders.services.config import category_save, dispatch_rule_create

ACTOR = "demo"
RESIDENT_PHONE = "13905721234"  # the demo resident's own appeals carry this number


def build_categories() -> int:
    leaves = 0
    for root_code, root_name, groups in data.CATEGORIES:
        category_save(actor=ACTOR, code=root_code, name=root_name)
        for group_code, group_name, names in groups:
            category_save(actor=ACTOR, code=group_code, name=group_name, parent_code=root_code)
            for index, name in enumerate(names, start=1):
                category_save(
                    actor=ACTOR, code=f"{group_code}{index:02d}", name=name, parent_code=group_code
                )
                leaves += 1
    return leaves


def build_service_attributes() -> int:
    from shanzhi.workorders.models import ServiceAttribute
    from shanzhi.workorders.services.rules import service_attribute_save

    count = 0
    for category_code, questions in data.SERVICE_ATTRIBUTES.items():
        category = Category.objects.get(code=category_code)
        for order, (code, datatype, question, values) in enumerate(questions, start=1):
            service_attribute_save(
                actor=ACTOR,
                attribute=ServiceAttribute(
                    category=category,
                    code=code,
                    datatype=datatype,
                    description=question,
                    order=order,
                    values=[{"key": k, "name": n} for k, n in values],
                ),
            )
            count += 1
    return count


def build_dispatch_rules() -> int:
    count = 0
    counties = Region.objects.filter(code__in=list(data.TOWNSHIPS))
    for order, (category_code, (kind, where)) in enumerate(data.DISPATCH_RULES):
        category = Category.objects.get(code=category_code)
        if kind == "department":
            for county in counties:
                unit = Unit.objects.get(region=county, name=f"{county.name}{where}")
                dispatch_rule_create(
                    actor=ACTOR,
                    category=category,
                    region=county,
                    lead_unit=unit,
                    order=order,
                    note=f"{category.name} → {unit.name}",
                )
                count += 1
        else:
            dispatch_rule_create(
                actor=ACTOR,
                category=category,
                lead_kind=kind,
                lead_level=where,
                order=order,
                note=f"{category.name} → 属地{UnitKind(kind).label}",
            )
            count += 1
    return count


def _point_in(grid: Grid, rng: random.Random) -> tuple[float, float]:
    polygon = shape(grid.geometry)
    west, south, east, north = polygon.bounds
    while True:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if polygon.contains(shape({"type": "Point", "coordinates": [lon, lat]})):
            return round(lon, 6), round(lat, 6)


def build_workorders(rng: random.Random, people: dict) -> int:
    """Sixteen appeals in 月河街道 and four in 织里镇, taken to every state of the lifecycle."""
    from shanzhi.demo.builder import _name, _phone

    leaves = {c.name: c for c in Category.objects.filter(depth=3)}
    yuehe = list(Grid.objects.filter(code__startswith="330502001").order_by("code"))
    first_village = [g for g in yuehe if g.village_id == yuehe[0].village_id]
    zhili = list(Grid.objects.filter(code__startswith="330502101").order_by("code"))
    dispatcher, operator = people["dispatcher"], people["operator"]
    department, clerk = people["department"], people["villageclerk"]
    # index → what happens after registration
    plan = {
        0: "sign_pending",
        1: "handling",
        4: "verify",
        5: "sign_pending",
        6: "rating",
        7: "direct",
        9: "sign_pending",
        11: "extension",
        12: "direct_rated",
        13: "sign_pending",
        15: "archived",
    }
    village_first = {4, 6, 15}
    created = 0
    samples = [(s, yuehe, dispatcher) for s in data.SAMPLE_APPEALS] + [
        (s, zhili, people["outsider"]) for s in data.SAMPLE_APPEALS[:4]
    ]
    for index, ((leaf, nature, title, content), grids, triage) in enumerate(samples):
        in_yuehe = grids is yuehe
        grid = rng.choice(first_village if index in village_first else grids)
        lon, lat = _point_in(grid, rng)
        mine = in_yuehe and index in (6, 12)  # filed by the demo resident on the public page
        hotline = index % 3 == 0 and not mine
        appeal = services.appeal_register(
            actor=operator if hotline else (people["resident"] if mine else None),
            data=services.AppealInput(
                channel=Channel.HOTLINE if hotline else Channel.WEB,
                nature=nature,
                category_code=leaves[leaf].code,
                title=title,
                content=content,
                lon=lon,
                lat=lat,
                address=f"{grid.village.name}{rng.randint(1, 12)}组附近",
                appellant_name="王秀英" if mine else _name(rng),
                appellant_phone=RESIDENT_PHONE if mine else _phone(rng),
                confidential=index == 9,
                # Two in three agreed to publication (同意公开): Open311 shows those, unless
                # confidential (the ninth asked for both: confidentiality wins).
                publishable=index % 3 != 1,
                attributes={"depth": "ankle", "hours": 6} if leaf == "排水不畅" else {},
            ),
        ).appeal
        order = appeal.work_order
        created += 1
        step = plan.get(index) if in_yuehe else ("handling" if index % 2 else None)
        if step is None:
            continue
        if step.startswith("direct"):
            services.workorder_answer_directly(
                actor=operator,
                order_id=order.pk,
                answer="已电话答复：可通过“浙里办”在线办理，所需材料已短信发送。",
            )
            if step == "direct_rated":
                services.appeal_rate(
                    actor=None,
                    order_id=order.pk,
                    tracking_code=appeal.tracking_code,
                    rating=Rating.SATISFIED,
                    comment="答复很及时",
                    via=RatingVia.APPELLANT,
                )
            continue
        proposal = dispatch_proposals(order)[0]
        services.workorder_dispatch(
            actor=triage, order_id=order.pk, lead_unit_id=proposal.unit.pk, rule_id=proposal.rule.pk
        )
        handler = {department.pk: department, clerk.pk: clerk}
        lead_staff = next(
            (u for u in handler.values() if u.memberships.filter(unit=proposal.unit).exists()), None
        )
        if step == "sign_pending" or lead_staff is None:
            continue
        services.workorder_sign(actor=lead_staff, order_id=order.pk)
        if step == "handling":
            services.workorder_note(
                actor=lead_staff,
                order_id=order.pk,
                public=True,
                text="已到现场查看，正在安排维修。",
            )
            continue
        if step == "extension":
            services.workorder_request_extension(
                actor=lead_staff, order_id=order.pk, days=5, reason="需要电力部门配合更换线路。"
            )
            continue
        services.workorder_reply(
            actor=lead_staff,
            order_id=order.pk,
            result=ReplyResult.SOLVED,
            text="经现场核实已处理完毕，并与反映人电话沟通。",
        )
        if step == "verify":
            continue
        services.workorder_verify(actor=triage, order_id=order.pk, accept=True)
        if step == "archived":
            services.appeal_rate(
                actor=operator,
                order_id=order.pk,
                tracking_code=appeal.tracking_code,
                rating=Rating.BASICALLY,
                comment="电话回访：基本满意",
                via=RatingVia.PHONE,
            )
    return created
