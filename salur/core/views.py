"""Core pages: the health endpoint (no login) and the auditor's audit-trail search."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from salur.core.audit import audit_verify
from salur.core.selectors import AuditFilters, audit_search
from salur.core.web import capability_required


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


# --- the auditor's page --------------------------------------------------------------------------------------

AUDIT_PAGE = 50


@login_required
@capability_required("audit.view")
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    """Search the audit trail by actor, object, action and time; verify the chain on request."""
    filters = AuditFilters(
        actor=request.GET.get("aktor", ""),
        action=request.GET.get("aksi", ""),
        object_type=request.GET.get("jenis", ""),
        object_id=request.GET.get("objek", ""),
        since=_date(request.GET.get("dari", "")),
        until=_date(request.GET.get("sampai", "")),
    )
    page = Paginator(audit_search(actor=request.user, filters=filters), AUDIT_PAGE).get_page(
        request.GET.get("page")
    )
    verify = audit_verify() if request.GET.get("periksa") == "1" else None
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "entries": [{"entry": e, "payload": json.loads(e.payload)} for e in page.object_list],
            "filters": filters,
            "verify": verify,
            "query": query.urlencode(),
            "section": "audit",
        },
    )


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
