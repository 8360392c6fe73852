"""Assessment with small denominators (issue #11 item 14): units below the minimum volume are
listed apart, ties are broken so that no two units share a rank, and each unit's score is
explained from its thresholds and weights."""

import re
from decimal import Decimal

import pytest
import time_machine

from shanzhi.command.choices import MEASURES
from shanzhi.command.models import AssessmentSettings, KpiRule
from shanzhi.command.selectors import Scope, parse_period, score_explained, unit_table
from shanzhi.command.selectors.kpis import UnitRow, _rank
from shanzhi.command.services import rollups_fold
from shanzhi.command.tests.test_kpis import at, build, people  # noqa: F401  (fixture)
from shanzhi.org.models import Unit

pytestmark = pytest.mark.django_db
APRIL = "2026-04"


def values(**given):
    return dict(dict.fromkeys(MEASURES, 0), **given)


def row(name, score, region="330502000000", **given):
    return UnitRow(
        unit=Unit(name=name, region_id=region), values=values(**given), score=score, parts={}
    )


def test_ties_are_broken_by_workload_then_on_time_rate_then_satisfaction_then_name():
    rows = [
        row("丁", 90.0, dispatched=20, due=10, on_time=9),
        row("乙", 90.0, dispatched=30, due=10, on_time=5),
        row("甲", 90.0, dispatched=20, due=10, on_time=9, rated=4, satisfied=4),
        row("丙", 95.0, dispatched=12),
        row("戊", 100.0, dispatched=3),  # below the minimum: apart, however high
        row("己", None, dispatched=40),  # nothing to score
        row(
            "庚",
            90.0,
            dispatched=20,
            due=10,
            on_time=9,
            rated=4,
            satisfied=4,
            region="330502001000",
        ),
    ]
    rows[4].below_minimum = True
    _rank(rows)
    assert [(r.unit.name, r.rank) for r in rows] == [
        ("丙", 1),
        ("乙", 2),  # more orders than the other 90s
        ("甲", 3),  # same workload and 按时办结率 as 丁, better 满意率 (丁 has none)
        ("庚", 4),  # same figures as 甲: the region code decides
        ("丁", 5),
        ("己", None),  # the unranked by region code and name
        ("戊", None),
    ]


def test_the_score_is_explained_line_by_line():
    rules = [
        KpiRule(
            kpi="sign_rate", weight=Decimal(20), zero_at=Decimal("0.8"), full_at=Decimal("0.98")
        ),
        KpiRule(
            kpi="on_time_rate", weight=Decimal(30), zero_at=Decimal("0.8"), full_at=Decimal("0.98")
        ),
        KpiRule(
            kpi="return_rate", weight=Decimal(10), zero_at=Decimal("0.2"), full_at=Decimal("0.02")
        ),
        KpiRule(
            kpi="satisfaction_rate",
            weight=Decimal(40),
            zero_at=Decimal("0.8"),
            full_at=Decimal("0.95"),
        ),
    ]
    explained = score_explained(
        values(dispatched=10, signed_in_time=9, due=10, on_time=10, returned=1), rules
    )
    lines = {line.kpi: line for line in explained.lines}
    # 90 % signed: (0.9 − 0.8) ÷ 0.18 of 20 points; all on time: 30; 10 % returned, lower is
    # better: (0.1 − 0.2) ÷ (0.02 − 0.2) of 10; nothing rated: left out, the rest scaled to 100.
    assert lines["sign_rate"].points == pytest.approx(20 * 0.1 / 0.18)
    assert lines["on_time_rate"].points == 30
    assert lines["return_rate"].points == pytest.approx(10 * 0.1 / 0.18)
    assert lines["satisfaction_rate"].points is None
    assert explained.weight_used == 60 and explained.scale == Decimal(100) / Decimal(60)
    earned = 20 * 0.1 / 0.18 + 30 + 10 * 0.1 / 0.18
    assert explained.total == pytest.approx(earned * 100 / 60)


