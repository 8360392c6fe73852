"""Reads that may come from a PostgreSQL streaming replica (SHANZHI_DATABASE_REPLICA_URL).

Only views marked `@reads_from_replica` (the dashboard, the KPI table, the exports: big reads
that may be a moment old) read there, and only when the replica has replayed the user's own
last write: after every successful change a user makes, `ReplicaWriteMiddleware` notes the
primary's WAL position for that user in the shared cache, and the view reads from the replica
only once `pg_last_wal_replay_lsn()` has passed it. Anything else goes to the primary: every
other view, every write, every read inside a transaction (a service reading what it is about to
change), and every read when the replica or the shared cache cannot answer (docs/deployment.md).
"""

import contextlib
import contextvars
import functools
import logging

from django.core.cache import caches
from django.db import DatabaseError, connections

from shanzhi.core.errors import CACHE_OUTAGE

logger = logging.getLogger("shanzhi.replica")

ALIAS = "replica"
CACHE_ALIAS = "shared"
WRITE_KEPT_SECONDS = 3600  # a replica an hour behind is broken, not lagging
NEVER_REPLAYED = 1 << 64  # beyond any WAL position

_reading_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "shanzhi_replica_reads", default=False
)


def configured() -> bool:
    return ALIAS in connections.databases


def lsn_value(lsn: str) -> int:
    """'16/B374D848' → a number that orders like the WAL position."""
    high, _slash, low = lsn.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def _key(user_id) -> str:
    return f"replica:last-write:{user_id}"


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() and not connections["default"].in_atomic_block:
            return ALIAS
        return None  # the primary

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != ALIAS  # the replica follows the primary's schema by itself


def replica_has_replayed(user) -> bool:
    """Has the replica replayed this user's last write (or has the user written nothing
    within the hour)? False whenever the cache or the replica cannot say."""
    try:
        written = caches[CACHE_ALIAS].get(_key(user.pk)) if user.is_authenticated else None
    except CACHE_OUTAGE:
        return False
    try:
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
            in_recovery, replayed = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("replica unreachable, reading from the primary: %s", error)
        connections[ALIAS].close()
        return False
    if not in_recovery or replayed is None:
        logger.warning("the replica is no replica (promoted?): reading from the primary")
        return False
    return written is None or lsn_value(replayed) >= written


def reads_from_replica(view):
    """Mark a view whose reads may come from the replica (see the module's docstring)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not configured() or not replica_has_replayed(request.user):
            return view(request, *args, **kwargs)
        token = _reading_from_replica.set(True)
        try:
            return view(request, *args, **kwargs)
        finally:
            _reading_from_replica.reset(token)

    return wrapped


class ReplicaWriteMiddleware:
    """Notes the primary's WAL position after each successful change by a signed-in user, so
    that the replica is not read for that user until it has replayed it. Idle without a
    replica."""

    UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method in self.UNSAFE
            and response.status_code < 400
            and configured()
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            try:
                with connections["default"].cursor() as cursor:
                    cursor.execute("SELECT pg_current_wal_lsn()::text")
                    (position,) = cursor.fetchone()
                caches[CACHE_ALIAS].set(
                    _key(request.user.pk), lsn_value(position), timeout=WRITE_KEPT_SECONDS
                )
            except (*CACHE_OUTAGE, DatabaseError) as error:
                logger.warning("could not note a write for replica reads: %s", error)
                # Never replayed, as far as the check can tell: the primary for this user.
                with contextlib.suppress(*CACHE_OUTAGE):
                    caches[CACHE_ALIAS].set(
                        _key(request.user.pk), NEVER_REPLAYED, timeout=WRITE_KEPT_SECONDS
                    )
        return response
