"""Web pages of the registry: search, household page, household/member forms, import upload and progress.

A door like the API and the CLI: reads go through selectors (which apply the actor's region scope), writes go
through services (which apply the exchange format's rules, contract: registry-exchange.md). What is left here is
turning requests into calls and results into pages.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from salur.core.access import account_for
from salur.core.errors import PermissionDenied as AccessDenied
from salur.core.errors import SalurError
from salur.core.web import capability_required
from salur.regions.selectors import region_path
from salur.registry import schema, selectors, services
from salur.registry.forms import HouseholdForm, HouseholdSearchForm, ImportUploadForm, MemberForm
from salur.registry.models import Household, ImportJob, Member, RegistryChange, Source
from salur.registry.selectors import (
    HouseholdFilters,
    household_get,
    household_history,
    import_job_get,
    import_jobs_visible_to,
    member_get,
)
from salur.registry.services import (
    RowInvalid,
    household_to_exchange,
    household_update,
    import_job_create,
    import_job_start_background,
    job_progress_read,
    member_to_exchange,
    member_update,
)

PAGE_SIZE = 25
HISTORY_LIMIT = 200
RECENT_JOBS = 20
UPLOAD_CHUNK_BYTES = 1024 * 1024

LABELS: dict[str, str] = {
    **{c.name: c.label or c.name for c in schema.ANGGOTA_COLUMNS},
    **{c.name: c.label or c.name for c in schema.KELUARGA_COLUMNS},
}
BINARY_COLUMNS = {
    c.name for c in (*schema.KELUARGA_COLUMNS, *schema.ANGGOTA_COLUMNS) if c.allowed == schema.BINARY
}
FIELD_ORDER = {name: i for i, name in enumerate((*schema.KELUARGA_NAMES, *schema.ANGGOTA_NAMES))}

# Plain-language meaning of the reject codes for the import summary (contract: registry-exchange.md).
REJECT_MESSAGES = {
    "KOLOM_WAJIB": "nilai wajib kosong, atau kolom wajib tidak ada",
    "FORMAT_NIK": "NIK bukan tepat 16 angka",
    "FORMAT_KK": "nomor KK bukan tepat 16 angka",
    "TANGGAL_TIDAK_SAH": "tanggal tidak sah atau di luar rentang yang boleh",
    "NILAI_TIDAK_DIKENAL": "nilai bukan salah satu pilihan kolom itu",
    "ANGKA_TIDAK_SAH": "angka tidak terbaca atau di luar rentang",
    "WILAYAH_TIDAK_DIKENAL": "kode wilayah bukan kode desa/kelurahan yang berlaku",
    "REKENING_TIDAK_SAH": "bank tanpa nomor rekening, rekening tanpa bank, atau panjang salah",
    "KK_GANDA": "nomor KK sudah muncul sebelumnya di berkas yang sama",
    "NIK_GANDA": "NIK sudah muncul sebelumnya di berkas yang sama",
    "KK_TIDAK_DIKENAL": "nomor KK anggota tidak ada di impor ini maupun di registri",
    "KK_DITOLAK": "baris keluarga anggota ini ditolak pada impor ini",
}


# --- presentation helpers -------------------------------------------------------------------------------


def _display(name: str, value: Any) -> str:
    """An exchange-format value as a clerk reads it."""
    if value is None or value == "":
        return "—"
    if name in BINARY_COLUMNS:
        return _("ya") if str(value) == "1" else _("tidak")
    return str(value).replace("_", " ")


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _flag_codes(*flag_lists: list[str]) -> list[str]:
    present = {f for flags in flag_lists for f in flags}
    return [f for f in schema.FLAG_CODES if f in present] + sorted(present - set(schema.FLAG_CODES))


def _flags_explained(codes: list[str]) -> list[dict[str, str]]:
    return [{"code": c, "message": schema.FLAG_MESSAGES.get(c, "")} for c in codes]


def _change_rows(change: RegistryChange) -> list[dict[str, str]]:
    before, after = change.before or {}, change.after or {}
    names = sorted({*before, *after}, key=lambda n: (FIELD_ORDER.get(n, len(FIELD_ORDER)), n))
    return [
        {
            "name": n,
            "label": LABELS.get(n, n),
            "before": _display(n, before.get(n)) if change.before is not None else "",
            "after": _display(n, after.get(n)) if change.after is not None else "",
        }
        for n in names
    ]


def _household_fields(household: Household, user: Any) -> list[dict[str, str]]:
    values = household_to_exchange(household)
    values["no_rekening"] = account_for(user, values["no_rekening"] or "")
    shown = [c for c in schema.KELUARGA_COLUMNS if c.name not in ("no_kk", "kode_wilayah", "desil")]
    return [
        {"name": c.name, "label": LABELS[c.name], "value": _display(c.name, values[c.name])} for c in shown
    ]


def _get_household_or_404(request: HttpRequest, no_kk: str) -> Household:
    household = household_get(actor=request.user, no_kk=no_kk)
    if household is None:
        raise Http404(_("Keluarga tidak ditemukan"))
    return household


def _get_member_or_404(request: HttpRequest, nik: str) -> Member:
    member = member_get(actor=request.user, nik=nik)
    if member is None:
        raise Http404(_("Anggota tidak ditemukan"))
    return member


def _get_job_or_404(request: HttpRequest, job_id: int) -> ImportJob:
    job = import_job_get(actor=request.user, job_id=job_id)
    if job is None:
        raise Http404(_("Pekerjaan impor tidak ditemukan"))
    return job


# --- search and household page --------------------------------------------------------------------------


@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    form = HouseholdSearchForm(request.GET or None)
    terms = form.cleaned_data if form.is_valid() else {}
    filters = HouseholdFilters(
        q=terms.get("q", ""), wilayah=terms.get("wilayah", ""), flag=terms.get("flag", "")
    )
    # Members are prefetched for the page's 25 households only: their count, the head's name and their flags.
    households = selectors.household_list(actor=request.user, filters=filters).prefetch_related("members")
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for household in page:
        members = list(household.members.all())
        head = next((m for m in members if m.hubungan == "kepala_keluarga"), None)
        rows.append(
            {
                "household": household,
                "head": head,
                "member_count": len(members),
                "flags": _flag_codes(household.flag_list, *(m.flag_list for m in members)),
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/household_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "searched": any(terms.values()),
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def household_detail(request: HttpRequest, no_kk: str) -> HttpResponse:
    household = _get_household_or_404(request, no_kk)
    today = timezone.localdate()
    members = [
        {
            "member": m,
            "age": _age(m.tanggal_lahir, today),
            "flags": _flags_explained(_flag_codes(m.flag_list)),
        }
        for m in household.members.all()
    ]
    names = {m.nik: m.nama for m in household.members.all()}
    changes = list(household_history(actor=request.user, household=household)[:HISTORY_LIMIT])
    history = [
        {"change": c, "rows": _change_rows(c), "name": names.get(c.key, "") if c.entity == "member" else ""}
        for c in changes
    ]
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "region_path": region_path(kode=household.wilayah_id),
            "fields": _household_fields(household, request.user),
            "household_flags": _flags_explained(_flag_codes(household.flag_list)),
            "members": members,
            "history": history,
            "history_limited": len(changes) == HISTORY_LIMIT,
        },
    )


# --- forms ------------------------------------------------------------------------------------------------


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one, so that it is judged), None for a GET."""
    return request.POST if request.method == "POST" else None


