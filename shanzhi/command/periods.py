"""Periods the figures are asked for (a day, week, month, quarter, year or custom range of local
dates), and the arithmetic on them that the figures, the dashboard and the case types share."""

import calendar
import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from shanzhi.command.choices import PeriodKind


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.DAY:
            return f"{self.start:%Y-%m-%d}"
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == PeriodKind.YEAR:
            return str(self.start.year)
        return f"{self.start:%Y-%m-%d} ~ {self.end:%Y-%m-%d}"

    def previous(self) -> "Period":
        """The period of the same kind just before (the trend arrows compare with it)."""
        if self.kind == PeriodKind.MONTH:
            start = (self.start - datetime.timedelta(days=1)).replace(day=1)
            return month_period(start)
        if self.kind == PeriodKind.QUARTER:
            return quarter((self.start - datetime.timedelta(days=1)).replace(day=1))
        if self.kind == PeriodKind.YEAR:
            return Period(
                self.kind,
                self.start.replace(year=self.start.year - 1),
                self.start.replace(year=self.start.year - 1, month=12, day=31),
            )
        length = (self.end - self.start).days + 1
        end = self.start - datetime.timedelta(days=1)
        return Period(self.kind, end - datetime.timedelta(days=length - 1), end)

    def as_params(self) -> dict:
        """The shortest query that parse_period reads back as this period (the KPI table puts
        one in each of its thousands of links)."""
        if self.kind == PeriodKind.MONTH:
            return {"period": "month", "date": f"{self.start:%Y-%m}"}
        if self.kind in (PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.QUARTER, PeriodKind.YEAR):
            return {"period": self.kind, "date": self.start.isoformat()}
        return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}


def today() -> datetime.date:
    return timezone.localdate()


def month_period(day: datetime.date) -> Period:
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(PeriodKind.MONTH, day.replace(day=1), day.replace(day=last))


def quarter(day: datetime.date) -> Period:
    first = datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    last_month = first.month + 2
    return Period(
        PeriodKind.QUARTER,
        first,
        datetime.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]),
    )


def local_range(field_name: str, period: Period) -> Q:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(period.start, datetime.time(0), tzinfo=tz)
    end = datetime.datetime.combine(
        period.end + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz
    )
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def split_period(
    period: Period,
) -> tuple[list[datetime.date], list[tuple[datetime.date, datetime.date]]]:
    """Whole months inside the period (their first days) and the leftover day ranges."""
    months, edges = [], []
    day = period.start
    while day <= period.end:
        last = month_period(day).end
        if day.day == 1 and last <= period.end:
            months.append(day)
            day = last + datetime.timedelta(days=1)
        else:
            stop = min(last, period.end)
            edges.append((day, stop))
            day = stop + datetime.timedelta(days=1)
    return months, edges


def before_today(period: Period, today: datetime.date | None = None) -> Period | None:
    """The part of the period before today (None if it starts today or later): where the
    measures of deadlines are counted, since a deadline still ahead is not yet due."""
    today = today or timezone.localdate()
    if period.end < today:
        return period
    if period.start >= today:
        return None
    return Period(period.kind, period.start, today - datetime.timedelta(days=1))
