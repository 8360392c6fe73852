"""Sane dates at the edge (ADR 0011): every date or time a client sends must fall inside a window
around now, so that no arithmetic on it overflows and nothing outside what PostgreSQL and Python
both represent is ever stored.

Windows (all inclusive):
- FILTER, a day to search or count by: 2000-01-01 … today + 366 days;
- PAST, when something happened (an appeal's occurred_at, the hotline's occurred_at):
  2000-01-01 00:00 Beijing time … now + 10 minutes (clocks drift);
- DEADLINE, a time something is due (the hotline's deadline): 2000-01-01 … now + 366 days.

Dates are ISO 8601 text (2026-01-31, 2026-01-31T08:30:00+08:00): numbers such as `0` are not
read as Unix timestamps. The same checks serve Ninja schemas (`FilterDate`, `PastMoment`,
`DeadlineMoment`), page forms (`BoundedDateField`, `BoundedDateTimeField`) and code that parses
dates itself (`check_day`, `check_moment`).
"""

import datetime
import re
from typing import Annotated, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator, ValidationInfo
from pydantic_core import PydanticCustomError

EARLIEST = datetime.date(2000, 1, 1)
FUTURE_DAYS = 366
CLOCK_SKEW = datetime.timedelta(minutes=10)

FILTER, PAST, DEADLINE = "filter", "past", "deadline"

_ISO_DAY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")
_ISO_MOMENT = re.compile(r"^\s*\d{4}-\d{2}-\d{2}([T ]|$)")


class DateOutOfRange(ValueError):
    """A date outside its window, or not written as an ISO 8601 date; the message names the
    field."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def _local(moment: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=timezone.get_current_timezone())
    return moment


def moment_bounds(window: str) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    now = timezone.now()
    earliest = datetime.datetime.combine(EARLIEST, datetime.time.min, tzinfo=tz)
    if window == PAST:
        return earliest, now + CLOCK_SKEW
    return earliest, now + datetime.timedelta(days=FUTURE_DAYS)


def day_bounds() -> tuple[datetime.date, datetime.date]:
    return EARLIEST, timezone.localdate() + datetime.timedelta(days=FUTURE_DAYS)


def _refuse(field: str, start, end) -> DateOutOfRange:
    return DateOutOfRange(
        _("%(field)s 超出允许范围：应在 %(start)s 至 %(end)s 之间")
        % {"field": field, "start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d %H:%M}"},
        field,
    )


def check_day(value: datetime.date, field: str) -> datetime.date:
    start, end = day_bounds()
    if not start <= value <= end:
        raise _refuse(field, start, end)
    return value


def check_moment(value: datetime.datetime, field: str, window: str = PAST) -> datetime.datetime:
    """The moment, unchanged, when inside the window (a naive one is read as Beijing time)."""
    start, end = moment_bounds(window)
    if not start <= _local(value) <= end:
        raise _refuse(field, start, timezone.localtime(end))
    return value


# -- Ninja / Pydantic --------------------------------------------------------------------------


def _format_message(field: str, moment: bool) -> str:
    if moment:
        return _("%(field)s 应为 ISO 8601 日期时间，如 2026-11-22T08:30:00+08:00") % {
            "field": field
        }
    return _("%(field)s 应为 YYYY-MM-DD 格式的日期") % {"field": field}


def _iso_only(moment: bool):
    pattern = _ISO_MOMENT if moment else _ISO_DAY
    kind = datetime.datetime if moment else datetime.date

    def check(value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, kind) or value is None:
            return value
        if isinstance(value, str) and pattern.match(value):
            return value.strip()
        raise PydanticCustomError("date_format", _format_message(info.field_name or "", moment))

    return check


def _bounded(window: str | None):
    def check(value: Any, info: ValidationInfo) -> Any:
        try:
            if window is None:
                return check_day(value, info.field_name or "")
            return check_moment(value, info.field_name or "", window)
        except DateOutOfRange as error:
            raise PydanticCustomError("date_out_of_range", error.message) from None

    return check


FilterDate = Annotated[
    datetime.date, BeforeValidator(_iso_only(False)), AfterValidator(_bounded(None))
]
PastMoment = Annotated[
    datetime.datetime, BeforeValidator(_iso_only(True)), AfterValidator(_bounded(PAST))
]
DeadlineMoment = Annotated[
    datetime.datetime, BeforeValidator(_iso_only(True)), AfterValidator(_bounded(DEADLINE))
]


# -- page forms --------------------------------------------------------------------------------


class BoundedDateField(forms.DateField):
    """A DateField refusing days outside the FILTER window, with the field's label in the
    message."""

    def validate(self, value):
        super().validate(value)
        if value is not None:
            try:
                check_day(value, str(self.label or ""))
            except DateOutOfRange as error:
                raise forms.ValidationError(error.message, code="out_of_range") from None


class BoundedDateTimeField(forms.DateTimeField):
    """A DateTimeField refusing moments outside its window (PAST unless told)."""

    def __init__(self, *args, window: str = PAST, **kwargs):
        self.window = window
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError:  # making year 1 or 9999 aware can leave the representable range
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        super().validate(value)
        if value is not None:
            try:
                check_moment(value, str(self.label or ""), self.window)
            except DateOutOfRange as error:
                raise forms.ValidationError(error.message, code="out_of_range") from None


# -- repairing what was stored before the windows ----------------------------------------------


def repair_out_of_range(
    schema_editor, *, table: str, column: str, object_type: str, window: str
) -> list[tuple[int, str]]:
    """Set to NULL every value of table.column outside the window (a day of slack on the future
    side, as time has passed since it was stored) and record each repair in the audit trail
    with the value as the database wrote it. Raw SQL: on PostgreSQL a year-10000 or BC value
    cannot even be read into Python. Returns (id, old value) pairs. For data migrations."""
    from shanzhi.core.services import audit_record

    connection = schema_editor.connection
    start, end = moment_bounds(window)
    end = max(end, timezone.now() + datetime.timedelta(days=1))
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        shown = f"{quote(column)}::text"
        low, high = start.isoformat(), end.isoformat()
    else:  # SQLite keeps UTC text, which compares in time order
        shown = quote(column)
        low = start.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
        high = end.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {shown} FROM {quote(table)} "  # noqa: S608 (names from the models)
            f"WHERE {quote(column)} < %s OR {quote(column)} > %s",
            [low, high],
        )
        rows = [(pk, str(value)) for pk, value in cursor.fetchall()]
        for pk, value in rows:
            cursor.execute(
                f"UPDATE {quote(table)} SET {quote(column)} = NULL WHERE id = %s",  # noqa: S608
                [pk],
            )
            audit_record(
                actor="system",
                action=f"{object_type}.date_repaired",
                object_type=object_type,
                object_id=pk,
                before={column: value},
                after={column: None},
                reason=_("日期超出允许范围，已清空（ADR 0011）"),
            )
    return rows
