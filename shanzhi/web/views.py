import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from shanzhi.command import selectors as command_selectors
from shanzhi.core.errors import (
    DATABASE_OUTAGE,
    DATABASE_OUTAGE_MESSAGE,
    DATABASE_OUTAGE_RETRY_AFTER,
)
from shanzhi.core.selectors import workers_alive
from shanzhi.org.access import Actor
from shanzhi.org.choices import Role
from shanzhi.org.selectors import grids_visible_to, user_scope
from shanzhi.web import metrics as web_metrics


@login_required
def home(request):
    """The workbench: who I am, where I work, and what I can reach from here. A leader's shows
    their territory's figures and red cards instead of inboxes they do not work from."""
    scope = user_scope(request.user)
    return render(
        request,
        "web/home.html",
        {
            "scope": scope,
            "grid_count": grids_visible_to(request.user).count() if scope else 0,
            "leader": _leader_workbench(request.user),
        },
    )


def _leader_workbench(user) -> dict | None:
    if not (user.is_authenticated and Actor.of(user).has_role({Role.LEADER})):
        return None
    scope = command_selectors.parse_scope(user, {})
    overview = command_selectors.leader_overview(scope)
    orders = reverse("command-orders")
    return {
        "scope": scope,
        "overview": overview,
        "links": {
            name: orders + "?" + urlencode({**scope.params, "live": name})
            for name in ("open", "overdue", "warned", "red")
        },
        "dashboard": reverse("command-dashboard") + "?" + urlencode(scope.params),
        "assessment": reverse("command-assessment") + "?" + urlencode(scope.params),
    }


def server_error(request):
    """Django's handler500, but a database outage (a restart, a fail-over) is 503 with
    Retry-After: nothing is wrong with the request, and it will work again in seconds. Called
    while the exception is being handled, so sys.exc_info() names it."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_OUTAGE):
        retry = str(DATABASE_OUTAGE_RETRY_AFTER)
        if request.path.startswith(("/api/", "/open311/")) or "json" in request.headers.get(
            "Accept", ""
        ):
            response = JsonResponse(
                {"detail": str(DATABASE_OUTAGE_MESSAGE), "errors": []}, status=503
            )
        else:
            # Without the request: the context processors would ask the database for the user.
            page = loader.render_to_string("503.html", {"retry_after": retry})
            response = HttpResponse(page, status=503)
        response["Retry-After"] = retry
        return response
    return HttpResponse(loader.render_to_string("500.html"), status=500)


@never_cache
@require_GET
def metrics(request):
    """Prometheus' text format, for a scraper with the token or from an allowed address."""
    if not web_metrics.allowed(request):
        return HttpResponse(status=403)
    return HttpResponse(web_metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        response = JsonResponse({"status": "error", "database": "unreachable"}, status=503)
        response["Retry-After"] = str(DATABASE_OUTAGE_RETRY_AFTER)
        return response
    lag_events, lag_seconds = command_selectors.fold_lag()
    # A fold that lags leaves the dashboard's figures behind: degraded, not failed (still 200).
    status = "degraded" if lag_seconds > settings.FOLD_LAG_DEGRADED_SECONDS else "ok"
    return JsonResponse(
        {
            "status": status,
            "database": "ok",
            "workers": workers_alive(),
            "fold": {"lag_events": lag_events, "lag_seconds": lag_seconds},
        }
    )


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer once an account or an address is locked: the login form again, with
    the reason and no hint whether the password was right (AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request)
    form.fields["username"].initial = (credentials or {}).get("username", "")
    response = render(
        request,
        "registration/login.html",
        {
            "form": form,
            "locked_message": _(
                "登录失败次数过多，该账号或当前网络地址已被暂时锁定，请 %(minutes)d 分钟后再试；"
                "如需立即解除，请联系系统管理员。"
            )
            % {"minutes": minutes},
            "next": request.POST.get("next", "") if request.method == "POST" else "",
        },
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
