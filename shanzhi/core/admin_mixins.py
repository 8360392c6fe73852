from django.contrib import admin, messages
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from shanzhi.core.services import record_delete, record_save


class AuditedAdmin:
    """Admin screens whose saves and deletes go through the audited record services. Fields in
    `audit_redact` (secrets) are audited as changed, never by value."""

    audit_redact: tuple[str, ...] = ()

    def save_model(self, request, obj, form, change):
        record_save(actor=request.user, instance=obj, change=change, redact=self.audit_redact)

    def delete_model(self, request, obj):
        try:
            record_delete(actor=request.user, instance=obj, redact=self.audit_redact)
        except ProtectedError:
            messages.error(request, _("%(obj)s 仍被其他数据引用，不能删除。") % {"obj": obj})

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through their own actions (cases, the audit trail): the admin
    shows them for inspection and support, nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
