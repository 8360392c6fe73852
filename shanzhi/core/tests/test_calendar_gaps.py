"""Next year's working-day calendar (issue #15): loud warnings from November on, the import of the
State Council's notice after a preview, and a provisional rule-based calendar until then.

The test database holds chinese-calendar's years (2004–2026): 2027 has no official arrangement."""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from shanzhi import cli
from shanzhi.core import services, workdays
from shanzhi.core.checks import calendar_gaps, calendar_warnings
from shanzhi.core.errors import Conflict
from shanzhi.core.models import AuditEvent, CalendarDay

CST = ZoneInfo("Asia/Shanghai")
DATA = Path(__file__).parent / "data"
NOTICE_2026 = (DATA / "notice_2026.txt").read_text(encoding="utf-8")
SAMPLE_2027 = (DATA / "notice_2027_sample.txt").read_text(encoding="utf-8")
IMPORT = "/admin/core/calendarday/import-notice/"
PROVISIONAL = "/admin/core/calendarday/provisional/"
D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def at(*args):
    return datetime.datetime(*args, tzinfo=CST)


def travel(*args):
    return time_machine.travel(at(*args), tick=False)


def rows(year=None):
    qs = CalendarDay.objects.order_by("date")
    if year:
        qs = qs.filter(date__year=year)
    return list(qs.values_list("date", "kind", "name", "source"))


# The rows the 2027 sample notice must give: weekday holidays and weekend make-up days.
EXPECTED_2027 = [
    (D(2027, 1, 1), "holiday", "元旦"),
    *((D(2027, 2, n), "holiday", "春节") for n in (5, 8, 9, 10, 11, 12)),
    (D(2027, 2, 14), "workday", "春节调休上班"),
    (D(2027, 2, 20), "workday", "春节调休上班"),
    (D(2027, 4, 5), "holiday", "清明节"),
    (D(2027, 4, 25), "workday", "劳动节调休上班"),
    *((D(2027, 5, n), "holiday", "劳动节") for n in (3, 4, 5)),
    (D(2027, 5, 8), "workday", "劳动节调休上班"),
    (D(2027, 6, 9), "holiday", "端午节"),
    (D(2027, 9, 15), "holiday", "中秋节"),
    (D(2027, 9, 26), "workday", "国庆节调休上班"),
    *((D(2027, 10, n), "holiday", "国庆节") for n in (1, 4, 5, 6, 7)),
    (D(2027, 10, 9), "workday", "国庆节调休上班"),
]


# --- warnings --------------------------------------------------------------------------------


def test_next_year_is_warned_about_from_november_first_and_this_year_always():
    assert calendar_gaps(D(2026, 10, 31)) == []
    gaps = calendar_gaps(D(2026, 11, 1))
    assert [(g.year, g.provisional) for g in gaps] == [(2027, False)]
    assert (
        "工作日历缺少 2027 年的法定节假日安排，该年按周一至周五计算工作日"
        in (calendar_warnings(D(2026, 11, 1))[0])
    )
    # A year that has begun without its arrangement is warned about in any month.
    assert [g.year for g in calendar_gaps(D(2027, 3, 1))] == [2027]
    assert [g.year for g in calendar_gaps(D(2027, 11, 1))] == [2027, 2028]


