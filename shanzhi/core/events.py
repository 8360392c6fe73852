"""Domain events: how a lower app makes a higher one act without importing it.

A service publishes what happened (`events.publish("workorder.archived", case=order, at=now)`;
the case kit publishes "<kind>.<action>" whenever it saves an action, e.g. "workorder.sign");
apps above it subscribe in their `AppConfig.ready()`:

    @events.subscriber("workorder.sign")
    def tell_the_hotline(*, case, actor, at): ...

Subscribers run at once, inside the publisher's transaction, in the order they subscribed: what
they write (an outbox row, a notification row) commits or rolls back with the change itself,
which is what makes the outbox durable. A subscriber that reaches outside the database must go
through the outbox or `transaction.on_commit`. A failing subscriber fails the change.

Every event name is declared in EVENTS, so that a typo in a publisher or a subscriber is an
error at once rather than a callback that never fires."""

from collections import defaultdict
from collections.abc import Callable

# name → what the payload carries. The case kit (core/cases.py) declares "<kind>.<action>" for
# every action of every kind of case (payload: case, actor, at), e.g. "workorder.sign"; what
# happens across actions is declared here.
EVENTS = {
    "workorder.archived": "case, at: the order was archived (归档), by rating or by the sweep",
    "unit.changed": "unit: a unit was created, changed or deleted (which unit triages an area)",
}

_subscribers: dict[str, list[Callable]] = defaultdict(list)


class UnknownEvent(LookupError):
    pass


def _known(name: str) -> str:
    if name not in EVENTS:
        raise UnknownEvent(f"undeclared domain event {name!r}: declare it in core.events.EVENTS")
    return name


def declare(name: str, payload: str) -> None:
    """Declare an event (the case kit declares those of each kind's actions)."""
    EVENTS.setdefault(name, payload)


def subscriber(name: str):
    """Decorator: call the function with the event's payload (keyword arguments)."""

    def register(function: Callable) -> Callable:
        handlers = _subscribers[_known(name)]
        if function not in handlers:  # ready() may run twice in tests
            handlers.append(function)
        return function

    return register


def publish(name: str, **payload) -> None:
    for handler in list(_subscribers[_known(name)]):
        handler(**payload)


def subscribers_of(name: str) -> list[Callable]:
    return list(_subscribers[_known(name)])
