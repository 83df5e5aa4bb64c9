"""Web pages of ATENSI: the case list with caseloads, and a case's file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from salur.atensi import selectors
from salur.core.access import nik_for
from salur.core.web import capability_required


@login_required
@capability_required("case.view")
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    cases = list(selectors.cases_visible(request.user)[:200])
    for c in cases:
        c.nik_shown = nik_for(request.user, c.member.nik)  # type: ignore[attr-defined]
    return render(
        request, "atensi/index.html", {"cases": cases, "caseloads": selectors.caseloads(request.user)}
    )


@login_required
@capability_required("case.view")
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(actor=request.user, pk=pk)
    if case is None:
        raise Http404("Kasus tidak ditemukan")
    return render(
        request,
        "atensi/case_detail.html",
        {
            "case": case,
            "nik_shown": nik_for(request.user, case.member.nik),
            "deliveries": case.event_recipients.select_related("event"),
        },
    )
