"""Working-day arithmetic on the calendar table.

A date is a working day when the table says so, else when it is Monday to Friday. Deadlines follow
the hotline rule "counted from the next day": N working days after an instant end at the end of
the N-th working day after the local date of that instant. All inputs and outputs are aware
datetimes; the local dates are those of settings.TIME_ZONE.
"""

import datetime
import threading
import time
from zoneinfo import ZoneInfo

from django.conf import settings

from shanzhi.core.choices import CalendarDayKind, CalendarDaySource, DurationUnit

# Calendar rows change a few times a year; every process keeps them in memory and reloads them
# after a minute, or at once in the process that changed them (services call clear_cache).
_CACHE_SECONDS = 60
_lock = threading.Lock()
_cache: dict = {
    "loaded_at": 0.0,
    "days": {},
    "years": frozenset(),
    "provisional": frozenset(),
    "counts": None,
}
# Working days are counted through a table of running totals over this span (outside it, day by
# day): handling times over millions of orders would otherwise walk every day of every order.
_SPAN = (datetime.date(2000, 1, 1), datetime.date(2100, 12, 31))


def clear_cache() -> None:
    with _lock:
        _cache["loaded_at"] = 0.0


def _overrides() -> tuple[dict[datetime.date, bool], frozenset[int]]:
    """{date: is_working} for every exception, and the years the table covers officially."""
    now = time.monotonic()
    if now - _cache["loaded_at"] > _CACHE_SECONDS:
        from shanzhi.core.models import CalendarDay

        days, official, provisional = {}, set(), set()
        for date, kind, source in CalendarDay.objects.values_list("date", "kind", "source"):
            days[date] = kind == CalendarDayKind.WORKDAY
            (provisional if source == CalendarDaySource.PROVISIONAL else official).add(date.year)
        with _lock:
            _cache.update(
                days=days,
                # Provisional rows count for the arithmetic but not as coverage: a year that still
                # has any is waiting for its official arrangement.
                years=frozenset(official - provisional),
                provisional=frozenset(provisional),
                counts=None,
                loaded_at=time.monotonic(),
            )
    return _cache["days"], _cache["years"]


def _running_totals() -> list[int]:
    """totals[i]: working days from _SPAN[0] to _SPAN[0] + i, inclusive."""
    days, _ = _overrides()
    totals = _cache["counts"]
    if totals is None:
        totals, count, day = [], 0, _SPAN[0]
        while day <= _SPAN[1]:
            count += days.get(day, day.weekday() < 5)
            totals.append(count)
            day += datetime.timedelta(days=1)
        _cache["counts"] = totals
    return totals


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def is_working_day(day: datetime.date) -> bool:
    days, _ = _overrides()
    if day in days:
        return days[day]
    return day.weekday() < 5


def covered_years() -> frozenset[int]:
    """Years for which the table holds the official arrangement: at least one row from the
    package, the State Council's notice or an administrator, and no provisional row left."""
    return _overrides()[1]


def provisional_years() -> frozenset[int]:
    """Years with provisional (rule-based) rows, waiting for the official arrangement."""
    _overrides()
    return _cache["provisional"]


def uncovered_years(years) -> list[int]:
    known = covered_years()
    return [year for year in years if year not in known]


# The State Council publishes next year's arrangement in late October or in November (the 2024
# notice on 2023-10-25, the 2025 one on 2024-11-12): from November 1st its absence is worth a
# loud warning.
NEXT_YEAR_WATCHED_FROM_MONTH = 11


def watched_years(today: datetime.date) -> list[int]:
    """The years whose official arrangement must be in the table by `today`: this year always,
    next year from November 1st on. Earlier in the year next year's arrangement cannot be
    known yet, so a warning would only be noise."""
    years = [today.year]
    if today.month >= NEXT_YEAR_WATCHED_FROM_MONTH:
        years.append(today.year + 1)
    return years


def missing_years(today: datetime.date) -> list[int]:
    """The watched years that have no official arrangement in the table."""
    return uncovered_years(watched_years(today))


