"""Clear a hotline hand-over's deadline stored outside the DEADLINE window before the edge
checked it (it made the admin list answer 500 on PostgreSQL). Each repair is recorded in the
audit trail (ADR 0011). The appeal's occurred_at is repaired by workorders 0008."""

from django.db import migrations

from shanzhi.core.dates import DEADLINE, repair_out_of_range


def repair_deadline(apps, schema_editor):
    HotlineOrder = apps.get_model("interop", "HotlineOrder")
    return repair_out_of_range(
        schema_editor,
        table=HotlineOrder._meta.db_table,
        column="deadline",
        object_type="hotlineorder",
        window=DEADLINE,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_audit_keyed_from"),
        ("interop", "0002_devices"),
        ("workorders", "0010_repair_out_of_range_dates"),
    ]

    operations = [migrations.RunPython(repair_deadline, migrations.RunPython.noop)]
