"""Writes of payments: export of approved cycles, follow-up batches, status files, verification of files.

Money leaves the ministry only along this path: an approved cycle -> payment rows (set-based, signed) -> one file
per channel -> the banks' status files -> reconciliation. The database refuses a second live payment for the same
program, period and household, whatever runs at the same time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.db import IntegrityError, transaction
from django.utils import timezone

from salur.core import partitions
from salur.core.access import require
from salur.core.approval import approval_record, approvals_for
from salur.core.audit import audit_record
from salur.core.bulk import copy_frame, copy_frames
from salur.core.errors import NotFound, SalurError, UnreadableFile
from salur.core.timing import Stages
from salur.cycles.models import Cycle, CycleStatus
from salur.payments.batch import files, status
from salur.payments.models import ExportFile, PaymentBatch, StatusImport

BATCH_APPROVE_STEP = "payment_batch.approve"


def _cycle(code: str, *, lock: bool = False) -> Cycle:
    qs = Cycle.objects.select_related("program")
    if lock:
        qs = qs.select_for_update()
    cycle = qs.filter(code=code.strip().upper()).first()
    if cycle is None:
        raise NotFound(f"Siklus {code} tidak ditemukan")
    return cycle


def _materialise_first_batch(
    actor: Any, cycle: Cycle, stages: Stages
) -> tuple[PaymentBatch, pl.DataFrame | None]:
    """Batch 1 of an approved cycle, created once: a concurrent export waits for it and then reuses it.

    Returns the batch and, when this call created it, its payments in file form (so that the files are written from
    the rows just inserted instead of reading a million rows back)."""
    batch = PaymentBatch.objects.filter(cycle=cycle, number=1).first()
    if batch is not None:
        return batch, None
    with stages("read"):
        source = files.first_batch_source(cycle.pk)
    try:
        with transaction.atomic():
            batch = PaymentBatch.objects.create(
                cycle=cycle, number=1, created_by=actor, approved_at=cycle.approved_at
            )
            with stages("sign_and_insert"):
                chunks: list[pl.DataFrame] = []

                def kept(stream: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
                    for chunk in stream:
                        chunks.append(chunk)
                        yield chunk

                stream = files.first_batch_chunks(
                    source, cycle_id=cycle.pk, cycle_code=cycle.code, batch_id=batch.pk
                )
                # Into a partition of the cycle's own on PostgreSQL, indexed once and attached (core/partitions.py).
                written = partitions.bulk_load(
                    files.PAYMENT_TABLE,
                    cycle_id=cycle.pk,
                    program_code=cycle.program.code,
                    period=cycle.period,
                    write=lambda target: copy_frames(target, kept(stream)),
                )
                rows = pl.concat(chunks) if chunks else pl.DataFrame()
            batch.payments = written
            batch.total = int(rows["nominal"].sum()) if written else 0
            batch.save(update_fields=["payments", "total"])
            audit_record(
                actor=actor,
                action="payments.batch_create",
                object_type="payments.paymentbatch",
                object_id=f"{cycle.code}#1",
                after={"payments": written, "total": batch.total},
                detail={"signatures_sha256": _digest(rows, "signature") if written else ""},
            )
            return batch, files.file_frame(rows, cycle_code=cycle.code)
    except IntegrityError:
        # Another process created batch 1 (or one of its payments exists): use what it wrote.
        batch = PaymentBatch.objects.filter(cycle=cycle, number=1).first()
        if batch is None:
            raise
        return batch, None


def _digest(frame: pl.DataFrame, column: str) -> str:
    return hashlib.sha256("\n".join(frame[column].to_list()).encode()).hexdigest()


def payments_export(*, actor: Any, code: str, out_dir: Path) -> list[dict[str, Any]]:
    """Write the payment files and manifests of every approved batch of an approved cycle.

    The first export creates the payments (batch 1); exporting again writes byte-identical files. Refused for a
    cycle that is not approved (SalurError) and for an actor without payments.export (PermissionDenied).
    """
    require(actor, "payments.export")
    cycle = _cycle(code)
    if cycle.status not in (CycleStatus.DISETUJUI, CycleStatus.DIEKSPOR):
        raise SalurError(
            f"Siklus {cycle.code} berstatus {cycle.get_status_display()}: hanya siklus yang sudah disetujui "
            "dapat diekspor"
        )
    stages = Stages("payments.export")
    first, fresh = _materialise_first_batch(actor, cycle, stages)
    written: list[dict[str, Any]] = []
    for batch in PaymentBatch.objects.filter(cycle=cycle, approved_at__isnull=False).order_by("number"):
        frame = fresh if (batch.pk == first.pk and fresh is not None) else files.batch_file_frame(batch.pk)
        with stages("files"):
            manifests = files.write_files(frame, out_dir=out_dir, cycle_code=cycle.code, suffix=batch.suffix)
        with transaction.atomic():
            for m in manifests:
                previous = ExportFile.objects.filter(batch=batch, channel=m["saluran"]).first()
                if previous is None:
                    ExportFile.objects.create(
                        batch=batch,
                        channel=m["saluran"],
                        file_name=m["file"],
                        rows=m["jumlah_baris"],
                        total=m["total_nominal"],
                        sha256=m["sha256"],
                    )
                elif previous.sha256 != m["sha256"]:  # cannot happen unless payment rows were altered
                    raise SalurError(
                        f"Berkas {m['file']} berbeda dari ekspor sebelumnya: data pembayaran telah berubah"
                    )
            first_time = batch.exported_at is None
            if first_time:
                batch.exported_at = timezone.now()
                batch.save(update_fields=["exported_at"])
            audit_record(
                actor=actor,
                action="payments.export" if first_time else "payments.reexport",
                object_type="payments.paymentbatch",
                object_id=f"{cycle.code}#{batch.number}",
                after={
                    "files": [
                        {k: m[k] for k in ("file", "jumlah_baris", "total_nominal", "sha256")}
                        for m in manifests
                    ]
                },
            )
        written.extend({**m, "batch": batch.number} for m in manifests)
    with transaction.atomic():
        locked = _cycle(cycle.code, lock=True)
        if locked.status == CycleStatus.DISETUJUI:
            locked.status = CycleStatus.DIEKSPOR
            locked.save(update_fields=["status"])
            audit_record(
                actor=actor,
                action="cycle.exported",
                object_type="cycles.cycle",
                object_id=locked.code,
                before={"status": CycleStatus.DISETUJUI},
                after={"status": CycleStatus.DIEKSPOR},
            )
    stages.log()
    return written


# --- follow-up batches ----------------------------------------------------------------------------------------


def followup_create(*, actor: Any, code: str) -> PaymentBatch:
    """A follow-up batch re-issuing the cycle's failed and unclaimed payments (not yet re-issued). It needs the
    approval of someone other than its maker before it is exported (`followup_approve`)."""
    require(actor, "payments.export")
    with transaction.atomic():
        cycle = _cycle(code, lock=True)
        if cycle.status != CycleStatus.DIEKSPOR:
            raise SalurError(f"Siklus {cycle.code} belum diekspor: belum ada pembayaran untuk disusulkan")
        pending = PaymentBatch.objects.filter(cycle=cycle, approved_at__isnull=True).first()
        if pending is not None:
            raise SalurError(
                f"Batch susulan #{pending.number} belum disetujui; setujui atau selesaikan dulu sebelum membuat yang baru"
            )
        number = (
            PaymentBatch.objects.filter(cycle=cycle)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
            or 0
        ) + 1
        batch = PaymentBatch.objects.create(cycle=cycle, number=number, created_by=actor)
        rows = files.followup_rows(cycle_id=cycle.pk, cycle_code=cycle.code, batch_id=batch.pk, batch=number)
        if rows.height == 0:
            raise SalurError(
                f"Tidak ada pembayaran gagal atau tidak diambil pada {cycle.code} yang perlu disusulkan"
            )
        # Through the parent into the cycle's partition (made by batch 1; made here should batch 1 have been
        # written some other way).
        partitions.ensure_partition(
            files.PAYMENT_TABLE, cycle.pk, program_code=cycle.program.code, period=cycle.period
        )
        written = copy_frame(files.PAYMENT_TABLE, rows)
        batch.payments = written
        batch.total = int(rows["nominal"].sum())
        batch.save(update_fields=["payments", "total"])
        audit_record(
            actor=actor,
            action="payments.followup_create",
            object_type="payments.paymentbatch",
            object_id=f"{cycle.code}#{number}",
            after={"payments": written, "total": batch.total},
            detail={"signatures_sha256": _digest(rows, "signature")},
        )
    return batch


def followup_approve(*, actor: Any, code: str, number: int) -> PaymentBatch:
    require(actor, "cycle.approve")
    with transaction.atomic():
        cycle = _cycle(code)
        batch = PaymentBatch.objects.select_for_update().filter(cycle=cycle, number=number).first()
        if batch is None:
            raise NotFound(f"Batch #{number} siklus {cycle.code} tidak ditemukan")
        if batch.approved_at is not None:
            raise SalurError(f"Batch #{number} siklus {cycle.code} sudah disetujui")
        approval_record(actor=actor, obj=batch, maker=batch.created_by_id, step=BATCH_APPROVE_STEP)
        batch.approved_at = timezone.now()
        batch.save(update_fields=["approved_at"])
    return batch


def batch_approvals(batch: PaymentBatch) -> list[str]:
    return [a.actor.username for a in approvals_for(batch, BATCH_APPROVE_STEP)]


# --- status files ---------------------------------------------------------------------------------------------


@dataclass
class StatusResult:
    file: str
    sha256: str
    already_imported: bool
    rows: int = 0
    applied: int = 0
    unchanged: int = 0
    problems: dict[str, int] = field(default_factory=dict)
    problem_rows: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "already_imported": self.already_imported,
            "rows": self.rows,
            "applied": self.applied,
            "unchanged": self.unchanged,
            "problems": self.problems,
        }


def status_import(*, actor: Any, path: Path, file_name: str | None = None) -> StatusResult:
    """Apply a bank's or PT Pos's status file (contract: "Status file").

    A file already imported (same sha256) changes nothing. Rows with an unknown id, a nominal_dibayar that differs
    from the payment's nominal, an id repeated within the file, or a payment whose signature no longer matches
    its row are not applied and are reported with their line. A payment that already holds a final status keeps
    it: the same status again is `unchanged`, a different one is reported (STATUS_SUDAH_FINAL).
    """
    require(actor, "payments.status")
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"Berkas status tidak dapat dibaca: {exc.strerror or exc}") from exc
    sha = hashlib.sha256(raw).hexdigest()
    name = file_name or Path(path).name
    existing = StatusImport.objects.filter(sha256=sha).first()
    if existing is not None:
        return StatusResult(
            file=name,
            sha256=sha,
            already_imported=True,
            rows=existing.rows_read,
            problems=dict(existing.problems),
        )
    rows = status.parse(raw)
    try:
        with transaction.atomic():
            record = StatusImport.objects.create(file_name=name, sha256=sha, imported_by=actor)
            outcome = status.apply(rows, status_import_id=record.pk)
            record.rows_read = rows.height
            record.applied = outcome.applied
            record.unchanged = outcome.unchanged
            record.problems = outcome.problem_counts
            record.save(update_fields=["rows_read", "applied", "unchanged", "problems"])
            audit_record(
                actor=actor,
                action="payments.status_import",
                object_type="payments.statusimport",
                object_id=record.pk,
                after={"rows": rows.height, "applied": outcome.applied, "problems": outcome.problem_counts},
                detail={"file": name, "sha256": sha, "applied_sha256": outcome.applied_digest},
            )
    except IntegrityError:
        # The same file imported at the same moment by another process: it won, nothing more to do.
        existing = StatusImport.objects.filter(sha256=sha).first()
        if existing is None:
            raise
        return StatusResult(
            file=name,
            sha256=sha,
            already_imported=True,
            rows=existing.rows_read,
            problems=dict(existing.problems),
        )
    return StatusResult(
        file=name,
        sha256=sha,
        already_imported=False,
        rows=rows.height,
        applied=outcome.applied,
        unchanged=outcome.unchanged,
        problems=outcome.problem_counts,
        problem_rows=outcome.problem_rows.to_dicts()[:1000],
    )
