from decimal import Decimal

from django.db import migrations

# Lianyungang-style defaults: 及时签收率 below 80 % scores 0. Administrators change them in the admin.
DEFAULTS = [
    ("sign_rate", "20", "0.80", "0.98"),
    ("on_time_rate", "30", "0.80", "0.98"),
    ("satisfaction_rate", "30", "0.80", "0.95"),
    ("visit_rate", "10", "0.50", "0.90"),
    ("return_rate", "10", "0.20", "0.02"),
]


def add(apps, schema_editor):
    KpiRule = apps.get_model("command", "KpiRule")
    for kpi, weight, zero_at, full_at in DEFAULTS:
        KpiRule.objects.get_or_create(
            kpi=kpi,
            defaults={
                "weight": Decimal(weight),
                "zero_at": Decimal(zero_at),
                "full_at": Decimal(full_at),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("command", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
