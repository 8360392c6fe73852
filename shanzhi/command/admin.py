from django.contrib import admin

from shanzhi.command import services
from shanzhi.command.models import (
    Assessment,
    AssessmentSettings,
    DisputeFacts,
    KpiRule,
    OrderFacts,
    RollupCursor,
    UnitSet,
    UnitSetMember,
)
from shanzhi.command.rebuild import ROLLUPS
from shanzhi.core.admin_mixins import ReadOnlyAdmin, ServiceAdmin


@admin.register(KpiRule)
class KpiRuleAdmin(ServiceAdmin):
    """The scoring rules; `command.services.kpi_rule_save` checks the lines and the weight."""

    fields = ["kpi", "weight", "zero_at", "full_at"]
    list_display = ["kpi", "weight", "zero_at", "full_at"]

    def save_model(self, request, obj, form, change):
        services.kpi_rule_save(actor=request.user, rule=obj)

    def delete_model(self, request, obj):
        services.kpi_rule_delete(actor=request.user, rule=obj)


@admin.register(AssessmentSettings)
class AssessmentSettingsAdmin(ServiceAdmin):
    """One row; `command.services.assessment_settings_save` checks and audits it."""

    fields = ["min_dispatched"]
    list_display = ["__str__", "min_dispatched"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not AssessmentSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.assessment_settings_save(actor=request.user, settings=obj)


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["month", "unit", "score", "rank", "published_at"]
    list_filter = ["month"]


# The rollups are derived data (rebuild_rollups recomputes them): shown for support only.
for model in (*ROLLUPS, UnitSet, UnitSetMember, OrderFacts, DisputeFacts, RollupCursor):
    admin.site.register(model, ReadOnlyAdmin)
