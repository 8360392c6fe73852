"""Reads of the territory app that depend on who asks."""

from django.db.models import QuerySet

from shanzhi.core.errors import NotFound
from shanzhi.core.scoping import in_scope, prefix_q
from shanzhi.org.selectors import user_scope
from shanzhi.territory.models import Grid, Region


def region_children(parent_code: str | None) -> QuerySet[Region]:
    """Region names and codes are public statistical data: anyone signed in may browse them."""
    if parent_code:
        return Region.objects.filter(parent_id=parent_code)
    return Region.objects.filter(parent__isnull=True)


def region_get(code: str) -> Region:
    if not (code.isascii() and code.isdigit() and len(code) == 12):
        raise NotFound()  # not a code at all: never sent to the database
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound()
    return region


def region_get_for(user, code: str) -> Region:
    """A region whose territory the user may see at least part of; else NotFound."""
    region = region_get(code)
    scope = user_scope(user)
    if not any(p.startswith(region.prefix) or region.prefix.startswith(p) for p in scope):
        raise NotFound()
    return region


def grids_visible_to(user) -> QuerySet[Grid]:
    return Grid.objects.filter(prefix_q("code", user_scope(user)))


def grids_within_for(user, within: str | None) -> QuerySet[Grid]:
    grids = grids_visible_to(user)
    if within:
        grids = grids.filter(code__startswith=region_get_for(user, within).prefix)
    return grids.order_by("code")


def grid_get_for(user, code: str) -> Grid:
    if not in_scope(code, user_scope(user)):
        raise NotFound()
    grid = Grid.objects.select_related("village").filter(code=code).first()
    if grid is None:
        raise NotFound()
    return grid


def _region_for_prefix(prefix: str) -> Region | None:
    """The deepest region whose prefix starts `prefix` (a common prefix of several codes)."""
    best = None
    for region in Region.objects.filter(code__in=_candidate_codes(prefix)):
        if prefix.startswith(region.prefix) and (
            best is None or len(region.prefix) > len(best.prefix)
        ):
            best = region
    return best


def _candidate_codes(prefix: str) -> list[str]:
    return [prefix[:n].ljust(12, "0") for n in range(2, min(len(prefix), 12) + 1)]


def territory_root_for(user) -> Region | None:
    """Where the user's map starts: the smallest region that holds all they may see."""
    scope = user_scope(user)
    if not scope:
        return None
    if "" in scope:
        codes = Grid.objects.order_by("code").values_list("code", flat=True)
        first, last = codes.first(), codes.last()
        if first is None:
            return None
        scope = (first, last)
    common = scope[0]
    for prefix in scope[1:]:
        while not prefix.startswith(common):
            common = common[:-1]
    return _region_for_prefix(common) if common else None


def region_breadcrumb(region: Region, root: Region) -> list[Region]:
    """From the user's root region down to `region`."""
    chain = []
    current = region
    while current is not None:
        chain.append(current)
        if current.code == root.code:
            break
        current = current.parent
    return list(reversed(chain))


def region_children_for(user, region: Region) -> list[Region]:
    """Child regions of `region` that hold something the user may see."""
    scope = user_scope(user)
    return [
        child
        for child in Region.objects.filter(parent=region).order_by("code")
        if "" in scope
        or any(p.startswith(child.prefix) or child.prefix.startswith(p) for p in scope)
    ]
