"""What the workbench shows of the mediation centre: the inboxes of mediation staff."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from shanzhi.mediation.case import MEDIATION
from shanzhi.org.access import Actor
from shanzhi.org.choices import MEDIATION_ROLES

register = template.Library()


@register.simple_tag
def mediation_home(user) -> list[dict] | None:
    """The mediation inboxes with their counts, or None for someone who does not mediate."""
    if not getattr(user, "is_authenticated", False):
        return None
    actor = Actor.of(user)
    if not (actor.units_with(MEDIATION_ROLES) or hasattr(user, "mediator")):
        return None
    counts = MEDIATION.inbox_counts(actor)
    return [
        {
            "box": name,
            "label": inbox.label,
            "count": counts[name],
            "url": reverse("mediation-list") + "?" + urlencode({"box": name}),
        }
        for name, inbox in MEDIATION.inboxes.items()
    ]
