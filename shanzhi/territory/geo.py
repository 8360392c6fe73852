"""Validation of GeoJSON geometry and coordinates at the edge, with messages that say what is
wrong in terms an administrator can fix."""

import math

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.validation import explain_validity


class GeometryError(ValueError):
    pass


def check_lon_lat(lon, lat) -> tuple[float, float]:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise GeometryError(_("坐标必须是数字")) from None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GeometryError(_("坐标必须是有限数字"))
    if not -180 <= lon <= 180:
        raise GeometryError(_("经度 %(lon)s 超出 WGS84 范围 [-180, 180]") % {"lon": lon})
    if not -90 <= lat <= 90:
        raise GeometryError(_("纬度 %(lat)s 超出 WGS84 范围 [-90, 90]") % {"lat": lat})
    return lon, lat


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance between two WGS84 points (haversine, mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _check_ring(ring, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeometryError(_("%(where)s：环至少需要 4 个坐标点") % {"where": where})
    for position in ring:
        if not isinstance(position, list | tuple) or len(position) < 2:
            raise GeometryError(_("%(where)s：坐标点格式应为 [经度, 纬度]") % {"where": where})
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in position[:2]):
            raise GeometryError(_("%(where)s：坐标必须是数字") % {"where": where})
        check_lon_lat(position[0], position[1])
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise GeometryError(_("%(where)s：环未闭合（首尾坐标不同）") % {"where": where})


def parse_polygon(geometry) -> shapely.Geometry:
    """A valid Polygon or MultiPolygon from a GeoJSON geometry object, or GeometryError."""
    if not isinstance(geometry, dict):
        raise GeometryError(_("缺少几何对象 (geometry)"))
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon":
        polygons = coordinates
    else:
        raise GeometryError(
            _("几何类型必须是 Polygon 或 MultiPolygon，而不是 %(kind)s") % {"kind": kind}
        )
    if not isinstance(polygons, list) or not polygons:
        raise GeometryError(_("坐标 (coordinates) 为空或格式错误"))
    for p_index, rings in enumerate(polygons):
        if not isinstance(rings, list) or not rings:
            raise GeometryError(_("多边形 %(n)s 没有环") % {"n": p_index + 1})
        for r_index, ring in enumerate(rings):
            where = _("多边形 %(p)s 环 %(r)s") % {"p": p_index + 1, "r": r_index + 1}
            _check_ring(ring, where)
    geom = shape(geometry)
    if not geom.is_valid:
        raise GeometryError(_("几何图形无效：%(why)s") % {"why": explain_validity(geom)})
    if geom.area <= 0:
        raise GeometryError(_("几何图形面积为零"))
    return geom
