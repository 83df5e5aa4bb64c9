"""Writes to the registry: imports, and single households/members from the web and the API.

Single-row writes go through the same validator as the bulk import (batch/validate.py), so a clerk's form and
a regional office's file obey exactly the same rules.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from salur.core.access import require, require_in_scope, scope_prefixes
from salur.core.audit import audit_record
from salur.core.errors import SalurError, UnreadableFile
from salur.core.hashing import file_sha256
from salur.registry import schema
from salur.registry.batch import importer
from salur.registry.batch import validate as v
from salur.registry.models import Household, ImportJob, Member, RegistryChange, Source

# --- imports -------------------------------------------------------------------------------------------


logger = logging.getLogger("salur.registry")


def job_dir(job: ImportJob) -> Path:
    path = Path(settings.SALUR_JOBS_DIR) / str(job.pk)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _progress_file(job_id: int) -> Path:
    return Path(settings.SALUR_JOBS_DIR) / str(job_id) / "progress.json"


def job_progress_write(job_id: int, fraction: float, stage: str) -> None:
    """Progress lives in a small file beside the job: the import's own transaction hides its DB writes."""
    path = _progress_file(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(
        f"progress.{os.getpid()}.{threading.get_ident()}.tmp"
    )  # writers never share a tmp file
    tmp.write_text(json.dumps({"progress": round(fraction * 100), "stage": stage}))
    tmp.replace(path)


def job_progress_read(job: ImportJob) -> dict[str, Any]:
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return {"progress": 100 if job.status == ImportJob.Status.DONE else job.progress, "stage": job.stage}
    try:
        return dict(json.loads(_progress_file(job.pk).read_text()))
    except (FileNotFoundError, ValueError):
        return {"progress": job.progress, "stage": job.stage or "menunggu"}


def import_job_create(
    *,
    actor: Any,
    keluarga_path: Path,
    anggota_path: Path,
    source: str,
    keluarga_name: str = "",
    anggota_name: str = "",
) -> ImportJob:
    require(actor, "registry.import")
    return ImportJob.objects.create(
        created_by=actor if getattr(actor, "pk", None) else None,
        source=source,
        keluarga_path=str(keluarga_path),
        anggota_path=str(anggota_path),
        keluarga_name=keluarga_name or keluarga_path.name,
        anggota_name=anggota_name or anggota_path.name,
    )


def import_job_run(
    *, job: ImportJob, rejects_path: Path | None = None, progress: Callable[[float, str], None] | None = None
) -> importer.ImportSummary:
    """Run an import job to the end; the job row records the outcome, also when the files are unreadable."""
    rejects = rejects_path or job_dir(job) / "penolakan.csv"
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, stage="berjalan", rejects_path=str(rejects)
    )

    def report(fraction: float, stage: str) -> None:
        job_progress_write(job.pk, fraction, stage)
        if progress:
            progress(fraction, stage)

    ctx = importer.ImportContext(
        actor_id=job.created_by_id,
        source=job.source,
        job_id=job.pk,
        scope_prefixes=scope_prefixes(job.created_by),
    )

    # The files' sha256 for the audit entry, computed in a thread while the import reads and validates them
    # (hashlib releases the GIL): 160 MB of a national file would otherwise cost 0.15 s before the commit.
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="salur-sha256")
    sha256 = {
        "keluarga": hashing.submit(file_sha256, Path(job.keluarga_path)),
        "anggota": hashing.submit(file_sha256, Path(job.anggota_path)),
    }
    hashing.shutdown(wait=False)

    def audit(summary: importer.ImportSummary, digest: str) -> None:
        audit_record(
            actor=job.created_by,
            action="registry.import",
            object_type="registry.importjob",
            object_id=job.pk,
            source=job.source,
            after={k: val for k, val in summary.as_dict().items() if k != "rejects_file"},
            detail={
                "keluarga": {"name": job.keluarga_name, "sha256": sha256["keluarga"].result()},
                "anggota": {"name": job.anggota_name, "sha256": sha256["anggota"].result()},
                "digest": digest,
            },
        )

    try:
        summary = importer.run_import(
            keluarga=Path(job.keluarga_path),
            anggota=Path(job.anggota_path),
            rejects=rejects,
            ctx=ctx,
            progress=report,
            audit=audit,
        )
    except UnreadableFile as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=str(exc), stage="gagal", finished_at=timezone.now()
        )
        raise
    except Exception as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            error=f"Impor gagal karena kesalahan sistem ({type(exc).__name__}); registri tidak berubah.",
            stage="gagal",
            finished_at=timezone.now(),
        )
        raise
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        summary=summary.as_dict(),
        stage="selesai",
        progress=100,
        finished_at=timezone.now(),
    )
    analyze_after_import()
    quality_after_import(job)
    return summary


