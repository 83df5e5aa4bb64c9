"""Core pages: the health endpoint (no login) and the auditor's audit-trail search."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: 200 when the database answers and the schema is current."""
    checks: dict[str, str] = {}
    status = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        checks["migrations"] = "ok" if not pending else f"{len(pending)} belum dijalankan"
        if pending:
            status = 503
    except Exception:
        checks["database"] = "tidak terjangkau"
        status = 503
    return JsonResponse({"status": "ok" if status == 200 else "gagal", "checks": checks}, status=status)
