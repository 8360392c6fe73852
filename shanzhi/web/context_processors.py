from shanzhi.core.checks import calendar_gaps
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


def calendar_notice(request):
    """The working-day calendar's gaps (core.checks.calendar_gaps), for the banner of the staff
    pages and the admin's home: shown to those who can change the calendar, from November on
    for next year and always for this year, until the official arrangement is imported."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    if not user.has_perm("core.change_calendarday"):
        return {}
    return {"calendar_gaps": calendar_gaps()}
