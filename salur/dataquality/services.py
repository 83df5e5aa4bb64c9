"""Loading reference lists: set-based (Polars + bulk write), audited, one active version per list."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Max

from salur.core.access import require
from salur.core.audit import audit_record
from salur.core.bulk import copy_frame
from salur.core.errors import SalurError, UnreadableFile
from salur.core.hashing import file_sha256
from salur.dataquality.models import ListKind, ReferenceList
from salur.registry.batch.validate import RE_16, RE_DATE, parse_date

OPTIONAL = {
    "asn": ("nama", "tanggal_lahir", "instansi"),
    "tni_polri": ("nama", "tanggal_lahir", "instansi"),
    "kematian": ("nama", "tanggal_lahir", "tanggal_meninggal"),
}


@dataclass
class ListLoadResult:
    kind: str
    version: int
    sha256: str
    read: int
    loaded: int
    rejected: int
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "list": self.kind,
            "version": self.version,
            "sha256": self.sha256,
            "read": self.read,
            "loaded": self.loaded,
            "rejected": self.rejected,
            "problems": self.problems,
        }


def _read(path: Path, kind: str) -> pl.DataFrame:
    if not path.is_file():
        raise UnreadableFile(f"Berkas daftar tidak ditemukan: {path}")
    if path.stat().st_size == 0:
        raise UnreadableFile(f"Berkas daftar kosong: {path}")
    try:
        head = path.read_bytes()[:65536].decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("Berkas daftar bukan teks UTF-8; simpan ulang sebagai CSV UTF-8") from exc
    header = [h.strip().lower() for h in next(csv.reader([head.splitlines()[0] if head else ""]), [])]
    if "nik" not in header:
        raise UnreadableFile(f"Berkas daftar {kind} tidak punya kolom nik")
    try:
        frame = pl.read_csv(path, infer_schema=False, new_columns=header, truncate_ragged_lines=True)
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFile(
            f"Berkas daftar tidak dapat dibaca sebagai CSV: {str(exc).splitlines()[0]}"
        ) from exc
    for col in OPTIONAL[kind]:
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col))
    frame = frame.select("nik", *OPTIONAL[kind]).with_columns(
        [pl.col(c).str.strip_chars().replace("", None) for c in ("nik", *OPTIONAL[kind])]
    )
    return frame.with_row_index("baris", offset=1)


def reference_list_load(*, actor: Any, kind: str, path: Path) -> ListLoadResult:
    """Load a list file: rows with a malformed nik are reported, not loaded; the new version replaces the old."""
    require(actor, "registry.import")
    if kind not in ListKind.values:
        raise SalurError(f"Daftar '{kind}' tidak dikenal; pilihan: {', '.join(ListKind.values)}")
    frame = _read(path, kind)
    sha = file_sha256(path)
    bad_nik = ~pl.col("nik").fill_null("").str.contains(RE_16)
    date_cols = [c for c in ("tanggal_lahir", "tanggal_meninggal") if c in OPTIONAL[kind]]
    problems = frame.filter(bad_nik).select(
        "baris",
        pl.col("nik").fill_null(""),
        pl.lit("FORMAT_NIK").alias("kode"),
        pl.lit("NIK harus tepat 16 angka; baris ini tidak dimuat").alias("pesan"),
    )
    good = frame.filter(~bad_nik).unique("nik", keep="first", maintain_order=True)
    typed = good.select(
        "nik",
        pl.col("nama").fill_null("") if "nama" in good.columns else pl.lit(""),
        *[
            pl.when(pl.col(c).str.contains(RE_DATE)).then(parse_date(pl.col(c))).otherwise(None).alias(c)
            for c in date_cols
        ],
        (pl.col("instansi").fill_null("") if "instansi" in good.columns else pl.lit("")).alias("instansi"),
    )
    with transaction.atomic():
        latest = ReferenceList.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
        ReferenceList.objects.filter(kind=kind, active=True).update(active=False)
        ref = ReferenceList.objects.create(
            kind=kind,
            version=latest + 1,
            file_name=path.name,
            sha256=sha,
            rows_read=frame.height,
            rows_loaded=typed.height,
            rows_rejected=problems.height,
            loaded_by=actor if getattr(actor, "pk", None) else None,
        )
        rows = typed.with_columns(pl.lit(ref.pk, dtype=pl.Int64).alias("reference_list_id"))
        for col in ("tanggal_lahir", "tanggal_meninggal"):
            if col not in rows.columns:
                rows = rows.with_columns(pl.lit(None, dtype=pl.Date).alias(col))
        copy_frame(
            "dataquality_referenceentry",
            rows.select("reference_list_id", "nik", "nama", "tanggal_lahir", "instansi", "tanggal_meninggal"),
        )
        result = ListLoadResult(
            kind=kind,
            version=ref.version,
            sha256=sha,
            read=frame.height,
            loaded=typed.height,
            rejected=problems.height,
            problems=[
                {"baris": int(b), "nik": n, "kode": k, "pesan": p} for b, n, k, p in problems.iter_rows()
            ],
        )
        audit_record(
            actor=actor,
            action="dataquality.list.load",
            object_type="dataquality.referencelist",
            object_id=ref.pk,
            after={k: v for k, v in result.as_dict().items() if k != "problems"},
            detail={"file": path.name},
        )
    return result


def active_list_niks(kind: str) -> pl.Series:
    """NIKs on the active version of a list (empty when none is loaded)."""
    from salur.core.bulk import read_frame

    ref = ReferenceList.objects.filter(kind=kind, active=True).first()
    if ref is None:
        return pl.Series("nik", [], dtype=pl.Utf8)
    return read_frame(
        f"SELECT nik FROM dataquality_referenceentry WHERE reference_list_id = {int(ref.pk)}",
        schema={"nik": pl.String()},
    )["nik"]
