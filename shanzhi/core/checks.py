"""System checks with stable ids, shown by `shanzhi manage check` and on start."""

import datetime
from dataclasses import dataclass

from django.core.checks import Warning, register
from django.db import DatabaseError
from django.utils import timezone


@dataclass(frozen=True)
class CalendarGap:
    """A watched year without the official holiday arrangement; `provisional` when rule-based
    rows stand in for it meanwhile (else Monday to Friday is assumed)."""

    year: int
    provisional: bool


def calendar_gaps(today: datetime.date | None = None) -> list[CalendarGap]:
    """This year when the table does not cover it, always; next year from November 1st on
    (workdays.watched_years). The admin's home, the staff pages' banner, `shanzhi up` and
    `shanzhi manage check` all warn from this list."""
    from shanzhi.core import workdays

    today = today or timezone.localdate()
    try:
        missing = workdays.missing_years(today)
        provisional = workdays.provisional_years()
    except DatabaseError:
        return []  # before the first migration there is nothing to check
    return [CalendarGap(year=year, provisional=year in provisional) for year in missing]


def calendar_warnings(today: datetime.date | None = None) -> list[str]:
    """The gaps as console and admin messages, in Chinese with an English gloss."""
    messages = []
    for gap in calendar_gaps(today):
        if gap.provisional:
            meanwhile = "该年暂按规则推算的临时日历计算工作日（不含调休上班）"
            gloss = "a provisional rule-based calendar without make-up working days is used"
        else:
            meanwhile = "该年按周一至周五计算工作日"
            gloss = "Monday to Friday is assumed"
        messages.append(
            f"工作日历缺少 {gap.year} 年的法定节假日安排，{meanwhile}；"
            f"请在管理后台“工作日历”中导入国务院办公厅的放假通知。 (The working-day calendar has "
            f"no official holidays for {gap.year}: {gloss} until an administrator imports the "
            "State Council's notice.)"
        )
    return messages


@register()
def check_calendar_coverage(app_configs, **kwargs):
    return [
        Warning(
            message,
            id="shanzhi.W001",
            hint="Admin → 工作日历 → 导入国务院通知, or `shanzhi manage seed_calendar`",
        )
        for message in calendar_warnings()
    ]
