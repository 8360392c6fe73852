from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shanzhi.org.selectors import user_scope
from shanzhi.territory.selectors import grids_visible_to


@login_required
def home(request):
    """The workbench: who I am, where I work, and what I can reach from here."""
    scope = user_scope(request.user)
    return render(
        request,
        "web/home.html",
        {"scope": scope, "grid_count": grids_visible_to(request.user).count() if scope else 0},
    )


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
