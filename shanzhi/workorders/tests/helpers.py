"""Shared steps for the work-order tests: register and move orders through the API."""

import json

from shanzhi.territory.models import Grid

YUEHE_GRID = "330502001002001"  # 月河街道, second community: no demo orders are pinned exactly here
ROAD_DAMAGE = "010301"  # 城市管理 › 市政设施 › 道路破损 → 吴兴区住房和城乡建设局
NEIGHBOURS = "070101"  # 矛盾纠纷 › 邻里纠纷 › 邻里纠纷 → the village committee
MEDICAL_INSURANCE = "080101"  # 政策咨询 › 社会保障 › 医保咨询
PHONE = "13812345678"


def point_in(code: str = YUEHE_GRID) -> tuple[float, float]:
    grid = Grid.objects.get(code=code)
    return grid.lon, grid.lat


def appeal_body(**overrides) -> dict:
    lon, lat = point_in(overrides.pop("grid", YUEHE_GRID))
    body = {
        "nature": "complaint",
        "category": ROAD_DAMAGE,
        "title": "路面塌陷",
        "content": "小区门口人行道塌陷，老人摔倒。",
        "lon": lon,
        "lat": lat,
        "appellant_name": "李四",
        "appellant_phone": PHONE,
    }
    body.update(overrides)
    return body


def post(client, url: str, body: dict | None = None, **headers):
    response = client.post(url, json.dumps(body or {}), content_type="application/json", **headers)
    return response.status_code, response.json()


def act(client, order_id: int, action: str, body: dict | None = None):
    return post(client, f"/api/v1/workorders/{order_id}/actions/{action}", body)


def register(client, **overrides) -> dict:
    status, body = post(client, "/api/v1/appeals", appeal_body(**overrides))
    assert status == 201, body
    return body
