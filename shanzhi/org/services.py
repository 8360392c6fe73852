"""Writes of the org app: units, people and their roles, grid staff, households. The admin's
screens call these too, so every change is checked and audited the same way wherever it comes
from."""

import datetime
import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core import events
from shanzhi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from shanzhi.core.services import audit_record, changed_fields
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


def _unit_fields(*, unit_id, name, kind, region, parent, phone) -> dict:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("名称不能为空"), "name")
    if kind not in UnitKind.values:
        raise InvalidInput(_("未知的单位类型"), "kind")
    if Unit.objects.filter(region=region, name=name).exclude(pk=unit_id).exists():
        raise InvalidInput(_("该区域已有同名单位"), "name")
    ancestor = parent
    while ancestor is not None and unit_id is not None:
        if ancestor.pk == unit_id:
            raise InvalidInput(_("上级单位不能是本单位或其下级单位"), "parent")
        ancestor = ancestor.parent
    return {"name": name, "kind": kind, "phone": _check_phone(phone)}


def _unit_snapshot(unit: Unit) -> dict:
    return {
        "name": unit.name,
        "kind": unit.kind,
        "region": unit.region_id,
        "parent": unit.parent_id,
        "phone": unit.phone,
        "is_active": unit.is_active,
    }


def unit_create(
    *,
    actor,
    name: str,
    kind: str,
    region: Region,
    parent: Unit | None = None,
    phone: str = "",
    is_active: bool = True,
) -> Unit:
    fields = _unit_fields(
        unit_id=None, name=name, kind=kind, region=region, parent=parent, phone=phone
    )
    with transaction.atomic():
        unit = Unit.objects.create(region=region, parent=parent, is_active=is_active, **fields)
        audit_record(
            actor=actor,
            action="unit.create",
            object_type="unit",
            object_id=unit.pk,
            after={
                "name": unit.name,
                "kind": kind,
                "region": region.code,
                "parent": parent.pk if parent else None,
            },
        )
        # Who triages an area is read from the units (workorders keeps it in memory).
        events.publish("unit.changed", unit=unit)
    return unit


def unit_update(
    *,
    actor,
    unit: Unit,
    name: str,
    kind: str,
    region: Region,
    parent: Unit | None = None,
    phone: str = "",
    is_active: bool = True,
) -> Unit:
    """Rename, move, re-file or switch off a unit; the audit event names what changed."""
    fields = _unit_fields(
        unit_id=unit.pk, name=name, kind=kind, region=region, parent=parent, phone=phone
    )
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        before = _unit_snapshot(unit)
        unit.region, unit.parent, unit.is_active = region, parent, is_active
        for field, value in fields.items():
            setattr(unit, field, value)
        before, after = changed_fields(before, _unit_snapshot(unit))
        if after:
            unit.save(update_fields=["name", "kind", "region", "parent", "phone", "is_active"])
            audit_record(
                actor=actor,
                action="unit.update",
                object_type="unit",
                object_id=unit.pk,
                before=before,
                after=after,
            )
            events.publish("unit.changed", unit=unit)
    return unit


def unit_delete(*, actor, unit: Unit) -> None:
    """Delete a unit nobody and nothing refers to yet (a mistaken entry); others are switched
    off instead."""
    with transaction.atomic():
        before = _unit_snapshot(unit)
        pk = unit.pk
        try:
            with transaction.atomic():
                unit.delete()
        except ProtectedError:
            raise Conflict(
                _("%(unit)s 仍有人员、下级单位或工单，不能删除；请停用。") % {"unit": unit.name}
            ) from None
        audit_record(
            actor=actor, action="unit.delete", object_type="unit", object_id=pk, before=before
        )
        unit.pk = pk
        events.publish("unit.changed", unit=unit)


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


def _person_snapshot(user) -> dict:
    return {
        "username": user.get_username(),
        "full_name": user.first_name,
        "email": user.email,
        "is_active": user.is_active,
        "superuser": user.is_superuser,
    }


def person_update(
    *,
    actor,
    user,
    username: str,
    full_name: str,
    email: str = "",
    is_active: bool = True,
    is_superuser: bool = False,
):
    """Change a person's account: name, e-mail, whether they may sign in, and whether they are
    an administrator (the Django superuser, who also sees the admin screens). Someone who holds
    the 系统管理员 role stays an administrator until the role is revoked."""
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise InvalidInput(_("用户名不能为空"), "username")
    if User.objects.filter(username=username).exclude(pk=user.pk).exists():
        raise InvalidInput(_("用户名已存在"), "username")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not is_superuser and _holds_admin_role(user):
            raise InvalidInput(_("此人仍任系统管理员，请先在“任职”中撤销该角色"), "is_superuser")
        before = _person_snapshot(user)
        user.username, user.first_name, user.email = username, (full_name or "").strip(), email
        user.is_active = is_active
        user.is_superuser = user.is_staff = is_superuser
        before, after = changed_fields(before, _person_snapshot(user))
        if after:
            user.save(
                update_fields=[
                    "username",
                    "first_name",
                    "email",
                    "is_active",
                    "is_superuser",
                    "is_staff",
                ]
            )
            audit_record(
                actor=actor,
                action="person.update",
                object_type="user",
                object_id=user.pk,
                before=before,
                after=after,
            )
    return user


def person_password_set(*, actor, user, password: str | None):
    """A new password for `user` (the object is updated in place, so that a person changing
    their own keeps their session), or none: then they cannot sign in with a password. The
    audit event says which, never the password or its hash."""
    with transaction.atomic():
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
        audit_record(
            actor=actor,
            action="person.password",
            object_type="user",
            object_id=user.pk,
            after={"username": user.get_username(), "usable": bool(password)},
        )
    return user


