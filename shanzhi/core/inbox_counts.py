"""Inbox counts kept by an app above the case's own: how a case app reads them without importing
that app.

A case app can always count its inboxes on its own rows. An app above it that keeps a running
workload (the command centre's workload table, for work orders) registers a counter for that
case kind in its `AppConfig.ready()`:

    inbox_counts.register("workorder", workorder_inbox_counts)

and the case app asks here first: `inbox_counts.counted("workorder", user)` is {inbox: count},
or None when no counter is registered or it cannot answer now (its workload is too far behind),
and then the case app counts its rows. A counter must give exactly the counts of the rows: the
case app's tests compare the two."""

from collections.abc import Callable

_counters: dict[str, Callable[[object], dict[str, int] | None]] = {}


def register(kind: str, counter: Callable[[object], dict[str, int] | None]) -> None:
    """Count the inboxes of this case kind with `counter(user)` (registering again replaces:
    AppConfig.ready() may run twice in tests)."""
    _counters[kind] = counter


def counted(kind: str, user) -> dict[str, int] | None:
    counter = _counters.get(kind)
    return counter(user) if counter is not None else None
