from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from shanzhi.core.errors import InvalidInput
from shanzhi.core.text import CleanSchema
from shanzhi.territory import locate as locator
from shanzhi.territory import selectors
from shanzhi.territory.choices import RegionLevel
from shanzhi.territory.models import Grid, Region

router = Router(tags=["territory"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    level_label: str
    parent: str | None
    lon: float | None
    lat: float | None


def _region_out(region: Region) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "level_label": str(RegionLevel(region.level).label),
        "parent": region.parent_id,
        "lon": region.lon,
        "lat": region.lat,
    }


@router.get("/regions", response=list[RegionOut], summary="下级行政区划 · Child regions")
def regions(request, parent: str | None = None):
    """The regions directly under `parent` (12-digit code), or the top level without it."""
    if parent and not Region.objects.filter(code=parent).exists():
        raise InvalidInput(_("区划代码 %(code)s 不存在") % {"code": parent}, "parent")
    return [_region_out(r) for r in selectors.region_children(parent)]


class LocateQuery(CleanSchema):
    lon: float = Field(..., ge=-180, le=180, description="WGS84 经度")
    lat: float = Field(..., ge=-90, le=90, description="WGS84 纬度")


class PlaceOut(Schema):
    code: str
    name: str
    level: str


class LocationOut(Schema):
    found: bool
    grid: PlaceOut | None
    regions: list[PlaceOut]


@router.get(
    "/grids/locate", response=LocationOut, auth=None, summary="坐标定位网格 · Locate a point"
)
def grids_locate(request, query: Query[LocateQuery]):
    """Public: the grid and regions holding a WGS84 point (the appeal form shows residents
    where their pin falls); `found` is false when it lies in no grid."""
    location = locator.locate(query.lon, query.lat)
    if location is None:
        return {"found": False, "grid": None, "regions": []}
    return {
        "found": True,
        "grid": location.grid.__dict__,
        "regions": [r.__dict__ for r in location.regions],
    }


class OutlineProperties(Schema):
    code: str
    name: str


class OutlineFeature(Schema):
    type: str = "Feature"
    id: str
    geometry: dict
    properties: OutlineProperties


class OutlineCollection(Schema):
    type: str = "FeatureCollection"
    features: list[OutlineFeature]


@router.get(
    "/public/grids",
    response=OutlineCollection,
    auth=None,
    summary="网格轮廓（公开） · Grid outlines, public",
)
def public_grid_outlines(request, within: str | None = None):
    """Public: grid boundaries and names only (no people, no households), so that residents can
    place a pin on the appeal form even where the map has no base layer."""
    grids = Grid.objects.order_by("code")
    if within:
        region = Region.objects.filter(code=within).first()
        if region is None:
            raise InvalidInput(_("区划代码 %(code)s 不存在") % {"code": within}, "within")
        grids = grids.filter(code__startswith=region.prefix)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": code,
                "geometry": geometry,
                "properties": {"code": code, "name": name},
            }
            for code, name, geometry in grids.values_list("code", "name", "geometry")
        ],
    }


class RegionOutlineProperties(Schema):
    code: str
    name: str
    level: str
    label: list[float] = Field(..., description="注记位置 [经度, 纬度]，在界线之内")


class RegionOutlineFeature(Schema):
    type: str = "Feature"
    id: str
    geometry: dict
    properties: RegionOutlineProperties


class RegionOutlineCollection(Schema):
    type: str = "FeatureCollection"
    features: list[RegionOutlineFeature]


@router.get(
    "/public/outlines",
    response=RegionOutlineCollection,
    auth=None,
    summary="行政区划界线（公开） · Region outlines, public",
)
def public_region_outlines(request, within: str | None = None):
    """Public: the outlines of cities, counties and townships (WGS84), drawn under the grids so
    that a map without a base layer still shows real places; `within` keeps a region's own and
    those inside it."""
    region = None
    if within:
        region = Region.objects.filter(code=within).first()
        if region is None:
            raise InvalidInput(_("区划代码 %(code)s 不存在") % {"code": within}, "within")
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": outline.region_id,
                "geometry": outline.geometry,
                "properties": {
                    "code": outline.region_id,
                    "name": outline.region.name,
                    "level": outline.region.level,
                    "label": [outline.label_lon, outline.label_lat],
                },
            }
            for outline in selectors.outlines_within(region)
        ],
    }
