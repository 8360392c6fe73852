import hashlib

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from shanzhi.core import labels, services
from shanzhi.core.admin_mixins import ReadOnlyAdmin, ServiceAdmin
from shanzhi.core.checks import calendar_gaps, calendar_warnings
from shanzhi.core.choices import CalendarDaySource
from shanzhi.core.errors import ServiceError
from shanzhi.core.holiday_notice import FIRST_YEAR, LAST_YEAR, MAX_LENGTH, weekday_name
from shanzhi.core.models import (
    ApiToken,
    AuditChainHead,
    AuditEvent,
    CalendarDay,
    Delivery,
    DingTalkRobot,
    PeriodicJob,
    WorkerHeartbeat,
)


class NoticeForm(forms.Form):
    """The State Council's notice, pasted; the year only when the text has no title."""

    text = forms.CharField(
        label=_("通知全文"),
        max_length=MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}),
        help_text=_(
            "从中国政府网复制“国务院办公厅关于 X 年部分节假日安排的通知”，连标题一起粘贴。"
        ),
    )
    year = forms.IntegerField(
        label=_("年份"),
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        help_text=_("通知标题里有年份时不必填写。"),
    )
    # The digest of the text and year that were previewed: confirming other text previews it.
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)

    def digest(self) -> str:
        data = f"{self.cleaned_data.get('year') or ''}\n{self.cleaned_data['text']}"
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


@admin.register(CalendarDay)
class CalendarDayAdmin(ServiceAdmin):
    list_display = ["date", "weekday", "kind", "name", "source_label", "updated_at"]
    list_filter = ["kind", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["source", "updated_at"]

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return weekday_name(obj.date)

    @admin.display(description=_("来源"), ordering="source")
    def source_label(self, obj):
        if obj.source == CalendarDaySource.PROVISIONAL:
            return format_html("<strong>{}</strong>", obj.get_source_display())
        return obj.get_source_display()

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "import-notice/",
                view(self.import_notice_view),
                name="core_calendarday_import_notice",
            ),
            path(
                "provisional/",
                view(self.provisional_view),
                name="core_calendarday_provisional",
            ),
            *super().get_urls(),
        ]

    def _may_import(self, request) -> bool:
        return all(
            check(request)
            for check in (
                self.has_add_permission,
                self.has_change_permission,
                self.has_delete_permission,
            )
        )

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST":
            for message in calendar_warnings():
                messages.warning(request, message)
        extra_context = {**(extra_context or {}), "may_import": self._may_import(request)}
        return super().changelist_view(request, extra_context)

    def import_notice_view(self, request):
        """Paste the notice, see every date it gives and what it changes, then confirm."""
        if not self._may_import(request):
            raise PermissionDenied
        form = NoticeForm(request.POST or None)
        plan = None
        if request.method == "POST" and form.is_valid():
            text, year = form.cleaned_data["text"], form.cleaned_data["year"]
            confirmed = (
                "confirm" in request.POST and form.cleaned_data["previewed"] == form.digest()
            )
            try:
                if confirmed:
                    plan = services.calendar_notice_import(actor=request.user, text=text, year=year)
                else:
                    plan = services.calendar_notice_plan(text=text, year=year)
            except ServiceError as refusal:
                form.add_error(
                    refusal.field if refusal.field in form.fields else None, refusal.message
                )
                plan = None
            else:
                if confirmed:
                    messages.success(
                        request,
                        gettext(
                            "已导入 %(year)d 年的节假日安排：写入 %(written)d 个日期，"
                            "删除 %(removed)d 个临时或旧的日期。"
                        )
                        % {
                            "year": plan.year,
                            "written": len(plan.writes),
                            "removed": len(plan.removals),
                        },
                    )
                    changelist = reverse("admin:core_calendarday_changelist")
                    return HttpResponseRedirect(f"{changelist}?date__year={plan.year}")
                if "confirm" in request.POST:
                    messages.warning(
                        request, gettext("文本在预览后改动过，请核对新的预览后再确认。")
                    )
                form = NoticeForm({"text": text, "year": year or "", "previewed": form.digest()})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("导入国务院节假日安排通知"),
            "form": form,
            "plan": plan,
            "calendar_gaps": calendar_gaps(),
        }
        return TemplateResponse(request, "admin/core/calendarday/import_notice.html", context)

    def provisional_view(self, request):
        """POST year: rule-based rows for a year without its official arrangement."""
        if not self._may_import(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        target = reverse("admin:core_calendarday_import_notice")
        year = request.POST.get("year", "")
        if not (year.isascii() and year.isdigit() and len(year) == 4):
            messages.error(request, gettext("请给出四位数的年份。"))
            return HttpResponseRedirect(target)
        try:
            added = services.calendar_provisional_seed(actor=request.user, year=int(year))
        except ServiceError as refusal:
            messages.error(request, refusal.message)
            return HttpResponseRedirect(target)
        messages.success(
            request,
            gettext(
                "已按规则生成 %(year)s 年的临时日历，共 %(added)d 个日期；"
                "收到国务院通知后请在此导入，临时日期会被替换。"
            )
            % {"year": year, "added": added},
        )
        changelist = reverse("admin:core_calendarday_changelist")
        return HttpResponseRedirect(f"{changelist}?date__year={year}")

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
    list_display = [
        "name",
        "task_name",
        "last_run_at",
        "next_run_at",
        "last_success_at",
        "last_duration",
        "successes",
    ]

    @admin.display(description=_("任务"))
    def task_name(self, job):
        task_path, _seconds = settings.PERIODIC_JOBS.get(job.name, (job.name, None))
        return labels.task_label(task_path)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    """Which worker processes are alive (docs/operations.md): each beats every few seconds."""

    list_display = ["worker_id", "host", "pid", "started_at", "seen_at"]


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
