"""Web pages of santunan: claims in the actor's region with their status."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from salur.core.access import nik_for
from salur.core.web import capability_required
from salur.santunan import selectors


@login_required
@capability_required("santunan.view")
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    claims = list(selectors.claims_visible(request.user)[:200])
    for c in claims:
        c.nik_shown = nik_for(request.user, c.victim.member.nik)  # type: ignore[attr-defined]
    return render(
        request,
        "santunan/index.html",
        {"claims": claims, "disasters": selectors.disasters_visible(request.user)[:50]},
    )
