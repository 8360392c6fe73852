from shanzhi.org.selectors import user_roles
from shanzhi.web.navigation import items_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "my_memberships": []}
    memberships = user_roles(user)
    return {
        "nav_items": items_for(user, {m.role for m in memberships}),
        "my_memberships": memberships,
    }
