"""/open311/v2/<resource>.<format>: the format is a path suffix (GeoReport v2)."""

from django.urls import re_path

from shanzhi.interop import views

FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, views.services, name="open311-services"),
    re_path(r"^services/(?P<code>[^/]+)" + FMT, views.service_definition, name="open311-service"),
    re_path(r"^requests" + FMT, views.requests, name="open311-requests"),
    re_path(r"^requests/(?P<request_id>[^/]+)" + FMT, views.request_detail, name="open311-request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FMT, views.token, name="open311-token"),
    re_path(
        r"^servicerequestupdates" + FMT,
        views.service_request_updates,
        name="open311-updates",
    ),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
