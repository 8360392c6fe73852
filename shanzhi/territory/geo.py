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


# GCJ-02 (国测局坐标, "Mars coordinates"): what most Chinese web maps and many published boundary
# files use. It is WGS84 shifted by a published, deliberately irregular offset of up to ~700 m.
# The forward offset is the well-known formula on the Krasovsky ellipsoid; it has no closed-form
# inverse, so `gcj02_to_wgs84` iterates until the forward transform lands on the given point.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323


def _outside_china(lon: float, lat: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    sq = math.sqrt(abs(x))
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq
    wave = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += wave + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon += wave + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad_lat = math.radians(lat)
    magic = 1 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / (
        (_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi
    )
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if _outside_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """The WGS84 point whose GCJ-02 shift is (lon, lat), to well under a centimetre."""
    if _outside_china(lon, lat):
        return lon, lat
    w_lon, w_lat = lon, lat
    for _step in range(10):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = g_lon - lon, g_lat - lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if abs(e_lon) < 1e-9 and abs(e_lat) < 1e-9:
            break
    return w_lon, w_lat
