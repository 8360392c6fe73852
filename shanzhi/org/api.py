from django.utils.translation import gettext as _
from ninja import Router, Schema

from shanzhi.core.errors import InvalidInput
from shanzhi.core.privacy import mask_phone
from shanzhi.org import selectors
from shanzhi.territory.models import Region

router = Router(tags=["org"])

# The grids with their people and households are here, where both may be read, but keep the tag
# and the operation ids they were published under in the territory API: clients generate code
# from the document.
TERRITORY_TAGS = ["territory"]


class MembershipOut(Schema):
    unit_id: int
    unit_name: str
    unit_kind: str
    region_code: str
    role: str
    role_label: str


class MeOut(Schema):
    username: str
    name: str
    is_admin: bool
    memberships: list[MembershipOut]
    scope: list[str]


@router.get("/me", response=MeOut, summary="当前用户 · Who am I")
def me(request):
    user = request.user
    return {
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "is_admin": user.is_superuser,
        "memberships": [
            {
                "unit_id": m.unit_id,
                "unit_name": m.unit.name,
                "unit_kind": m.unit.kind,
                "region_code": m.unit.region_id,
                "role": m.role,
                "role_label": m.get_role_display(),
            }
            for m in selectors.user_roles(user)
        ],
        "scope": list(selectors.user_scope(user)),
    }


class HouseholdOut(Schema):
    id: int
    grid: str
    address: str
    head_name: str
    members_count: int
    phone: str  # masked: the register is a list


@router.get("/households", response=list[HouseholdOut], summary="住户名册 · Household register")
def households(request, grid: str):
    """A grid's household register, phones masked."""
    grid_obj = selectors.grid_get_for(request.user, grid)
    rows = selectors.households_visible_to(request.user).filter(grid=grid_obj)
    return [
        {
            "id": h.pk,
            "grid": h.grid_id,
            "address": h.address,
            "head_name": h.head_name,
            "members_count": h.members_count,
            "phone": mask_phone(h.phone),
        }
        for h in rows
    ]


class GridProperties(Schema):
    code: str
    name: str
    village_code: str
    village_name: str
    households: int


class GridFeature(Schema):
    type: str = "Feature"
    id: str
    geometry: dict
    properties: GridProperties


class GridCollection(Schema):
    type: str = "FeatureCollection"
    features: list[GridFeature]


@router.get(
    "/grids",
    response=GridCollection,
    summary="网格边界 · Grids as GeoJSON",
    tags=TERRITORY_TAGS,
    operation_id="shanzhi_territory_api_grids",
)
def grids(request, within: str | None = None):
    """The grids the caller may see, optionally only those inside region `within`."""
    if within and not Region.objects.filter(code=within).exists():
        raise InvalidInput(_("区划代码 %(code)s 不存在") % {"code": within}, "within")
    rows = list(selectors.grids_within_for(request.user, within).select_related("village"))
    households = selectors.household_counts_by_grid(g.code for g in rows)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": grid.code,
                "geometry": grid.geometry,
                "properties": {
                    "code": grid.code,
                    "name": grid.name,
                    "village_code": grid.village_id,
                    "village_name": grid.village.name,
                    "households": households.get(grid.code, 0),
                },
            }
            for grid in rows
        ],
    }


class GridPersonOut(Schema):
    username: str
    name: str
    duty: str
    duty_label: str


class GridOut(Schema):
    code: str
    name: str
    village_code: str
    village_name: str
    lon: float
    lat: float
    geometry: dict
    households: int
    party_members: int
    staff: list[GridPersonOut]


@router.get(
    "/grids/{code}",
    response=GridOut,
    summary="网格详情 · One grid",
    tags=TERRITORY_TAGS,
    operation_id="shanzhi_territory_api_grid_detail",
)
def grid_detail(request, code: str):
    grid = selectors.grid_get_for(request.user, code)
    people = selectors.grid_people(grid.code)
    return {
        "code": grid.code,
        "name": grid.name,
        "village_code": grid.village_id,
        "village_name": grid.village.name,
        "lon": grid.lon,
        "lat": grid.lat,
        "geometry": grid.geometry,
        "households": selectors.household_counts_by_grid([grid.code]).get(grid.code, 0),
        "party_members": len(people["party_members"]),
        "staff": [
            {
                "username": a.user.username,
                "name": a.user.get_full_name() or a.user.username,
                "duty": a.duty,
                "duty_label": a.get_duty_display(),
            }
            for a in people["assignments"]
        ],
    }
