"""The dispute case as a kind of case for the kit (`core.cases`). The registry of its actions is
`mediation/actions.py`."""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from shanzhi.core.cases import CaseKind, Inbox
from shanzhi.mediation.choices import CONFIRMATION_PENDING, Action, DisputeState, SessionState
from shanzhi.mediation.models import (
    DisputeCase,
    JudicialConfirmation,
    MediationSession,
    Mediator,
)
from shanzhi.org.choices import MEDIATION_ROLES


def _visible(actor):
    from shanzhi.mediation.selectors import cases_visible_to

    return cases_visible_to(actor.user)


def _mine_q(actor) -> Q:
    """Cases whose mediator is this person: through their roster rows (a subquery, so that the
    cases are not joined to the roster)."""
    return Q(mediator_id__in=Mediator.objects.filter(user=actor.user).values("pk"))


def _to_assign(actor) -> Q:
    return Q(state=DisputeState.PENDING, dispatch_unit_id__in=actor.units_with(MEDIATION_ROLES))


def _mine(actor) -> Q:
    return Q(state=DisputeState.MEDIATING) & _mine_q(actor)


# How near the end of its period a case counts as due soon (the inbox, and the sweep's warning).
DUE_SOON = datetime.timedelta(days=3)
# How long before the 30 days for 司法确认 end the parties and the mediator are reminded (the
# sweep), and the case stands in the inbox 司法确认.
CONFIRM_WINDOW_CLOSING = datetime.timedelta(days=5)


def _sessions_today(actor) -> Q:
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    today = MediationSession.objects.filter(
        state=SessionState.SCHEDULED,
        starts_at__gte=start,
        starts_at__lt=start + datetime.timedelta(days=1),
    ).values("case_id")
    return Q(pk__in=today) & (
        _mine_q(actor) | Q(lead_unit_id__in=actor.units_with(MEDIATION_ROLES))
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
    # Two small sets read through their indexes and joined here: one query with an OR of both
    # (through a join to the confirmations) read every agreement of the county, 340 ms at a
    # million cases.
    pending = JudicialConfirmation.objects.filter(state__in=CONFIRMATION_PENDING)
    closing = DisputeCase.objects.filter(
        state=DisputeState.AGREED,
        confirm_due_at__gt=now,
        confirm_due_at__lte=now + CONFIRM_WINDOW_CLOSING,
        confirmation__isnull=True,
    ).values_list("pk", flat=True)
    waiting = {*pending.values_list("case_id", flat=True), *closing}
    return Q(state=DisputeState.AGREED, pk__in=waiting) & (
        _mine_q(actor) | Q(lead_unit_id__in=actor.units_with(MEDIATION_ROLES))
    )


def _follow_ups(actor) -> Q:
    """Agreements whose fulfilment is due to be asked about (履行回访)."""
    return Q(state=DisputeState.AGREED, follow_up_due_at__lte=timezone.now()) & (
        _mine_q(actor) | Q(lead_unit_id__in=actor.units_with(MEDIATION_ROLES))
    )


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
