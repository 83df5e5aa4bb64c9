"""The registry's API door (/api/v1/registry): search, read and edit households and members, run imports.

Thin by design: parse and check the request, call a selector or a service, shape the answer. Reads go through the
selectors, which limit everything to the caller's region scope (outside it a household does not exist: 404); writes
go through the same services as the web and the CLI, with source "api" in the history.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import File, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from salur.registry import api_schemas as s
from salur.registry.models import Household, ImportJob, Member, Source
from salur.registry.selectors import (
    HouseholdFilters,
    household_get,
    household_list,
    import_job_get,
    member_get,
)
from salur.registry.services import (
    RowInvalid,
    household_create,
    household_update,
    import_job_create,
    import_job_start_background,
    job_progress_read,
    member_create,
    member_update,
)

router = Router(tags=["registri"])

INVALID = "Data tidak sah"
HOUSEHOLD_NOT_FOUND = "Keluarga dengan nomor KK ini tidak ditemukan di wilayah Anda"
MEMBER_NOT_FOUND = "Anggota dengan NIK ini tidak ditemukan di wilayah Anda"
JOB_NOT_FOUND = "Tugas impor tidak ditemukan"

WRITE_RESPONSES: dict[int, Any] = {403: s.MessageOut, 404: s.MessageOut, 422: s.ProblemsOut}


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _invalid(exc: RowInvalid) -> Status[dict[str, Any]]:
    return Status(422, {"detail": INVALID, "problems": exc.problems})


def _household_or_404(actor: Any, no_kk: str) -> Household:
    household = household_get(actor=actor, no_kk=no_kk)
    if household is None:
        raise HttpError(404, HOUSEHOLD_NOT_FOUND)
    return household


def _member_or_404(actor: Any, nik: str) -> Member:
    member = member_get(actor=actor, nik=nik)
    if member is None:
        raise HttpError(404, MEMBER_NOT_FOUND)
    return member


def _job_or_404(actor: Any, job_id: int) -> ImportJob:
    job = import_job_get(actor=actor, job_id=job_id)
    if job is None:
        raise HttpError(404, JOB_NOT_FOUND)
    return job


def _with_member_count(qs: QuerySet[Household]) -> QuerySet[Household]:
    # A correlated subquery, not Count("members"): the search may already join members (by NIK or name), and
    # an aggregate over that join would count only the matching members.
    per_household = (
        Member.objects.filter(household=OuterRef("pk")).order_by().values("household").annotate(n=Count("id"))
    )
    return qs.annotate(
        jumlah_anggota=Coalesce(Subquery(per_household.values("n"), output_field=IntegerField()), 0)
    )


# --- households ------------------------------------------------------------------------------------------


@router.get("/households", response=s.HouseholdPageOut, url_name="registry_household_list")
def households_search(request: HttpRequest, params: Query[s.HouseholdSearchIn]) -> dict[str, Any]:
    """Cari keluarga (NIK, nomor KK, nama, wilayah, tanda), dengan halaman limit/offset."""
    filters = HouseholdFilters(
        q=params.q,
        nik=params.nik,
        no_kk=params.no_kk,
        nama=params.nama,
        wilayah=params.wilayah,
        flag=params.flag,
    )
    qs = household_list(actor=_actor(request), filters=filters)
    page = _with_member_count(qs)[params.offset : params.offset + params.limit]
    return {"count": qs.count(), "items": list(page)}


@router.get(
    "/households/{no_kk}",
    response={200: s.HouseholdOut, 404: s.MessageOut},
    url_name="registry_household_get",
)
def household_detail(request: HttpRequest, no_kk: str) -> Household:
    """Satu keluarga dengan anggotanya."""
    return _household_or_404(_actor(request), no_kk)


@router.post(
    "/households", response={201: s.HouseholdOut, **WRITE_RESPONSES}, url_name="registry_household_create"
)
def household_post(request: HttpRequest, payload: s.HouseholdCreateIn) -> Status[Any]:
    """Tambah keluarga dengan kolom keluarga.csv; aturannya sama dengan impor."""
    actor = _actor(request)
    data = payload.model_dump()
    try:
        household = household_create(actor=actor, data=data, source=Source.API)
    except RowInvalid as exc:
        return _invalid(exc)
    return Status(201, _household_or_404(actor, household.no_kk))


@router.patch(
    "/households/{no_kk}",
    response={200: s.HouseholdOut, **WRITE_RESPONSES},
    url_name="registry_household_update",
)
def household_patch(request: HttpRequest, no_kk: str, payload: s.HouseholdPatchIn) -> Status[Any]:
    """Ubah sebagian kolom sebuah keluarga; perubahan dicatat dalam riwayat."""
    actor = _actor(request)
    household = _household_or_404(actor, no_kk)
    data = payload.model_dump(exclude_unset=True)
    try:
        household_update(actor=actor, household=household, data=data, source=Source.API)
    except RowInvalid as exc:
        return _invalid(exc)
    return Status(200, _household_or_404(actor, no_kk))


# --- members ---------------------------------------------------------------------------------------------


@router.get("/members/{nik}", response={200: s.MemberOut, 404: s.MessageOut}, url_name="registry_member_get")
def member_detail(request: HttpRequest, nik: str) -> Member:
    """Satu anggota keluarga."""
    return _member_or_404(_actor(request), nik)


@router.post(
    "/households/{no_kk}/members",
    response={201: s.MemberOut, **WRITE_RESPONSES},
    url_name="registry_member_create",
)
def member_post(request: HttpRequest, no_kk: str, payload: s.MemberCreateIn) -> Status[Any]:
    """Tambah anggota ke keluarga {no_kk}, dengan kolom anggota.csv."""
    actor = _actor(request)
    household = _household_or_404(actor, no_kk)
    data = payload.model_dump()
    body_kk = str(data.pop("no_kk") or "").strip()
    if body_kk and body_kk != household.no_kk:
        return _invalid(
            RowInvalid({"no_kk": [f"Nomor KK {body_kk} tidak sama dengan keluarga tujuan {no_kk}"]})
        )
    try:
        member = member_create(actor=actor, household=household, data=data, source=Source.API)
    except RowInvalid as exc:
        return _invalid(exc)
    return Status(201, _member_or_404(actor, member.nik))


@router.patch(
    "/members/{nik}", response={200: s.MemberOut, **WRITE_RESPONSES}, url_name="registry_member_update"
)
def member_patch(request: HttpRequest, nik: str, payload: s.MemberPatchIn) -> Status[Any]:
    """Ubah sebagian kolom seorang anggota; perubahan dicatat dalam riwayat."""
    actor = _actor(request)
    member = _member_or_404(actor, nik)
    try:
        member_update(
            actor=actor, member=member, data=payload.model_dump(exclude_unset=True), source=Source.API
        )
    except RowInvalid as exc:
        return _invalid(exc)
    return Status(200, _member_or_404(actor, nik))


# --- imports ---------------------------------------------------------------------------------------------


def _store_upload(upload: UploadedFile, dest: Path) -> None:
    """Stream an upload to disk chunk by chunk: a registry file can be far larger than memory allows."""
    with dest.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)


def _import_links(job_id: int) -> dict[str, str]:
    return {
        "status_url": reverse("api:registry_import_get", kwargs={"job_id": job_id}),
        "result_url": reverse("api:registry_import_result", kwargs={"job_id": job_id}),
        "rejects_url": reverse("api:registry_import_rejects", kwargs={"job_id": job_id}),
    }


@router.post("/imports", response={202: s.ImportStartedOut}, url_name="registry_import_create")
def import_post(
    request: HttpRequest, keluarga: File[UploadedFile], anggota: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """Impor keluarga.csv dan anggota.csv (multipart); berjalan di latar, pantau lewat status_url."""
    folder = Path(settings.SALUR_JOBS_DIR) / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    _store_upload(keluarga, folder / "keluarga.csv")
    _store_upload(anggota, folder / "anggota.csv")
    job = import_job_create(
        actor=_actor(request),
        keluarga_path=folder / "keluarga.csv",
        anggota_path=folder / "anggota.csv",
        source=Source.API,
        keluarga_name=keluarga.name or "",
        anggota_name=anggota.name or "",
    )
    import_job_start_background(job=job)
    return Status(202, {"id": job.pk, "status": job.status, **_import_links(job.pk)})


@router.get(
    "/imports/{job_id}", response={200: s.ImportJobOut, 404: s.MessageOut}, url_name="registry_import_get"
)
def import_status(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """Status sebuah impor: antri, berjalan, selesai, atau gagal, dengan kemajuan 0-100."""
    job = _job_or_404(_actor(request), job_id)
    progress = job_progress_read(job)
    return {
        "id": job.pk,
        "status": job.status,
        "progress": int(progress.get("progress", 0)),
        "stage": str(progress.get("stage", "")),
        "error": job.error,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def _finished_or_409(job: ImportJob) -> None:
    if job.status == ImportJob.Status.FAILED:
        raise HttpError(409, f"Impor gagal: {job.error}")
    if job.status != ImportJob.Status.DONE:
        raise HttpError(409, f"Impor masih berjalan ({job.get_status_display().lower()}); coba lagi nanti")


@router.get(
    "/imports/{job_id}/result",
    response={200: s.ImportSummaryOut, 404: s.MessageOut, 409: s.MessageOut},
    url_name="registry_import_result",
)
def import_result(request: HttpRequest, job_id: int) -> Any:
    """Ringkasan impor yang selesai (kontrak registry-exchange.md); 409 selama impor belum selesai."""
    job = _job_or_404(_actor(request), job_id)
    _finished_or_409(job)
    return job.summary


@router.get(
    "/imports/{job_id}/rejects",
    response={404: s.MessageOut, 409: s.MessageOut},
    url_name="registry_import_rejects",
    openapi_extra={
        "responses": {
            200: {
                "description": "Berkas penolakan (CSV)",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def import_rejects(request: HttpRequest, job_id: int) -> FileResponse:
    """Berkas penolakan sebuah impor yang selesai: satu baris per masalah (CSV)."""
    job = _job_or_404(_actor(request), job_id)
    _finished_or_409(job)
    path = Path(job.rejects_path)
    if not job.rejects_path or not path.is_file():
        raise HttpError(404, "Berkas penolakan impor ini tidak ada lagi")
    return FileResponse(
        path.open("rb"),
        content_type="text/csv; charset=utf-8",
        as_attachment=True,
        filename=f"penolakan-{job.pk}.csv",
    )
