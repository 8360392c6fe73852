"""Background tasks of the core app: thin wrappers that call a service."""

from django_tasks import task

from shanzhi.core.outbox import deliveries_send


@task()
def send_deliveries() -> dict:
    """Send due outbox rows (every SHANZHI_DELIVERY_INTERVAL seconds, see PERIODIC_JOBS)."""
    return deliveries_send()


@task()
def prune_task_results() -> int:
    """Forget finished task results: the periodic jobs alone leave tens of thousands a day.
    Successful ones go after a day, failed ones after two weeks (kept for inspection)."""
    from shanzhi.core.scheduler import task_results_prune

    return task_results_prune()


@task()
def write_audit_checkpoint() -> str:
    """Sign the audit chain's head into a checkpoint file when it moved (every
    SHANZHI_AUDIT_CHECKPOINT_INTERVAL seconds, see PERIODIC_JOBS); the file's name, or ""."""
    from shanzhi.core.services import audit_checkpoint_write

    path = audit_checkpoint_write()
    return path.name if path else ""


@task()
def seed_calendar() -> int:
    """Once a day (see PERIODIC_JOBS): what `shanzhi up` seeds on start, for servers that run
    for months: the package's new years, and from November 1st a provisional calendar for next
    year while its official arrangement is missing, and a message to everyone who may import the
    State Council's notice while it is. Returns how many dates were added."""
    from shanzhi.core.services import calendar_gaps_notify, calendar_seed

    added = calendar_seed(actor="scheduler")
    calendar_gaps_notify()
    return added


@task()
def recover_tasks() -> int:
    """Every minute (see PERIODIC_JOBS): close as failed the tasks left RUNNING by a worker that
    was killed or lost its machine; returns how many."""
    from shanzhi.core.worker import tasks_recover

    return tasks_recover()
