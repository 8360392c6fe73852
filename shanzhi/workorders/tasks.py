"""Background tasks: thin wrappers that call a service."""

from django_tasks import task

from shanzhi.workorders.services import deadlines_sweep


@task()
def sweep_deadlines() -> dict:
    """Warnings, overdue marks, 催办 and auto-archiving (every minute, see PERIODIC_JOBS)."""
    return deadlines_sweep()
