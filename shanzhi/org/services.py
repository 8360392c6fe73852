"""Writes of the org app: units, people and their roles, grid staff, households."""

import datetime
import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.errors import Forbidden, InvalidInput, NotFound
from shanzhi.core.services import audit_record
from shanzhi.org.choices import GridDuty, Role, UnitKind
from shanzhi.org.models import (
    GridAssignment,
    Household,
    HouseholdVisit,
    Membership,
    PartyMember,
    Unit,
)
from shanzhi.territory.models import Grid, Region

PHONE_RE = re.compile(r"^(\+?86)?1\d{10}$|^0\d{2,3}-?\d{7,8}$")


def _check_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "")
    if phone and not PHONE_RE.match(phone):
        raise InvalidInput(_("电话号码格式不正确"), "phone")
    return phone


def unit_create(
    *, actor, name: str, kind: str, region: Region, parent: Unit | None = None, phone: str = ""
) -> Unit:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("名称不能为空"), "name")
    if kind not in UnitKind.values:
        raise InvalidInput(_("未知的单位类型"), "kind")
    with transaction.atomic():
        unit = Unit.objects.create(
            name=name, kind=kind, region=region, parent=parent, phone=_check_phone(phone)
        )
        audit_record(
            actor=actor,
            action="unit.create",
            object_type="unit",
            object_id=unit.pk,
            after={
                "name": name,
                "kind": kind,
                "region": region.code,
                "parent": parent.pk if parent else None,
            },
        )
    return unit


def person_create(
    *,
    actor,
    username: str,
    full_name: str,
    password: str | None,
    email: str = "",
    is_superuser: bool = False,
):
    """A person who logs in. The Chinese name is kept whole in `first_name` (family name first,
    not split), which is what get_full_name() shows."""
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise InvalidInput(_("用户名不能为空"), "username")
    if User.objects.filter(username=username).exists():
        raise InvalidInput(_("用户名已存在"), "username")
    with transaction.atomic():
        user = User(username=username, first_name=full_name, email=email)
        user.is_staff = is_superuser
        user.is_superuser = is_superuser
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit_record(
            actor=actor,
            action="person.create",
            object_type="user",
            object_id=user.pk,
            after={"username": username, "full_name": full_name, "superuser": is_superuser},
        )
    return user


def membership_grant(*, actor, user, unit: Unit, role: str) -> Membership:
    if role not in Role.values:
        raise InvalidInput(_("未知的角色"), "role")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
        reactivated = not created and not membership.is_active
        if reactivated:
            membership.is_active = True
            membership.save(update_fields=["is_active"])
        if created or reactivated:
            audit_record(
                actor=actor,
                action="membership.grant",
                object_type="membership",
                object_id=membership.pk,
                after={"user": user.get_username(), "unit": unit.pk, "role": role},
            )
        # The administrator role is the Django superuser: the admin screens and unlimited scope.
        if role == Role.ADMIN and not (user.is_staff and user.is_superuser):
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
    return membership


def grid_assign(
    *, actor, grid: Grid, user, duty: str, since: datetime.date | None = None
) -> GridAssignment:
    if duty not in GridDuty.values:
        raise InvalidInput(_("未知的网格职务"), "duty")
    with transaction.atomic():
        assignment, _created = GridAssignment.objects.update_or_create(
            grid=grid, user=user, defaults={"duty": duty, "since": since}
        )
        audit_record(
            actor=actor,
            action="grid.assign",
            object_type="grid",
            object_id=grid.code,
            after={"user": user.get_username(), "duty": duty},
        )
    return assignment


def households_register(*, actor, grid: Grid, rows: list[dict]) -> list[Household]:
    """Add households to a grid's register: each row has address, head_name, members_count and
    phone. Validated as a whole; one audit event names how many were added."""
    households = []
    for number, row in enumerate(rows, start=1):
        address = (row.get("address") or "").strip()
        head = (row.get("head_name") or "").strip()
        if not address or not head:
            raise InvalidInput(_("第 %(n)s 户：地址和户主不能为空") % {"n": number}, "address")
        members = int(row.get("members_count") or 1)
        if not 1 <= members <= 99:
            raise InvalidInput(
                _("第 %(n)s 户：人口数应在 1 到 99 之间") % {"n": number}, "members_count"
            )
        households.append(
            Household(
                grid=grid,
                address=address,
                head_name=head,
                members_count=members,
                phone=_check_phone(row.get("phone", "")),
            )
        )
    with transaction.atomic():
        created = Household.objects.bulk_create(households)
        audit_record(
            actor=actor,
            action="households.register",
            object_type="grid",
            object_id=grid.code,
            after={"added": len(created)},
        )
    return created


def party_member_link(
    *, actor, grid: Grid, name: str, phone: str = "", households: list[Household], user=None
) -> PartyMember:
    """Register a party member of a grid and the households they link (联户)."""
    if not (name or "").strip():
        raise InvalidInput(_("姓名不能为空"), "name")
    if any(h.grid_id != grid.code for h in households):
        raise InvalidInput(_("联系住户必须属于同一网格"), "households")
    with transaction.atomic():
        member = PartyMember.objects.create(
            grid=grid, name=name.strip(), phone=_check_phone(phone), user=user
        )
        member.households.set(households)
        audit_record(
            actor=actor,
            action="party_member.link",
            object_type="grid",
            object_id=grid.code,
            after={
                "party_member": member.pk,
                "name": member.name,
                "households": sorted(h.pk for h in households),
            },
        )
    return member


def household_visit_record(*, actor, household_id: int, note: str) -> HouseholdVisit:
    """入户走访, recorded by a grid worker of the household's grid."""
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("请填写走访情况"), "note")
    if len(note) > 500:
        raise InvalidInput(_("走访情况不能超过 500 字"), "note")
    household = Household.objects.filter(pk=household_id).first()
    if household is None:
        raise NotFound(_("住户不存在"))
    if not GridAssignment.objects.filter(grid_id=household.grid_id, user=actor).exists():
        raise Forbidden(_("只有本网格的网格员可以登记走访"))
    with transaction.atomic():
        visit = HouseholdVisit.objects.create(
            household=household, visitor=actor, visited_at=timezone.now(), note=note
        )
        audit_record(
            actor=actor,
            action="household.visit",
            object_type="household",
            object_id=household.pk,
            after={"grid": household.grid_id, "note": note},
        )
    return visit
