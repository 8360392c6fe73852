"""What only work orders ask of a person beyond `org.access.Actor`: the channels and urgencies they
may claim, and settling a grid report on the spot. The role sets are in `org.choices`.

- Territorial roles see every work order whose area code lies in their units' jurisdiction.
- Handling roles see the work orders their unit was ever assigned (lead or co).
- The dispatching unit's dispatchers triage, dispatch, rule on returns and extensions, suspend,
  verify; the lead unit's staff sign, return, ask for time, note progress, escalate and reply;
  supervisors (leaders, commanders) supervise anything in their territory.
"""

from shanzhi.core.scoping import in_scope
from shanzhi.org.access import Actor
from shanzhi.org.choices import Role
from shanzhi.workorders.choices import Channel, Urgency

# The account through which sensor and video alarms open work orders (interop.alarms creates
# it): the only one that may claim the sensor channel.
SENSOR_GATEWAY_USERNAME = "iot-gateway"
# Channels any client may name itself: its own API and the public pages. The others are
# claimed only by staff who register appeals (a hotline platform's account holds such a role)
# and, for sensors, by the alarm gateway.
OPEN_CHANNELS = frozenset({Channel.API, Channel.WEB})


def settles_on_the_spot(actor: Actor, order) -> bool:
    """A grid worker's own report from their territory, not yet dispatched (就地化解)."""
    if order.channel != Channel.GRID or not in_scope(
        order.area_code, actor.prefixes_with({Role.GRID_WORKER})
    ):
        return False
    return order.appeals.filter(submitted_by_id=actor.user.pk, is_primary=True).exists()


def is_sensor_gateway(actor: Actor) -> bool:
    return getattr(actor.user, "username", None) == SENSOR_GATEWAY_USERNAME


def may_claim_channel(actor: Actor, channel: str) -> bool:
    if channel == Channel.SENSOR:
        return is_sensor_gateway(actor)
    return channel in OPEN_CHANNELS or actor.may_register()


def may_set_urgency(actor: Actor, urgency: str) -> bool:
    """紧急 and 特急 shorten every deadline: staff judge them, not the appellant."""
    return urgency == Urgency.NORMAL or actor.may_register() or is_sensor_gateway(actor)
