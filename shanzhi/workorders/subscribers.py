"""Work orders keep the units that triage each area in memory (`services.routing.triage_units`);
a unit created, changed or deleted in org is seen by the next appeal, in this process at once."""

from django.db import transaction

from shanzhi.core import events
from shanzhi.workorders.services.routing import triage_units


@events.subscriber("unit.changed")
def forget_triage_units(*, unit) -> None:
    transaction.on_commit(triage_units.clear)
