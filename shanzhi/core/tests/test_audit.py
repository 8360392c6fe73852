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


# -- tamper evidence against whoever can write the database (docs/audit.md) ----------------------

import datetime  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import stat  # noqa: E402

from django.test import override_settings  # noqa: E402

from shanzhi.core import auditkeys  # noqa: E402
from shanzhi.core.models import AuditChainHead, Delivery  # noqa: E402
from shanzhi.core.scheduler import run_due  # noqa: E402
from shanzhi.core.services import GENESIS_HASH, audit_checkpoint_write, audit_hash  # noqa: E402

NOON = datetime.datetime(2026, 10, 1, 4, 0, tzinfo=datetime.UTC)  # 12:00 in Shanghai


def rewrite_from(pk, change, *, key=None, keyed_from=None):
    """What a database administrator can do without the key: change event `pk`, recompute the
    hash of it and of every later event (plain SHA-256), and move the head to the new last hash."""
    events = list(AuditEvent.objects.filter(pk__gte=pk).order_by("pk"))
    previous = (
        AuditEvent.objects.filter(pk__lt=pk).order_by("-pk").values_list("hash", flat=True).first()
    ) or GENESIS_HASH
    for event in events:
        if event.pk == pk:
            change(event)
        event.prev_hash = previous
        event.hash = previous = audit_hash(event, key)
    AuditEvent.objects.bulk_update(
        events, ["actor_label", "after", "reason", "prev_hash", "hash"], batch_size=500
    )
    head = {"last_event_id": events[-1].pk, "last_hash": previous}
    if keyed_from is not None:
        head["keyed_from"] = keyed_from
    AuditChainHead.objects.filter(pk=1).update(**head)


def record(n=1):
    return [
        audit_record(actor="test", action="test.step", object_type="thing", object_id=i)
        for i in range(n)
    ]


def test_the_intact_chain_says_how_far_back_it_is_proven(capsys):
    record(2)
    path = audit_checkpoint_write(now=NOON)
    head = AuditChainHead.objects.get(pk=1)
    assert path.parent == auditkeys.settings.AUDIT_ANCHOR_DIR
    assert audit_checkpoint_write() is None  # the head has not moved: no second file
    record(3)
    assert main(["audit-verify"]) == 0
    out = capsys.readouterr().out
    total = AuditEvent.objects.count()
    assert f"审计链完整 audit chain intact: {total} events" in out
    assert f"{total} events keyed with HMAC-SHA256" in out
    assert (
        f"proven through event {head.last_event_id}, checkpoint of 2026-10-01 12:00:00 "
        "(Asia/Shanghai) (1 checkpoints; 3 later events not yet checkpointed)"
    ) in out
    document = json.loads(path.read_text())
    assert (document["event_id"], document["hash"], document["count"]) == (
        head.last_event_id,
        head.last_hash,
        head.last_event_id,
    )
    assert document["created_at"] == "2026-10-01T04:00:00+00:00"


def test_a_rewritten_event_with_every_later_hash_recomputed_is_named(capsys):
    """Plain SHA-256 can be recomputed by anyone; the keyed hash cannot."""
    victim = AuditEvent.objects.filter(action="grid.create").order_by("pk")[3]
    record(2)
    rewrite_from(victim.pk, lambda e: setattr(e, "after", {"name": "篡改"}))
    report = audit_chain_verify()
    assert (report.ok, report.broken_event_id, report.checked) == (False, victim.pk, victim.pk - 1)
    assert main(["audit-verify"]) == 1
    assert f"AUDIT CHAIN BROKEN at event {victim.pk}: event {victim.pk} was altered" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize("field", ["actor_label", "reason"])
def test_rewriting_the_last_event_or_passing_the_chain_off_as_unkeyed_is_found(field):
    """The attacker may also claim the rewritten events predate the key (keyed_from moved past
    the head): the checkpoints say where the keyed chain starts."""
    audit_checkpoint_write()
    last = record(3)
    rewrite_from(last[-1].pk, lambda e: setattr(e, field, "someone-else"))
    assert audit_chain_verify().broken_event_id == last[-1].pk
    rewrite_from(last[0].pk, lambda e: setattr(e, field, "x"), keyed_from=last[-1].pk + 100)
    report = audit_chain_verify()
    assert (report.ok, report.broken_event_id) == (False, last[0].pk)  # keyed from 1 on


