import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The workload's unit sets as tables (UnitSet, UnitSetMember) beside the text they replace;
    0006 fills them from the text, 0007 drops the text."""

    dependencies = [
        ("command", "0004_open_work"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnitSet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.TextField(unique=True, verbose_name="单位集合")),
            ],
            options={
                "verbose_name": "单位集合",
                "verbose_name_plural": "单位集合",
            },
        ),
        migrations.CreateModel(
            name="UnitSetMember",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("unit_id", models.IntegerField(verbose_name="单位")),
                ("unit_set", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="members", to="command.unitset", verbose_name="单位集合")),
            ],
            options={
                "verbose_name": "单位集合成员",
                "verbose_name_plural": "单位集合成员",
                "indexes": [models.Index(fields=["unit_id", "unit_set"], name="unitsetmember_unit")],
                "constraints": [models.UniqueConstraint(fields=("unit_set", "unit_id"), name="unitsetmember_once")],
            },
        ),
        migrations.AddField(
            model_name="openwork",
            name="co_set",
            field=models.IntegerField(default=0, verbose_name="协办单位（办理中）"),
        ),
        migrations.AddField(
            model_name="openwork",
            name="other_set",
            field=models.IntegerField(default=0, verbose_name="其他曾交办单位"),
        ),
    ]
