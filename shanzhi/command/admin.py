from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from shanzhi.command.choices import KPI_BY_KEY
from shanzhi.command.models import (
    Assessment,
    KpiRule,
    OrderFacts,
    RollupCursor,
    UnitSet,
    UnitSetMember,
)
from shanzhi.command.rebuild import ROLLUPS
from shanzhi.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin


class KpiRuleForm(forms.ModelForm):
    class Meta:
        model = KpiRule
        fields = ["kpi", "weight", "zero_at", "full_at"]

    def clean(self):
        data = super().clean()
        zero, full, kpi = data.get("zero_at"), data.get("full_at"), data.get("kpi")
        for name in ("zero_at", "full_at"):
            value = data.get(name)
            if value is not None and not 0 <= value <= 1:
                self.add_error(name, _("请填写 0 到 1 之间的比例，如 0.80"))
        if zero is not None and full is not None and kpi in KPI_BY_KEY:
            higher = KPI_BY_KEY[kpi].higher_is_better
            if (higher and full < zero) or (not higher and full > zero):
                self.add_error(
                    "full_at",
                    _("满分线应比零分线更好（该指标越%(d)s越好）")
                    % {"d": _("高") if higher else _("低")},
                )
        if data.get("weight") is not None and data["weight"] < 0:
            self.add_error("weight", _("权重不能为负"))
        return data


@admin.register(KpiRule)
class KpiRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    form = KpiRuleForm
    list_display = ["kpi", "weight", "zero_at", "full_at"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["month", "unit", "score", "rank", "published_at"]
    list_filter = ["month"]


# The rollups are derived data (rebuild_rollups recomputes them): shown for support only.
for model in (*ROLLUPS, UnitSet, UnitSetMember, OrderFacts, RollupCursor):
    admin.site.register(model, ReadOnlyAdmin)
