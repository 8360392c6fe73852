"""System checks with stable ids, shown by `shanzhi manage check` and on start."""

from django.core.checks import Warning, register
from django.db import DatabaseError
from django.utils import timezone


def calendar_warnings(today=None) -> list[str]:
    """Messages for this year and next if the calendar table does not cover them."""
    from shanzhi.core import workdays

    today = today or timezone.localdate()
    try:
        missing = workdays.uncovered_years([today.year, today.year + 1])
    except DatabaseError:
        return []  # before the first migration there is nothing to check
    return [
        f"工作日历缺少 {year} 年的法定节假日安排，该年按周一至周五计算工作日；"
        f"请在管理后台“工作日历”中录入。 (The working-day calendar has no holidays for {year}: "
        "Monday to Friday is assumed until an administrator enters them.)"
        for year in missing
    ]


@register()
def check_calendar_coverage(app_configs, **kwargs):
    return [
        Warning(
            message, id="shanzhi.W001", hint="Admin → 工作日历, or `shanzhi manage seed_calendar`"
        )
        for message in calendar_warnings()
    ]
