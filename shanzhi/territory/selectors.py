"""Reads of the territory app. Those that depend on who asks take the asker's scope (a tuple of
code prefixes, `core.scoping`) rather than a user: territory sits below org, where a person's
scope is worked out (`org.selectors.user_scope`, and `grids_visible_to(user)` and the like)."""

from django.conf import settings
from django.db.models import QuerySet

from shanzhi.core.errors import NotFound
from shanzhi.core.scoping import in_scope, prefix_q
from shanzhi.territory.models import Grid, Region, RegionOutline


def region_children(parent_code: str | None) -> QuerySet[Region]:
    """Region names and codes are public statistical data: anyone signed in may browse them."""
    if parent_code:
        return Region.objects.filter(parent_id=parent_code)
    return Region.objects.filter(parent__isnull=True)


def map_base() -> dict:
    """What every map draws first (territory/basemap.js): the configured tile layers, and the
    URL of the region outlines drawn over them, or alone on an offline install."""
    return {"tiles": settings.MAP_BASE_LAYERS, "outlinesUrl": "/api/v1/public/outlines"}


def outlines_within(region: Region | None = None) -> QuerySet[RegionOutline]:
    """Region outlines are public map data: the region's own and those of the regions in it."""
    outlines = RegionOutline.objects.select_related("region").order_by("region__code")
    if region is not None:
        outlines = outlines.filter(region__code__startswith=region.prefix)
    return outlines


def region_get(code: str) -> Region:
    if not (code.isascii() and code.isdigit() and len(code) == 12):
        raise NotFound()  # not a code at all: never sent to the database
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound()
    return region


def _overlaps(scope, region: Region) -> bool:
    return any(p.startswith(region.prefix) or region.prefix.startswith(p) for p in scope)


def region_get_in_scope(scope, code: str) -> Region:
    """A region of which the scope holds at least part; else NotFound."""
    region = region_get(code)
    if not _overlaps(scope, region):
        raise NotFound()
    return region


def grids_in_scope(scope) -> QuerySet[Grid]:
    return Grid.objects.filter(prefix_q("code", scope))


def grids_within_scope(scope, within: str | None) -> QuerySet[Grid]:
    """The scope's grids, only those inside region `within` when given (NotFound when the scope
    holds nothing of it)."""
    grids = grids_in_scope(scope)
    if within:
        grids = grids.filter(code__startswith=region_get_in_scope(scope, within).prefix)
    return grids.order_by("code")


def grid_get_in_scope(scope, code: str) -> Grid:
    if not in_scope(code, scope):
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


def territory_root_of(scope) -> Region | None:
    """Where a map of the scope starts: the smallest region that holds all of it."""
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
    """From the root region of a map down to `region`."""
    chain = []
    current = region
    while current is not None:
        chain.append(current)
        if current.code == root.code:
            break
        current = current.parent
    return list(reversed(chain))


def region_children_in_scope(scope, region: Region) -> list[Region]:
    """Child regions of `region` that hold something of the scope."""
    return [
        child
        for child in Region.objects.filter(parent=region).order_by("code")
        if "" in scope or _overlaps(scope, child)
    ]
