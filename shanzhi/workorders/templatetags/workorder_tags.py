"""What the workbench shows of work orders: the inboxes of a staff member's units, and a
resident's own appeals with links to their tracking pages."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from shanzhi.org.access import Actor
from shanzhi.org.choices import SCOPED_ROLES, Role
from shanzhi.workorders import selectors
from shanzhi.workorders.choices import STATE_COLOURS, State

register = template.Library()

MY_APPEALS_SHOWN = 20


@register.simple_tag
def workorder_home(user) -> dict:
    """{"inboxes": [...] or None, "appeals": [...] or None} for the workbench of `user`."""
    if not getattr(user, "is_authenticated", False):
        return {"inboxes": None, "appeals": None}
    inboxes = None
    # A leader works from the figures and red cards (web.views.home), not from inboxes.
    if Actor.of(user).has_role(SCOPED_ROLES - {Role.LEADER}):
        counts = selectors.inbox_counts(user)
        inboxes = [
            {
                "box": box,
                "label": label,
                "count": counts[box],
                "url": reverse("workorder-list") + "?" + urlencode({"box": box}),
            }
            for box, label in selectors.INBOXES.items()
            if box in counts
        ]
    actor = Actor.of(user)
    resident = any(role == Role.RESIDENT for _u, role, _p in actor.memberships)
    if not resident and inboxes is not None:
        return {"inboxes": inboxes, "appeals": None}
    appeals = []
    mine = selectors.appeals_submitted_by(user, limit=MY_APPEALS_SHOWN)
    for appeal in mine:
        # their own appeal opens without the phone tail (views.track_detail)
        url = reverse("track-detail", args=[appeal.tracking_code])
        state = appeal.work_order.state
        appeals.append(
            {
                "appeal": appeal,
                "url": url,
                "state_label": State(state).label,
                "state_colour": STATE_COLOURS.get(state, "secondary"),
                "to_rate": state == State.PENDING_RATING and not appeal.rating,
            }
        )
    return {"inboxes": inboxes, "appeals": appeals}
