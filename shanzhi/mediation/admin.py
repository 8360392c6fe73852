"""Administrators keep the dispute types and the roster here (through `roster_save`); the cases
change only through their own actions and are shown read-only."""

from django.contrib import admin
from django.core.exceptions import ValidationError

from shanzhi.core.admin_mixins import ReadOnlyAdmin, ServiceAdmin
from shanzhi.core.errors import InvalidInput
from shanzhi.mediation.models import (
    Consultation,
    DisputeCase,
    DisputeType,
    Evidence,
    JudicialConfirmation,
    MediationOrg,
    MediationSession,
    Mediator,
    Party,
)
from shanzhi.mediation.services import roster_save


class RosterAdmin(ServiceAdmin):
    """Saved with its specialities in one service call, once the form's many-to-many values are
    known (save_related); nothing is deleted: deactivate instead."""

    def save_model(self, request, obj, form, change):
        pass  # saved in save_related, together with the specialities

    def save_related(self, request, form, formsets, change):
        try:
            roster_save(
                actor=request.user,
                obj=form.instance,
                created=not change,
                specialities=form.cleaned_data.get("specialities"),
                categories=form.cleaned_data.get("categories"),
            )
        except ValidationError as error:
            raise InvalidInput("；".join(error.messages)) from error

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DisputeType)
class DisputeTypeAdmin(RosterAdmin):
    list_display = ["code", "name", "parent", "mediation_days", "is_active", "sort"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["categories"]


@admin.register(MediationOrg)
class MediationOrgAdmin(RosterAdmin):
    list_display = ["unit", "kind", "level", "escalates_to"]
    list_filter = ["kind", "level"]
    search_fields = ["unit__name"]
    filter_horizontal = ["specialities"]


@admin.register(Mediator)
class MediatorAdmin(RosterAdmin):
    list_display = ["name", "org", "area", "is_available", "certificate"]
    list_filter = ["is_available", "org__kind"]
    search_fields = ["name"]
    filter_horizontal = ["specialities"]
    raw_id_fields = ["user", "area"]


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    can_delete = False
    fields = ["role", "kind", "name"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DisputeCase)
class DisputeCaseAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "state", "dispute_type", "level", "mediator", "registered_at"]
    list_filter = ["state", "level", "source"]
    search_fields = ["code", "title"]
    inlines = [PartyInline]


@admin.register(Party)
class PartyAdmin(ReadOnlyAdmin):
    """For support: who the parties of a case are (names shown as entered: the admin is for
    administrators, whose views the audit trail does not log one by one)."""

    list_display = ["case", "role", "kind", "name"]
    list_filter = ["role", "kind"]
    search_fields = ["case__code"]


@admin.register(MediationSession)
class MediationSessionAdmin(ReadOnlyAdmin):
    list_display = ["case", "starts_at", "kind", "place", "state"]
    list_filter = ["state", "kind"]
    search_fields = ["case__code", "place"]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["case", "held_at"]
    search_fields = ["case__code"]


@admin.register(JudicialConfirmation)
class JudicialConfirmationAdmin(ReadOnlyAdmin):
    list_display = ["case", "court", "applied_on", "state", "accepted_on", "ruled_on"]
    list_filter = ["state", "is_accept_late"]
    search_fields = ["case__code", "court", "ruling_number"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    """What was uploaded to which case (the files themselves open on the case page, for its own
    mediation staff, and every opening is logged)."""

    list_display = ["case", "kind", "content_type", "size", "by_party", "uploaded_at"]
    list_filter = ["kind", "by_party"]
    search_fields = ["case__code"]
    exclude = ["file"]
