"""Sensor alarms in the JSON API: the open alarm events as GeoJSON points, for the grid map and
the command dashboard (polled every few seconds)."""

import datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema

from shanzhi.api import FieldError
from shanzhi.interop.selectors import open_alarm_events
from shanzhi.territory import selectors as territory
from shanzhi.territory.models import Region

alarms_router = Router(tags=["alarms"])


class AlarmEventProperties(Schema):
    work_order_id: int
    code: str
    title: str
    state: str
    state_label: str
    urgency: str
    urgency_label: str
    alarm_type: str
    alarm_type_label: str
    level: str
    level_label: str
    device_id: str
    device_name: str
    first_at: datetime.datetime
    last_at: datetime.datetime
    count: int
    url: str


class AlarmEventFeature(Schema):
    type: str = "Feature"
    id: int
    geometry: dict
    properties: AlarmEventProperties


class AlarmEventCollection(Schema):
    type: str = "FeatureCollection"
    features: list[AlarmEventFeature]


@alarms_router.get(
    "/alarm-events",
    response=AlarmEventCollection,
    summary="未办结的物联感知告警 · Open sensor alarm events",
)
def alarm_events(request, within: str | None = None):
    """Open work orders opened by sensor alarms that the caller may see, optionally only inside
    region `within`, newest first (at most 500), as GeoJSON points at the alarm's position."""
    prefix = ""
    if within:
        if not Region.objects.filter(code=within).exists():
            raise FieldError("within", _("区划代码 %(code)s 不存在") % {"code": within})
        prefix = territory.region_get_for(request.user, within).prefix
    events = open_alarm_events(prefix, user=request.user)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": event.work_order_id,
                "geometry": {"type": "Point", "coordinates": [event.lon, event.lat]},
                "properties": {k: v for k, v in event.__dict__.items() if k not in ("lon", "lat")},
            }
            for event in events
        ],
    }
