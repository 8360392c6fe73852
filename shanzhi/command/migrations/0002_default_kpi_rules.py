from decimal import Decimal

from django.db import migrations

from shanzhi.command.choices import DEFAULT_KPI_RULES


def add(apps, schema_editor):
    KpiRule = apps.get_model("command", "KpiRule")
    for kpi, weight, zero_at, full_at in DEFAULT_KPI_RULES:
        KpiRule.objects.get_or_create(
            kpi=str(kpi),
            defaults={
                "weight": Decimal(weight),
                "zero_at": Decimal(zero_at),
                "full_at": Decimal(full_at),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("command", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
