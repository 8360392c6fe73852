from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from shanzhi.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from shanzhi.core.choices import DeliveryChannel
from shanzhi.interop.models import CategoryMapping, HotlineOrder, HotlinePlatform


@admin.register(HotlinePlatform)
class HotlinePlatformAdmin(AuditedAdmin, admin.ModelAdmin):
    """12345 platforms: the account whose tokens they push with, where status callbacks go and
    the secret that signs them (audited as changed, never by value)."""

    list_display = ["name", "user", "callback_url", "is_active", "delivery_log"]
    list_filter = ["is_active"]
    search_fields = ["name", "user__username"]
    autocomplete_fields = ["user"]
    audit_redact = ("secret",)

    @admin.display(description=_("回调投递记录"))
    def delivery_log(self, obj):
        query = urlencode({"channel": DeliveryChannel.WEBHOOK, "route": obj.route})
        return format_html('<a href="{}?{}">{}</a>', reverse("delivery-list"), query, _("查看"))


class CategoryMappingForm(forms.ModelForm):
    class Meta:
        model = CategoryMapping
        fields = ["platform", "external_code", "external_name", "category"]

    def clean_category(self):
        category = self.cleaned_data["category"]
        if category.children.exists():
            raise forms.ValidationError(_("请选择最细一级的事项分类"))
        if not category.is_active:
            raise forms.ValidationError(_("该事项分类已停用"))
        return category


@admin.register(CategoryMapping)
class CategoryMappingAdmin(AuditedAdmin, admin.ModelAdmin):
    """Each platform's category codes → our leaf categories; edits apply to the next push."""

    form = CategoryMappingForm
    list_display = ["platform", "external_code", "external_name", "category"]
    list_filter = ["platform"]
    search_fields = ["external_code", "external_name", "category__name", "category__code"]
    autocomplete_fields = ["category"]
    list_select_related = ["platform", "category"]


@admin.register(HotlineOrder)
class HotlineOrderAdmin(ReadOnlyAdmin):
    """Orders received from the platforms, read-only: they are written by the inbound API."""

    list_display = ["external_no", "platform", "appeal", "external_category", "received_at"]
    list_filter = ["platform"]
    search_fields = ["external_no", "appeal__tracking_code", "appeal__work_order__code"]
    list_select_related = ["platform", "appeal"]