def test_the_admin_home_warns_from_november_first_not_in_october(client_as):
    admin = client_as("admin")
    with travel(2026, 10, 31, 10, 0):
        page = admin.get("/admin/").content.decode()
    assert "工作日历缺少" not in page
    with travel(2026, 11, 1, 8, 0):
        response = admin.get("/admin/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="calendar-gaps"' in page and 'class="warning"' in page
    assert "工作日历缺少 2027 年的国务院节假日安排" in page
    assert "该年的期限暂按周一至周五计算" in page
    assert f'href="{IMPORT}"' in page
    assert "配置与数据" in page  # still Django's own home page, with the project's titles


def test_staff_pages_show_the_banner_to_those_who_can_change_the_calendar(client_as):
    with travel(2026, 11, 2, 9, 0):
        page = client_as("admin").get("/").content.decode()
        assert 'data-testid="calendar-gap"' in page and f'href="{IMPORT}"' in page
        page = client_as("dispatcher").get("/").content.decode()
        assert 'data-testid="calendar-gap"' not in page
    with travel(2026, 10, 20, 9, 0):
        page = client_as("admin").get("/").content.decode()
        assert 'data-testid="calendar-gap"' not in page


def test_shanzhi_up_prints_the_warning_in_its_box_from_november_on():
    assert cli.calendar_banner_lines(D(2026, 10, 31)) == []
    lines = cli.calendar_banner_lines(D(2026, 11, 1))
    assert lines[0].startswith("！工作日历缺少 2027 年国务院节假日安排，期限暂按周一至周五计算")
    assert "State Council's notice" in lines[1]
    box = cli._banner("http://127.0.0.1:8000/", None, warnings=lines)
    assert lines[0] in box and box.index("善治已启动") < box.index("工作日历缺少")


# --- the provisional calendar ----------------------------------------------------------------


def test_seeding_from_november_adds_a_provisional_2027_and_spring_festival_stops_deadlines():
    # Thursday 2027-02-04 + 1 working day: Friday the 5th on the Monday–Friday rule.
    assert workdays.add_working_days(at(2027, 2, 4, 10, 0), 1) == at(2027, 2, 5, 23, 59, 59)
    assert services.calendar_seed(actor="test", today=D(2026, 10, 31)) == 0
    assert rows(2027) == []

    added = services.calendar_seed(actor="test", today=D(2026, 11, 1))
    workdays.clear_cache()
    provisional = rows(2027)
    assert added == len(provisional) == 13
    assert {source for *_, source in provisional} == {"provisional"}
    assert [(d, kind) for d, kind, *_ in provisional if d.month == 2] == [
        (D(2027, 2, n), "holiday") for n in (5, 8, 9, 10)
    ]
    # 除夕 and the festival with its rule-based extra days are off: Thursday the 11th.
    assert workdays.add_working_days(at(2027, 2, 4, 10, 0), 1) == at(2027, 2, 11, 23, 59, 59)
    # … but the official arrangement is still missing, and the warnings say so.
    assert 2027 not in workdays.covered_years()
    assert [(g.year, g.provisional) for g in calendar_gaps(D(2026, 11, 1))] == [(2027, True)]
    assert "临时日历" in calendar_warnings(D(2026, 11, 1))[0]
    event = AuditEvent.objects.order_by("-pk").first()
    assert (event.action, event.object_id, event.after["added"]) == (
        "calendar.provisional",
        "2027",
        13,
    )
    # Seeding again adds nothing.
    assert services.calendar_seed(actor="test", today=D(2026, 11, 1)) == 0


def test_seed_calendar_command_adds_the_provisional_year(capsys):
    with travel(2026, 11, 3, 9, 0):
        call_command("seed_calendar")
    assert capsys.readouterr().out == "added 13 calendar dates\n"
    assert {source for *_, source in rows(2027)} == {"provisional"}


def test_make_up_days_named_by_the_holidays_package_become_working_days():
    # Pretend 2026 were unknown: the package names its make-up days
    # ("休息日（由 2026-01-04 调休）").
    CalendarDay.objects.filter(date__year=2026).delete()
    services.calendar_provisional_seed(actor="test", year=2026)
    made = {d: (kind, name) for d, kind, name, _ in rows(2026)}
    assert made[D(2026, 1, 2)] == ("holiday", "休息日（由 2026-01-04 调休）")
    assert made[D(2026, 1, 4)] == ("workday", "调休上班")
    assert {d for d, (kind, _) in made.items() if kind == "workday"} == {
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    }


def test_no_provisional_calendar_for_a_year_with_its_official_arrangement():
    before = rows()
    with pytest.raises(Conflict, match="2026 年已有正式的节假日安排"):
        services.calendar_provisional_seed(actor="test", year=2026)
    assert rows() == before


def test_the_admin_button_makes_the_provisional_calendar(
    client_as, django_capture_on_commit_callbacks
):
    admin = client_as("admin")
    with travel(2026, 12, 5, 9, 0):
        page = admin.get(IMPORT).content.decode()
        assert "按规则生成 2027 年临时日历" in page
        with django_capture_on_commit_callbacks(execute=True):
            response = admin.post(PROVISIONAL, {"year": "2027"})
        assert response.status_code == 302
        assert response["Location"] == "/admin/core/calendarday/?date__year=2027"
        assert len(rows(2027)) == 13
        listing = admin.get("/admin/core/calendarday/?date__year=2027").content.decode()
        assert "<strong>临时（按规则推算）</strong>" in listing
        assert "该年暂按规则推算的临时日历计算工作日" in listing
        assert "按规则生成 2027 年临时日历" not in admin.get(IMPORT).content.decode()
        # Refused: a covered year, a year that is not a year, a GET.
        before = rows()
        for year in ("2026", "20x7", ""):
            response = admin.post(PROVISIONAL, {"year": year}, follow=True)
            assert response.status_code == 200
        assert admin.get(PROVISIONAL).status_code == 405
        assert rows() == before


# --- importing the notice --------------------------------------------------------------------


def test_preview_lists_every_date_and_writes_nothing(client_as, table_counts):
    admin = client_as("admin")
    before, counts = rows(), table_counts()
    with travel(2026, 12, 5, 9, 0):
        response = admin.post(IMPORT, {"text": SAMPLE_2027, "preview": "预览"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "2027 年的安排：预览" in page
    assert "<td>2027-02-13</td>\n      <td>周六</td>" in page
    assert page.count("周末，本就休息，不另记") == 29 - 18  # holidays on a Saturday or Sunday
    assert page.count("调休上班</strong>") == 6
    assert "确认导入 2027 年的安排（写入 24 个日期）" in page
    assert rows() == before and table_counts() == counts


def test_confirm_writes_exactly_the_notices_dates_and_replaces_the_provisional_rows(
    client_as, django_capture_on_commit_callbacks
):
    admin = client_as("admin")
    with travel(2026, 12, 5, 9, 0):
        services.calendar_seed(actor="test")
        assert {source for *_, source in rows(2027)} == {"provisional"}
        preview = admin.post(IMPORT, {"text": SAMPLE_2027, "preview": "预览"}).content.decode()
        assert "替换原有的“休息日 春节（补假）”（临时（按规则推算））" in preview
        digest = preview.split('name="previewed" value="')[1].split('"')[0]
        events = AuditEvent.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            response = admin.post(
                IMPORT, {"text": SAMPLE_2027, "previewed": digest, "confirm": "确认导入"}
            )
        assert response.status_code == 302
        assert response["Location"] == "/admin/core/calendarday/?date__year=2027"
        assert rows(2027) == [(d, kind, name, "notice") for d, kind, name in EXPECTED_2027]
        assert AuditEvent.objects.count() == events + 24 + 1
        summary = AuditEvent.objects.order_by("-pk").first()
        assert (summary.action, summary.object_id, summary.after) == (
            "calendar.import_notice",
            "2027",
            {"year": 2027, "written": 24, "removed": 0},
        )
        assert summary.actor.username == "admin"
        # The year is covered now: no more warnings anywhere.
        workdays.clear_cache()
        assert calendar_gaps() == []
        assert "工作日历缺少" not in admin.get("/admin/").content.decode()
        # Deadlines follow the official days: Thursday 2027-02-04 + 1 → Saturday the 13th is a
        # holiday, Sunday the 14th a make-up working day.
        assert workdays.add_working_days(at(2027, 2, 4, 10, 0), 1) == at(2027, 2, 14, 23, 59, 59)


def test_a_corrected_notice_replaces_the_earlier_import():
    with travel(2026, 12, 5, 9, 0):
        services.calendar_notice_import(actor="test", text=SAMPLE_2027)
        corrected = SAMPLE_2027.replace(
            "9月26日（周日）、10月9日（周六）上班", "10月9日（周六）上班"
        )
        plan = services.calendar_notice_import(actor="test", text=corrected)
    assert [r.date for r in plan.removals] == [D(2027, 9, 26)]
    assert D(2027, 9, 26) not in {d for d, *_ in rows(2027)}
    assert len(rows(2027)) == len(EXPECTED_2027) - 1


def test_the_2026_notice_gives_the_same_working_days_as_the_package():
    before = [(d, kind) for d, kind, *_ in rows(2026)]
    with travel(2026, 12, 5, 9, 0):
        plan = services.calendar_notice_import(actor="test", text=NOTICE_2026)
    assert [(d, kind) for d, kind, *_ in rows(2026)] == before
    assert {source for *_, source in rows(2026)} == {"notice"}
    assert plan.removals == [] and plan.kept == []


def test_confirming_text_other_than_the_previewed_one_previews_it_instead(client_as, table_counts):
    admin = client_as("admin")
    counts, before = table_counts(), rows()
    with travel(2026, 12, 5, 9, 0):
        response = admin.post(
            IMPORT, {"text": SAMPLE_2027, "previewed": "0" * 64, "confirm": "确认导入"}
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "文本在预览后改动过" in page and "2027 年的安排：预览" in page
    assert rows() == before and table_counts() == counts


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "这不是通知，只是一段话。"}, "没有识别出任何节日安排"),
        ({"text": "一、春节：2月30日放假。", "year": "2027"}, "“2月30日”不是有效的日期（2027 年）"),
        ({"text": SAMPLE_2027, "year": "2026"}, "通知写的是 2027 年的安排，与所填年份 2026 不一致"),
        (
            {
                "text": "国务院办公厅关于2025年部分节假日安排的通知\n"
                "一、元旦：1月1日（周三）放假1天。"
            },
            "只能导入今年或明年（2026 或 2027 年）",
        ),
        ({"text": "一、春节：2月5日放假。"}, "没有从通知中找到年份"),
        ({"text": SAMPLE_2027, "year": "二〇二七"}, "请输入整数"),
        ({"text": ""}, "此项必填"),
    ],
)
def test_bad_notices_are_refused_and_change_nothing(client_as, table_counts, data, message):
    admin = client_as("admin")
    counts, before = table_counts(), rows()
    with travel(2026, 12, 5, 9, 0):
        for action in ("preview", "confirm"):
            response = admin.post(IMPORT, {**data, action: "1"})
            page = response.content.decode()
            assert response.status_code == 200
            assert message in page
            assert 'name="confirm"' not in page
    assert rows() == before and table_counts() == counts


