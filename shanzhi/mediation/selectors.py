"""Reads of the mediation centre, for one person: what they may see, with the parties masked
unless they are entitled to them."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from shanzhi.core.errors import NotFound
from shanzhi.core.ids import parse_id
from shanzhi.core.privacy import mask_id_number, mask_name, mask_phone
from shanzhi.core.scoping import prefix_q
from shanzhi.mediation.choices import CLOSED_STATES, OPEN_STATES, DisputeState, MediationLevel
from shanzhi.mediation.models import (
    DisputeCase,
    DisputeType,
    JudicialConfirmation,
    MediationOrg,
    Mediator,
    Party,
)
from shanzhi.org.access import Actor
from shanzhi.org.choices import MEDIATION_OVERSIGHT_ROLES, MEDIATION_ROLES, Role
from shanzhi.territory.choices import PREFIX_LENGTH, RegionLevel, territory_prefix
from shanzhi.territory.models import Region

TOWNSHIP_PREFIX = PREFIX_LENGTH[RegionLevel.TOWNSHIP]


def cases_visible_to(user) -> QuerySet[DisputeCase]:
    """Mediation staff: the cases their organisation assigns or handles, and, in a township
    committee or the county centre, every case of its territory; a mediator: the cases assigned
    to them; leaders and commanders: the cases of their territory (parties masked)."""
    if not getattr(user, "is_authenticated", False):
        return DisputeCase.objects.none()
    actor = Actor.of(user)
    query = prefix_q("area_code", actor.prefixes_with(MEDIATION_OVERSIGHT_ROLES))
    coordinating = [
        prefix
        for _unit, role, prefix in actor.memberships
        if role == Role.MEDIATOR and len(prefix) <= TOWNSHIP_PREFIX
    ]
    if coordinating:
        query |= prefix_q("area_code", coordinating)
    units = actor.units_with(MEDIATION_ROLES)
    if units:
        query |= Q(dispatch_unit_id__in=units) | Q(lead_unit_id__in=units)
    query |= Q(mediator_id__in=Mediator.objects.filter(user=user).values("pk"))
    return DisputeCase.objects.filter(query)


def case_get_for(user, case_id) -> DisputeCase:
    case_id = parse_id(case_id)
    case = None
    if case_id is not None:
        case = (
            cases_visible_to(user)
            .select_related(
                "dispute_type", "region", "grid", "dispatch_unit", "lead_unit", "mediator"
            )
            .filter(pk=case_id)
            .first()
        )
    if case is None:
        raise NotFound(_("调解案件不存在"))
    return case


def sees_parties(user, case: DisputeCase) -> bool:
    """The case's own mediation staff see the parties in full; everyone else masked."""
    actor = Actor.of(user)
    if actor.is_admin or (case.mediator_id and case.mediator.user_id == user.pk):
        return True
    units = actor.units_with(MEDIATION_ROLES)
    return case.dispatch_unit_id in units or case.lead_unit_id in units


def parties_of(case: DisputeCase, *, unmasked: bool) -> list[dict]:
    rows = []
    for party in Party.objects.filter(case=case):
        rows.append(
            {
                "id": party.pk,
                "role": party.role,
                "role_label": party.get_role_display(),
                "kind": party.kind,
                "name": party.name if unmasked else mask_name(party.name),
                "id_number": party.id_number if unmasked else mask_id_number(party.id_number),
                "phone": party.phone if unmasked else mask_phone(party.phone),
                "address": party.address if unmasked else "",
                "confirmed_at": party.confirmed_at,
                "confirmed_via": party.get_confirmed_via_display() if party.confirmed_via else "",
            }
        )
    return rows


def window_orgs(user) -> QuerySet[MediationOrg]:
    """The organisations at whose window this person takes in disputes: the township committees
    and county centres they are mediation staff of (admins: all of them)."""
    actor = Actor.of(user)
    orgs = (
        MediationOrg.objects.select_related("unit__region")
        .filter(unit__is_active=True)
        .exclude(level=MediationLevel.VILLAGE)
    )
    if not actor.is_admin:
        orgs = orgs.filter(unit_id__in=actor.units_with(MEDIATION_ROLES))
    return orgs


def registering_orgs(user) -> list[MediationOrg]:
    return list(window_orgs(user).order_by("unit__name"))