def test_a_deleted_tail_with_the_head_moved_back_is_found_by_the_checkpoint(capsys):
    first = record(2)
    audit_checkpoint_write(now=NOON)
    deleted = record(3)
    audit_checkpoint_write(now=NOON + datetime.timedelta(hours=1))
    AuditEvent.objects.filter(pk__gte=deleted[1].pk).delete()
    AuditChainHead.objects.filter(pk=1).update(
        last_event_id=deleted[0].pk, last_hash=deleted[0].hash
    )
    report = audit_chain_verify()
    assert (report.ok, report.broken_event_id) == (False, deleted[1].pk)
    assert report.proven_through == first[-1].pk
    assert main(["audit-verify"]) == 1
    err = capsys.readouterr().err
    assert f"AUDIT CHAIN BROKEN at event {deleted[1].pk}: events {deleted[1].pk}–" in err
    assert f"proven through event {first[-1].pk}, checkpoint of 2026-10-01 12:00:00" in err

    # New events written since reuse the deleted ids: the checkpointed hash no longer matches.
    record(5)
    report = audit_chain_verify()
    assert (report.ok, report.broken_event_id) == (False, deleted[-1].pk)
    assert f"the history after event {first[-1].pk} was rewritten" in report.problem


def test_a_whole_chain_replaced_is_found_by_the_checkpoint():
    audit_checkpoint_write()
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.filter(pk=1).update(last_event_id=0, last_hash=GENESIS_HASH)
    record(2)
    report = audit_chain_verify()
    assert (report.ok, report.proven_through) == (False, None)


def _only_checkpoint():
    audit_checkpoint_write()
    [path] = auditkeys.checkpoint_files()
    os.chmod(path, 0o644)
    return path


@pytest.mark.parametrize(
    "edit",
    [
        lambda doc: doc.update(event_id=doc["event_id"] + 5),
        lambda doc: doc.update(hash="0" * 64),
        lambda doc: doc.update(keyed_from=10**9),
        lambda doc: doc.update(signature=doc["signature"][:-4] + "AAA="),
        lambda doc: doc.pop("signature"),
    ],
)
def test_an_edited_checkpoint_file_fails(edit, capsys):
    path = _only_checkpoint()
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))
    report = audit_chain_verify()
    assert (report.ok, report.failure) == (False, "checkpoint")
    assert main(["audit-verify"]) == 1
    assert f"AUDIT CHECKPOINT INVALID: checkpoint {path.name} is forged or altered" in (
        capsys.readouterr().err
    )


def test_a_checkpoint_signed_with_another_key_or_unreadable_fails(tmp_path, settings):
    audit_checkpoint_write()
    forger = tmp_path / "forger"
    with override_settings(
        AUDIT_SIGNING_KEY_FILE=forger / "key.pem", AUDIT_PUBLIC_KEY_FILE=forger / "key.pub.pem"
    ):
        record(1)
        audit_checkpoint_write()
    report = audit_chain_verify()
    assert report.failure == "checkpoint" and "signed by another key" in report.problem
    for path in auditkeys.checkpoint_files()[1:]:
        os.chmod(path, 0o644)
        path.write_text("not json")
    assert "unreadable" in audit_chain_verify().problem
    # Without the public key there is nothing to check them with.
    settings.AUDIT_SIGNING_KEY_FILE = settings.AUDIT_PUBLIC_KEY_FILE = tmp_path / "absent.pem"
    report = audit_chain_verify()
    assert report.failure == "checkpoint" and "no public key" in report.problem


def test_a_missing_chain_key_is_reported_clearly(settings, capsys):
    settings.AUDIT_KEY = ""
    assert not settings.AUDIT_KEY_FILE.exists()
    assert main(["audit-verify"]) == 1
    err = capsys.readouterr().err
    assert "审计链密钥缺失 AUDIT KEY MISSING" in err
    assert f"SHANZHI_AUDIT_KEY is not set and {settings.AUDIT_KEY_FILE} does not exist" in err
    assert not settings.AUDIT_KEY_FILE.exists()  # verifying never makes a key up


