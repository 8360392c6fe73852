from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shanzhi.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from shanzhi.core.privacy import mask_phone
from shanzhi.workorders.choices import LIST_ATTRIBUTE_TYPES
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
from shanzhi.workorders.services.config import category_save


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["code", "name", "parent", "description", "keywords", "is_active", "sort"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)

        class Checked(base):
            def clean(self):
                data = super().clean()
                parent = data.get("parent")
                if parent is not None and parent.depth >= 3:
                    raise ValidationError({"parent": _("分类最多三级")})
                return data

        return Checked

    def has_delete_permission(self, request, obj=None):
        return False  # appeals keep their category; deactivate instead


class ServiceAttributeForm(forms.ModelForm):
    class Meta:
        model = ServiceAttribute
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

    def clean(self):
        data = super().clean()
        values = data.get("values") or []
        listed = data.get("datatype") in LIST_ATTRIBUTE_TYPES
        well_formed = isinstance(values, list) and all(
            isinstance(v, dict) and str(v.get("key", "")).strip() and str(v.get("name", "")).strip()
            for v in values
        )
        if listed and (not values or not well_formed):
            self.add_error(
                "values", _('单选/多选须列出选项，如 [{"key": "ankle", "name": "没过脚踝"}]')
            )
        if not listed and values:
            self.add_error("values", _("只有单选/多选需要选项"))
        category = data.get("category")
        if category is not None and category.children.exists():
            self.add_error("category", _("请选择最细一级的事项分类"))
        return data


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(AuditedAdmin, admin.ModelAdmin):
    """The questions asked of appeals in a category (Open311 service definitions)."""

    form = ServiceAttributeForm
    list_display = ["category", "order", "code", "description", "datatype", "required"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "category__name"]
    autocomplete_fields = ["category"]
    list_select_related = ["category"]

    def save_model(self, request, obj, form, change):
        from django.db import transaction

        from shanzhi.workorders.services.attributes import active_categories

        super().save_model(request, obj, form, change)
        transaction.on_commit(active_categories.clear)


class DeadlineRuleForm(forms.ModelForm):
    class Meta:
        model = DeadlineRule
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

    def clean(self):
        data = super().clean()
        for name in ("sign_amount", "handle_amount"):
            if data.get(name) is not None and data[name] <= 0:
                self.add_error(name, _("时限必须大于 0"))
        ratio = data.get("warn_ratio")
        if ratio is not None and not 0 < ratio < 1:
            self.add_error("warn_ratio", _("预警点应在 0 与 1 之间，如 0.75"))
        return data


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    form = DeadlineRuleForm
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


class DispatchRuleForm(forms.ModelForm):
    class Meta:
        model = DispatchRule
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

    def clean(self):
        data = super().clean()
        named = data.get("lead_unit") is not None
        relative = bool(data.get("lead_kind") and data.get("lead_level"))
        if named == relative:
            raise ValidationError(_("请指定主办单位，或指定属地单位的类型和层级（二选一）"))
        return data


@admin.register(DispatchRule)
class DispatchRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    form = DispatchRuleForm
    list_display = ["note", "category", "region", "lead_unit", "lead_kind", "lead_level", "order"]
    list_filter = ["lead_kind", "lead_level"]
    search_fields = ["note", "category__name", "lead_unit__name"]
    autocomplete_fields = ["category", "region", "lead_unit", "co_units"]
    list_select_related = ["category", "region", "lead_unit"]


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
