"""The dashboard page: server-rendered SVG bars (no chart library, no script), scoped to the viewer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from salur.core.web import capability_required
from salur.dashboard.selectors import dashboard


@login_required
@capability_required("dashboard.view")
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    year = request.GET.get("tahun", "")
    data = dashboard(request.user, year=int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None)
    return render(request, "dashboard/index.html", {"d": data})
