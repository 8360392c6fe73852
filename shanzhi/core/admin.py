from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from shanzhi.core import labels, services
from shanzhi.core.admin_mixins import ReadOnlyAdmin, ServiceAdmin
from shanzhi.core.checks import calendar_warnings
from shanzhi.core.models import (
    ApiToken,
    AuditChainHead,
    AuditEvent,
    CalendarDay,
    Delivery,
    DingTalkRobot,
    PeriodicJob,
)


@admin.register(CalendarDay)
class CalendarDayAdmin(ServiceAdmin):
    list_display = ["date", "kind", "name", "source", "updated_at"]
    list_filter = ["kind", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["source", "updated_at"]

    def changelist_view(self, request, extra_context=None):
        for message in calendar_warnings():
            messages.warning(request, message)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        # Through the service, so the change is audited and the cache refreshed.
        if change and "date" in form.changed_data:
            services.calendar_day_remove(actor=request.user, date=form.initial["date"])
        services.calendar_day_set(actor=request.user, date=obj.date, kind=obj.kind, name=obj.name)

    def delete_model(self, request, obj):
        services.calendar_day_remove(actor=request.user, date=obj.date)

    def delete_queryset(self, request, queryset):
        for day in queryset:
            services.calendar_day_remove(actor=request.user, date=day.date)


class LabelledValuesFilter(admin.SimpleListFilter):
    """A filter over a key column that shows the keys' Chinese names (core.labels)."""

    label = staticmethod(str)

    def lookups(self, request, model_admin):
        keys = (
            model_admin.get_queryset(request).order_by().values_list(self.parameter_name, flat=True)
        )
        return sorted(((k, self.label(k)) for k in keys.distinct()), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.parameter_name: self.value()})
        return queryset


class AuditActionFilter(LabelledValuesFilter):
    title = _("动作")
    parameter_name = "action"
    label = staticmethod(labels.action_label)


class AuditObjectTypeFilter(LabelledValuesFilter):
    title = _("对象类型")
    parameter_name = "object_type"
    label = staticmethod(labels.object_label)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is append-only. Actions and object types are stored as keys (they
    are hashed into the chain); the list shows their Chinese names."""

    list_display = ["id", "created_at", "actor_label", "action_name", "object_name", "object_id"]
    list_filter = [AuditActionFilter, AuditObjectTypeFilter]
    search_fields = ["object_id", "actor_label", "request_id"]

    @admin.display(description=_("动作"), ordering="action")
    def action_name(self, event):
        return labels.action_label(event.action)

    @admin.display(description=_("对象类型"), ordering="object_type")
    def object_name(self, event):
        return labels.object_label(event.object_type)


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    """The last event of the chain, shown for inspection; only audit_record moves it."""

    list_display = ["last_event_id", "last_hash"]


@admin.register(PeriodicJob)
class PeriodicJobAdmin(ReadOnlyAdmin):
    list_display = ["name", "task_name", "last_run_at", "next_run_at"]

    @admin.display(description=_("任务"))
    def task_name(self, job):
        task_path, _seconds = settings.PERIODIC_JOBS.get(job.name, (job.name, None))
        return labels.task_label(task_path)


class TaskResultStatusFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return TaskResultStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


# The worker's task results, in Chinese: the package's own admin names its columns in English.
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    list_display = ["task_name", "status", "enqueued_at", "started_at", "finished_at"]
    list_filter = [TaskResultStatusFilter]

    @admin.display(description=_("任务"), ordering="task_path")
    def task_name(self, result):
        return labels.task_label(result.task_path)


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    readonly_fields = ["user", "prefix", "key_hash", "created_at", "last_used_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are made with `shanzhi token create`, which shows them once

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row keeps who had access, and until when

    def save_model(self, request, obj, form, change):
        services.api_token_update(
            actor=request.user, token_id=obj.pk, name=obj.name, revoked=obj.revoked
        )

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked=False):
            services.api_token_revoke(actor=request.user, token_id=token.pk)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The outbox, read-only: the page 消息投递 shows it to staff and retries dead rows."""

    list_display = [
        "id",
        "created_at",
        "channel",
        "kind_name",
        "state",
        "attempts",
        "next_attempt_at",
    ]
    list_filter = ["state", "channel"]
    search_fields = ["kind", "object_id", "route"]
    exclude = ["target", "claim"]  # phone numbers and robot addresses stay off this screen

    @admin.display(description=_("消息类型"), ordering="kind")
    def kind_name(self, delivery):
        return labels.message_label(delivery.kind)

    readonly_fields = [
        "channel",
        "route",
        "kind",
        "payload",
        "object_type",
        "object_id",
        "area_code",
        "state",
        "attempts",
        "next_attempt_at",
        "locked_until",
        "last_error",
        "last_status",
        "created_at",
        "updated_at",
        "delivered_at",
    ]


@admin.register(DingTalkRobot)
class DingTalkRobotAdmin(ServiceAdmin):
    """A unit's DingTalk group robot; the secret and the address (it holds the access token)
    are audited as changed, never by value."""

    list_display = ["unit", "is_active", "note"]
    list_filter = ["is_active"]
    search_fields = ["unit__name", "note"]
    autocomplete_fields = ["unit"]

    def save_model(self, request, obj, form, change):
        services.dingtalk_robot_save(actor=request.user, robot=obj)

    def delete_model(self, request, obj):
        services.dingtalk_robot_delete(actor=request.user, robot=obj)
