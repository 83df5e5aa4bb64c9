"""Web page of targeting: the active PMT model, its errors before and after calibration, the last score run, and
the buttons that calibrate and score (the same services as `salur targeting calibrate` and `score`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from salur.core.access import can
from salur.core.errors import PermissionDenied as AccessDenied
from salur.core.errors import SalurError
from salur.core.web import capability_required
from salur.targeting import pmt
from salur.targeting.forms import CalibrateForm
from salur.targeting.selectors import active_model, model_versions, score_run_latest
from salur.targeting.services import CalibrationReport, pmt_calibrate, pmt_score

VERSIONS_SHOWN = 10


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%".replace(".", ",")


def metric_rows(metrics: dict[str, Any], before_label: str) -> list[dict[str, str]]:
    """The before/after table of a calibration report (pmt.Calibration.metrics) for the page."""
    rows = []
    for key, label in (
        ("before", before_label),
        ("after", "Sesudah kalibrasi (validasi silang)"),
        ("after_in_sample", "Sesudah kalibrasi (dalam sampel)"),
    ):
        m = metrics.get(key)
        if not m:
            continue
        rows.append(
            {
                "label": label,
                "r2": f"{m['r2']:.3f}".replace(".", ","),
                "rmse": f"{m['rmse']:.3f}".replace(".", ","),
                "inclusion": _pct(m["inclusion_error"]),
                "inclusion_count": f"{m['included_wrongly']} / {m['selected']}",
                "exclusion": _pct(m["exclusion_error"]),
                "exclusion_count": f"{m['excluded_wrongly']} / {m['poor']}",
            }
        )
    return rows


def _page(
    request: HttpRequest, *, form: CalibrateForm, report: CalibrationReport | None = None
) -> HttpResponse:
    model = active_model()
    run = score_run_latest()
    stored = model.metrics
    context = {
        "model": model,
        "weights": [
            {"name": n, "label": label, "weight": f"{w:+.4f}".replace(".", ",")}
            for n, label, w in pmt.describe(model.weights)
        ],
        "intercept": f"{model.weights.intercept:.4f}".replace(".", ","),
        "model_rows": metric_rows(stored, "Sebelum kalibrasi (model sebelumnya)") if stored else [],
        "model_sample": stored.get("sample"),
        "run": run,
        "versions": list(model_versions()[:VERSIONS_SHOWN]),
        "form": form,
        "can_run": can(request.user, "targeting.run"),
        "report": report.as_dict() if report else None,
        "report_rows": metric_rows(report.as_dict(), f"Model aktif ({model.label})") if report else [],
    }
    return render(request, "targeting/index.html", context)


@login_required
@require_GET
@capability_required("targeting.view")
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, form=CalibrateForm())


@login_required
@require_POST
@capability_required("targeting.run")
def calibrate(request: HttpRequest) -> HttpResponse:
    form = CalibrateForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form)
    try:
        report = pmt_calibrate(
            actor=request.user, folds=form.cleaned_data["folds"], activate=form.cleaned_data["activate"]
        )
    except AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except SalurError as exc:
        form.add_error(None, str(exc))
        return _page(request, form=form)
    if report.activated is not None:
        messages.success(
            request,
            f"Model PMT v{report.activated.version} aktif. Jalankan penilaian agar desil hitungan diperbarui.",
        )
        return redirect("targeting:index")
    return _page(request, form=CalibrateForm(initial=form.cleaned_data), report=report)


@login_required
@require_POST
@capability_required("targeting.run")
def score(request: HttpRequest) -> HttpResponse:
    try:
        run = pmt_score(actor=request.user)
    except AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except SalurError as exc:
        messages.error(request, str(exc))
        return redirect("targeting:index")
    messages.success(
        request,
        f"Skor PMT dihitung untuk {run.households} keluarga: {run.computed} mendapat desil hitungan, "
        f"{run.supplied} tetap dengan desil dari data, {run.changed} baris berubah.",
    )
    return redirect("targeting:index")
