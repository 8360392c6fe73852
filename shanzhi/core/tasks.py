"""Background tasks of the core app: thin wrappers that call a service."""

from django_tasks import task

from shanzhi.core.outbox import deliveries_send


@task()
def send_deliveries() -> dict:
    """Send due outbox rows (every SHANZHI_DELIVERY_INTERVAL seconds, see PERIODIC_JOBS)."""
    return deliveries_send()