T = TypeVar("T")


def _submit(form: Any, write: Callable[[], T]) -> T | None:
    """Run a service write for a form: the import's problems go onto their fields, other refusals onto the form
    (a role or region refusal is a 403); None when nothing was saved."""
    try:
        return write()
    except RowInvalid as exc:
        form.add_problems(exc.problems)
    except AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except SalurError as exc:
        form.add_error(None, str(exc))
    return None


def _saved(request: HttpRequest, household: Household, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("registry:household_detail", no_kk=household.no_kk)


@login_required
@capability_required("registry.edit")
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    form = HouseholdForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        household = _submit(
            form,
            lambda: services.household_create(
                actor=request.user, data=form.exchange_data(), source=Source.WEB
            ),
        )
        if household is not None:
            return _saved(request, household, _("Keluarga %(no_kk)s disimpan.") % {"no_kk": household.no_kk})
    return render(request, "registry/household_form.html", {"form": form, "household": None})


@login_required
@capability_required("registry.edit")
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, no_kk: str) -> HttpResponse:
    household = _get_household_or_404(request, no_kk)
    form = HouseholdForm(_posted(request), initial=household_to_exchange(household), editing=True)
    if request.method == "POST" and form.is_valid():
        saved = _submit(
            form,
            lambda: household_update(
                actor=request.user, household=household, data=form.exchange_data(), source=Source.WEB
            ),
        )
        if saved is not None:
            return _saved(request, saved, _("Perubahan keluarga %(no_kk)s disimpan.") % {"no_kk": no_kk})
    return render(request, "registry/household_form.html", {"form": form, "household": household})


@login_required
@capability_required("registry.edit")
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest, no_kk: str) -> HttpResponse:
    household = _get_household_or_404(request, no_kk)
    form = MemberForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        member = _submit(
            form,
            lambda: services.member_create(
                actor=request.user, household=household, data=form.exchange_data(), source=Source.WEB
            ),
        )
        if member is not None:
            message = _("Anggota %(nama)s (%(nik)s) ditambahkan.") % {"nama": member.nama, "nik": member.nik}
            return _saved(request, household, message)
    return render(
        request, "registry/member_form.html", {"form": form, "household": household, "member": None}
    )


