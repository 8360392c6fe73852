from django.db import migrations, models


class Migration(migrations.Migration):
    """OpenWork names its unit sets by id: the text columns, their partial indexes and the old
    key go; the cell is unique on the set ids, each indexed."""

    dependencies = [
        ("command", "0006_unit_sets_from_text"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="openwork",
            name="openwork_cell",
        ),
        migrations.RemoveIndex(
            model_name="openwork",
            name="openwork_co",
        ),
        migrations.RemoveIndex(
            model_name="openwork",
            name="openwork_other",
        ),
        migrations.RemoveField(
            model_name="openwork",
            name="co_units",
        ),
        migrations.RemoveField(
            model_name="openwork",
            name="other_units",
        ),
        migrations.AddIndex(
            model_name="openwork",
            index=models.Index(fields=["co_set"], name="openwork_co_set"),
        ),
        migrations.AddIndex(
            model_name="openwork",
            index=models.Index(fields=["other_set"], name="openwork_other_set"),
        ),
        migrations.AddConstraint(
            model_name="openwork",
            constraint=models.UniqueConstraint(
                fields=(
                    "area_code",
                    "state",
                    "dispatch_unit_id",
                    "lead_unit_id",
                    "co_set",
                    "other_set",
                    "is_warned",
                    "is_overdue",
                    "is_sign_overdue",
                    "is_red",
                ),
                name="openwork_cell",
            ),
        ),
    ]
