"""Reading the State Council's annual holiday notice (国务院办公厅关于 20XX 年部分节假日安排的通知).

The notice gives one numbered section per festival, in the same words every year:

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
    2月14日（周六）、2月28日（周六）上班。

`parse_holiday_notice` turns such text into dated holidays and make-up working days (调休上班),
or refuses with a message that says what is wrong. It is a pure function: it reads no table and
writes nothing (services.calendar_notice_plan and calendar_notice_import do that).

What it understands: full-width or ASCII digits and punctuation; ranges within a month
("5月1日至5日") and across months or years ("9月30日至10月7日", "2022年12月31日至2023年1月2日");
the weekday in brackets, which is checked against the date (a notice pasted under the wrong
year fails there); "共N天" / "放假N天", checked against the dates; the year from the title
("关于2027年部分节假日安排的通知") or the first paragraph ("现将2027年元旦、…"), else from the
year given beside the text.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext

from shanzhi.core.choices import CalendarDayKind
from shanzhi.core.errors import InvalidInput

MAX_LENGTH = 20_000
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the span of workdays' running totals
WEEKDAY_NAMES = "一二三四五六日"  # 周一 … 周日 (Monday is weekday() 0)

_HEADING = re.compile(r"(?:^|(?<=[\n。]))([一二三四五六七八九十]{1,3})、([^:\n\d。]{1,24}?):")
_TITLE_YEAR = re.compile(r"关于(\d{4})年[^\n。]{0,30}?节假日")
_ANY_YEAR = re.compile(r"(\d{4})年")
_DATE = re.compile(
    r"(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})日(?:\((?P<note>[^()]*)\))?"
)
_RANGE_SEPARATOR = re.compile(r"(?:至|到|~|-|—|–)")
_WEEKDAY = re.compile(r"(?:周|星期)([一二三四五六日天])")
_DAY_COUNT = re.compile(r"(?:共|放假)(\d{1,2})天")
# Clauses end at 。 ; , and line breaks, but not at a comma inside brackets.
_CLAUSE_END = re.compile(r"[。;\n]|,(?![^()]*\))")
# What follows the last section: the closing paragraph, the signature and its date.
_CLOSING = re.compile(r"\n(?=节假日期间|国务院办公厅|\d{4}年\d{1,2}月\d{1,2}日(?:\n|$))")


@dataclass(frozen=True)
class NoticeDay:
    """One date of the notice: a holiday (kind HOLIDAY) or a make-up working day (WORKDAY)."""

    date: datetime.date
    kind: str
    name: str  # 春节 / 春节调休上班
    festival: str  # the section's heading: 春节, 国庆节、中秋节

    @property
    def weekday(self) -> str:
        return weekday_name(self.date)

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5

    @property
    def is_exception(self) -> bool:
        """Differs from the Monday–Friday rule, so the calendar table needs a row for it."""
        return self.is_weekend if self.kind == CalendarDayKind.WORKDAY else not self.is_weekend


@dataclass
class ParsedNotice:
    year: int
    days: list[NoticeDay]  # by date
    warnings: list[str] = field(default_factory=list)  # oddities worth a second look


def weekday_name(day: datetime.date) -> str:
    return gettext("周%(day)s") % {"day": WEEKDAY_NAMES[day.weekday()]}


def _normalise(text: str) -> str:
    """Full-width digits and punctuation as ASCII (NFKC), no spaces, one kind of line break."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[^\S\n]+", "", text)


def _md(day: datetime.date) -> str:
    return gettext("%(month)d月%(day)d日") % {"month": day.month, "day": day.day}


def _notice_year(text: str, preamble: str, year: int | None) -> int:
    found = _TITLE_YEAR.search(text) or _ANY_YEAR.search(preamble)
    titled = int(found.group(1)) if found else None
    if titled and year and titled != year:
        raise InvalidInput(
            gettext("通知写的是 %(titled)d 年的安排，与所填年份 %(year)d 不一致。")
            % {"titled": titled, "year": year},
            "year",
        )
    year = titled or year
    if not year:
        raise InvalidInput(
            gettext("没有从通知中找到年份：请连标题一起粘贴，或在“年份”中填写。"), "year"
        )
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(gettext("年份 %(year)d 不在可接受的范围内。") % {"year": year}, "year")
    return year


def _checked_weekday(token: str, day: datetime.date, note: str) -> None:
    weekday = _WEEKDAY.search(note)
    if weekday and WEEKDAY_NAMES.index(weekday.group(1).replace("天", "日")) != day.weekday():
        raise InvalidInput(
            gettext(
                "通知写“%(token)s”，而 %(year)d 年%(date)s是%(weekday)s："
                "年份是否填错，或粘贴的是别的年份的通知？"
            )
            % {"token": token, "year": day.year, "date": _md(day), "weekday": weekday_name(day)},
            "text",
        )


