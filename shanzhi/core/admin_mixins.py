from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect

from shanzhi.core.errors import ServiceError


class ServiceAdmin(admin.ModelAdmin):
    """An admin screen whose saves and deletes call the app's services: each subclass writes
    `save_model` (and `delete_model`, or no delete permission) with them, so that the admin gets
    the same rules, audit events and cache invalidation as every other caller.

    A refusal of a service (a `core.errors.ServiceError`) rolls the whole request back and is
    shown as a form error, on its field when the form has one, with the form kept as typed. A
    refused delete or bulk action is shown as an error message, and nothing is deleted."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as refusal:
            if request.method != "POST" or hasattr(request, "_service_refusal"):
                raise
            # The first attempt was rolled back with its transaction: validate the same input
            # again, this time with the refusal as a form error, and show the form.
            request._service_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form_class

        class Refused(form_class):
            def clean(self):
                data = super().clean()
                field = refusal.field if refusal.field in self.fields else None
                self.add_error(field, refusal.message)
                return data

        return Refused

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return HttpResponseRedirect(request.path)

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        # Bulk actions (delete, revoke) run through the services one row after another: all of
        # them or, when one is refused, none.
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except ServiceError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

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