def test_units_below_the_minimum_are_listed_apart_and_explained(people, client_as):  # noqa: F811
    _orders, housing = build(people)
    rollups_fold()
    commander = client_as("commander")
    with time_machine.travel(at(2026, 5, 6, 9, 0), tick=False):
        page = commander.get(f"/command/assessment/?month={APRIL}").content.decode()
        row = unit_table(Scope(region=None), parse_period({"period": "month", "date": APRIL}))
    housing_row = next(r for r in row if r.unit.pk == housing)
    assert housing_row.values["dispatched"] == 3 and housing_row.rank is None
    apart = page.split('data-testid="apart-table"')[1].split("</table>")[0]
    assert "吴兴区住房和城乡建设局" in apart and "样本不足" in apart
    ranked = page.split('data-testid="assessment-table"')[1].split("</table>")[0]
    assert "吴兴区住房和城乡建设局" not in ranked
    assert "派单量少于 10 件" in page

    # Its score, explained: the points add up to the score the table shows.
    explained = commander.get(f"/command/assessment/{housing}/?month={APRIL}")
    assert explained.status_code == 200
    text = explained.content.decode()
    assert 'data-testid="below-minimum"' in text
    points = [float(p) for p in re.findall(r'data-testid="points">([0-9.]+)<', text)]
    total = float(re.search(r"得分 ([0-9.]+) 分", text).group(1))
    assert total == pytest.approx(round(housing_row.score, 2))
    scale = re.search(r"× ([0-9.]+)", text)
    assert sum(points) * (float(scale.group(1)) if scale else 1) == pytest.approx(total, abs=0.01)

    # An administrator lowers the minimum in the admin: the unit is ranked.
    admin = client_as("admin")
    refused = admin.post("/admin/command/assessmentsettings/add/", {"min_dispatched": "-1"})
    assert refused.status_code == 200 and not AssessmentSettings.objects.exists()
    saved = admin.post("/admin/command/assessmentsettings/add/", {"min_dispatched": "3"})
    assert saved.status_code == 302
    assert AssessmentSettings.objects.get().min_dispatched == 3
    with time_machine.travel(at(2026, 5, 6, 9, 0), tick=False):
        page = commander.get(f"/command/assessment/?month={APRIL}").content.decode()
    ranked = page.split('data-testid="assessment-table"')[1].split("</table>")[0]
    assert "吴兴区住房和城乡建设局" in ranked


def test_a_unit_outside_the_viewers_territory_has_no_explanation(client_as):
    elsewhere = (
        Unit.objects.filter(region__code__startswith="330503").exclude(kind="centre").first()
    )
    dispatcher = client_as("dispatcher")  # 月河街道's dispatcher: not a command viewer
    assert dispatcher.get(f"/command/assessment/{elsewhere.pk}/").status_code in (403, 404)
    commander = client_as("commander")  # 吴兴区
    assert commander.get(f"/command/assessment/{elsewhere.pk}/").status_code == 404
    assert commander.get("/command/assessment/999999/").status_code == 404
    assert commander.get("/command/assessment/1/?month=garbage").status_code == 400


def test_the_dashboard_ranks_the_last_complete_month(client_as):
    with time_machine.travel(at(2026, 12, 5, 10, 0), tick=False):
        page = client_as("commander").get("/command/?region=330502000000").content.decode()
    assert "红榜（2026-11 得分前五）" in page and "黑榜（2026-11 得分后五）" in page


def test_the_kpi_excel_shows_rates_as_percentages(people, client_as):  # noqa: F811
    import io

    from openpyxl import load_workbook

    build(people)
    rollups_fold()
    response = client_as("commander").get(f"/command/export/kpis.xlsx?period=month&date={APRIL}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in sheet[1]]
    assert header[3] == "及时签收率" and header[4:6] == ["分子", "分母"]
    housing = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "吴兴区住房和城乡建设局")
    sign = housing[3]
    assert sign.value == pytest.approx(1 / 3, abs=1e-4)  # a number, not text
    assert sign.number_format == "0.0%"
    assert (housing[4].value, housing[5].value) == (1, 3)
    assert housing[4].number_format == "General"
