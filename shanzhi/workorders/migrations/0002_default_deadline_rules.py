"""The default time limits of domain.md §2, so that a fresh installation computes deadlines
before an administrator has configured anything. Administrators edit them in the admin."""

from django.db import migrations

DEFAULTS = [
    # (nature, urgency, priority, sign amount, sign unit, handle amount, handle unit, note)
    ("", "", 0, 1, "working_days", 13, "working_days",
     "默认：1 个工作日内签收，13 个工作日内办结（自次日起算）"),
    ("consult", "", 10, 1, "working_days", 3, "working_days", "咨询：3 个工作日内办结"),
    ("help", "", 10, 1, "working_days", 3, "working_days", "求助：3 个工作日内办结"),
    ("", "urgent", 20, 2, "hours", 24, "hours", "紧急：2 小时内签收，24 小时内办结"),
    ("", "critical", 30, 0.5, "hours", 2, "hours", "特急：半小时内签收，2 小时内办结"),
]


def seed(apps, schema_editor):
    DeadlineRule = apps.get_model("workorders", "DeadlineRule")
    if DeadlineRule.objects.exists():
        return
    for nature, urgency, priority, s_amount, s_unit, h_amount, h_unit, note in DEFAULTS:
        DeadlineRule.objects.create(
            nature=nature, urgency=urgency, priority=priority, sign_amount=s_amount,
            sign_unit=s_unit, handle_amount=h_amount, handle_unit=h_unit, warn_ratio=0.75,
            note=note,
        )


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
