from django.urls import path, register_converter

from shanzhi.workorders import views


class IdConverter:
    """A row id: digits that fit the database's integer (a longer number is simply not found)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")

urlpatterns = [
    # Public pages: no sign-in needed.
    path("appeal/", views.appeal_new, name="appeal-new"),
    path("appeal/done/", views.appeal_done, name="appeal-done"),
    path("track/", views.track, name="track"),
    path("track/<str:code>/", views.track_detail, name="track-detail"),
    path("track/<str:code>/rate/", views.track_rate, name="track-rate"),
    path("track/<str:code>/files/<int:attachment_id>/", views.track_file, name="track-file"),
    # The staff console.
    path("workorders/", views.workorder_list, name="workorder-list"),
    path("workorders/new/", views.workorder_new, name="workorder-new"),
    path("workorders/new/done/", views.workorder_new_done, name="workorder-new-done"),
    path("workorders/report/", views.workorder_report, name="workorder-report"),
    path("workorders/report/done/", views.workorder_report_done, name="workorder-report-done"),
    path("workorders/callers/", views.callers, name="workorder-callers"),
    path("workorders/<id:order_id>/", views.workorder_detail, name="workorder-detail"),
    path("workorders/<id:order_id>/act/<str:action>/", views.workorder_act, name="workorder-act"),
    path("workorders/attachments/<id:attachment_id>/", views.attachment, name="attachment"),
]
