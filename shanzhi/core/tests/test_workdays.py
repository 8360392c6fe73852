"""Deadlines on the working-day calendar, across the 2026 Mid-Autumn and National Day holidays
(holidays 09-25…27 and 10-01…07; make-up working days Sunday 09-20 and Saturday 10-10)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shanzhi.core import workdays
from shanzhi.core.models import AuditEvent, CalendarDay

CST = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=CST)


def end_of(y, m, d) -> datetime.datetime:
    return at(y, m, d, 23, 59, 59)


@pytest.mark.parametrize(
    ("start", "count", "deadline"),
    [
        # Thursday before Mid-Autumn: 25–27 are holidays, so day 1 is Monday the 28th.
        (at(2026, 9, 24, 10, 0), 1, end_of(2026, 9, 28)),
        (at(2026, 9, 24, 10, 0), 3, end_of(2026, 9, 30)),
        # Friday 18th: Saturday is off, Sunday 20th is a make-up working day.
        (at(2026, 9, 18, 17, 0), 1, end_of(2026, 9, 20)),
        # Across the whole National Day week.
        (at(2026, 9, 30, 9, 0), 1, end_of(2026, 10, 8)),
        # Friday 9th: Saturday 10th is a make-up working day.
        (at(2026, 10, 9, 16, 0), 1, end_of(2026, 10, 10)),
        # The 13 working days of a complaint, counted from the next day, from Monday 21st.
        (at(2026, 9, 21, 8, 30), 13, end_of(2026, 10, 15)),
        # Registered on a holiday: counting starts the next day all the same.
        (at(2026, 10, 3, 11, 0), 2, end_of(2026, 10, 9)),
        # Late evening in Shanghai is still the same local day, although UTC is past midnight.
        (at(2026, 9, 18, 23, 30), 1, end_of(2026, 9, 20)),
    ],
)
def test_add_working_days_across_2026_autumn_holidays(start, count, deadline):
    assert workdays.add_working_days(start, count) == deadline


def test_working_day_status_of_the_holiday_dates():
    assert [workdays.is_working_day(datetime.date(2026, 9, d)) for d in (19, 20, 25, 28)] == [
        False,
        True,
        False,
        True,
    ]
    assert not any(workdays.is_working_day(datetime.date(2026, 10, d)) for d in range(1, 8))
    assert workdays.is_working_day(datetime.date(2026, 10, 10))
    assert not workdays.is_working_day(datetime.date(2026, 10, 11))


def test_zero_working_days_is_the_end_of_the_current_or_next_working_day():
    assert workdays.add_working_days(at(2026, 9, 29, 9, 0), 0) == end_of(2026, 9, 29)
    assert workdays.add_working_days(at(2026, 10, 2, 9, 0), 0) == end_of(2026, 10, 8)


@pytest.mark.parametrize(
    ("start", "count", "end"),
    [
        # 司法确认: 30 days from an agreement of 1 September end on 1 October, a holiday: the
        # period runs to the first working day after the National Day week.
        (at(2026, 9, 1, 16, 0), 30, end_of(2026, 10, 8)),
        # From 10 September the 30th day is Saturday 10 October, a make-up working day.
        (at(2026, 9, 10, 9, 0), 30, end_of(2026, 10, 10)),
        # From 11 September the 30th day is Sunday 11 October: Monday the 12th.
        (datetime.date(2026, 9, 11), 30, end_of(2026, 10, 12)),
        # A court's 3 days from an application on 29 September: 2 October → 8 October.
        (datetime.date(2026, 9, 29), 3, end_of(2026, 10, 8)),
        # Across the Spring Festival (15–23 February 2026 off).
        (datetime.date(2026, 2, 12), 3, end_of(2026, 2, 24)),
        # An ordinary Monday + 3 = Thursday: natural days, not working days.
        (datetime.date(2026, 11, 2), 3, end_of(2026, 11, 5)),
    ],
)
def test_legal_periods_end_on_a_working_day(start, count, end):
    assert workdays.add_legal_days(start, count) == end


def test_natural_days_and_hours_ignore_the_calendar():
    assert workdays.add_natural_days(at(2026, 9, 30, 9, 0), 3) == end_of(2026, 10, 3)
    assert workdays.add_hours(at(2026, 10, 1, 22, 0), 24) == at(2026, 10, 2, 22, 0)
    assert workdays.add_hours(at(2026, 10, 1, 23, 0), 2) == at(2026, 10, 2, 1, 0)
    assert workdays.add_duration(at(2026, 9, 24, 10, 0), 3, "working_days") == end_of(2026, 9, 30)
    with pytest.raises(ValueError):
        workdays.add_duration(at(2026, 9, 24, 10, 0), 3, "fortnights")
    with pytest.raises(ValueError):
        workdays.add_working_days(at(2026, 9, 24, 10, 0), -1)


def test_working_time_between_skips_holidays_and_weekends():
    # Wednesday 30th noon → Thursday 8th noon: 12 h on the 30th, none on 1–7, 12 h on the 8th.
    span = workdays.working_time_between(at(2026, 9, 30, 12, 0), at(2026, 10, 8, 12, 0))
    assert span == datetime.timedelta(hours=24)
    # Saturday 19th → Monday 21st 06:00: Sunday 20th is a make-up day (24 h), Monday 6 h.
    span = workdays.working_time_between(at(2026, 9, 19, 0, 0), at(2026, 9, 21, 6, 0))
    assert span == datetime.timedelta(hours=30)
    assert workdays.working_time_between(at(2026, 9, 21), at(2026, 9, 20)) == datetime.timedelta(0)
    assert (
        workdays.working_days_between(datetime.date(2026, 9, 30), datetime.date(2026, 10, 10)) == 3
    )  # 8th, 9th, 10th


def test_a_year_the_table_does_not_cover_falls_back_to_monday_to_friday():
    assert 2028 not in workdays.covered_years()
    # Friday 2028-01-07 + 1 → Monday the 10th: weekends only, no holidays known.
    assert workdays.add_working_days(at(2028, 1, 7, 9, 0), 1) == end_of(2028, 1, 10)


def test_check_warns_about_uncovered_years_until_an_administrator_enters_them(capsys, settings):
    from shanzhi.core.checks import calendar_warnings
    from shanzhi.core.services import calendar_day_set

    today = datetime.date(2026, 11, 22)
    warnings = calendar_warnings(today)
    assert len(warnings) == 1 and "2027" in warnings[0]
    call_command("check")
    assert "shanzhi.W001" in capsys.readouterr().err

    calendar_day_set(actor="test", date=datetime.date(2027, 1, 1), kind="holiday", name="元旦")
    workdays.clear_cache()
    assert calendar_warnings(today) == []


def test_administrator_marks_a_holiday_in_the_admin_and_deadlines_follow(
    client_as, django_capture_on_commit_callbacks
):
    admin = client_as("admin")
    events_before = AuditEvent.objects.count()
    # Friday 2026-11-20 + 1 working day is Monday the 23rd …
    assert workdays.add_working_days(at(2026, 11, 20, 10, 0), 1) == end_of(2026, 11, 23)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/admin/core/calendarday/add/",
            {"date": "2026-11-23", "kind": "holiday", "name": "地方安排"},
        )
    assert response.status_code == 302
    day = CalendarDay.objects.get(date=datetime.date(2026, 11, 23))
    assert (day.kind, day.source, day.name) == ("holiday", "admin", "地方安排")
    event = AuditEvent.objects.order_by("-pk").first()
    assert AuditEvent.objects.count() == events_before + 1
    assert (event.action, event.object_id, event.actor.username) == (
        "calendar_day.set",
        "2026-11-23",
        "admin",
    )
    assert len(event.request_id) == 32  # the HTTP request that caused it
    # … and becomes Tuesday the 24th once the 23rd is a holiday.
    assert workdays.add_working_days(at(2026, 11, 20, 10, 0), 1) == end_of(2026, 11, 24)


def test_calendar_admin_shows_the_uncovered_year_warning(client_as):
    response = client_as("admin").get("/admin/core/calendarday/")
    assert response.status_code == 200
    assert "工作日历缺少 2027 年的法定节假日安排" in response.content.decode()


def test_non_administrators_cannot_edit_the_calendar(client_as, table_counts):
    before = table_counts()
    response = client_as("dispatcher").post(
        "/admin/core/calendarday/add/", {"date": "2026-11-23", "kind": "holiday"}
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert table_counts() == before


def _working_time_day_by_day(start, end):
    """The definition, walked one local day at a time."""
    tz = workdays.local_tz()
    start, end = start.astimezone(tz), end.astimezone(tz)
    total, day = datetime.timedelta(0), start.date()
    while end > start and day <= end.date():
        day_start = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)
        day_end = day_start + datetime.timedelta(days=1)
        if workdays.is_working_day(day):
            total += min(day_end, end) - max(day_start, start)
        day += datetime.timedelta(days=1)
    return total


@given(
    start=st.datetimes(datetime.datetime(2025, 12, 1), datetime.datetime(2026, 12, 31)),
    length=st.timedeltas(datetime.timedelta(0), datetime.timedelta(days=60)),
)
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_working_time_from_running_totals_equals_the_day_by_day_walk(start, length):
    start = start.replace(tzinfo=workdays.local_tz())
    end = start + length
    assert workdays.working_time_between(start, end) == _working_time_day_by_day(start, end)
