"""Clear an appeal's occurred_at stored outside the PAST window before the edge checked it
(year 1 or 9999 with an extreme offset: 1 BC or year 10000 on PostgreSQL, which made the order's
pages answer 500). Each repair is recorded in the audit trail (ADR 0011)."""

from django.db import migrations

from shanzhi.core.dates import PAST, repair_out_of_range


def repair_occurred_at(apps, schema_editor):
    Appeal = apps.get_model("workorders", "Appeal")
    return repair_out_of_range(
        schema_editor,
        table=Appeal._meta.db_table,
        column="occurred_at",
        object_type="appeal",
        window=PAST,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_audit_keyed_from"),
        ("workorders", "0009_tracking_failures"),
    ]

    operations = [migrations.RunPython(repair_occurred_at, migrations.RunPython.noop)]
