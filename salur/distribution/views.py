"""Web pages of in-kind distribution: events (recap, checks, BAST), the offline handover page, warehouses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from salur.core.access import can, nik_for
from salur.core.audit import audit_record
from salur.core.errors import PermissionDenied as AccessDenied
from salur.core.errors import SalurError
from salur.core.web import capability_required
from salur.distribution import selectors, services
from salur.distribution.bast import bast_write
from salur.distribution.models import DistributionEvent, EventStatus

STATIC_DIR = Path(__file__).resolve().parent / "static" / "distribution"


def _event_or_404(request: HttpRequest, pk: int) -> DistributionEvent:
    event = selectors.event_get(actor=request.user, pk=pk)
    if event is None:
        raise Http404("Kegiatan tidak ditemukan di wilayah Anda")
    return event


@login_required
@capability_required("distribution.view")
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "distribution/index.html",
        {
            "events": selectors.events_visible(request.user)[:100],
            "warehouses": selectors.warehouses_visible(request.user),
            "flags": selectors.receipt_markup_flags(actor=request.user),
            "tolerance": selectors.markup_tolerance_pct(),
        },
    )


@login_required
@capability_required("distribution.view")
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    recap = selectors.event_recap(event)
    recipients = list(selectors.event_recipients(event))
    for r in recipients:
        r.nik_shown = nik_for(request.user, r.member.nik)  # type: ignore[attr-defined]
    return render(
        request,
        "distribution/event_detail.html",
        {
            "event": event,
            "recap": recap,
            "checks": selectors.event_checks(event, recap),
            "recipients": recipients,
            "can_manage": can(request.user, "distribution.manage"),
            "can_handover": can(request.user, "distribution.handover") and event.status == EventStatus.ISSUED,
        },
    )


@login_required
@capability_required("distribution.manage")
@require_POST
def event_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    event = _event_or_404(request, pk)
    try:
        if action == "keluarkan":
            services.event_issue(actor=request.user, event=event)
            messages.success(request, "Barang dikeluarkan dari gudang.")
        elif action == "tutup":
            services.event_close(actor=request.user, event=event)
            messages.success(request, "Kegiatan ditutup; BAST siap diunduh.")
        else:
            raise Http404("Tindakan tidak dikenal")
    except AccessDenied as exc:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(str(exc)) from exc
    except SalurError as exc:
        messages.error(request, str(exc))
    return redirect("distribution:event_detail", pk=event.pk)


@login_required
@capability_required("distribution.view")
@require_GET
def event_bast(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    if event.status == EventStatus.DRAFT:
        raise Http404("BAST tersedia setelah barang dikeluarkan")
    path, digest = bast_write(event)
    audit_record(
        actor=request.user,
        action="distribution.bast.download",
        object_type="distribution.event",
        object_id=event.pk,
        detail={"sha256": digest},
    )
    response = HttpResponse(path.read_bytes(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response


@login_required
@capability_required("distribution.handover")
@require_GET
def handover_page(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    recipients = list(selectors.event_recipients(event))
    for r in recipients:
        r.nik_shown = nik_for(request.user, r.member.nik)  # type: ignore[attr-defined]
    return render(request, "distribution/handover.html", {"event": event, "recipients": recipients})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The offline worker, served under /penyaluran/ so that its scope covers the handover pages."""
    response = HttpResponse((STATIC_DIR / "sw.js").read_bytes(), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/penyaluran/"
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@capability_required("distribution.view")
@require_GET
def warehouse_detail(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = selectors.warehouse_get(actor=request.user, pk=pk)
    if warehouse is None:
        raise Http404("Gudang tidak ditemukan di wilayah Anda")
    try:
        on = (
            dt.date.fromisoformat(request.GET.get("tanggal", ""))
            if request.GET.get("tanggal")
            else dt.date.today()
        )
    except ValueError:
        on = dt.date.today()
        messages.error(request, "Tanggal tidak sah; dipakai tanggal hari ini")
    valuation = selectors.stock_valuation(warehouse, on)
    return render(
        request,
        "distribution/warehouse.html",
        {
            "warehouse": warehouse,
            "balances": selectors.stock_balances(warehouse),
            "moves": selectors.stock_moves(warehouse),
            "valuation": valuation,
            "valuation_total": sum(v.value for v in valuation),
            "on": on,
            "items": selectors.items_all(),
            "can_stock": can(request.user, "stock.manage"),
        },
    )


@login_required
@capability_required("stock.manage")
@require_POST
def warehouse_receive(request: HttpRequest, pk: int) -> HttpResponse:
    from salur.distribution.forms import ReceiptForm

    warehouse = selectors.warehouse_get(actor=request.user, pk=pk)
    if warehouse is None:
        raise Http404("Gudang tidak ditemukan di wilayah Anda")
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else field}: {' '.join(str(e) for e in errors)}",
            )
        return redirect("distribution:warehouse_detail", pk=pk)
    d = form.cleaned_data
    try:
        services.stock_receive(
            actor=request.user,
            warehouse=warehouse,
            item=d["item"],
            qty=d["qty"],
            unit_price=d["unit_price"],
            supplier=d["supplier"],
            document_no=d["document_no"],
            tanggal=d["tanggal"],
        )
        messages.success(request, f"Penerimaan {d['qty']} {d['item'].satuan} {d['item'].nama} dicatat.")
    except SalurError as exc:
        messages.error(request, str(exc))
    return redirect("distribution:warehouse_detail", pk=pk)


@login_required
@capability_required("distribution.view")
@require_GET
def visit_report(request: HttpRequest) -> HttpResponse:
    from salur.distribution.visit import visit_report as build

    try:
        start = dt.date.fromisoformat(request.GET.get("dari", ""))
        end = dt.date.fromisoformat(request.GET.get("sampai", ""))
    except ValueError:
        today = dt.date.today()
        start, end = today.replace(day=1), today
    wilayah = request.GET.get("wilayah", "").replace(".", "").strip()
    report = build(actor=request.user, start=start, end=end, kode_wilayah=wilayah)
    return render(
        request, "distribution/visit.html", {"report": report, "start": start, "end": end, "wilayah": wilayah}
    )
