"""The audit chain is keyed (HMAC-SHA256) from the next event on; the events already written
stay plain SHA-256 and the first keyed event covers the last of them (docs/adr/0009)."""

from django.db import migrations, models


def key_from_next_event(apps, schema_editor):
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    for head in AuditChainHead.objects.all():
        head.keyed_from = head.last_event_id + 1
        head.save(update_fields=["keyed_from"])


class Migration(migrations.Migration):
    dependencies = [("core", "0004_delivery_dingtalkrobot")]

    operations = [
        migrations.AddField(
            model_name="auditchainhead",
            name="keyed_from",
            field=models.BigIntegerField(default=1),
        ),
        migrations.RunPython(key_from_next_event, migrations.RunPython.noop),
    ]
