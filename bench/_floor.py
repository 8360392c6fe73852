"""The floor for `shanzhi bench intake`: a bare Django view that inserts one row.

    python -m gunicorn bench._floor:application -w 2      (from the repository root)

Same settings, middleware and database as the application (shanzhi.settings), but this module is
the URLconf: POST /floor parses the JSON body and inserts it into `bench_floor` in a transaction
(201 with the new id); GET /healthz answers once the worker is up. The table is created with raw
SQL if missing, on SQLite or PostgreSQL. Nothing of the application is imported or changed.
"""

import json
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS bench_floor (id {pk}, payload text NOT NULL,"
    " created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)"
)


@csrf_exempt
@require_POST
def floor(request):
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "invalid JSON"}, status=400)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_floor (payload) VALUES (%s) RETURNING id",
            [json.dumps(payload, ensure_ascii=False)],
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def ensure_table() -> None:
    pk = (
        "integer PRIMARY KEY AUTOINCREMENT"
        if connection.vendor == "sqlite"
        else "serial PRIMARY KEY"
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(TABLE_SQL.format(pk=pk))
    except DatabaseError:
        pass  # the other worker created it at the same moment; a real failure shows as errors
    finally:
        connection.close()  # each worker opens its own connection on its first request


urlpatterns = [path("floor", floor), path("healthz", healthz)]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanzhi.settings")
settings.ROOT_URLCONF = __name__  # before setup: the application's URLs are never loaded
application = get_wsgi_application()
ensure_table()
