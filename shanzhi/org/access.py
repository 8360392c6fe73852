"""Who may see and do what: a signed-in person's memberships, read once, against the role sets of
`org.choices`. Every app's guards ask an `Actor`; no app keeps role sets of its own.

A case (a work order today; a mediation case or a hazard tomorrow) relates to units through
three fields the relations below read: `dispatch_unit_id` (the unit that triages and dispatches
it), `lead_unit_id` (the unit that handles it) and `area_code` (where it is)."""

from dataclasses import dataclass, field

from shanzhi.core.scoping import ALL, in_scope
from shanzhi.org.choices import (
    DISPATCH_ROLES,
    HANDLER_ROLES,
    PHONE_ROLES,
    REGISTER_ROLES,
    SUPERVISE_ROLES,
    Role,
)
from shanzhi.org.selectors import user_roles
from shanzhi.territory.choices import territory_prefix


@dataclass
class Actor:
    """A signed-in person as the rules see them."""

    user: object
    is_admin: bool = False
    # (unit id, role, territory prefix of the unit)
    memberships: list[tuple[int, str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, user) -> "Actor":
        cached = getattr(user, "_shanzhi_actor", None)
        if cached is not None:
            return cached
        actor = cls(user=user, is_admin=bool(getattr(user, "is_superuser", False)))
        if getattr(user, "is_authenticated", False):
            for membership in user_roles(user):
                actor.memberships.append(
                    (
                        membership.unit_id,
                        membership.role,
                        territory_prefix(membership.unit.region_id),
                    )
                )
                if membership.role == Role.ADMIN:
                    actor.is_admin = True
            user._shanzhi_actor = actor
        return actor

    def units_with(self, roles) -> set[int]:
        return {unit for unit, role, _prefix in self.memberships if role in roles}

    def prefixes_with(self, roles) -> tuple[str, ...]:
        if self.is_admin:
            return ALL
        return tuple(sorted({p for _u, role, p in self.memberships if role in roles}))

    def has_role(self, roles) -> bool:
        return self.is_admin or any(role in roles for _u, role, _p in self.memberships)

    def may_register(self) -> bool:
        return self.has_role(REGISTER_ROLES)

    # -- relations to one case ------------------------------------------------------------

    def dispatches(self, case) -> bool:
        return self.is_admin or case.dispatch_unit_id in self.units_with(DISPATCH_ROLES)

    def leads(self, case) -> bool:
        return case.lead_unit_id is not None and case.lead_unit_id in self.units_with(HANDLER_ROLES)

    def co_handles(self, case, co_unit_ids) -> set[int]:
        return set(co_unit_ids) & self.units_with(HANDLER_ROLES)

    def supervises(self, case) -> bool:
        return self.dispatches(case) or in_scope(
            case.area_code, self.prefixes_with(SUPERVISE_ROLES)
        )

    def phones_appellants(self, case) -> bool:
        """Operators and dispatchers record ratings taken by phone (电话回访)."""
        return self.dispatches(case) or in_scope(case.area_code, self.prefixes_with(PHONE_ROLES))
