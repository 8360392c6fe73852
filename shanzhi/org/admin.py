from contextvars import ContextVar

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UserChangeForm,
)
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from shanzhi.core.admin_mixins import ReadOnlyAdmin, ServiceAdmin
from shanzhi.org import services
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


# Who is changing a password on the person screen: Django's password view builds its form with
# the person only, and the service needs the actor too.
_password_actor: ContextVar = ContextVar("password_actor")


class PersonPasswordForm(AdminPasswordChangeForm):
    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        return services.person_password_set(
            actor=_password_actor.get(),
            user=self.user,
            password=self.cleaned_data["password1"] if usable else None,
        )


class PersonCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        fields = ("username", "first_name", "email")
        labels = {"first_name": _("姓名")}


class PersonChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        labels = {"first_name": _("姓名")}


admin.site.unregister(get_user_model())
# Roles are memberships (任职), not Django's permission groups, which nothing here reads.
admin.site.unregister(Group)


@admin.register(get_user_model())
class PersonAdmin(ServiceAdmin, UserAdmin):
    """People who sign in. The Chinese name is kept whole in `first_name` (姓名); roles are
    granted on the 任职 screen, where granting 系统管理员 makes the person an administrator."""

    inlines = [MembershipInline]
    list_display = ["username", "first_name", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_superuser"]
    search_fields = ["username", "first_name", "email"]
    form = PersonChangeForm
    add_form = PersonCreationForm
    change_password_form = PersonPasswordForm
    # Roles come from memberships, not from Django's groups and permissions: not shown here.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "email")}),
        (_("权限"), {"fields": ("is_active", "is_superuser")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "first_name",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.person_update(
                actor=request.user,
                user=obj,
                username=data["username"],
                full_name=data.get("first_name", ""),
                email=data.get("email", ""),
                is_active=data.get("is_active", True),
                is_superuser=data.get("is_superuser", False),
            )
            return
        usable = data.get("set_usable_password", True)
        person = services.person_create(
            actor=request.user,
            username=data["username"],
            full_name=data.get("first_name", ""),
            email=data.get("email", ""),
            password=data.get("password1") if usable else None,
        )
        obj.pk, obj._state.adding = person.pk, False

    def delete_model(self, request, obj):
        services.person_delete(actor=request.user, user=obj)

    def user_change_password(self, request, id, form_url=""):
        token = _password_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_actor.reset(token)


def _saved(obj, saved) -> None:
    """The admin redirects to and logs the object it built; point it at the service's row."""
    obj.pk, obj._state.adding = saved.pk, False


@admin.register(Unit)
class UnitAdmin(ServiceAdmin):
    list_display = ["name", "kind", "region", "parent", "is_active"]
    list_filter = ["kind", "is_active", "region__level"]
    search_fields = ["name", "region__name", "region__code"]
    autocomplete_fields = ["region", "parent"]
    list_select_related = ["region", "parent"]
    fields = ["name", "kind", "region", "parent", "phone", "is_active"]

    def save_model(self, request, obj, form, change):
        data = {
            "actor": request.user,
            "name": obj.name,
            "kind": obj.kind,
            "region": obj.region,
            "parent": obj.parent,
            "phone": obj.phone,
            "is_active": obj.is_active,
        }
        if change:
            services.unit_update(unit=obj, **data)
        else:
            _saved(obj, services.unit_create(**data))

    def delete_model(self, request, obj):
        services.unit_delete(actor=request.user, unit=obj)


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    """A role is granted by adding it and revoked by unticking 有效 (or with the action): the row
    stays as the history of who held it."""

    list_display = ["user", "unit", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["user", "unit", "role", "is_active"] if obj else ["user", "unit", "role"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "unit", "role"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change and not obj.is_active:
            services.membership_revoke(actor=request.user, membership=obj)
            return
        membership = services.membership_grant(
            actor=request.user, user=obj.user, unit=obj.unit, role=obj.role
        )
        _saved(obj, membership)

    @admin.action(description=_("撤销所选任职"))
    def revoke(self, request, queryset):
        for membership in queryset.filter(is_active=True):
            services.membership_revoke(actor=request.user, membership=membership)


@admin.register(GridAssignment)
class GridAssignmentAdmin(ServiceAdmin):
    list_display = ["grid", "user", "duty", "since"]
    list_filter = ["duty"]
    search_fields = ["grid__code", "grid__name", "user__username", "user__first_name"]
    autocomplete_fields = ["grid", "user"]
    list_select_related = ["grid", "user"]

    def get_readonly_fields(self, request, obj=None):
        return ["grid", "user"] if obj else []

    def save_model(self, request, obj, form, change):
        assignment = services.grid_assign(
            actor=request.user, grid=obj.grid, user=obj.user, duty=obj.duty, since=obj.since
        )
        _saved(obj, assignment)

    def delete_model(self, request, obj):
        services.grid_unassign(actor=request.user, assignment=obj)


@admin.register(Household)
class HouseholdAdmin(ServiceAdmin):
    list_display = ["address", "head_name", "members_count", "grid"]
    search_fields = ["address", "head_name", "grid__code", "grid__name"]
    autocomplete_fields = ["grid"]
    list_select_related = ["grid"]
    fields = ["grid", "address", "head_name", "members_count", "phone"]

    def get_readonly_fields(self, request, obj=None):
        return ["grid"] if obj else []

    def save_model(self, request, obj, form, change):
        row = {
            "address": obj.address,
            "head_name": obj.head_name,
            "members_count": obj.members_count,
            "phone": obj.phone,
        }
        if change:
            services.household_update(actor=request.user, household=obj, **row)
        else:
            [household] = services.households_register(
                actor=request.user, grid=obj.grid, rows=[row]
            )
            _saved(obj, household)

    def delete_model(self, request, obj):
        services.household_delete(actor=request.user, household=obj)


@admin.register(PartyMember)
class PartyMemberAdmin(ServiceAdmin):
    list_display = ["name", "grid"]
    search_fields = ["name", "grid__code", "grid__name"]
    autocomplete_fields = ["grid", "user", "households"]
    list_select_related = ["grid"]
    fields = ["grid", "name", "phone", "user", "households"]

    def get_readonly_fields(self, request, obj=None):
        return ["grid"] if obj else []

    def save_model(self, request, obj, form, change):
        data = {
            "actor": request.user,
            "name": obj.name,
            "phone": obj.phone,
            "user": obj.user,
            "households": list(form.cleaned_data.get("households") or []),
        }
        if change:
            services.party_member_update(member=obj, **data)
        else:
            _saved(obj, services.party_member_link(grid=obj.grid, **data))

    def save_related(self, request, form, formsets, change):
        pass  # the households were linked by the service, audited with the rest

    def delete_model(self, request, obj):
        services.party_member_delete(actor=request.user, member=obj)


@admin.register(HouseholdVisit)
class HouseholdVisitAdmin(ReadOnlyAdmin):
    list_display = ["household", "visitor", "visited_at", "note"]
    list_select_related = ["household", "visitor"]
