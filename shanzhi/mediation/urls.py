from django.urls import path

from shanzhi.mediation import views

urlpatterns = [
    path("mediation/", views.case_list, name="mediation-list"),
    path("mediation/new/", views.case_new, name="mediation-new"),
    path("mediation/track/", views.case_track, name="mediation-track"),
    path("mediation/track/rate/", views.case_track_rate, name="mediation-track-rate"),
    path("mediation/track/evidence/", views.case_track_evidence, name="mediation-track-evidence"),
    path("mediation/track/confirm/", views.case_track_confirm, name="mediation-track-confirm"),
    path("mediation/evidence/<int:evidence_id>/", views.evidence_file, name="mediation-evidence"),
    path("mediation/apply/", views.case_apply, name="mediation-apply"),
    path("mediation/codes/", views.window_codes, name="mediation-codes"),
    path("mediation/<int:case_id>/", views.case_detail, name="mediation-detail"),
    path("mediation/<int:case_id>/act/<str:action>/", views.case_act, name="mediation-act"),
    path(
        "mediation/<int:case_id>/agreement/",
        views.agreement_print,
        name="mediation-agreement",
    ),
]