def end_of_day(moment: datetime.datetime) -> datetime.datetime:
    """The last second of the local day holding `moment`."""
    return _end_of_local_day(moment.astimezone(local_tz()).date())


def add_working_time(start: datetime.datetime, amount: datetime.timedelta) -> datetime.datetime:
    """The instant by which `amount` of working time (time on working days) has passed since
    `start`: the inverse of working_time_between."""
    if amount <= datetime.timedelta(0):
        return start
    tz = local_tz()
    moment = start.astimezone(tz)
    remaining = amount
    while True:
        day = moment.date()
        next_midnight = datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz
        )
        if is_working_day(day):
            available = next_midnight - moment
            if remaining <= available:
                return moment + remaining
            remaining -= available
        moment = next_midnight


def _end_of_local_day(day: datetime.date) -> datetime.datetime:
    """The last second of a local day, which is how a deadline "by day N" is shown and kept."""
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=local_tz())


def add_working_days(start: datetime.datetime, count: int) -> datetime.datetime:
    """End of the count-th working day after the local date of `start` (count ≥ 1); with count 0,
    the end of the start's own day if it is a working day, else of the next working day."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start.astimezone(local_tz()).date()
    if count == 0:
        while not is_working_day(day):
            day += datetime.timedelta(days=1)
        return _end_of_local_day(day)
    remaining = count
    while remaining:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return _end_of_local_day(day)


def add_natural_days(start: datetime.datetime, count: int) -> datetime.datetime:
    """End of the count-th calendar day after the local date of `start`."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start.astimezone(local_tz()).date() + datetime.timedelta(days=count)
    return _end_of_local_day(day)


def add_legal_days(start: datetime.datetime | datetime.date, count: int) -> datetime.datetime:
    """The end of a period of civil procedure (司法确认's 30 days, a court's 3 days): `count`
    natural days counted from the day after `start`; when the last day is not a working day (a
    statutory holiday or a weekend), the period ends on the first working day after it, so a
    调休 make-up Saturday ends it where it falls."""
    if count < 1:
        raise ValueError("count must be positive")
    if isinstance(start, datetime.datetime):
        start = start.astimezone(local_tz()).date()
    day = start + datetime.timedelta(days=count)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return _end_of_local_day(day)


def add_hours(start: datetime.datetime, count: float) -> datetime.datetime:
    """Round-the-clock hours: 紧急 24 h and 特急 2 h run through nights and holidays."""
    if count < 0:
        raise ValueError("count must not be negative")
    return start + datetime.timedelta(hours=count)


def add_duration(start: datetime.datetime, amount: float, unit: str) -> datetime.datetime:
    if unit == DurationUnit.WORKING_DAYS:
        return add_working_days(start, int(amount))
    if unit == DurationUnit.NATURAL_DAYS:
        return add_natural_days(start, int(amount))
    if unit == DurationUnit.HOURS:
        return add_hours(start, amount)
    raise ValueError(f"unknown duration unit {unit!r}")


def working_time_between(start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    """How much of [start, end) falls on working days (whole local days count 24 hours).
    Used for handling time and for moving a deadline after a suspension; negative spans give 0."""
    if end <= start:
        return datetime.timedelta(0)
    tz = local_tz()
    start_local, end_local = start.astimezone(tz), end.astimezone(tz)
    first, last = start_local.date(), end_local.date()
    if first == last:
        return end_local - start_local if is_working_day(first) else datetime.timedelta(0)
    total = datetime.timedelta(0)
    if is_working_day(first):
        midnight = datetime.datetime.combine(
            first + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz
        )
        total += midnight - start_local
    if is_working_day(last):
        total += end_local - datetime.datetime.combine(last, datetime.time(0), tzinfo=tz)
    between = working_days_between(first, last - datetime.timedelta(days=1))
    return total + datetime.timedelta(days=between)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days d with start < d ≤ end: the "counted from the next day" measure."""
    if end <= start:
        return 0
    if _SPAN[0] <= start and end <= _SPAN[1]:
        totals, base = _running_totals(), _SPAN[0].toordinal()
        return totals[end.toordinal() - base] - totals[start.toordinal() - base]
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
