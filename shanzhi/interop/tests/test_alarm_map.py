"""Open sensor alarms on the grid map: the selector, the API the map polls, and who sees what."""

import pytest

from shanzhi.interop.selectors import open_alarm_events
from shanzhi.interop.tests.test_alarms import GAS, receive
from shanzhi.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_open_alarm_events_for_the_map():
    received = receive(level="major")
    events = open_alarm_events("330502001")
    mine = [e for e in events if e.work_order_id == received.work_order.pk]
    assert len(mine) == 1
    event = mine[0]
    assert (event.alarm_type, event.device_id, event.count) == ("gas_leak", GAS, 1)
    assert (event.lon, event.lat) == (received.alarm.lon, received.alarm.lat)
    assert event.url == f"/workorders/{received.work_order.pk}/"
    assert not [e for e in open_alarm_events("330502101") if e.work_order_id == event.work_order_id]
    receive()  # a repeat: still one marker, counted twice
    again = [e for e in open_alarm_events("") if e.work_order_id == event.work_order_id]
    assert [e.count for e in again] == [2]
    WorkOrder.objects.filter(pk=event.work_order_id).update(state="archived")
    assert not [e for e in open_alarm_events("") if e.work_order_id == event.work_order_id]


def test_the_alarm_events_api_follows_who_asks(api_as):
    # The demo's alarms are in 朝阳街道: one smoke incident (two alarms) and a manhole cover.
    status, body = api_as("commander").get("/api/v1/alarm-events")
    assert status == 200 and body["type"] == "FeatureCollection"
    demo = {f["properties"]["device_id"]: f for f in body["features"]}
    assert set(demo) >= {"ZY-YG-0001", "ZY-JG-0002"}
    smoke = demo["ZY-YG-0001"]
    assert smoke["geometry"]["type"] == "Point" and smoke["properties"]["count"] == 2
    assert smoke["properties"]["alarm_type_label"] == "烟感报警"
    assert smoke["properties"]["url"] == f"/workorders/{smoke['id']}/"
    status, body = api_as("dispatcher").get("/api/v1/alarm-events")  # 月河街道
    assert status == 200 and body["features"] == []
    received = receive()
    status, body = api_as("dispatcher").get("/api/v1/alarm-events?within=330502001000")
    assert [f["id"] for f in body["features"]] == [received.work_order.pk]
    assert api_as("dispatcher").get("/api/v1/alarm-events?within=330502002000")[0] == 404
    assert api_as("dispatcher").get("/api/v1/alarm-events?within=999999999999")[0] == 400
    # A department handler sees only the orders assigned to its unit: none of these.
    assert api_as("department").get("/api/v1/alarm-events")[1]["features"] == []


def test_the_grid_map_polls_the_alarm_events(client_as):
    html = client_as("dispatcher").get("/territory/").content.decode()
    assert "/api/v1/alarm-events?within=330502001000" in html
    assert 'data-testid="alarm-status"' in html
