"""Reads of the core app: the audit trail and its verification."""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from shanzhi.core import auditkeys
from shanzhi.core.models import AuditChainHead, AuditEvent
from shanzhi.core.services import GENESIS_HASH, audit_hash


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_event_id: int | None = None
    problem: str = ""
    # Why it failed when no event is to blame: "key" (the chain key is missing), "checkpoint"
    # (a checkpoint file is forged, altered or cannot be checked).
    failure: str = ""
    keyed_from: int = 1
    legacy: int = 0  # events before keyed_from, hashed with plain SHA-256
    checkpoints: int = 0  # checkpoint files whose signature holds
    # The last checkpoint that the chain matched before anything went wrong: the events up to
    # it are proven to be those that existed when it was signed.
    proven_through: int | None = None
    proven_at: datetime.datetime | None = None
    proven_count: int = 0


def audit_chain_verify(
    *,
    chunk_size: int = 5000,
    anchor_dir: Path | None = None,
    public_key_path: Path | None = None,
) -> ChainReport:
    """Check the signed checkpoints, then walk the chain in id order.

    An edited row no longer matches its HMAC (which the database cannot recompute without the
    chain key); a deleted row leaves the next one pointing at a hash that is not its
    predecessor's; a deleted tail leaves the head naming an event that is not the last, or, when
    the head was moved back too, a checkpoint naming an event the chain no longer has; a history
    rewritten after a checkpoint no longer has the checkpointed hash."""
    head = AuditChainHead.objects.filter(pk=1).first()
    head_keyed_from = head.keyed_from if head else 1

    files = auditkeys.checkpoint_files(anchor_dir)
    checkpoints: list[auditkeys.Checkpoint] = []
    if files:
        try:
            public = auditkeys.public_key(public_key_path)
        except (OSError, ValueError) as error:
            return ChainReport(
                False, 0, None, f"the public key cannot be read: {error}", failure="checkpoint"
            )
        if public is None:
            where = public_key_path or settings.AUDIT_PUBLIC_KEY_FILE
            return ChainReport(
                False,
                0,
                None,
                f"{len(files)} checkpoint files but no public key to check them ({where})",
                failure="checkpoint",
            )
        for path in files:
            try:
                checkpoints.append(auditkeys.checkpoint_read(path, public))
            except auditkeys.CheckpointInvalid as error:
                return ChainReport(
                    False,
                    0,
                    None,
                    f"checkpoint {path.name} is forged or altered: {error}",
                    failure="checkpoint",
                )
    checkpoints.sort(key=lambda c: (c.event_id, c.created_at))
    # The checkpoints repeat where the keyed chain starts: moving it up in the database to pass
    # off rewritten events as unkeyed ones does not move it here.
    keyed_from = min([head_keyed_from, *(c.keyed_from for c in checkpoints)])
    key = auditkeys.chain_key(create=False)

    previous_hash = GENESIS_HASH
    previous_id = 0
    checked = legacy = 0
    proven: auditkeys.Checkpoint | None = None
    pending = 0  # index of the next checkpoint to meet

    def report(ok, event_id=None, problem="", failure=""):
        return ChainReport(
            ok,
            checked,
            event_id,
            problem,
            failure=failure,
            keyed_from=keyed_from,
            legacy=legacy,
            checkpoints=len(checkpoints),
            proven_through=proven.event_id if proven else None,
            proven_at=proven.created_at if proven else None,
            proven_count=proven.count if proven else 0,
        )

    def since_proven():
        return f"event {proven.event_id}" if proven else "the start"

    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=chunk_size):
        while pending < len(checkpoints) and checkpoints[pending].event_id < event.pk:
            missing = checkpoints[pending]
            return report(
                False,
                missing.event_id,
                f"event {missing.event_id}, named by the checkpoint of "
                f"{missing.created_at.isoformat()}, is missing",
            )
        if event.prev_hash != previous_hash:
            return report(
                False,
                event.pk,
                f"event {event.pk} does not follow event {previous_id or '(start)'}: "
                "an event before it was deleted or altered",
            )
        keyed = event.pk >= keyed_from
        if keyed and key is None:
            return report(
                False,
                event.pk,
                f"the chain key is missing (SHANZHI_AUDIT_KEY is not set and "
                f"{settings.AUDIT_KEY_FILE} does not exist): events from {keyed_from} "
                "on are keyed and cannot be checked without it",
                failure="key",
            )
        if audit_hash(event, key if keyed else None) != event.hash:
            covers = (
                " (or, as the first keyed event, the unkeyed history it covers)"
                if keyed and event.pk == keyed_from and keyed_from > 1
                else ""
            )
            return report(
                False, event.pk, f"event {event.pk} was altered after it was written{covers}"
            )
        while pending < len(checkpoints) and checkpoints[pending].event_id == event.pk:
            checkpoint = checkpoints[pending]
            if (checkpoint.hash, checkpoint.count) != (event.hash, checked + 1):
                return report(
                    False,
                    event.pk,
                    f"event {event.pk} no longer matches the checkpoint of "
                    f"{checkpoint.created_at.isoformat()}: the history after {since_proven()} "
                    "was rewritten",
                )
            proven = checkpoint
            pending += 1
        previous_hash, previous_id = event.hash, event.pk
        checked += 1
        legacy += not keyed
    if pending < len(checkpoints):
        checkpoint = checkpoints[-1]
        return report(
            False,
            previous_id + 1,
            f"events {previous_id + 1}–{checkpoint.event_id} were deleted: the checkpoint of "
            f"{checkpoint.created_at.isoformat()} names event {checkpoint.event_id}, "
            f"the chain ends at {previous_id or '(start)'}",
        )
    expected_id, expected_hash = (head.last_event_id, head.last_hash) if head else (0, GENESIS_HASH)
    if (expected_id, expected_hash) != (previous_id, previous_hash):
        return report(
            False,
            expected_id,
            f"the chain should end at event {expected_id} but ends at {previous_id or '(start)'}: "
            "events at the end were deleted",
        )
    if head_keyed_from != keyed_from:
        return report(
            False,
            keyed_from,
            f"the chain head says the chain is keyed from event {head_keyed_from}, "
            f"the checkpoints say from event {keyed_from}",
        )
    return report(True)


def audit_events_for(*, object_type: str, object_id) -> list[AuditEvent]:
    """The history of one object, oldest first."""
    return list(
        AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id))
        .select_related("actor")
        .order_by("pk")
    )


def workers_alive(now=None) -> dict:
    """The background workers that beat within the last two minutes, for /healthz: how many,
    and the seconds since the most recent beat (None if none ever beat)."""
    from shanzhi.core.models import WorkerHeartbeat
    from shanzhi.core.worker import LOST_AFTER

    now = now or timezone.now()
    latest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    return {
        "alive": WorkerHeartbeat.objects.filter(seen_at__gte=now - LOST_AFTER).count(),
        "last_beat_seconds": None if latest is None else round((now - latest).total_seconds(), 1),
    }


def task_queue_depth() -> dict[str, int]:
    """Background tasks waiting (READY) and being run (RUNNING), from the configured backend:
    the database's task table, or RQ's queue and its started-job registry in Redis."""
    if settings.TASKS_BACKEND == "rq":
        import django_rq

        queue = django_rq.get_queue("default")
        return {"READY": queue.count, "RUNNING": queue.started_job_registry.count}
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    states = dict(
        DBTaskResult.objects.filter(status__in=("READY", "RUNNING"))
        .values_list("status")
        .annotate(Count("id"))
        .order_by()
    )
    return {state: states.get(state, 0) for state in ("READY", "RUNNING")}
