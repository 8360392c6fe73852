from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from shanzhi.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from shanzhi.core.services import audit_record
from shanzhi.org.models import (
    GridAssignment,
    Household,
    HouseholdVisit,
    Membership,
    PartyMember,
    Unit,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]
    fields = ["unit", "role", "is_active"]

    def has_change_permission(self, request, obj=None):
        return False  # roles are granted and revoked on the 任职 screen, where it is audited

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class PersonAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "is_active", "is_superuser", "last_login"]
    search_fields = ["username", "first_name", "email"]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "region", "parent", "is_active"]
    list_filter = ["kind", "is_active", "region__level"]
    search_fields = ["name", "region__name", "region__code"]
    autocomplete_fields = ["region", "parent"]
    list_select_related = ["region", "parent"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["user", "unit", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]


@admin.register(GridAssignment)
class GridAssignmentAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["grid", "user", "duty", "since"]
    list_filter = ["duty"]
    search_fields = ["grid__code", "grid__name", "user__username", "user__first_name"]
    autocomplete_fields = ["grid", "user"]
    list_select_related = ["grid", "user"]


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["address", "head_name", "members_count", "grid"]
    search_fields = ["address", "head_name", "grid__code", "grid__name"]
    autocomplete_fields = ["grid"]
    list_select_related = ["grid"]


@admin.register(PartyMember)
class PartyMemberAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "grid"]
    search_fields = ["name", "grid__code", "grid__name"]
    autocomplete_fields = ["grid", "user", "households"]
    list_select_related = ["grid"]

    def save_related(self, request, form, formsets, change):
        before = sorted(form.instance.households.values_list("pk", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        after = sorted(form.instance.households.values_list("pk", flat=True))
        if before != after:
            audit_record(
                actor=request.user,
                action="party_member.households",
                object_type="partymember",
                object_id=form.instance.pk,
                before={"households": before},
                after={"households": after},
            )


@admin.register(HouseholdVisit)
class HouseholdVisitAdmin(ReadOnlyAdmin):
    list_display = ["household", "visitor", "visited_at", "note"]
    list_select_related = ["household", "visitor"]
