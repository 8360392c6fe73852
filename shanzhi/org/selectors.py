"""Reads of the org app that depend on who asks, starting with the scope every other app uses."""

from django.db.models import Count, QuerySet

from shanzhi.core.errors import NotFound
from shanzhi.core.scoping import ALL, prefix_q
from shanzhi.org.choices import SCOPED_ROLES
from shanzhi.org.models import GridAssignment, Household, Membership, PartyMember, Unit
from shanzhi.territory import selectors as territory
from shanzhi.territory.choices import territory_prefix
from shanzhi.territory.models import Grid, Region


def user_scope(user) -> tuple[str, ...]:
    """Territory prefixes the user may see: those of the units where they hold a staff role.
    Superusers and administrators see everything. Cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, "_shanzhi_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = ALL
    else:
        scope = tuple(
            sorted(
                {
                    territory_prefix(m.unit.region_id)
                    for m in user_roles(user)
                    if m.role in SCOPED_ROLES
                }
            )
        )
    user._shanzhi_scope = scope
    return scope


def user_roles(user) -> list[Membership]:
    """The user's active memberships of active units, with the unit and its region: read once per
    request (cached on the user object) for the scope, the roles and the navigation."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_shanzhi_roles", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True, unit__is_active=True)
            .select_related("unit", "unit__region")
            .order_by("unit__region_id", "role")
        )
        user._shanzhi_roles = cached
    return cached


def user_has_role(user, *roles: str) -> bool:
    return any(m.role in roles for m in user_roles(user))


def grids_visible_to(user) -> QuerySet[Grid]:
    return territory.grids_in_scope(user_scope(user))


def grids_within_for(user, within: str | None) -> QuerySet[Grid]:
    """The user's grids, only those inside region `within` when given."""
    return territory.grids_within_scope(user_scope(user), within)


def grid_get_for(user, code: str) -> Grid:
    return territory.grid_get_in_scope(user_scope(user), code)


def region_get_for(user, code: str) -> Region:
    """A region whose territory the user may see at least part of; else NotFound."""
    return territory.region_get_in_scope(user_scope(user), code)


def units_visible_to(user) -> QuerySet[Unit]:
    return Unit.objects.filter(prefix_q("region__code", user_scope(user))).select_related("region")


def households_visible_to(user) -> QuerySet[Household]:
    return Household.objects.filter(prefix_q("grid__code", user_scope(user)))


def household_counts_by_grid(grid_codes) -> dict[str, int]:
    rows = (
        Household.objects.filter(grid_id__in=list(grid_codes))
        .values("grid_id")
        .annotate(n=Count("pk"))
    )
    return {row["grid_id"]: row["n"] for row in rows}


def grid_people(grid_code: str) -> dict:
    """Who works in a grid: its leader and workers, and its party members with their links."""
    return {
        "assignments": list(
            GridAssignment.objects.filter(grid_id=grid_code).select_related("user").order_by("duty")
        ),
        "party_members": list(
            PartyMember.objects.filter(grid_id=grid_code).annotate(linked=Count("households"))
        ),
    }


def household_get_for(user, household_id: int) -> Household:
    household = households_visible_to(user).filter(pk=household_id).first()
    if household is None:
        raise NotFound()
    return household
