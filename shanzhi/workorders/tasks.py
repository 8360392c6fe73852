"""Background tasks: thin wrappers that call a service."""

from django_tasks import task

from shanzhi.workorders.services import deadlines_sweep
from shanzhi.workorders.services.uploads import held_uploads_prune


@task()
def sweep_deadlines() -> dict:
    """Warnings, overdue marks, 催办 and auto-archiving (every minute, see PERIODIC_JOBS)."""
    return deadlines_sweep()


@task()
def prune_held_uploads() -> int:
    """Photos kept for refused forms that were never sent again (hourly, see PERIODIC_JOBS)."""
    return held_uploads_prune()
