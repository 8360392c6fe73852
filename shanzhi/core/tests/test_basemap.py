"""The maps' base layer from the environment (issue #11 item 1, the presets): 天地图 with its
key, any XYZ or WMTS server, or none; the pages hand it to the map scripts."""

import json
import re

import pytest

from shanzhi.core.basemap import BaseMapError, base_layers


def test_no_configuration_means_no_base_layer():
    assert base_layers({}) == []


def test_the_tianditu_preset_draws_the_map_and_its_labels_with_the_key():
    vector, labels = base_layers({"SHANZHI_MAP_PRESET": "tianditu", "SHANZHI_TIANDITU_KEY": "k123"})
    assert vector["url"].startswith("https://t{s}.tianditu.gov.cn/vec_w/wmts?")
    assert "LAYER=vec" in vector["url"] and "TILEMATRIXSET=w" in vector["url"]
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=k123" in vector["url"]
    assert labels["url"].startswith("https://t{s}.tianditu.gov.cn/cva_w/wmts?")
    assert vector["subdomains"] == "01234567" and vector["attribution"].startswith("天地图")
    imagery, _labels = base_layers(
        {"SHANZHI_MAP_PRESET": "tianditu-img", "SHANZHI_TIANDITU_KEY": "k"}
    )
    assert "/img_w/" in imagery["url"] and "/cia_w/" in _labels["url"]


def test_an_intranet_server_is_any_xyz_or_wmts_template():
    (layer,) = base_layers(
        {
            "SHANZHI_MAP_TILE_URL": "http://gis.local/wmts/rest/base/default/w/{z}/{y}/{x}.png",
            "SHANZHI_MAP_TILE_ATTRIBUTION": "© 市测绘院",
            "SHANZHI_MAP_TILE_SUBDOMAINS": "",
            "SHANZHI_MAP_MAX_ZOOM": "17",
        }
    )
    assert layer == {
        "url": "http://gis.local/wmts/rest/base/default/w/{z}/{y}/{x}.png",
        "subdomains": "abc",
        "attribution": "© 市测绘院",
        "maxZoom": 17,
    }


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SHANZHI_MAP_PRESET": "tianditu"}, "needs SHANZHI_TIANDITU_KEY"),
        ({"SHANZHI_MAP_PRESET": "google"}, "use one of"),
        ({"SHANZHI_MAP_TILE_URL": "http://x/{z}/{x}/{y}", "SHANZHI_MAP_MAX_ZOOM": "z"}, "whole"),
    ],
)
def test_a_wrong_configuration_says_what_is_wrong(environ, message):
    with pytest.raises(BaseMapError, match=message):
        base_layers(environ)


@pytest.mark.django_db
def test_the_pages_hand_the_layers_to_the_maps(settings, client, client_as):
    settings.MAP_BASE_LAYERS = base_layers(
        {"SHANZHI_MAP_PRESET": "tianditu", "SHANZHI_TIANDITU_KEY": "k123"}
    )
    pages = [
        (client, "/appeal/", "picker-config"),
        (client_as("dispatcher"), "/territory/", "map-config"),
        (client_as("commander"), "/command/", "command-map-config"),
    ]
    for who, path, script in pages:
        page = who.get(path).content.decode()
        found = re.search(
            rf'<script id="{script}" type="application/json">(.*?)</script>', page, re.S
        )
        assert found, path
        config = json.loads(found.group(1))
        assert [t["url"].split("/")[3] for t in config["tiles"]] == ["vec_w", "cva_w"], path
        assert config["outlinesUrl"] == "/api/v1/public/outlines", path


@pytest.mark.django_db
def test_the_picker_knows_where_each_offered_region_lies(client):
    from shanzhi.territory.models import Region

    page = client.get("/appeal/").content.decode()
    found = re.search(
        r'<script id="picker-config" type="application/json">(.*?)</script>', page, re.S
    )
    centres = json.loads(found.group(1))["centres"]
    community = Region.objects.get(code="330502001002")
    assert centres[community.code] == [community.lat, community.lon]
    assert len(centres) > 20  # every township and community of the form's list
