"""Background tasks: thin wrappers that call a service."""

from django_tasks import task

from shanzhi.mediation.services import deadlines_sweep


@task()
def sweep_deadlines() -> dict:
    """Warnings and overdue marks on the mediation period (every minute, see PERIODIC_JOBS)."""
    return deadlines_sweep()