@login_required
@capability_required("registry.edit")
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, nik: str) -> HttpResponse:
    member = _get_member_or_404(request, nik)
    form = MemberForm(_posted(request), initial=member_to_exchange(member), editing=True)
    if request.method == "POST" and form.is_valid():
        saved = _submit(
            form,
            lambda: member_update(
                actor=request.user, member=member, data=form.exchange_data(), source=Source.WEB
            ),
        )
        if saved is not None:
            message = _("Perubahan anggota %(nama)s (%(nik)s) disimpan.") % {"nama": saved.nama, "nik": nik}
            return _saved(request, saved.household, message)
    return render(
        request, "registry/member_form.html", {"form": form, "household": member.household, "member": member}
    )


# --- import -----------------------------------------------------------------------------------------------


def _store_upload(upload: UploadedFile, dest: Path) -> Path:
    """Stream an upload to the job folder chunk by chunk: an import file may be far larger than memory."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as out:
        for chunk in upload.chunks(UPLOAD_CHUNK_BYTES):
            out.write(chunk)
    return dest


@login_required
@capability_required("registry.import")
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(_posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        folder = Path(settings.SALUR_JOBS_DIR) / "uploads" / uuid.uuid4().hex
        keluarga: UploadedFile = form.cleaned_data["keluarga"]
        anggota: UploadedFile = form.cleaned_data["anggota"]
        job = import_job_create(
            actor=request.user,
            keluarga_path=_store_upload(keluarga, folder / "keluarga.csv"),
            anggota_path=_store_upload(anggota, folder / "anggota.csv"),
            source=Source.WEB,
            keluarga_name=(keluarga.name or "keluarga.csv")[:200],
            anggota_name=(anggota.name or "anggota.csv")[:200],
        )
        import_job_start_background(job=job)
        messages.success(request, _("Berkas diterima; impor #%(id)s sedang berjalan.") % {"id": job.pk})
        return redirect("registry:import_detail", job_id=job.pk)
    jobs = import_jobs_visible_to(request.user)[:RECENT_JOBS]
    return render(request, "registry/import_upload.html", {"form": form, "jobs": jobs})


def _job_state(job: ImportJob) -> dict[str, Any]:
    progress = job_progress_read(job)
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "progress": int(progress.get("progress") or 0),
        "stage": str(progress.get("stage") or ""),
        "summary": job.summary,
        "error": job.error,
    }


def _in_contract_order(counts: dict[str, int], codes: tuple[str, ...]) -> list[tuple[str, int]]:
    """Codes in the contract's order: PostgreSQL's jsonb does not keep the summary's key order."""
    known = [(c, counts[c]) for c in codes if c in counts]
    return known + sorted((c, n) for c, n in counts.items() if c not in codes)


def _summary_view(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    if not summary:
        return None
    files = [
        {"label": _("Keluarga"), "counts": summary.get("households", {})},
        {"label": _("Anggota"), "counts": summary.get("members", {})},
    ]
    rejects = [
        {"code": code, "count": n, "message": REJECT_MESSAGES.get(code, "")}
        for code, n in _in_contract_order(summary.get("rejects") or {}, schema.REJECT_CODES)
    ]
    flags = [
        {"code": code, "count": n, "message": schema.FLAG_MESSAGES.get(code, "")}
        for code, n in _in_contract_order(summary.get("flags") or {}, schema.FLAG_CODES)
    ]
    return {"files": files, "rejects": rejects, "flags": flags, "warnings": summary.get("warnings") or []}


@login_required
@require_GET
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _get_job_or_404(request, job_id)
    state = _job_state(job)
    finished = job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    return render(
        request,
        "registry/import_detail.html",
        {
            "job": job,
            "state": state,
            "finished": finished,
            "summary": _summary_view(job.summary) if job.status == ImportJob.Status.DONE else None,
            "has_rejects": bool(job.rejects_path) and Path(job.rejects_path).is_file(),
        },
    )


@login_required
@require_GET
def import_status(request: HttpRequest, job_id: int) -> JsonResponse:
    job = _get_job_or_404(request, job_id)
    state = _job_state(job)
    response = JsonResponse(state)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def import_rejects(request: HttpRequest, job_id: int) -> FileResponse:
    job = _get_job_or_404(request, job_id)
    path = Path(job.rejects_path) if job.rejects_path else None
    if job.status != ImportJob.Status.DONE or path is None or not path.is_file():
        raise Http404(_("Berkas penolakan belum ada"))
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"penolakan-impor-{job.pk}.csv", content_type="text/csv"
    )