def window_regions(orgs) -> list[Region]:
    """The townships and villages where the disputes of these windows may have happened."""
    return list(
        Region.objects.filter(
            prefix_q("code", [territory_prefix(org.unit.region_id) for org in orgs]),
            level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE],
        ).order_by("code")
    )


def assignable_mediators(case: DisputeCase) -> QuerySet[Mediator]:
    """Who the case may be assigned to: the available mediators of its county."""
    county = case.area_code[: PREFIX_LENGTH[RegionLevel.COUNTY]]
    return (
        Mediator.objects.filter(is_available=True, org__unit__region__code__startswith=county)
        .select_related("org__unit", "area")
        .order_by("org__unit__name", "name")
    )


def dispute_types() -> list[DisputeType]:
    return list(DisputeType.objects.filter(is_active=True).select_related("parent"))


def org_mediators(org_ids) -> QuerySet[Mediator]:
    return Mediator.objects.filter(org_id__in=org_ids).select_related("org__unit", "area")


def recommend(case: DisputeCase, *, limit: int = 3) -> list[dict]:
    """The best mediators for a case, with why: a speciality that matches the dispute type (or
    its parent) counts most, then serving the case's area, then a record of agreements, and each
    open case already on their desk counts against. Among available mediators of organisations
    in the case's county."""
    type_ids = {case.dispute_type_id, case.dispute_type.parent_id} - {None}
    mediators = (
        assignable_mediators(case)
        .prefetch_related("specialities")
        .annotate(
            open_cases=Count("cases", filter=Q(cases__state__in=OPEN_STATES)),
            agreed=Count("cases", filter=Q(cases__state=DisputeState.AGREED)),
            closed=Count(
                "cases",
                filter=Q(
                    cases__state__in=[
                        DisputeState.AGREED,
                        DisputeState.FAILED,
                        DisputeState.REFERRED,
                    ]
                ),
            ),
        )
    )
    scored = []
    for mediator in mediators:
        reasons, score = [], 0.0
        if type_ids & {s.pk for s in mediator.specialities.all()}:
            score += 3
            reasons.append(_("擅长%(type)s") % {"type": case.dispute_type.name})
        if case.area_code.startswith(territory_prefix(mediator.area_id)):
            score += 2
            reasons.append(_("服务%(area)s") % {"area": mediator.area.name})
        if mediator.closed:
            rate = mediator.agreed / mediator.closed
            score += 2 * rate
            reasons.append(
                _("化解率 %(rate)d%%（%(closed)d 件）")
                % {"rate": round(rate * 100), "closed": mediator.closed}
            )
        score -= 0.5 * mediator.open_cases
        reasons.append(_("在办 %(open)d 件") % {"open": mediator.open_cases})
        scored.append((score, mediator, reasons))
    scored.sort(key=lambda item: (-item[0], item[1].open_cases, item[1].pk))
    return [
        {
            "mediator_id": mediator.pk,
            "name": mediator.name,
            "org_id": mediator.org_id,
            "org_name": mediator.org.unit.name,
            "score": round(score, 2),
            "reasons": reasons,
        }
        for score, mediator, reasons in scored[:limit]
    ]


def confirmation_of(case: DisputeCase) -> dict | None:
    """The 司法确认 of an agreed case, for the case page, the API and the parties: by when the
    parties may apply, and what the court has done so far."""
    if case.state != DisputeState.AGREED or case.confirm_due_at is None:
        return None
    confirmation = JudicialConfirmation.objects.filter(case=case).first()
    view = {
        "apply_by": case.confirm_due_at,
        "state": "",
        "state_label": "",
        "court": "",
        "applied_on": None,
        "accept_due_at": None,
        "is_accept_late": False,
        "accepted_on": None,
        "ruled_on": None,
        "ruling_number": "",
        "note": "",
    }
    if confirmation is not None:
        view.update(
            state=confirmation.state,
            state_label=confirmation.get_state_display(),
            court=confirmation.court,
            applied_on=confirmation.applied_on,
            accept_due_at=confirmation.accept_due_at,
            is_accept_late=confirmation.is_accept_late,
            accepted_on=confirmation.accepted_on,
            ruled_on=confirmation.ruled_on,
            ruling_number=confirmation.ruling_number,
            note=confirmation.note,
        )
    return view


