from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shanzhi.core.admin_mixins import ReadOnlyAdmin, ServiceAdmin
from shanzhi.core.privacy import mask_phone
from shanzhi.workorders.models import (
    Appeal,
    Assignment,
    Attachment,
    Category,
    DeadlineRule,
    DispatchRule,
    ExtensionRequest,
    ServiceAttribute,
    TrackingFailures,
    WorkOrder,
)
from shanzhi.workorders.services import rules
from shanzhi.workorders.services.config import category_save


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["code", "name", "parent", "description", "keywords", "is_active", "sort"]


@admin.register(Category)
class CategoryAdmin(ServiceAdmin):
    """The three-level category tree; saving goes through category_save (path, depth, audit)."""

    form = CategoryForm
    list_display = ["path", "name", "depth", "is_active", "sort"]
    list_filter = ["depth", "is_active"]
    search_fields = ["code", "name", "keywords"]
    autocomplete_fields = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def save_model(self, request, obj, form, change):
        category_save(
            actor=request.user,
            code=obj.code,
            name=obj.name,
            parent_code=obj.parent.code if obj.parent else "",
            description=obj.description,
            keywords=obj.keywords,
            is_active=obj.is_active,
            sort=obj.sort,
        )

    def has_delete_permission(self, request, obj=None):
        return False  # appeals keep their category; deactivate instead


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(ServiceAdmin):
    """The questions asked of appeals in a category (Open311 service definitions)."""

    fields = [
        "category",
        "code",
        "description",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "values",
    ]
    list_display = ["category", "order", "code", "description", "datatype", "required"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "category__name"]
    autocomplete_fields = ["category"]
    list_select_related = ["category"]

    def save_model(self, request, obj, form, change):
        rules.service_attribute_save(actor=request.user, attribute=obj)

    def delete_model(self, request, obj):
        rules.service_attribute_delete(actor=request.user, attribute=obj)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(ServiceAdmin):
    fields = [
        "note",
        "category",
        "nature",
        "urgency",
        "level",
        "priority",
        "sign_amount",
        "sign_unit",
        "handle_amount",
        "handle_unit",
        "warn_ratio",
    ]
    list_display = [
        "note",
        "category",
        "nature",
        "urgency",
        "level",
        "priority",
        "sign_amount",
        "sign_unit",
        "handle_amount",
        "handle_unit",
        "warn_ratio",
    ]
    list_filter = ["nature", "urgency", "level"]
    autocomplete_fields = ["category"]

    def save_model(self, request, obj, form, change):
        rules.deadline_rule_save(actor=request.user, rule=obj)

    def delete_model(self, request, obj):
        rules.deadline_rule_delete(actor=request.user, rule=obj)


@admin.register(DispatchRule)
class DispatchRuleAdmin(ServiceAdmin):
    fields = [
        "note",
        "category",
        "region",
        "lead_unit",
        "lead_kind",
        "lead_level",
        "co_units",
        "order",
    ]
    list_display = ["note", "category", "region", "lead_unit", "lead_kind", "lead_level", "order"]
    list_filter = ["lead_kind", "lead_level"]
    search_fields = ["note", "category__name", "lead_unit__name"]
    autocomplete_fields = ["category", "region", "lead_unit", "co_units"]
    list_select_related = ["category", "region", "lead_unit"]

    def save_model(self, request, obj, form, change):
        co_units = list(form.cleaned_data.get("co_units") or [])
        rules.dispatch_rule_save(actor=request.user, rule=obj, co_units=co_units)

    def save_related(self, request, form, formsets, change):
        pass  # the co-handling units were set by the service, audited with the rule

    def delete_model(self, request, obj):
        rules.dispatch_rule_delete(actor=request.user, rule=obj)


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "title",
        "state",
        "category",
        "dispatch_unit",
        "lead_unit",
        "registered_at",
        "console",
    ]
    list_filter = ["state", "channel", "urgency", "supervision"]
    search_fields = ["code", "title"]
    list_select_related = ["category", "dispatch_unit", "lead_unit"]

    @admin.display(description=_("工作台"))
    def console(self, obj):
        return format_html('<a href="/workorders/{}/">{}</a>', obj.pk, _("打开"))


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["tracking_code", "title", "channel", "masked_phone", "rating", "created_at"]
    list_filter = ["channel", "rating", "confidential"]
    search_fields = ["tracking_code", "title"]
    exclude = ["appellant_phone", "appellant_name"]

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj):
        return mask_phone(obj.appellant_phone)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "unit", "role", "state", "assigned_at", "signed_at"]
    list_filter = ["role", "state"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "unit", "days", "state", "requested_at"]
    list_filter = ["state"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "kind", "content_type", "size", "created_at"]
    list_filter = ["kind"]
    exclude = ["file"]


@admin.register(TrackingFailures)
class TrackingFailuresAdmin(ReadOnlyAdmin):
    """Wrong tracking tries per code and day; a lock lifts by itself when the day ends."""

    list_display = ["code", "day", "failures", "locked_at"]
    list_filter = ["day"]
    search_fields = ["code"]
