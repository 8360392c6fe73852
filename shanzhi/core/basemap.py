"""The maps' base layer, from the environment (read by settings; no Django here).

SHANZHI_MAP_PRESET=tianditu (vector map and its labels) or tianditu-img (imagery and its
labels) uses 天地图, the national government basemap, with the browser key in
SHANZHI_TIANDITU_KEY; its "w" tile matrix set is Web Mercator over CGCS2000, which matches the
WGS84 coordinates the system stores. Otherwise SHANZHI_MAP_TILE_URL names any XYZ server, or a
WMTS server through its KVP or REST template in the Web Mercator matrix set ({z}, {x}, {y},
and {s} with SHANZHI_MAP_TILE_SUBDOMAINS). Nothing configured: no base layer (offline)."""

TIANDITU = "https://t{s}.tianditu.gov.cn/%(layer)s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%(layer)s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%(key)s"
TIANDITU_ATTRIBUTION = "天地图 · 国家地理信息公共服务平台"
PRESETS = {"tianditu": ("vec", "cva"), "tianditu-img": ("img", "cia")}


class BaseMapError(ValueError):
    pass


def base_layers(environ) -> list[dict]:
    """The tile layers the maps draw under the grids, bottom first."""
    preset = environ.get("SHANZHI_MAP_PRESET", "").strip().lower()
    if preset:
        if preset not in PRESETS:
            raise BaseMapError(
                f"SHANZHI_MAP_PRESET={preset!r}: use one of {', '.join(sorted(PRESETS))}"
            )
        key = environ.get("SHANZHI_TIANDITU_KEY", "").strip()
        if not key:
            raise BaseMapError(f"SHANZHI_MAP_PRESET={preset} needs SHANZHI_TIANDITU_KEY")
        return [
            {
                "url": TIANDITU % {"layer": layer, "key": key},
                "subdomains": "01234567",
                "attribution": TIANDITU_ATTRIBUTION if n == 0 else "",
                "maxZoom": 18,
            }
            for n, layer in enumerate(PRESETS[preset])
        ]
    url = environ.get("SHANZHI_MAP_TILE_URL", "").strip()
    if not url:
        return []
    try:
        max_zoom = int(environ.get("SHANZHI_MAP_MAX_ZOOM", "19"))
    except ValueError as error:
        raise BaseMapError("SHANZHI_MAP_MAX_ZOOM must be a whole number") from error
    return [
        {
            "url": url,
            "subdomains": environ.get("SHANZHI_MAP_TILE_SUBDOMAINS", "abc").strip() or "abc",
            "attribution": environ.get("SHANZHI_MAP_TILE_ATTRIBUTION", ""),
            "maxZoom": max_zoom,
        }
    ]
