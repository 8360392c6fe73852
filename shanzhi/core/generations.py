"""Generations of the per-process memories (categories, triage units, robot units, API tokens),
shared by every process and machine through the shared cache ("shared" in CACHES: a table of
the database by default).

A process that changes one of them bumps its generation on commit; every other process compares
the generation it loaded with the current one and reloads when they differ. In a request the
generations are read once, on first use, with one query for all of them; elsewhere (the
worker) at most every second. So a change, a revoked API token included, reaches every process
with its next request instead of within 30 seconds (docs/operations.md)."""

import contextvars
import logging
import threading
import time

from django.core.cache import caches

from shanzhi.core.errors import CACHE_OUTAGE

logger = logging.getLogger("shanzhi.generations")

ALIAS = "shared"
NAMES = ("categories", "category_tree", "triage_units", "robot_units", "tokens")
OUTSIDE_REQUEST_SECONDS = 1.0

_request: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "shanzhi_generations", default=None
)
_outside = {"at": 0.0, "values": {}}
_lock = threading.Lock()


def _key(name: str) -> str:
    return f"generation:{name}"


def _fetch() -> dict[str, int | object]:
    try:
        found = caches[ALIAS].get_many([_key(name) for name in NAMES])
    except CACHE_OUTAGE:
        # The shared cache is down: a generation equal to nothing, so every memory reloads from
        # the database at each use until it is back (slower, never stale). A bump lost
        # meanwhile is covered by the memories' own expiry (Memo's seconds).
        logger.warning("shared cache unreachable: memories reload from the database")
        unknown = object()
        return dict.fromkeys(NAMES, unknown)
    return {name: found.get(_key(name), 0) for name in NAMES}


def current(name: str) -> int:
    snapshot = _request.get()
    if snapshot is not None:
        if not snapshot:  # first use in this request
            snapshot.update(_fetch())
        return snapshot[name]
    with _lock:
        if time.monotonic() - _outside["at"] > OUTSIDE_REQUEST_SECONDS:
            _outside["values"], _outside["at"] = _fetch(), time.monotonic()
        return _outside["values"][name]


def bump(name: str) -> None:
    """Tell every process that `name` changed (call on commit of the change)."""
    cache = caches[ALIAS]
    try:
        try:
            cache.incr(_key(name))
        except ValueError:  # never bumped, or forgotten by the cache: any new value differs
            if not cache.add(_key(name), 1, timeout=None):
                cache.incr(_key(name))
    except CACHE_OUTAGE:
        logger.warning("shared cache unreachable: %s changed without telling other processes", name)
    with _lock:
        _outside["at"] = 0.0
    snapshot = _request.get()
    if snapshot:
        snapshot.clear()


class GenerationsMiddleware:
    """Gives each request its own snapshot of the generations, read on first use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set({})
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
