"""`shanzhi manage import_grids FILE`: every invalid feature is reported with its index and line,
and nothing is imported when any feature is invalid."""

import json

import pytest
from django.core.management import CommandError, call_command

from shanzhi.core.models import AuditEvent
from shanzhi.territory.models import Grid
from shanzhi.territory.services import region_save

pytestmark = pytest.mark.django_db

NEW_VILLAGE = "330502001099"  # a village the test adds to 月河街道, far from the demo grids


def square(west, south, size=0.01):
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [west, south],
                [west + size, south],
                [west + size, south + size],
                [west, south + size],
                [west, south],
            ]
        ],
    }


def feature(code, name, geometry):
    return {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry}


def write(tmp_path, features, indent=2):
    path = tmp_path / "grids.geojson"
    path.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=indent
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def new_village(db):
    return region_save(actor="test", code=NEW_VILLAGE, name="试点村", lon=121.505, lat=29.005)


def test_import_creates_then_updates_then_leaves_alone(tmp_path, new_village, capsys):
    features = [
        feature(f"{NEW_VILLAGE}001", "试点村第1网格", square(121.50, 29.00)),
        feature(f"{NEW_VILLAGE}002", "试点村第2网格", square(121.51, 29.00)),
    ]
    call_command("import_grids", str(write(tmp_path, features)))
    assert "新增 2，更新 0，未变 0" in capsys.readouterr().out
    grid = Grid.objects.get(code=f"{NEW_VILLAGE}001")
    assert (grid.name, grid.village_id) == ("试点村第1网格", NEW_VILLAGE)
    assert grid.lon == pytest.approx(121.505) and grid.lat == pytest.approx(29.005)
    assert (
        AuditEvent.objects.filter(action="grid.create", object_id__startswith=NEW_VILLAGE).count()
        == 2
    )

    features[1]["properties"]["name"] = "试点村东网格"
    call_command("import_grids", str(write(tmp_path, features)))
    assert "新增 0，更新 1，未变 1" in capsys.readouterr().out
    event = AuditEvent.objects.filter(action="grid.update").latest("pk")
    assert (event.before["name"], event.after["name"]) == ("试点村第2网格", "试点村东网格")


def test_every_invalid_feature_is_reported_and_nothing_is_imported(
    tmp_path, new_village, table_counts
):
    existing = Grid.objects.get(code="330502001001001")
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[121.6, 29.0], [121.61, 29.01], [121.61, 29.0], [121.6, 29.01], [121.6, 29.0]]
        ],
    }
    unclosed = square(121.62, 29.0)
    unclosed["coordinates"][0].pop()
    features = [
        feature(f"{NEW_VILLAGE}001", "好的网格", square(121.50, 29.00)),  # 1: valid
        feature(f"{NEW_VILLAGE}002", "自相交", bowtie),  # 2
        feature(f"{NEW_VILLAGE}003", "未闭合", unclosed),  # 3
        feature("330502001098001", "村不存在", square(121.70, 29.0)),  # 4
        feature(f"{NEW_VILLAGE}004", "经度越界", square(181.0, 29.0)),  # 5
        feature(f"{NEW_VILLAGE}005", "与第1个重叠", square(121.505, 29.00)),  # 6
        feature("330502001001099", "与已有网格重叠", existing.geometry),  # 7
        feature(f"{NEW_VILLAGE}001", "编码重复", square(121.80, 29.0)),  # 8
        feature("33050200109900", "编码太短", square(121.90, 29.0)),  # 9
        feature(f"{NEW_VILLAGE}006", "", square(122.00, 29.0)),  # 10: no name
        {
            "type": "Feature",
            "properties": {"code": f"{NEW_VILLAGE}007", "name": "点"},
            "geometry": {"type": "Point", "coordinates": [121.5, 29.0]},
        },  # 11
    ]
    path = write(tmp_path, features)
    before = table_counts()
    with pytest.raises(CommandError, match="10 个要素有误，未导入任何网格"):
        call_command("import_grids", str(path))
    assert table_counts() == before

    from shanzhi.territory.services import FeatureImportError, grids_import

    lines = path.read_text().splitlines()
    with pytest.raises(FeatureImportError) as caught:
        from shanzhi.territory.management.commands.import_grids import read_feature_collection

        parsed, starts = read_feature_collection(path.read_text())
        grids_import(actor="test", features=parsed, lines=starts)
    problems = {p.index + 1: p for p in caught.value.problems}
    assert sorted(problems) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "Self-intersection" in problems[2].message
    assert "环未闭合" in problems[3].message
    assert "村社区 330502001098 不存在" in problems[4].message
    assert "经度 181.0 超出" in problems[5].message
    assert "与第 1 个要素" in problems[6].message and "重叠" in problems[6].message
    assert "已有网格 330502001001001" in problems[7].message
    assert "重复" in problems[8].message
    assert "15 位数字" in problems[9].message
    assert "名称" in problems[10].message
    assert "Polygon 或 MultiPolygon" in problems[11].message
    # Each problem names the line its feature starts on.
    for number, problem in problems.items():
        assert lines[problem.line - 1].strip() == "{", number
        assert str(problem).startswith(f"第 {number} 个要素（第 {problem.line} 行）")


def test_small_overlaps_within_the_tolerance_are_accepted(tmp_path, new_village):
    features = [
        feature(f"{NEW_VILLAGE}001", "甲", square(121.50, 29.00)),
        feature(f"{NEW_VILLAGE}002", "乙", square(121.5099, 29.00)),  # 1 % of a side overlaps
    ]
    call_command("import_grids", str(write(tmp_path, features)), "--overlap-tolerance", "0.02")
    assert Grid.objects.filter(village_id=NEW_VILLAGE).count() == 2


def test_malformed_files_are_refused_with_the_line(tmp_path, table_counts):
    before = table_counts()
    path = tmp_path / "bad.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",,}\n]}')
    with pytest.raises(CommandError, match="第 3 行"):
        call_command("import_grids", str(path))
    path.write_text('{"type": "Feature"}')
    with pytest.raises(CommandError, match="FeatureCollection"):
        call_command("import_grids", str(path))
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_grids", str(tmp_path / "missing.geojson"))
    assert table_counts() == before


def test_the_locator_sees_imported_grids_at_once(tmp_path, new_village, api_as):
    status, body = api_as("dispatcher").get("/api/v1/grids/locate?lon=121.505&lat=29.005")
    assert body["found"] is False
    features = [feature(f"{NEW_VILLAGE}001", "试点村第1网格", square(121.50, 29.00))]
    with pytest.MonkeyPatch.context():
        call_command("import_grids", str(write(tmp_path, features)))
    from shanzhi.territory import locate

    locate.invalidate()  # what the on-commit hook does once the import's transaction commits
    status, body = api_as("dispatcher").get("/api/v1/grids/locate?lon=121.505&lat=29.005")
    assert (status, body["grid"]["code"]) == (200, f"{NEW_VILLAGE}001")