# The columns that lookups, joins and scoping filter on: fresh statistics for them right after an import. ANALYZE
# with a column list also refreshes the table's row and page counts, and leaves the table's change counter as it is,
# so that autovacuum analyses every column shortly after (measured after a national file: 0.15 s and 0.21 s
# instead of 0.49 s and 0.34 s for the whole tables).
ANALYZED_COLUMNS = {
    "registry_household": "id, no_kk, kode_wilayah, desil, desil_sumber, flags, created_job_id",
    "registry_member": "id, nik, household_id, hubungan, nama, tanggal_lahir, flags, created_job_id",
}


def analyze_after_import() -> None:
    """Fresh planner statistics on PostgreSQL after a bulk import, so that lookups right after it use the indexes.

    The two tables are analysed at the same time, the households over a second connection. Inside a transaction
    (the import's rows and locks would be invisible to, and block, the other connection), or should the second
    connection be refused (a pooler, an authentication the URI cannot repeat), both run on this one.
    """

    from django.db import connection

    if connection.vendor != "postgresql":
        return
    statements = [f"ANALYZE {table} ({columns})" for table, columns in ANALYZED_COLUMNS.items()]
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        return
    import psycopg

    from salur.core.bulk import libpq_uri

    def households() -> None:
        with psycopg.connect(libpq_uri(), autocommit=True) as other:
            other.execute(statements[0])

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="salur-analyze") as pool:
        future = pool.submit(households)
        with connection.cursor() as cursor:
            cursor.execute(statements[1])
        try:
            future.result()
        except psycopg.OperationalError:
            logger.warning(
                "second connection refused: the households are analysed on the import's connection"
            )
            with connection.cursor() as cursor:
                cursor.execute(statements[0])


def quality_after_import(job: ImportJob) -> None:
    """The data-quality figures per region after each import (their trend), set-based in salur/dataquality.

    A separate step after the import has committed: a failure here is logged and never undoes the import.
    SALUR_QUALITY_AFTER_IMPORT=0 leaves it to a later run (benchmarks of the import alone use it)."""
    if os.environ.get("SALUR_QUALITY_AFTER_IMPORT", "1") == "0":
        return
    from salur.dataquality.services import quality_snapshot_record

    try:
        quality_snapshot_record(job=job)
    except Exception:
        logger.exception("quality snapshot after import %s failed", job.pk)


def import_job_start_background(*, job: ImportJob) -> threading.Thread:
    """Run the job in a thread of the web process: no extra server is needed on the embedded default."""

    def target() -> None:
        close_old_connections()
        try:
            import_job_run(job=job)
        except Exception:  # noqa: S110 - the job row already records the failure for the user
            pass
        finally:
            from django.db import connection

            connection.close()

    thread = threading.Thread(target=target, name=f"salur-import-{job.pk}", daemon=True)
    thread.start()
    return thread


# --- single rows (web and API) ---------------------------------------------------------------------------