def public_view(case: DisputeCase) -> dict:
    """What a party sees of their case: its progress, sessions and outcome; no one's personal
    data, not even their own (the page is opened with four digits of a phone number)."""
    return {
        "code": case.code,
        "title": case.title,
        "dispute_type": case.dispute_type.name,
        "state": case.state,
        "state_label": case.get_state_display(),
        "registered_at": case.registered_at,
        "due_at": case.due_at,
        "org": (case.lead_unit or case.dispatch_unit).name,
        "mediator": case.mediator.name if case.mediator else None,
        "sessions": [
            {
                "kind": s.kind,
                "kind_label": s.get_kind_display(),
                "starts_at": s.starts_at,
                "place": s.place,
                "state": s.state,
                "outcome": s.outcome,
            }
            for s in case.sessions.all()
        ],
        "agreement": case.agreement,
        "outcome_reason": case.outcome_reason if case.state != DisputeState.AGREED else "",
        "referral_target": case.get_referral_target_display() if case.referral_target else "",
        "rating": case.rating,
        "may_rate": case.state in CLOSED_STATES and case.rated_at is None,
        "confirmation": confirmation_of(case),
        "evidence_count": case.evidence.count(),
        "may_add_evidence": case.state not in CLOSED_STATES,
        **_confirmations(case),
    }


def _confirmations(case: DisputeCase) -> dict:
    """How many parties confirmed the agreement, and whether one may still confirm online."""
    if case.state != DisputeState.AGREED:
        return {"parties": 0, "parties_confirmed": 0, "may_confirm": False}
    rows = list(Party.objects.filter(case=case).values_list("confirmed_at", "confirm_code_hash"))
    return {
        "parties": len(rows),
        "parties_confirmed": sum(1 for at, _hash in rows if at),
        "may_confirm": any(not at and code for at, code in rows),
    }


def evidence_of(case: DisputeCase, *, unmasked: bool) -> list[dict]:
    """The case's evidence, oldest first: what it is and who gave it. Its names and notes may
    name people: only those who see the parties in full read them (and open the files, through
    the view that checks who asks)."""
    return [
        {
            "id": item.pk,
            "kind": item.kind,
            "name": item.original_name if unmasked else "",
            "content_type": item.content_type,
            "size": item.size,
            "description": item.description if unmasked else "",
            "by_party": item.by_party,
            "uploaded_at": item.uploaded_at,
        }
        for item in case.evidence.all()
    ]


SIMILAR_SHOWN = 5
GIST_LENGTH = 80


def similar_cases(user, case: DisputeCase) -> list[dict]:
    """Past cases like this one that the person may see, for the mediator to show the parties:
    the same dispute type (or its parent's family) in the same township first, then the county;
    agreements before failures, newest first; each with the gist of its agreement."""
    family = {case.dispute_type_id, case.dispute_type.parent_id} - {None}
    family |= set(DisputeType.objects.filter(parent_id__in=family).values_list("pk", flat=True))
    county = case.area_code[: PREFIX_LENGTH[RegionLevel.COUNTY]]
    township = case.area_code[:TOWNSHIP_PREFIX]
    past = (
        cases_visible_to(user)
        .filter(
            dispute_type_id__in=family,
            area_code__startswith=county,
            state__in=[DisputeState.AGREED, DisputeState.FAILED],
        )
        .exclude(pk=case.pk)
        .select_related("dispute_type")
        .order_by("-closed_at")[:200]
    )
    ranked = sorted(
        past,
        key=lambda c: (
            not c.area_code.startswith(township),
            c.state != DisputeState.AGREED,
            -(c.closed_at.timestamp() if c.closed_at else 0),
        ),
    )
    return [
        {
            "id": c.pk,
            "code": c.code,
            "title": c.title,
            "dispute_type": c.dispute_type.name,
            "state": c.state,
            "state_label": c.get_state_display(),
            "closed_at": c.closed_at,
            "gist": (c.agreement or c.outcome_reason)[:GIST_LENGTH],
            "same_township": c.area_code.startswith(township),
        }
        for c in ranked[:SIMILAR_SHOWN]
    ]


def window_org(org_id) -> MediationOrg | None:
    """An organisation with a window (a township committee or a county centre), by the id in a
    解纷码; None for anything else."""
    org_id = parse_id(org_id)
    if org_id is None:
        return None
    return (
        MediationOrg.objects.select_related("unit__region")
        .filter(unit__is_active=True)
        .exclude(level=MediationLevel.VILLAGE)
        .filter(pk=org_id)
        .first()
    )
