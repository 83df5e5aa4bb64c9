"""Web pages of dataquality: the quality report (chart, trend, CSV), the duplicate review queue and pair page,
name-match candidates of the reference lists, and the history of records merged into a member.

A door like the API and the CLI: reads through selectors (scoped), writes through services (audited)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salur.core.access import can, nik_for
from salur.core.errors import NotFound, SalurError
from salur.core.web import capability_required
from salur.dataquality import selectors, services
from salur.dataquality.charts import bar_chart, line_chart
from salur.dataquality.forms import CandidateDecisionForm, PairDecisionForm
from salur.dataquality.models import PairKind

PAGE_SIZE = 25
TREND_METRICS = ("duplikat", "asn", "tni_polri", "meninggal", "nik_tgl_lahir", "kepala_tidak_satu")


def _totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {k: sum(int(r[k]) for r in rows) for k in services.QUALITY_METRICS}


@login_required
@require_GET
@capability_required("quality.view")
def index(request: HttpRequest) -> HttpResponse:
    rows = selectors.quality_report(actor=request.user)
    totals = _totals(rows)
    problems = [k for k in services.QUALITY_METRICS if k not in ("anggota", "keluarga")]
    chart = bar_chart(
        [(services.QUALITY_METRICS[k], totals[k]) for k in problems],
        title="Masalah kualitas data (wilayah Anda)",
    )
    trend = selectors.quality_trend(actor=request.user)[-12:]
    trend_chart = None
    if trend:
        trend_chart = line_chart(
            [t["taken_at"].strftime("%d/%m %H:%M") for t in trend],
            {services.QUALITY_METRICS[k]: [t["figures"].get(k, 0) for t in trend] for k in TREND_METRICS},
            title="Tren setelah setiap impor",
        )
    return render(
        request,
        "dataquality/index.html",
        {
            "rows": rows,
            "totals": totals,
            "metrics": services.QUALITY_METRICS,
            "chart": chart,
            "trend_chart": trend_chart,
            "open_pairs": selectors.pair_list(actor=request.user).count(),
            "open_candidates": selectors.list_candidates(actor=request.user).count(),
        },
    )


@login_required
@require_GET
@capability_required("quality.view")
def report_csv(request: HttpRequest) -> HttpResponse:
    rows = selectors.quality_report(actor=request.user)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["kode_kab", *services.QUALITY_METRICS])
    for r in rows:
        writer.writerow([r["kab"], *(r[k] for k in services.QUALITY_METRICS)])
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="laporan_kualitas_data.csv"'
    return response


@login_required
@require_GET
@capability_required("quality.view")
def pair_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "baru")
    if status not in ("baru", "digabung", "ditolak"):
        status = "baru"
    kind = request.GET.get("jenis", "")
    if kind not in ("", PairKind.PERSON, PairKind.HOUSEHOLD):
        kind = ""
    page = Paginator(selectors.pair_list(actor=request.user, status=status, kind=kind), PAGE_SIZE).get_page(
        request.GET.get("halaman")
    )
    return render(request, "dataquality/pair_queue.html", {"page": page, "status": status, "kind": kind})


COMPARED = (
    ("nik", "NIK"),
    ("nama", "Nama"),
    ("jenis_kelamin", "Jenis kelamin"),
    ("tanggal_lahir", "Tanggal lahir"),
    ("tempat_lahir", "Tempat lahir"),
    ("nama_ibu", "Nama ibu"),
    ("hubungan", "Hubungan dalam KK"),
    ("no_kk", "Nomor KK"),
    ("wilayah", "Wilayah"),
)


def _member_side(member: Any, user: Any) -> dict[str, str]:
    h = member.household
    return {
        "nik": nik_for(user, member.nik),
        "nama": member.nama,
        "jenis_kelamin": member.get_jenis_kelamin_display(),
        "tanggal_lahir": member.tanggal_lahir.strftime("%d-%m-%Y"),
        "tempat_lahir": member.tempat_lahir or "—",
        "nama_ibu": member.nama_ibu or "—",
        "hubungan": member.get_hubungan_display(),
        "no_kk": h.no_kk,
        "wilayah": f"{h.wilayah.nama} ({h.wilayah_id})",
    }


def _household_side(household: Any, user: Any) -> dict[str, str]:
    members = list(household.members.all())
    head = next((m for m in members if m.hubungan == "kepala_keluarga"), None)
    return {
        "no_kk": household.no_kk,
        "kepala": head.nama if head else "—",
        "anggota": ", ".join(sorted(m.nama for m in members)),
        "jumlah": str(len(members)),
        "wilayah": f"{household.wilayah.nama} ({household.wilayah_id})",
        "alamat": household.alamat or "—",
    }


@login_required
@require_http_methods(["GET", "POST"])
@capability_required("quality.view")
def pair_detail(request: HttpRequest, pair_id: int) -> HttpResponse:
    try:
        pair = selectors.pair_get(actor=request.user, pair_id=pair_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    form = PairDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can(request.user, "dedup.review"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Peran Anda tidak berwenang memutuskan pasangan duplikat")
        if form.is_valid():
            try:
                services.pair_decide(
                    actor=request.user,
                    pair_id=pair.pk,
                    merge=form.cleaned_data["keputusan"] == "gabung",
                    keep=form.cleaned_data.get("simpan") or "a",
                    note=form.cleaned_data.get("catatan", ""),
                )
            except SalurError as exc:
                form.add_error(None, str(exc))
            else:
                merged = form.cleaned_data["keputusan"] == "gabung"
                messages.success(
                    request,
                    "Pasangan ditandai duplikat dan digabung."
                    if merged
                    else "Pasangan ditolak: bukan duplikat.",
                )
                return redirect("dataquality:pair_queue")
    if pair.kind == PairKind.PERSON:
        a, b = _member_side(pair.member_a, request.user), _member_side(pair.member_b, request.user)
        fields: tuple[tuple[str, str], ...] = COMPARED
    else:
        a, b = (
            _household_side(pair.household_a, request.user),
            _household_side(pair.household_b, request.user),
        )
        fields = (
            ("no_kk", "Nomor KK"),
            ("kepala", "Kepala keluarga"),
            ("anggota", "Anggota"),
            ("jumlah", "Jumlah anggota"),
            ("wilayah", "Wilayah"),
            ("alamat", "Alamat"),
        )
    rows = [{"label": label, "a": a[key], "b": b[key], "differs": a[key] != b[key]} for key, label in fields]
    return render(
        request,
        "dataquality/pair_detail.html",
        {"pair": pair, "rows": rows, "form": form, "can_decide": can(request.user, "dedup.review")},
    )


@login_required
@require_GET
@capability_required("quality.view")
def candidate_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "baru")
    if status not in ("baru", "dikonfirmasi", "ditolak"):
        status = "baru"
    page = Paginator(selectors.list_candidates(actor=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("halaman")
    )
    return render(request, "dataquality/candidate_list.html", {"page": page, "status": status})


@login_required
@require_POST
@capability_required("dedup.review")
def candidate_decide(request: HttpRequest, candidate_id: int) -> HttpResponse:
    form = CandidateDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Keputusan tidak dikenal.")
        return redirect("dataquality:candidate_list")
    try:
        services.list_candidate_decide(
            actor=request.user,
            candidate_id=candidate_id,
            confirm=form.cleaned_data["keputusan"] == "konfirmasi",
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except SalurError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Keputusan disimpan.")
    return redirect("dataquality:candidate_list")


@login_required
@require_GET
@capability_required("quality.view")
def member_merged(request: HttpRequest, member_id: int) -> HttpResponse:
    """The history of every record merged into this member: the registry's history is append-only, so the
    duplicate's history is linked here rather than moved."""
    from salur.registry.models import RegistryChange

    try:
        merges = selectors.merged_into(actor=request.user, member_id=member_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    items = []
    for m in merges:
        if m.member is not None:
            keys = [m.member.nik]
        elif m.household is not None:
            keys = list(m.household.members.values_list("nik", flat=True))
        else:
            keys = []
        changes = RegistryChange.objects.filter(entity="member", key__in=keys).order_by("-at")[:100]
        items.append({"merge": m, "niks": [nik_for(request.user, k) for k in keys], "changes": changes})
    return render(request, "dataquality/member_merged.html", {"items": items, "member_id": member_id})