class RowInvalid(SalurError):
    """A form or API payload broke the exchange-format rules; `problems` maps field -> messages."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {' '.join(m)}" for k, m in problems.items()))


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def household_to_exchange(h: Household) -> dict[str, str | None]:
    return {
        "no_kk": h.no_kk,
        "kode_wilayah": h.wilayah_id,
        "alamat": h.alamat,
        "rt": h.rt,
        "rw": h.rw,
        "luas_lantai_m2": _as_text(h.luas_lantai_m2),
        **{c: getattr(h, c) for c in schema.KELUARGA_NAMES if c.startswith(("jenis_", "sumber_"))},
        "bahan_bakar_memasak": h.bahan_bakar_memasak,
        "fasilitas_bab": h.fasilitas_bab,
        "status_rumah": h.status_rumah,
        "daya_listrik_va": str(h.daya_listrik_va),
        **{a: _as_text(getattr(h, a)) for a in schema.ASET},
        "bank": h.bank,
        "no_rekening": h.no_rekening,
        "desil": str(h.desil) if h.desil is not None and h.desil_sumber == "supplied" else None,
        "pengeluaran_per_kapita": _as_text(h.pengeluaran_per_kapita),
        "tanggal_pendataan": _as_text(h.tanggal_pendataan),
    }


def member_to_exchange(m: Member) -> dict[str, str | None]:
    return {
        "nik": m.nik,
        "no_kk": m.household.no_kk,
        "nama": m.nama,
        "jenis_kelamin": m.jenis_kelamin,
        "tempat_lahir": m.tempat_lahir,
        "tanggal_lahir": _as_text(m.tanggal_lahir),
        "hubungan": m.hubungan,
        "status_kawin": m.status_kawin,
        "pendidikan": m.pendidikan,
        "sekolah": m.sekolah,
        "pekerjaan": m.pekerjaan,
        "disabilitas": m.disabilitas,
        "hamil": _as_text(m.hamil),
        "nama_ibu": m.nama_ibu,
    }


def _one_row(data: dict[str, Any], names: tuple[str, ...]) -> pl.DataFrame:
    row = {n: [_as_text(data.get(n))] for n in names}
    frame = pl.DataFrame(row, schema=dict.fromkeys(names, pl.Utf8)).with_columns(
        pl.lit(1, pl.Int64).alias(v.ROW)
    )
    return v.normalise(frame, names)


def _problems_by_field(problems: pl.DataFrame) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for kolom, pesan in problems.select("kolom", "pesan").iter_rows():
        out.setdefault(kolom, []).append(pesan)
    return out


def validate_household_row(data: dict[str, Any]) -> pl.DataFrame:
    ref = importer.load_reference()
    res = v.validate_keluarga(_one_row(data, schema.KELUARGA_NAMES), ref=ref, state=v.ImportState())
    if res.problems.height:
        raise RowInvalid(_problems_by_field(res.problems))
    return res.accepted.drop(v.ROW)


def validate_member_row(data: dict[str, Any], household: Household) -> pl.DataFrame:
    ref = importer.load_reference()
    known = pl.DataFrame(
        {"no_kk_int": [int(household.no_kk)], "tanggal_pendataan": [household.tanggal_pendataan]},
        schema={"no_kk_int": pl.Int64, "tanggal_pendataan": pl.Date},
    )
    payload = {**data, "no_kk": household.no_kk}
    res = v.validate_anggota(
        _one_row(payload, schema.ANGGOTA_NAMES), ref=ref, state=v.ImportState(), registry_households=known
    )
    if res.problems.height:
        raise RowInvalid(_problems_by_field(res.problems))
    return res.accepted.drop(v.ROW)


def _record(*, actor: Any, source: str, entity: str, key: str, action: str, before: Any, after: Any) -> None:
    """One change: a history row for the registry pages and an entry in the audit chain."""
    audit_record(
        actor=actor,
        action=f"registry.{entity}.{action}",
        object_type=f"registry.{entity}",
        object_id=key,
        before=before,
        after=after,
        source=source,
    )
    RegistryChange.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        source=source,
        entity=entity,
        key=key,
        action=action,
        before=before,
        after=after,
    )


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _household_fields(row: dict[str, Any]) -> dict[str, Any]:
    fields = {k: row[k] for k in importer.HOUSEHOLD_STAGE if k not in ("no_kk", "kode_wilayah")}
    fields["wilayah_id"] = row["kode_wilayah"]
    return fields


def refresh_head_flag(household: Household) -> None:
    heads = household.members.filter(hubungan="kepala_keluarga").count()
    flags = [f for f in household.flag_list if f != "KEPALA_KELUARGA"]
    if heads != 1:
        flags.append("KEPALA_KELUARGA")
    new = ",".join(sorted(flags))
    if new != household.flags:
        Household.objects.filter(pk=household.pk).update(flags=new)
        household.flags = new


@transaction.atomic
def household_create(*, actor: Any, data: dict[str, Any], source: str = Source.WEB) -> Household:
    require(actor, "registry.edit")
    row = validate_household_row(data).row(0, named=True)
    require_in_scope(actor, row["kode_wilayah"])
    if Household.objects.filter(no_kk=row["no_kk"]).exists():
        raise RowInvalid({"no_kk": ["Nomor KK ini sudah ada di registri"]})
    household = Household.objects.create(no_kk=row["no_kk"], **_household_fields(row))
    refresh_head_flag(household)
    after = household_to_exchange(household)
    _record(
        actor=actor,
        source=source,
        entity="household",
        key=household.no_kk,
        action="create",
        before=None,
        after=after,
    )
    return household


@transaction.atomic
def household_update(
    *, actor: Any, household: Household, data: dict[str, Any], source: str = Source.WEB
) -> Household:
    require(actor, "registry.edit")
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_in_scope(actor, household.wilayah_id)
    before = household_to_exchange(household)
    merged = {**before, **{k: _as_text(val) for k, val in data.items() if k in schema.KELUARGA_NAMES}}
    merged["no_kk"] = household.no_kk  # the key is not edited here
    row = validate_household_row(merged).row(0, named=True)
    require_in_scope(actor, row["kode_wilayah"])
    fields = _household_fields(row)
    if row["desil"] is None and household.desil_sumber == "computed":
        fields["desil"], fields["desil_sumber"] = household.desil, "computed"
    for k, val in fields.items():
        setattr(household, k, val)
    household.updated_at = timezone.now()
    household.save()
    household.refresh_from_db()
    b, a = _diff(before, household_to_exchange(household))
    if a:
        _record(
            actor=actor,
            source=source,
            entity="household",
            key=household.no_kk,
            action="update",
            before=b,
            after=a,
        )
    return household


def _member_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in importer.MEMBER_STAGE if k not in ("nik", "no_kk", "urutan")}


@transaction.atomic
def member_create(
    *, actor: Any, household: Household, data: dict[str, Any], source: str = Source.WEB
) -> Member:
    require(actor, "registry.edit")
    require_in_scope(actor, household.wilayah_id)
    row = validate_member_row(data, household).row(0, named=True)
    if Member.objects.filter(nik=row["nik"]).exists():
        raise RowInvalid({"nik": ["NIK ini sudah terdaftar di registri"]})
    member = Member.objects.create(nik=row["nik"], household=household, **_member_fields(row))
    refresh_head_flag(household)
    _record(
        actor=actor,
        source=source,
        entity="member",
        key=member.nik,
        action="create",
        before=None,
        after=member_to_exchange(member),
    )
    return member


@transaction.atomic
def member_update(*, actor: Any, member: Member, data: dict[str, Any], source: str = Source.WEB) -> Member:
    require(actor, "registry.edit")
    member = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
    require_in_scope(actor, member.household.wilayah_id)
    before = member_to_exchange(member)
    merged = {**before, **{k: _as_text(val) for k, val in data.items() if k in schema.ANGGOTA_NAMES}}
    merged["nik"] = member.nik
    row = validate_member_row(merged, member.household).row(0, named=True)
    for k, val in _member_fields(row).items():
        setattr(member, k, val)
    member.updated_at = timezone.now()
    member.save()
    member.refresh_from_db()
    refresh_head_flag(member.household)
    b, a = _diff(before, member_to_exchange(member))
    if a:
        _record(
            actor=actor, source=source, entity="member", key=member.nik, action="update", before=b, after=a
        )
    return member


@dataclass(frozen=True)
class ExportResult:
    keluarga: Path
    anggota: Path
    households: int
    members: int


def registry_export(*, actor: Any, out_dir: Path, source: str = Source.CLI) -> ExportResult:
    """Write the registry (the actor's region only) in the exchange format; the export itself is audited."""
    from salur.registry.batch.exporter import export_registry

    require(actor, "registry.export")
    kel, ang, n_h, n_m = export_registry(out_dir=out_dir, scope_prefixes=scope_prefixes(actor))
    audit_record(
        actor=actor,
        action="registry.export",
        object_type="registry",
        object_id="",
        source=source,
        detail={"households": n_h, "members": n_m, "scope": list(scope_prefixes(actor))},
    )
    return ExportResult(kel, ang, n_h, n_m)
