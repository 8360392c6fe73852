"""Background tasks: thin wrappers that call a service."""

from django_tasks import task

from shanzhi.command.services import rollups_fold


@task()
def fold_rollups() -> int:
    """Fold the work-order changes since the last run into the rollups (see PERIODIC_JOBS)."""
    return rollups_fold()
