"""Who may see and do what with work orders, decided from the person's memberships.

- Territorial roles see every work order whose area code lies in their units' jurisdiction.
- Handling roles see the work orders their unit was ever assigned (lead or co).
- The dispatching unit's dispatchers triage, dispatch, rule on returns and extensions, suspend,
  verify; the lead unit's staff sign, return, ask for time, note progress, escalate and reply;
  supervisors (leaders, commanders) supervise anything in their territory.
"""

from dataclasses import dataclass, field

from shanzhi.core.scoping import ALL, in_scope
from shanzhi.org.choices import Role
from shanzhi.org.selectors import user_roles
from shanzhi.territory.choices import territory_prefix
from shanzhi.workorders.choices import Channel, Urgency

TERRITORIAL_ROLES = frozenset(
    {
        Role.OPERATOR,
        Role.GRID_WORKER,
        Role.VILLAGE_CLERK,
        Role.TOWNSHIP_DISPATCHER,
        Role.DISTRICT_COMMANDER,
        Role.LEADER,
        Role.ADMIN,
    }
)
DISPATCH_ROLES = frozenset({Role.TOWNSHIP_DISPATCHER, Role.DISTRICT_COMMANDER})
HANDLER_ROLES = frozenset(
    {
        Role.DEPARTMENT_HANDLER,
        Role.VILLAGE_CLERK,
        Role.GRID_WORKER,
        Role.TOWNSHIP_DISPATCHER,
        Role.DISTRICT_COMMANDER,
        Role.MEDIATOR,
    }
)
SUPERVISE_ROLES = frozenset({Role.LEADER, Role.DISTRICT_COMMANDER})
REGISTER_ROLES = frozenset(
    {
        Role.OPERATOR,
        Role.TOWNSHIP_DISPATCHER,
        Role.DISTRICT_COMMANDER,
        Role.GRID_WORKER,
        Role.VILLAGE_CLERK,
    }
)
PHONE_ROLES = frozenset({Role.OPERATOR, Role.TOWNSHIP_DISPATCHER, Role.DISTRICT_COMMANDER})

# The account through which sensor and video alarms open work orders (interop.alarms creates
# it): the only one that may claim the sensor channel.
SENSOR_GATEWAY_USERNAME = "iot-gateway"
# Channels any client may name itself: its own API and the public pages. The others are
# claimed only by staff who register appeals (a hotline platform's account holds such a role)
# and, for sensors, by the alarm gateway.
OPEN_CHANNELS = frozenset({Channel.API, Channel.WEB})


@dataclass
class Actor:
    """A signed-in person as the work-order rules see them."""

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

    # -- relations to one work order ------------------------------------------------------

    def dispatches(self, order) -> bool:
        return self.is_admin or order.dispatch_unit_id in self.units_with(DISPATCH_ROLES)

    def leads(self, order) -> bool:
        return order.lead_unit_id is not None and order.lead_unit_id in self.units_with(
            HANDLER_ROLES
        )

    def co_handles(self, order, co_unit_ids) -> set[int]:
        return set(co_unit_ids) & self.units_with(HANDLER_ROLES)

    def supervises(self, order) -> bool:
        return self.dispatches(order) or in_scope(
            order.area_code, self.prefixes_with(SUPERVISE_ROLES)
        )

    def phones_appellants(self, order) -> bool:
        """Operators and dispatchers record ratings taken by phone (电话回访)."""
        return self.dispatches(order) or in_scope(order.area_code, self.prefixes_with(PHONE_ROLES))

    def settles_on_the_spot(self, order) -> bool:
        """A grid worker's own report from their territory, not yet dispatched."""
        if order.channel != "grid" or not in_scope(
            order.area_code, self.prefixes_with({Role.GRID_WORKER})
        ):
            return False
        return order.appeals.filter(submitted_by_id=self.user.pk, is_primary=True).exists()

    def may_register(self) -> bool:
        return self.has_role(REGISTER_ROLES)

    def is_sensor_gateway(self) -> bool:
        return getattr(self.user, "username", None) == SENSOR_GATEWAY_USERNAME

    def may_claim_channel(self, channel: str) -> bool:
        if channel == Channel.SENSOR:
            return self.is_sensor_gateway()
        return channel in OPEN_CHANNELS or self.may_register()

    def may_set_urgency(self, urgency: str) -> bool:
        """紧急 and 特急 shorten every deadline: staff judge them, not the appellant."""
        return urgency == Urgency.NORMAL or self.may_register() or self.is_sensor_gateway()