def test_the_keys_are_generated_once_private_and_kept(settings):
    settings.AUDIT_KEY = ""
    key = auditkeys.chain_key(create=True)
    assert len(key) >= 64
    assert stat.S_IMODE(settings.AUDIT_KEY_FILE.stat().st_mode) == 0o600
    assert auditkeys.chain_key(create=False) == key == auditkeys.chain_key(create=True)
    # Another process that raced to create it keeps the first key.
    assert auditkeys.write_once(settings.AUDIT_KEY_FILE, b"other") is False
    assert auditkeys.chain_key(create=False) == key
    assert [p.name for p in settings.AUDIT_KEY_FILE.parent.iterdir()] == ["audit_key"]

    audit_checkpoint_write()
    assert stat.S_IMODE(settings.AUDIT_SIGNING_KEY_FILE.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.AUDIT_PUBLIC_KEY_FILE.stat().st_mode) == 0o644
    assert b"PRIVATE" not in settings.AUDIT_PUBLIC_KEY_FILE.read_bytes()


def test_an_upgraded_database_keeps_its_unkeyed_history_verifiable(capsys):
    """Events written before the upgrade stay plain SHA-256; the first keyed event covers them,
    so rewriting one of them and recomputing the plain hashes is still found."""
    first = AuditEvent.objects.order_by("pk").first()
    rewrite_from(first.pk, lambda e: None)  # the whole chain as it was before keys existed
    head = AuditChainHead.objects.get(pk=1)
    AuditChainHead.objects.filter(pk=1).update(keyed_from=head.last_event_id + 1)
    keyed = record(2)
    audit_checkpoint_write()
    assert main(["audit-verify"]) == 0
    assert (
        f"{head.last_event_id} events before the chain was keyed (plain SHA-256, covered by "
        f"event {keyed[0].pk}), 2 keyed with HMAC-SHA256"
    ) in capsys.readouterr().out

    # A legacy event rewritten, every later hash recomputed: the first keyed one no longer fits.
    victim = AuditEvent.objects.order_by("pk")[40]
    saved = list(AuditEvent.objects.filter(pk__gte=victim.pk).order_by("pk"))
    rewrite_from(victim.pk, lambda e: setattr(e, "reason", "改"))
    assert audit_chain_verify().broken_event_id == keyed[0].pk

    # Passing the keyed events off as unkeyed too (keyed_from moved): the checkpoint says no.
    AuditEvent.objects.bulk_update(saved, ["reason", "prev_hash", "hash"], batch_size=500)
    rewrite_from(keyed[0].pk, lambda e: setattr(e, "reason", "改"), keyed_from=10**9)
    report = audit_chain_verify()
    assert (report.ok, report.broken_event_id) == (False, keyed[0].pk)


def test_the_periodic_job_writes_a_checkpoint_when_the_head_moved(settings):
    settings.PERIODIC_JOBS = {"audit_checkpoint": settings.PERIODIC_JOBS["audit_checkpoint"]}
    settings.AUDIT_ANCHOR_WEBHOOK = "https://anchor.example.org/shanzhi"
    assert run_due() == ["audit_checkpoint"]
    [path] = auditkeys.checkpoint_files()
    delivery = Delivery.objects.get(kind="audit.checkpoint")
    assert delivery.target == "https://anchor.example.org/shanzhi"
    assert delivery.payload == json.loads(path.read_text())
    assert audit_chain_verify().proven_through == AuditChainHead.objects.get(pk=1).last_event_id


def test_the_checkpoint_command_and_a_second_public_key(capsys, tmp_path):
    assert main(["audit-checkpoint"]) == 0
    assert "audit checkpoint written" in capsys.readouterr().out
    assert main(["audit-checkpoint"]) == 0
    assert "nothing new to checkpoint" in capsys.readouterr().out
    # An auditor checks with the copy of the public key they keep, and other anchor copies.
    other = tmp_path / "other.pub.pem"
    other.write_bytes(auditkeys.settings.AUDIT_PUBLIC_KEY_FILE.read_bytes())
    assert main(["audit-verify", "--public-key", str(other)]) == 0
    assert main(["audit-verify", "--anchors", str(tmp_path / "empty")]) == 0
    assert "no checkpoint yet" in capsys.readouterr().out


def test_a_chain_with_no_keyed_event_is_flagged(capsys):
    """keyed_from moved past the end, every hash recomputed in plain SHA-256 and no checkpoint
    (someone who can write the table but not the data directory's anchors): nothing covers the
    plain events, and verify says so instead of calling them covered."""
    first = AuditEvent.objects.order_by("pk").first()
    rewrite_from(first.pk, lambda e: None)
    head = AuditChainHead.objects.get(pk=1)
    AuditChainHead.objects.filter(pk=1).update(keyed_from=head.last_event_id + 1)
    main(["audit-verify"])
    out = capsys.readouterr().out
    assert "WARNING: all" in out and "no keyed event covers them" in out
    assert "covered by event" not in out
