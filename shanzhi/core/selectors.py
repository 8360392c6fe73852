"""Reads of the core app: the audit trail and its verification."""

from dataclasses import dataclass

from shanzhi.core.models import AuditChainHead, AuditEvent
from shanzhi.core.services import GENESIS_HASH, audit_hash


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_event_id: int | None = None
    problem: str = ""


def audit_chain_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the chain in id order. An edited row no longer matches its hash; a deleted row leaves
    the next one pointing at a hash that is not its predecessor's; a deleted tail leaves the head
    naming an event that is not the last."""
    previous_hash = GENESIS_HASH
    previous_id = 0
    checked = 0
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=chunk_size):
        if event.prev_hash != previous_hash:
            return ChainReport(
                False,
                checked,
                event.pk,
                f"event {event.pk} does not follow event {previous_id or '(start)'}: "
                "an event before it was deleted or altered",
            )
        if audit_hash(event) != event.hash:
            return ChainReport(
                False, checked, event.pk, f"event {event.pk} was altered after it was written"
            )
        previous_hash, previous_id = event.hash, event.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    expected_id, expected_hash = (head.last_event_id, head.last_hash) if head else (0, GENESIS_HASH)
    if (expected_id, expected_hash) != (previous_id, previous_hash):
        return ChainReport(
            False,
            checked,
            expected_id,
            f"the chain should end at event {expected_id} but ends at {previous_id or '(start)'}: "
            "events at the end were deleted",
        )
    return ChainReport(True, checked)


def audit_events_for(*, object_type: str, object_id) -> list[AuditEvent]:
    """The history of one object, oldest first."""
    return list(
        AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id))
        .select_related("actor")
        .order_by("pk")
    )
