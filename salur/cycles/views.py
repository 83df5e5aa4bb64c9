"""Web pages of cycles and their money: list, cycle page (totals, reasons, approval, files, status upload,
reconciliation, report with chart, verification samples) and the actions on it. Services decide; views translate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from salur.core.access import can
from salur.core.errors import NotFound, SalurError
from salur.core.errors import PermissionDenied as AccessDenied
from salur.core.web import capability_required
from salur.cycles import reports
from salur.cycles.models import Cycle, CycleStatus
from salur.cycles.services import approval_state, cycle_approve, cycle_cancel, cycle_create, cycle_for
from salur.payments.models import ExportFile, PaymentBatch, VerificationSample
from salur.payments.selectors import reconciliation
from salur.payments.services import (
    batch_approvals,
    followup_approve,
    followup_create,
    payments_export,
    status_import,
)
from salur.payments.verification import estimate, sample_draw

REASON_TEXT = {
    "DESIL_DI_ATAS_BATAS": "desil di atas batas program",
    "ANGGOTA_ASN": "ada anggota ASN",
    "ANGGOTA_TNI_POLRI": "ada anggota TNI/Polri",
    "TANPA_ANGGOTA_HIDUP": "tidak ada anggota yang masih hidup",
    "TANPA_KOMPONEN": "tidak ada komponen PKH",
    "TANPA_DESIL": "belum ada desil",
    "ATURAN_PROGRAM": "tidak memenuhi aturan program",
}
MAX_STATUS_BYTES = 200 * 1024 * 1024


def exports_dir(cycle: Cycle) -> Path:
    return Path(settings.VAR_DIR) / "exports" / cycle.code


class CycleCreateForm(forms.Form):
    program = forms.CharField(label="Program", max_length=20)
    period = forms.CharField(label="Periode", max_length=10, help_text="2024-T2 (tahap) atau 2024-05 (bulan)")


class StatusUploadForm(forms.Form):
    berkas = forms.FileField(label="Berkas status (CSV)")

    def clean_berkas(self):
        f = self.cleaned_data["berkas"]
        if f.size > MAX_STATUS_BYTES:
            raise forms.ValidationError("Berkas terlalu besar (maksimal 200 MB)")
        if not (f.name or "").lower().endswith(".csv"):
            raise forms.ValidationError("Berkas status harus berformat .csv")
        return f


class SampleForm(forms.Form):
    confidence = forms.ChoiceField(
        label="Tingkat kepercayaan",
        choices=[("0.90", "90%"), ("0.95", "95%"), ("0.99", "99%")],
        initial="0.95",
    )
    margin = forms.ChoiceField(
        label="Margin galat",
        choices=[("0.01", "1%"), ("0.03", "3%"), ("0.05", "5%"), ("0.10", "10%")],
        initial="0.05",
    )
    stratify = forms.ChoiceField(
        label="Strata",
        choices=[("", "Tanpa strata"), ("provinsi", "Per provinsi"), ("kabupaten", "Per kabupaten/kota")],
        required=False,
    )


def _cycle_or_404(request: HttpRequest, code: str) -> Cycle:
    try:
        return cycle_for(request.user, code)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _refusal(request: HttpRequest, exc: SalurError) -> None:
    if isinstance(exc, AccessDenied):
        raise PermissionDenied(str(exc)) from exc
    messages.error(request, str(exc))


@login_required
@capability_required("cycle.view")
@require_GET
def cycle_list(request: HttpRequest) -> HttpResponse:
    cycles = Cycle.objects.select_related("program", "created_by").order_by("-created_at", "code")[:200]
    return render(
        request,
        "cycles/cycle_list.html",
        {"cycles": cycles, "form": CycleCreateForm(), "can_create": can(request.user, "cycle.create")},
    )


@login_required
@capability_required("cycle.create")
@require_POST
def cycle_new(request: HttpRequest) -> HttpResponse:
    form = CycleCreateForm(request.POST)
    if form.is_valid():
        try:
            cycle = cycle_create(
                actor=request.user, program=form.cleaned_data["program"], period=form.cleaned_data["period"]
            )
        except SalurError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, f"Siklus {cycle.code} dibuat: {cycle.eligible} KPM layak.")
            return redirect("cycles:detail", code=cycle.code)
    else:
        messages.error(request, "Isi program dan periode.")
    return redirect("cycles:index")


def _chart(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    top = max((r[key] for r in rows), default=0) or 1
    return [{**r, "width": round(480 * r[key] / top, 1), "y": 26 * i} for i, r in enumerate(rows)]


@login_required
@capability_required("cycle.view")
@require_GET
def cycle_detail(request: HttpRequest, code: str) -> HttpResponse:
    cycle = _cycle_or_404(request, code)
    user = request.user
    report = reports.cycle_report(cycle, actor=user, level="kabupaten")
    regions = reports.by_region(report).sort("rupiah", descending=True).to_dicts()
    batches = list(PaymentBatch.objects.filter(cycle=cycle).order_by("number"))
    files = (
        ExportFile.objects.filter(batch__cycle=cycle)
        .select_related("batch")
        .order_by("batch__number", "channel")
    )
    state = approval_state(cycle)
    samples = VerificationSample.objects.filter(cycle=cycle).order_by("-created_at")[:10]
    context = {
        "cycle": cycle,
        "headline": reports.headline(cycle, actor=user),
        "reasons": [(code, n, REASON_TEXT.get(code, code)) for code, n in sorted(cycle.not_eligible.items())],
        "state": state,
        "batches": [(b, batch_approvals(b)) for b in batches],
        "files": files,
        "recon": reconciliation(cycle, actor=user) if batches else None,
        "regions": regions[:40],
        "chart": _chart(regions[:15], "rupiah"),
        "chart_height": 26 * min(len(regions), 15),
        "samples": samples,
        "status_form": StatusUploadForm(),
        "sample_form": SampleForm(),
        "can_approve": can(user, "cycle.approve")
        and cycle.status == CycleStatus.DIHITUNG
        and cycle.created_by_id != user.pk
        and all(a["user"] != user.username for a in state["approvals"]),
        "can_cancel": can(user, "cycle.create")
        and cycle.status in (CycleStatus.DIHITUNG, CycleStatus.DISETUJUI),
        "can_export": can(user, "payments.export")
        and cycle.status in (CycleStatus.DISETUJUI, CycleStatus.DIEKSPOR),
        "can_status": can(user, "payments.status") and cycle.status == CycleStatus.DIEKSPOR,
        "can_followup": can(user, "payments.export") and cycle.status == CycleStatus.DIEKSPOR,
        "can_batch_approve": can(user, "cycle.approve"),
        "can_sample": can(user, "payments.export") and cycle.status == CycleStatus.DIEKSPOR,
    }
    return render(request, "cycles/cycle_detail.html", context)


@login_required
@capability_required("cycle.approve")
@require_POST
def cycle_approve_view(request: HttpRequest, code: str) -> HttpResponse:
    cycle = _cycle_or_404(request, code)
    try:
        cycle = cycle_approve(actor=request.user, code=cycle.code, note=request.POST.get("note", ""))
    except SalurError as exc:
        _refusal(request, exc)
    else:
        done = cycle.status == CycleStatus.DISETUJUI
        messages.success(
            request, "Siklus disetujui." if done else "Persetujuan dicatat; menunggu penyetuju berikutnya."
        )
    return redirect("cycles:detail", code=cycle.code)


@login_required
@capability_required("cycle.create")
@require_POST
def cycle_cancel_view(request: HttpRequest, code: str) -> HttpResponse:
    cycle = _cycle_or_404(request, code)
    try:
        cycle_cancel(actor=request.user, code=cycle.code, reason=request.POST.get("reason", ""))
    except SalurError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"Siklus {cycle.code} dibatalkan; komitmen anggaran dilepas.")
    return redirect("cycles:detail", code=cycle.code)


@login_required
@capability_required("payments.export")
@require_POST
def cycle_export_view(request: HttpRequest, code: str) -> HttpResponse:
    cycle = _cycle_or_404(request, code)
    try:
        written = payments_export(actor=request.user, code=cycle.code, out_dir=exports_dir(cycle))
    except SalurError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"{len(written)} berkas pembayaran ditulis.")
    return redirect("cycles:detail", code=cycle.code)


@login_required
@capability_required("payments.export")
@require_GET
def cycle_file(request: HttpRequest, code: str, name: str) -> Any:
    """A payment file or its manifest, as exported (written again, byte-identical, if the folder was cleaned)."""
    cycle = _cycle_or_404(request, code)
    csv_name = name[:-5] + ".csv" if name.endswith(".json") else name
    if not ExportFile.objects.filter(batch__cycle=cycle, file_name=csv_name).exists():
        raise Http404("Berkas tidak ditemukan")
    path = exports_dir(cycle) / name
    if not path.exists():
        payments_export(actor=request.user, code=cycle.code, out_dir=exports_dir(cycle))
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
@capability_required("payments.status")
@require_POST
def cycle_status_upload(request: HttpRequest, code: str) -> HttpResponse:
    cycle = _cycle_or_404(request, code)
    form = StatusUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
        return redirect("cycles:detail", code=cycle.code)
    upload = form.cleaned_data["berkas"]
    folder = Path(settings.VAR_DIR) / "status"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dt.datetime.now():%Y%m%d%H%M%S}-{request.user.pk}.csv"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        result = status_import(actor=request.user, path=path, file_name=(upload.name or "status.csv")[:200])
    except SalurError as exc:
        _refusal(request, exc)
        return redirect("cycles:detail", code=cycle.code)
    if result.already_imported:
        messages.warning(request, "Berkas ini sudah pernah diimpor; tidak ada yang berubah.")
    else:
        problems = ", ".join(f"{k}: {v}" for k, v in result.problems.items() if v) or "tidak ada"
        messages.success(
            request,
            f"{result.rows} baris dibaca, {result.applied} diterapkan, {result.unchanged} sudah tercatat; "
            f"baris bermasalah: {problems}.",
        )
    return redirect("cycles:detail", code=cycle.code)


@login_required
@capability_required("payments.export")
@require_POST
def cycle_followup(request: HttpRequest, code: str) -> HttpResponse:
    cycle = _cycle_or_404(request, code)
    try:
        batch = followup_create(actor=request.user, code=cycle.code)
    except SalurError as exc:
        _refusal(request, exc)
    else:
        messages.success(
            request, f"Batch susulan #{batch.number}: {batch.payments} pembayaran, menunggu persetujuan."
        )
    return redirect("cycles:detail", code=cycle.code)


@login_required
@capability_required("cycle.approve")
@require_POST
def cycle_followup_approve(request: HttpRequest, code: str, number: int) -> HttpResponse:
    cycle = _cycle_or_404(request, code)
    try:
        followup_approve(actor=request.user, code=cycle.code, number=number)
    except SalurError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"Batch susulan #{number} disetujui.")
    return redirect("cycles:detail", code=cycle.code)


@login_required
@capability_required("payments.export")
@require_POST
def cycle_sample(request: HttpRequest, code: str) -> HttpResponse:
    cycle = _cycle_or_404(request, code)
    form = SampleForm(request.POST)
    if form.is_valid():
        try:
            sample = sample_draw(
                actor=request.user,
                code=cycle.code,
                confidence=float(form.cleaned_data["confidence"]),
                margin=float(form.cleaned_data["margin"]),
                stratify=form.cleaned_data["stratify"] or "",
            )
        except SalurError as exc:
            _refusal(request, exc)
        else:
            messages.success(
                request, f"Sampel verifikasi ditarik: {sample.size} dari {sample.population} penerima."
            )
            return redirect("payments:sample", sample_id=sample.pk)
    return redirect("cycles:detail", code=cycle.code)


@login_required
@capability_required("cycle.view")
@require_GET
def cycle_report_download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    cycle = _cycle_or_404(request, code)
    level = request.GET.get("tingkat", "kabupaten")
    if level not in ("provinsi", "kabupaten"):
        level = "kabupaten"
    frame = reports.cycle_report(cycle, actor=request.user, level=level)
    name = f"laporan_{cycle.code}_{level}"
    if fmt == "xlsx":
        data = reports.to_xlsx(frame, title=reports.headline(cycle, actor=request.user))
        response = HttpResponse(
            data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(reports.to_csv(frame), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def sample_estimate(sample: VerificationSample) -> dict[str, Any]:
    return estimate(sample)
