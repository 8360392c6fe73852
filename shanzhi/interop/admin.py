from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from shanzhi.core.admin_mixins import ReadOnlyAdmin, ServiceAdmin
from shanzhi.core.choices import DeliveryChannel
from shanzhi.core.errors import InvalidInput
from shanzhi.interop import services
from shanzhi.interop.alarms import (
    IDENT_RE,
    alarm_type_rule_save,
    device_place,
    device_save,
)
from shanzhi.interop.models import (
    Alarm,
    AlarmTypeRule,
    CategoryMapping,
    Court,
    CourtReferral,
    Device,
    HotlineOrder,
    HotlinePlatform,
)


@admin.register(HotlinePlatform)
class HotlinePlatformAdmin(ServiceAdmin):
    """12345 platforms: the account whose tokens they push with, where status callbacks go and
    the secret that signs them (audited as changed, never by value)."""

    list_display = ["name", "user", "callback_url", "is_active", "delivery_log"]
    list_filter = ["is_active"]
    search_fields = ["name", "user__username"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        services.hotline_platform_save(actor=request.user, platform=obj)

    def delete_model(self, request, obj):
        services.hotline_platform_delete(actor=request.user, platform=obj)

    @admin.display(description=_("回调投递记录"))
    def delivery_log(self, obj):
        query = urlencode({"channel": DeliveryChannel.WEBHOOK, "route": obj.route})
        return format_html('<a href="{}?{}">{}</a>', reverse("delivery-list"), query, _("查看"))


@admin.register(Court)
class CourtAdmin(ServiceAdmin):
    """Courts that refer disputes (委派调解): the account whose tokens they push with, the
    organisation that takes their referrals in, where status callbacks go and the secret that
    signs them (audited as changed, never by value)."""

    list_display = ["name", "user", "centre", "callback_url", "is_active", "delivery_log"]
    list_filter = ["is_active"]
    search_fields = ["name", "user__username"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        services.court_save(actor=request.user, court=obj)

    def delete_model(self, request, obj):
        services.court_delete(actor=request.user, court=obj)

    @admin.display(description=_("回调投递记录"))
    def delivery_log(self, obj):
        query = urlencode({"channel": DeliveryChannel.WEBHOOK, "route": obj.route})
        return format_html('<a href="{}?{}">{}</a>', reverse("delivery-list"), query, _("查看"))


@admin.register(CourtReferral)
class CourtReferralAdmin(ReadOnlyAdmin):
    list_display = ["court", "case_number", "kind", "case", "received_at"]
    list_filter = ["court", "kind"]
    search_fields = ["case_number", "case__code"]


@admin.register(CategoryMapping)
class CategoryMappingAdmin(ServiceAdmin):
    """Each platform's category codes → our leaf categories; edits apply to the next push."""

    fields = ["platform", "external_code", "external_name", "category"]
    list_display = ["platform", "external_code", "external_name", "category"]
    list_filter = ["platform"]
    search_fields = ["external_code", "external_name", "category__name", "category__code"]
    autocomplete_fields = ["category"]
    list_select_related = ["platform", "category"]

    def save_model(self, request, obj, form, change):
        services.category_mapping_save(actor=request.user, mapping=obj)

    def delete_model(self, request, obj):
        services.category_mapping_delete(actor=request.user, mapping=obj)


@admin.register(HotlineOrder)
class HotlineOrderAdmin(ReadOnlyAdmin):
    """Orders received from the platforms, read-only: they are written by the inbound API."""

    list_display = ["external_no", "platform", "appeal", "external_category", "received_at"]
    list_filter = ["platform"]
    search_fields = ["external_no", "appeal__tracking_code", "appeal__work_order__code"]
    list_select_related = ["platform", "appeal"]


# ---------------------------------------------------------------------------------------------
# Sensor and video alarms (物联感知告警): the device registry, the alarm type → category rules
# and the alarm history. Saves go through the services in interop/alarms.py (validated, audited).
# ---------------------------------------------------------------------------------------------

ALARM_HISTORY_ROWS = 20


class DeviceForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = [
            "device_id",
            "name",
            "kind",
            "lon",
            "lat",
            "region",
            "address",
            "is_active",
            "note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "region" in self.fields:
            self.fields["region"].required = False

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        device_id = self.instance.device_id if self.instance.pk else data.get("device_id", "")
        if not IDENT_RE.match(device_id or ""):
            self.add_error(
                "device_id", _("设备编号只能由字母、数字和 _ . : - 组成，最多 64 个字符")
            )
            return data
        region = data.get("region")
        try:
            place = device_place(
                lon=data.get("lon"), lat=data.get("lat"), region_code=region.code if region else ""
            )
        except InvalidInput as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)
            return data
        data["region"] = place.region
        return data


@admin.register(Device)
class DeviceAdmin(ServiceAdmin):
    """The registry of sensors and cameras whose alarms are accepted. A fixed point decides the
    grid and region; without one, choose the region and let the alarms carry their point."""

    form = DeviceForm
    list_display = [
        "device_id",
        "name",
        "kind",
        "area_code",
        "is_active",
        "last_seen_at",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["device_id", "name", "address", "area_code"]
    autocomplete_fields = ["region"]
    readonly_fields = ["grid", "area_code", "last_seen_at", "alarm_history"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        return ["device_id", *fields] if obj else fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        region = data.get("region")
        saved = device_save(
            actor=request.user,
            device_id=obj.device_id,
            name=data["name"],
            kind=data["kind"],
            lon=data.get("lon"),
            lat=data.get("lat"),
            region_code=region.code if region else "",
            address=data.get("address", ""),
            is_active=data.get("is_active", True),
            note=data.get("note", ""),
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False  # its alarms point at it: switch it off (启用) instead

    @admin.display(description=_("最近告警"))
    def alarm_history(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        alarms = obj.alarms.select_related("work_order")[:ALARM_HISTORY_ROWS]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><a href='{}'>{}</a></td><td>{}</td></tr>",
            (
                (
                    a.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
                    a.get_alarm_type_display(),
                    a.get_level_display(),
                    reverse("workorder-detail", args=[a.work_order_id]),
                    a.work_order.code,
                    _("开单") if a.opened else _("并入"),
                )
                for a in alarms
            ),
        )
        if not rows:
            return _("暂无告警")
        return format_html("<table>{}</table>", rows)


class AlarmTypeRuleForm(forms.ModelForm):
    class Meta:
        model = AlarmTypeRule
        fields = ["alarm_type", "category", "nature"]

    def clean(self):
        data = super().clean()
        category = data.get("category")
        if category is not None and category.children.filter(is_active=True).exists():
            self.add_error("category", _("请选择最细一级的事项分类"))
        return data


@admin.register(AlarmTypeRule)
class AlarmTypeRuleAdmin(ServiceAdmin):
    """Which category the work orders of each alarm type are filed under. An alarm type with no
    rule is refused (and logged)."""

    form = AlarmTypeRuleForm
    list_display = ["alarm_type", "category", "nature"]
    autocomplete_fields = ["category"]

    def get_readonly_fields(self, request, obj=None):
        return ["alarm_type"] if obj else []

    def save_model(self, request, obj, form, change):
        saved = alarm_type_rule_save(
            actor=request.user,
            alarm_type=obj.alarm_type,
            category_code=obj.category.code,
            nature=obj.nature,
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False  # point the type at another category instead


@admin.register(Alarm)
class AlarmAdmin(ReadOnlyAdmin):
    """Every alarm received: which device, what, where, and the work order it opened or was
    folded into. Written only by the MQTT consumer."""

    list_display = [
        "received_at",
        "device",
        "alarm_type",
        "level",
        "occurred_at",
        "work_order_link",
        "opened",
        "repeat_count",
    ]
    list_filter = ["alarm_type", "level", "opened"]
    search_fields = ["device__device_id", "device__name", "key", "work_order__code"]
    list_select_related = ["device", "work_order"]
    date_hierarchy = "received_at"

    @admin.display(description=_("工单"), ordering="work_order__code")
    def work_order_link(self, obj):
        return format_html(
            "<a href='{}'>{}</a>",
            reverse("workorder-detail", args=[obj.work_order_id]),
            obj.work_order.code,
        )
