"""The dispute case as a kind of case for the kit (`core.cases`). The registry of its actions is
`mediation/actions.py`."""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from shanzhi.core.cases import CaseKind, Inbox
from shanzhi.mediation.choices import CONFIRMATION_PENDING, Action, DisputeState, SessionState
from shanzhi.mediation.models import DisputeCase, MediationSession
from shanzhi.org.choices import MEDIATION_ROLES


def _visible(actor):
    from shanzhi.mediation.selectors import cases_visible_to

    return cases_visible_to(actor.user)


def _to_assign(actor) -> Q:
    return Q(state=DisputeState.PENDING, dispatch_unit_id__in=actor.units_with(MEDIATION_ROLES))


def _mine(actor) -> Q:
    return Q(state=DisputeState.MEDIATING, mediator__user=actor.user)


# How near the end of its period a case counts as due soon (the inbox, and the sweep's warning).
DUE_SOON = datetime.timedelta(days=3)
# How long before the 30 days for 司法确认 end the parties and the mediator are reminded (the
# sweep), and the case stands in the inbox 司法确认.
CONFIRM_WINDOW_CLOSING = datetime.timedelta(days=5)


def _sessions_today(actor) -> Q:
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    today = MediationSession.objects.filter(
        case=OuterRef("pk"),
        state=SessionState.SCHEDULED,
        starts_at__gte=start,
        starts_at__lt=start + datetime.timedelta(days=1),
    )
    return Q(Exists(today)) & (
        Q(mediator__user=actor.user) | Q(lead_unit_id__in=actor.units_with(MEDIATION_ROLES))
    )


def _overdue(actor) -> Q:
    return Q(state__in=[DisputeState.PENDING, DisputeState.MEDIATING], is_overdue=True)


def _due_soon(actor) -> Q:
    return Q(
        state__in=[DisputeState.PENDING, DisputeState.MEDIATING],
        due_at__lte=timezone.now() + DUE_SOON,
    )


def _confirmations(actor) -> Q:
    """司法确认 to follow: the court has not ruled yet, or the 30 days for applying end within
    the reminder's five days and nobody has applied."""
    now = timezone.now()
    waiting = Q(confirmation__state__in=CONFIRMATION_PENDING) | Q(
        confirmation__isnull=True,
        confirm_due_at__gt=now,
        confirm_due_at__lte=now + CONFIRM_WINDOW_CLOSING,
    )
    return (
        Q(state=DisputeState.AGREED)
        & waiting
        & (Q(mediator__user=actor.user) | Q(lead_unit_id__in=actor.units_with(MEDIATION_ROLES)))
    )


def _follow_ups(actor) -> Q:
    """Agreements whose fulfilment is due to be asked about (履行回访)."""
    return Q(
        state=DisputeState.AGREED,
        follow_up_due_at__lte=timezone.now(),
        fulfilment__in=["", "partly"],
    ) & (Q(mediator__user=actor.user) | Q(lead_unit_id__in=actor.units_with(MEDIATION_ROLES)))


MEDIATION = CaseKind(
    name="mediation",
    model=DisputeCase,
    noun=pgettext_lazy("the noun in messages about a case", "调解案件"),
    states=DisputeState,
    actions=Action,
    related=("dispute_type", "dispatch_unit__region", "lead_unit", "mediator__user"),
    visible_to=_visible,
    inboxes={
        "assign": Inbox(gettext_lazy("待分派"), _to_assign),
        "mine": Inbox(gettext_lazy("我调解的"), _mine),
        "today": Inbox(gettext_lazy("今日调解会"), _sessions_today),
        "due": Inbox(gettext_lazy("临近期限"), _due_soon),
        "overdue": Inbox(gettext_lazy("已超期"), _overdue),
        "confirm": Inbox(gettext_lazy("司法确认"), _confirmations),
        "follow_up": Inbox(gettext_lazy("履行回访"), _follow_ups),
    },
)
