"""The pages of a person's territory: the grid map and one grid's page with its staff, party
members and households. They live here, not in territory, because what they show depends on
the person's memberships (their scope) and on org's own rows."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shanzhi.core.errors import Forbidden, NotFound, ServiceError
from shanzhi.core.privacy import mask_phone
from shanzhi.core.text import clean_text
from shanzhi.org.models import GridAssignment
from shanzhi.org.selectors import grid_get_for, grid_people, households_visible_to, user_scope
from shanzhi.org.services import household_visit_record
from shanzhi.territory import selectors as territory


@login_required
def territory_map(request):
    """The grids of the user's territory on a map, with drill-down through the regions."""
    scope = user_scope(request.user)
    root = territory.territory_root_of(scope)
    if root is None:
        raise Http404
    within = request.GET.get("within") or root.code
    region = territory.region_get_in_scope(scope, within)
    if not region.prefix.startswith(root.prefix):
        region = root
    return render(
        request,
        "org/map.html",
        {
            "region": region,
            "breadcrumb": territory.region_breadcrumb(region, root),
            "children": territory.region_children_in_scope(scope, region),
            "grid_count": territory.grids_within_scope(scope, region.code).count(),
            "map_config": {
                "gridsUrl": f"/api/v1/grids?within={region.code}",
                "gridPageUrl": "/territory/grids/",
                # Open sensor alarms (物联感知告警), redrawn every refresh seconds.
                "alarmsUrl": f"/api/v1/alarm-events?within={region.code}",
                "alarmsRefreshSeconds": 10,
                **territory.map_base(),
                "centre": [region.lat, region.lon] if region.lat is not None else None,
            },
        },
    )


@login_required
def grid_page(request, code: str):
    grid = grid_get_for(request.user, code)
    people = grid_people(grid.code)
    households = (
        households_visible_to(request.user)
        .filter(grid=grid)
        .annotate(visits_count=Count("visits"), last_visit=Max("visits__visited_at"))
        .order_by("address")
    )
    return render(
        request,
        "org/grid.html",
        {
            "grid": grid,
            "assignments": people["assignments"],
            "party_members": people["party_members"],
            "households": [(h, mask_phone(h.phone)) for h in households],
            "may_visit": GridAssignment.objects.filter(grid=grid, user=request.user).exists(),
            "breadcrumb": [r for r in [grid.village.parent, grid.village] if r is not None],
            "map_config": {
                "geometry": grid.geometry,
                **territory.map_base(),
            },
        },
    )


@login_required
@require_POST
def household_visit(request, code: str, household_id: int):
    """入户走访 recorded from the grid page by one of the grid's workers."""
    grid = grid_get_for(request.user, code)
    try:
        household_visit_record(
            actor=request.user,
            household_id=household_id,
            note=clean_text(request.POST.get("note", "")),
        )
    except (NotFound, Forbidden):
        raise  # the 404 / 403 page (core.middleware.ServiceErrorMiddleware)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已登记走访"))
    return redirect("grid-page", code=grid.code)
