from django.urls import path

from shanzhi.command import views

urlpatterns = [
    path("command/", views.dashboard, name="command-dashboard"),
    path("command/map.json", views.map_layer, name="command-map"),
    path("command/kpis/", views.kpi_table, name="command-kpis"),
    path("command/mediation/", views.mediation, name="command-mediation"),
    path("command/orders/", views.orders, name="command-orders"),
    path("command/assessment/", views.assessment, name="command-assessment"),
    path(
        "command/assessment/<int:unit_id>/",
        views.assessment_unit,
        name="command-assessment-unit",
    ),
    path("command/gridworkers/", views.grid_workers, name="command-grid-workers"),
    path("command/assessment/publish/", views.assessment_publish, name="command-publish"),
    path("command/export/kpis.xlsx", views.export_kpis, name="command-export-kpis"),
    path("command/export/orders.xlsx", views.export_orders, name="command-export-orders"),
]