def test_only_those_who_can_change_the_calendar_may_import(client_as, table_counts):
    counts = table_counts()
    response = client_as("dispatcher").post(IMPORT, {"text": SAMPLE_2027, "confirm": "1"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    clerk = get_user_model().objects.create(username="staff-no-calendar", is_staff=True)
    from django.test import Client

    client = Client()
    client.force_login(clerk)
    assert client.get(IMPORT).status_code == 403
    assert client.post(PROVISIONAL, {"year": "2027"}).status_code == 403
    clerk.delete()
    assert table_counts() == counts


def test_the_daily_job_makes_next_years_provisional_calendar_without_a_restart(
    outbox, django_capture_on_commit_callbacks
):
    from django.conf import settings

    from shanzhi.core.tasks import seed_calendar

    assert settings.PERIODIC_JOBS["calendar_seed"] == ("shanzhi.core.tasks.seed_calendar", 86400)
    with travel(2026, 10, 31, 3, 0), django_capture_on_commit_callbacks(execute=True):
        assert seed_calendar.call() == 0
    assert outbox == []
    with travel(2026, 11, 1, 3, 0), django_capture_on_commit_callbacks(execute=True):
        assert seed_calendar.call() == 13
    assert {source for *_, source in rows(2027)} == {"provisional"}
    # … and everyone who may import the notice hears of it, every day until it is imported.
    may_import = {u.pk for u in get_user_model().objects.filter(is_active=True, is_superuser=True)}
    assert may_import and {m.user_id for m in outbox} == may_import
    assert {(m.kind, m.object_id) for m in outbox} == {("calendar.missing", "2027")}
    assert "2027 年的法定节假日安排" in outbox[0].text and "临时日历" in outbox[0].text
    outbox.clear()
    with travel(2026, 11, 2, 3, 0), django_capture_on_commit_callbacks(execute=True):
        seed_calendar.call()
    assert len(outbox) == len(may_import)


def test_a_year_the_package_learns_replaces_its_provisional_rows():
    # As after upgrading chinese-calendar: 2026 had only its provisional rows.
    official = rows(2026)
    CalendarDay.objects.filter(date__year=2026).delete()
    services.calendar_provisional_seed(actor="test", year=2026)
    assert {source for *_, source in rows(2026)} == {"provisional"}
    services.calendar_seed_from_package(actor="test")
    assert rows(2026) == official
    event = AuditEvent.objects.order_by("-pk").first()
    assert event.action == "calendar.seed" and event.after["provisional_removed"] > 0
