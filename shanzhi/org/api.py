from ninja import Router, Schema

from shanzhi.core.privacy import mask_phone
from shanzhi.org import selectors
from shanzhi.territory.selectors import grid_get_for

router = Router(tags=["org"])


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
    grid_obj = grid_get_for(request.user, grid)
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
