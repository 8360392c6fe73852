"""The audit trail is append-only and tamper-evident: `shanzhi audit-verify` finds an edited row,
a deleted row in the middle and a deleted tail, and names the first broken event."""

import pytest

from shanzhi.cli import main
from shanzhi.core.models import AuditEvent
from shanzhi.core.selectors import audit_chain_verify, audit_events_for
from shanzhi.core.services import audit_record

pytestmark = pytest.mark.django_db


def test_the_demo_chain_verifies_through_the_cli(capsys):
    assert main(["audit-verify"]) == 0
    total = AuditEvent.objects.count()
    assert f"审计链完整 audit chain intact: {total} events" in capsys.readouterr().out
    assert total > 1000  # every demo object was made through an audited service


def test_an_edited_event_is_reported_with_its_id(capsys):
    victim = AuditEvent.objects.filter(action="grid.create").order_by("pk")[10]
    AuditEvent.objects.filter(pk=victim.pk).update(after={"name": "篡改"})
    report = audit_chain_verify()
    assert (report.ok, report.broken_event_id) == (False, victim.pk)
    assert main(["audit-verify"]) == 1
    assert f"AUDIT CHAIN BROKEN at event {victim.pk}" in capsys.readouterr().err


def test_an_edited_actor_or_time_is_also_found():
    victim = AuditEvent.objects.order_by("pk")[5]
    AuditEvent.objects.filter(pk=victim.pk).update(actor_label="someone-else")
    assert audit_chain_verify().broken_event_id == victim.pk


def test_a_deleted_event_breaks_the_link_of_the_next_one(capsys):
    events = list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)[20:22])
    AuditEvent.objects.filter(pk=events[0]).delete()
    report = audit_chain_verify()
    assert (report.ok, report.broken_event_id) == (False, events[1])
    assert main(["audit-verify"]) == 1
    assert f"at event {events[1]}" in capsys.readouterr().err


def test_a_deleted_tail_is_found_from_the_chain_head():
    last = audit_record(actor="test", action="test.one", object_type="test", object_id=1)
    AuditEvent.objects.filter(pk=last.pk).delete()
    report = audit_chain_verify()
    assert (report.ok, report.broken_event_id) == (False, last.pk)
    assert "deleted" in report.problem


def test_recorded_events_chain_on_and_keep_their_content():
    first = audit_record(
        actor="test",
        action="test.change",
        object_type="thing",
        object_id=7,
        before={"a": 1},
        after={"a": 2, "when": "2026-10-01"},
        reason="理由 <script>",
    )
    second = audit_record(actor="test", action="test.change", object_type="thing", object_id=7)
    assert second.prev_hash == first.hash
    history = audit_events_for(object_type="thing", object_id=7)
    assert [(e.action, e.before, e.after, e.reason) for e in history] == [
        ("test.change", {"a": 1}, {"a": 2, "when": "2026-10-01"}, "理由 <script>"),
        ("test.change", None, None, ""),
    ]
    assert audit_chain_verify().ok


def test_the_admin_cannot_change_or_delete_audit_events(client_as):
    admin = client_as("admin")
    event = AuditEvent.objects.order_by("pk").first()
    assert admin.get(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    response = admin.post(f"/admin/core/auditevent/{event.pk}/change/", {"action": "x"})
    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


def test_requests_carry_an_id_that_comes_back_in_the_response(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    generated = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert len(generated) == 32 and " " not in generated


def test_the_chain_survives_a_dump_and_load(tmp_path):
    """Moving data between databases with dumpdata/loaddata keeps the chain verifiable."""
    from django.core import serializers

    audit_record(
        actor="test",
        action="test.move",
        object_type="thing",
        object_id=1,
        after={"n": 1.5, "when": "2026-10-01"},
    )
    events = list(AuditEvent.objects.order_by("pk"))
    text = serializers.serialize("json", events)
    AuditEvent.objects.all().delete()
    for item in serializers.deserialize("json", text):
        item.save()
    assert audit_chain_verify().ok
