"""Reading the State Council's holiday notice (core.holiday_notice), in the notices' own wording.

The known answer: the 2026 notice, written out in its published form, gives exactly the holidays
and make-up working days that `chinese-calendar` (which was built from that notice) holds."""

import datetime
from pathlib import Path

import chinese_calendar
import pytest

from shanzhi.core.errors import InvalidInput
from shanzhi.core.holiday_notice import parse_holiday_notice

DATA = Path(__file__).parent / "data"
NOTICE_2026 = (DATA / "notice_2026.txt").read_text(encoding="utf-8")
SAMPLE_2027 = (DATA / "notice_2027_sample.txt").read_text(encoding="utf-8")
D = datetime.date


def dates(notice, kind):
    return {day.date for day in notice.days if day.kind == kind}


def test_the_2026_notice_gives_exactly_what_chinese_calendar_knows_of_2026():
    notice = parse_holiday_notice(NOTICE_2026)
    assert notice.year == 2026
    assert notice.warnings == []
    assert dates(notice, "holiday") == {d for d in chinese_calendar.holidays if d.year == 2026}
    assert dates(notice, "workday") == {
        d for d in chinese_calendar.workdays if d.year == 2026 and d.weekday() >= 5
    }
    # Every date carries its festival, as chinese-calendar names it (清明 for 清明节, …).
    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    for day in notice.days:
        if day.kind == "holiday":
            assert day.name.startswith(names[chinese_calendar.holidays[day.date]])
        else:
            assert day.name.endswith("调休上班")
            assert day.name.startswith(names[chinese_calendar.workdays[day.date]])
    by_date = {day.date: day for day in notice.days}
    assert (by_date[D(2026, 2, 14)].name, by_date[D(2026, 10, 10)].name) == (
        "春节调休上班",
        "国庆节调休上班",
    )


def test_the_2027_sample_notice():
    notice = parse_holiday_notice(SAMPLE_2027)
    assert notice.year == 2027 and notice.warnings == []
    assert sorted(dates(notice, "workday")) == [
        D(2027, 2, 14),
        D(2027, 2, 20),
        D(2027, 4, 25),
        D(2027, 5, 8),
        D(2027, 9, 26),
        D(2027, 10, 9),
    ]
    holidays = dates(notice, "holiday")
    assert len(holidays) == 3 + 9 + 3 + 5 + 1 + 1 + 7
    assert {D(2027, 2, 5), D(2027, 2, 13), D(2027, 6, 9), D(2027, 9, 15)} <= holidays
    # Only the dates that differ from Monday–Friday need a row in the calendar.
    exceptions = sorted((d.date, d.kind) for d in notice.days if d.is_exception)
    assert [d for d, kind in exceptions if kind == "holiday"] == [
        D(2027, 1, 1),
        *(D(2027, 2, n) for n in (5, 8, 9, 10, 11, 12)),
        D(2027, 4, 5),
        *(D(2027, 5, n) for n in (3, 4, 5)),
        D(2027, 6, 9),
        D(2027, 9, 15),
        *(D(2027, 10, n) for n in (1, 4, 5, 6, 7)),
    ]


def test_full_width_digits_ranges_across_months_and_a_year_field():
    text = (
        "一、国庆节、中秋节：９月３０日（周三）至１０月７日（周三）放假调休，共８天。"
        "９月２７日（周日）、１０月１０日（周六）上班。\n"
        "二、劳动节：5月1日至5日放假调休，共5天。"
    )
    notice = parse_holiday_notice(text, year=2026)
    holidays = sorted(dates(notice, "holiday"))
    assert holidays[:5] == [D(2026, 5, n) for n in range(1, 6)]
    assert holidays[5:] == [D(2026, 9, 30), *(D(2026, 10, n) for n in range(1, 8))]
    assert dates(notice, "workday") == {D(2026, 9, 27), D(2026, 10, 10)}
    assert {d.name for d in notice.days if d.kind == "workday"} == {"国庆节、中秋节调休上班"}


def test_dates_of_the_previous_year_as_older_notices_wrote_them():
    text = (
        "国务院办公厅关于2023年部分节假日安排的通知\n"
        "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。\n"
    )
    notice = parse_holiday_notice(text)
    assert notice.year == 2023
    assert dates(notice, "holiday") == {D(2022, 12, 31), D(2023, 1, 1), D(2023, 1, 2)}


def test_the_year_from_the_first_paragraph_when_the_title_is_missing():
    text = NOTICE_2026.split("\n", 1)[1]  # without the title line
    assert parse_holiday_notice(text).year == 2026


def test_oddities_are_warnings_not_refusals():
    text = (
        "关于2026年部分节假日安排的通知\n"
        "一、元旦：1月1日（周四）至3日（周六）放假调休，共4天。1月5日（周一）上班。\n"
        "二、端午节：没有安排。\n"
    )
    notice = parse_holiday_notice(text)
    assert notice.warnings == [
        "“元旦”写明共 4 天，识别出的放假日期却有 3 天。",
        "“端午节”没有识别出放假日期。",
        "1月5日（周一）写明上班，但这天本来就是工作日，请核对。",
    ]
    assert dates(notice, "workday") == {D(2026, 1, 5)}


@pytest.mark.parametrize(
    ("text", "year", "message"),
    [
        ("", None, "没有识别出任何节日安排"),
        ("今天天气很好，明天放假吗？", 2027, "没有识别出任何节日安排"),
        ("一、元旦：待定。\n二、春节：待定。", 2027, "没有从文本中识别出任何日期"),
        ("一、春节：2月30日至3月2日放假。", 2027, "“2月30日”不是有效的日期（2027 年）"),
        ("一、春节：2月5日至13日放假。", None, "没有从通知中找到年份"),
        (NOTICE_2026, 2027, "通知写的是 2026 年的安排，与所填年份 2027 不一致"),
        # The 2026 notice without its title, pasted as 2027's: the weekdays give it away.
        (
            NOTICE_2026.split("现将2026年", 1)[1].split("。", 1)[1],
            2027,
            "通知写“1月1日(周四)”，而 2027 年1月1日是周五",
        ),
        ("一、春节：15日至23日放假。", 2027, "“15日”没有写月份"),
        ("一、春节：2月15日至2月3日放假。", 2027, "不是一段合理的假期"),
        ("一、春节：2月15日放假。2月15日上班。", 2027, "2月15日既写了放假又写了上班"),
        ("一、春节：2030年2月15日放假。", 2027, "2030-02-15不属于 2027 年的安排"),
        ("关于1999年部分节假日安排的通知\n一、元旦：1月1日放假。", None, "不在可接受的范围内"),
        ("一、元旦：1月1日放假。" + "很" * 20_000, 2027, "文本过长"),
    ],
)
def test_refusals_say_what_is_wrong(text, year, message):
    with pytest.raises(InvalidInput) as refusal:
        parse_holiday_notice(text, year=year)
    assert message in refusal.value.message
