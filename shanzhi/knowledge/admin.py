from django.contrib import admin

from shanzhi.core.admin_mixins import ServiceAdmin
from shanzhi.knowledge import services
from shanzhi.knowledge.models import Entry


@admin.register(Entry)
class EntryAdmin(ServiceAdmin):
    """The knowledge base; `knowledge.services` checks and audits every change."""

    list_display = ["question", "category", "valid_from", "valid_to", "is_active", "updated_at"]
    list_filter = ["is_active", "category"]
    search_fields = ["question", "answer", "category"]
    fields = ["question", "answer", "category", "valid_from", "valid_to", "is_active"]

    def save_model(self, request, obj, form, change):
        services.entry_save(actor=request.user, entry=obj)

    def delete_model(self, request, obj):
        services.entry_delete(actor=request.user, entry=obj)
