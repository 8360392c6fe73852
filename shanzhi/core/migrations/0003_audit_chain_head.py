"""The chain head row exists from the start, so every append just locks it."""

from django.db import migrations


def create_head(apps, schema_editor):
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    AuditEvent = apps.get_model("core", "AuditEvent")
    if not AuditChainHead.objects.filter(pk=1).exists():
        last = AuditEvent.objects.order_by("-pk").first()
        AuditChainHead.objects.create(
            pk=1,
            last_event_id=last.pk if last else 0,
            last_hash=last.hash if last else "0" * 64,
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_periodicjob")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
