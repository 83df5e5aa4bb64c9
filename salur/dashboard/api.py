"""/api/v1/dashboard: the same aggregates as the page, scoped to the caller."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from salur.core.access import require
from salur.dashboard.selectors import dashboard

router = Router(tags=["dashboard"])


@router.get("/", url_name="dashboard_get")
def dashboard_get(request: HttpRequest, tahun: int | None = None) -> dict[str, Any]:
    """Ringkasan dasbor menurut wilayah kerja pemanggil."""
    actor = request.auth  # type: ignore[attr-defined]
    require(actor, "dashboard.view")
    data = dashboard(actor, year=tahun)
    data["generated_at"] = data["generated_at"].isoformat()
    return data