def person_delete(*, actor, user) -> None:
    """Delete an account nobody's records point at (a mistaken entry). Someone who acted stays
    in the audit trail: switch the account off instead."""
    with transaction.atomic():
        before = _person_snapshot(user)
        pk = user.pk
        try:
            with transaction.atomic():
                user.delete()
        except ProtectedError:
            raise Conflict(
                _("%(name)s 已有操作记录，不能删除；请取消“有效”以停用账号。")
                % {"name": before["username"]}
            ) from None
        audit_record(
            actor=actor, action="person.delete", object_type="user", object_id=pk, before=before
        )


def _holds_admin_role(user) -> bool:
    return Membership.objects.filter(user=user, role=Role.ADMIN, is_active=True).exists()


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


def membership_revoke(*, actor, membership: Membership) -> Membership:
    """End a role (the row stays, inactive, as the history of who held it). Revoking the last
    系统管理员 role of a person takes back what granting it gave: the superuser and the admin
    screens."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        )
        if not membership.is_active:
            return membership
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        user = membership.user
        after = {"user": user.get_username(), "unit": membership.unit_id, "role": membership.role}
        last_admin_role = membership.role == Role.ADMIN and not _holds_admin_role(user)
        if last_admin_role and (user.is_staff or user.is_superuser):
            user.is_staff = user.is_superuser = False
            user.save(update_fields=["is_staff", "is_superuser"])
            after["superuser"] = False
        audit_record(
            actor=actor,
            action="membership.revoke",
            object_type="membership",
            object_id=membership.pk,
            before={"is_active": True},
            after=after,
        )
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


def grid_unassign(*, actor, assignment: GridAssignment) -> None:
    with transaction.atomic():
        grid_code, username = assignment.grid_id, assignment.user.get_username()
        before = {"user": username, "duty": assignment.duty}
        assignment.delete()
        audit_record(
            actor=actor,
            action="grid.unassign",
            object_type="grid",
            object_id=grid_code,
            before=before,
        )


def households_register(*, actor, grid: Grid, rows: list[dict]) -> list[Household]:
    """Add households to a grid's register: each row has address, head_name, members_count and
    phone. Validated as a whole; one audit event names how many were added."""
    households = [
        Household(grid=grid, **_household_fields(row, number))
        for number, row in enumerate(rows, start=1)
    ]
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


def _household_fields(row: dict, number: int) -> dict:
    address = (row.get("address") or "").strip()
    head = (row.get("head_name") or "").strip()
    if not address or not head:
        raise InvalidInput(_("第 %(n)s 户：地址和户主不能为空") % {"n": number}, "address")
    members = int(row.get("members_count") or 1)
    if not 1 <= members <= 99:
        raise InvalidInput(
            _("第 %(n)s 户：人口数应在 1 到 99 之间") % {"n": number}, "members_count"
        )
    return {
        "address": address,
        "head_name": head,
        "members_count": members,
        "phone": _check_phone(row.get("phone", "")),
    }


def household_update(
    *, actor, household: Household, address: str, head_name: str, members_count: int, phone: str
) -> Household:
    """Correct a household of the register (its grid stays: the party members who look after it
    are of that grid)."""
    row = {
        "address": address,
        "head_name": head_name,
        "members_count": members_count,
        "phone": phone,
    }
    fields = _household_fields(row, 1)
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        before = {name: getattr(household, name) for name in fields}
        for name, value in fields.items():
            setattr(household, name, value)
        before, after = changed_fields(before, fields)
        if after:
            household.save(update_fields=list(fields))
            audit_record(
                actor=actor,
                action="household.update",
                object_type="household",
                object_id=household.pk,
                before=before,
                after=after,
            )
    return household


def household_delete(*, actor, household: Household) -> None:
    """Remove a household from the register, with its visits."""
    with transaction.atomic():
        pk = household.pk
        before = {
            "grid": household.grid_id,
            "address": household.address,
            "head_name": household.head_name,
            "visits": household.visits.count(),
        }
        household.delete()
        audit_record(
            actor=actor,
            action="household.delete",
            object_type="household",
            object_id=pk,
            before=before,
        )


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


def _party_member_snapshot(member: PartyMember) -> dict:
    return {
        "name": member.name,
        "phone": member.phone,
        "user": member.user_id,
        "households": sorted(member.households.values_list("pk", flat=True)),
    }


def party_member_update(
    *,
    actor,
    member: PartyMember,
    name: str,
    phone: str = "",
    households: list[Household],
    user=None,
) -> PartyMember:
    """Correct a party member's name, phone or account, or the households they link (联户)."""
    if not (name or "").strip():
        raise InvalidInput(_("姓名不能为空"), "name")
    if any(h.grid_id != member.grid_id for h in households):
        raise InvalidInput(_("联系住户必须属于同一网格"), "households")
    phone = _check_phone(phone)
    with transaction.atomic():
        member = PartyMember.objects.select_for_update().get(pk=member.pk)
        before = _party_member_snapshot(member)
        member.name, member.phone, member.user = name.strip(), phone, user
        member.save(update_fields=["name", "phone", "user"])
        member.households.set(households)
        before, after = changed_fields(before, _party_member_snapshot(member))
        if after:
            audit_record(
                actor=actor,
                action="party_member.update",
                object_type="partymember",
                object_id=member.pk,
                before=before,
                after=after,
            )
    return member


def party_member_delete(*, actor, member: PartyMember) -> None:
    with transaction.atomic():
        pk, before = member.pk, {"grid": member.grid_id, **_party_member_snapshot(member)}
        member.delete()
        audit_record(
            actor=actor,
            action="party_member.delete",
            object_type="partymember",
            object_id=pk,
            before=before,
        )


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