def _dates(clause: str, year: int) -> list[datetime.date]:
    """Every date of one clause, ranges expanded. Refuses impossible dates and weekdays that do
    not match their date."""
    dates: list[datetime.date] = []
    previous = None  # (date, end of its match)
    for match in _DATE.finditer(clause):
        token = match.group(0)
        between = clause[previous[1] : match.start()] if previous else ""
        is_range_end = previous is not None and bool(_RANGE_SEPARATOR.fullmatch(between))
        if match.group("m"):
            month = int(match.group("m"))
        elif previous:
            month = previous[0].month
        else:
            raise InvalidInput(
                gettext("“%(token)s”没有写月份，无法确定日期。") % {"token": token}, "text"
            )
        if match.group("y"):
            day_year = int(match.group("y"))
        elif is_range_end:
            day_year = previous[0].year + (1 if month < previous[0].month else 0)
        else:
            day_year = year
        try:
            day = datetime.date(day_year, month, int(match.group("d")))
        except ValueError:
            raise InvalidInput(
                gettext("“%(token)s”不是有效的日期（%(year)d 年）。")
                % {"token": token, "year": day_year},
                "text",
            ) from None
        _checked_weekday(token, day, match.group("note") or "")
        if is_range_end:
            start = previous[0]
            if day <= start or (day - start).days > 31:
                raise InvalidInput(
                    gettext("“%(start)s至%(token)s”不是一段合理的假期。")
                    % {"start": _md(start), "token": token},
                    "text",
                )
            dates.extend(
                start + datetime.timedelta(days=n) for n in range(1, (day - start).days + 1)
            )
        else:
            dates.append(day)
        previous = (day, match.end())
    return dates


def parse_holiday_notice(text: str, *, year: int | None = None) -> ParsedNotice:
    """Holidays and make-up working days of the notice in `text`, or InvalidInput."""
    if len(text or "") > MAX_LENGTH:
        raise InvalidInput(gettext("文本过长：请只粘贴通知正文。"), "text")
    text = _normalise(text or "")
    headings = list(_HEADING.finditer(text))
    if not headings:
        raise InvalidInput(
            gettext(
                "没有识别出任何节日安排。请粘贴通知正文，每个节日一段，"
                "如“一、元旦：1月1日（周五）放假1天。”"
            ),
            "text",
        )
    year = _notice_year(text, text[: headings[0].start()], year)
    warnings: list[str] = []
    found: dict[datetime.date, NoticeDay] = {}
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        body = _CLOSING.split(text[heading.end() : end])[0]
        festival = heading.group(2)
        holidays = 0
        for clause in _CLAUSE_END.split(body):
            if "上班" in clause:
                kind, name = CalendarDayKind.WORKDAY, gettext("%(festival)s调休上班")
            elif "放假" in clause or "休息" in clause:
                kind, name = CalendarDayKind.HOLIDAY, "%(festival)s"
            else:
                if _DATE.search(clause):
                    warnings.append(
                        gettext("“%(clause)s”既没写放假也没写上班，已略过。") % {"clause": clause}
                    )
                continue
            for day in _dates(clause, year):
                other = found.get(day)
                if other and other.kind != kind:
                    raise InvalidInput(
                        gettext("%(date)s既写了放假又写了上班，请核对通知。") % {"date": _md(day)},
                        "text",
                    )
                if other:
                    warnings.append(
                        gettext("%(date)s在“%(first)s”和“%(second)s”中都出现了。")
                        % {"date": _md(day), "first": other.festival, "second": festival}
                    )
                    continue
                found[day] = NoticeDay(day, kind, name % {"festival": festival}, festival)
                holidays += kind == CalendarDayKind.HOLIDAY
        stated = _DAY_COUNT.search(body)
        if stated and int(stated.group(1)) != holidays:
            warnings.append(
                gettext("“%(festival)s”写明共 %(stated)s 天，识别出的放假日期却有 %(found)d 天。")
                % {"festival": festival, "stated": stated.group(1), "found": holidays}
            )
        if not holidays:
            warnings.append(gettext("“%(festival)s”没有识别出放假日期。") % {"festival": festival})
    if not found:
        raise InvalidInput(gettext("没有从文本中识别出任何日期，什么也没有导入。"), "text")
    days = sorted(found.values(), key=lambda entry: entry.date)
    for entry in days:
        if abs(entry.date.year - year) > 1:
            raise InvalidInput(
                gettext("%(date)s不属于 %(year)d 年的安排。")
                % {"date": entry.date.isoformat(), "year": year},
                "text",
            )
        if entry.kind == CalendarDayKind.WORKDAY and not entry.is_weekend:
            warnings.append(
                gettext("%(date)s（%(weekday)s）写明上班，但这天本来就是工作日，请核对。")
                % {"date": _md(entry.date), "weekday": weekday_name(entry.date)}
            )
    return ParsedNotice(year=year, days=days, warnings=warnings)
