"""Persons for the duplicate finder read straight from exchange files (keluarga.csv, anggota.csv).

The benchmark measures the duplicate finder on `salur synth --dirty` output without importing it first; rows
the importer would reject for their NIK, KK or birth date are left out here too (they never reach the registry).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from salur.dataquality.batch.dedup import PERSON_COLUMNS


def persons_from_exchange(directory: Path) -> pl.DataFrame:
    keluarga = (
        pl.scan_csv(directory / "keluarga.csv", infer_schema=False)
        .select("no_kk", "kode_wilayah")
        .unique("no_kk", keep="first")
    )
    anggota = pl.scan_csv(directory / "anggota.csv", infer_schema=False).select(
        "nik", "no_kk", "nama", "jenis_kelamin", "tanggal_lahir", "nama_ibu", "tempat_lahir"
    )
    frame = (
        anggota.filter(pl.col("nik").str.contains(r"^\d{16}$"))
        .unique("nik", keep="first", maintain_order=True)
        .join(keluarga, on="no_kk", how="inner")
        .with_columns(
            tanggal_lahir=pl.col("tanggal_lahir").str.to_date("%Y-%m-%d", strict=False),
            household_id=pl.col("no_kk").rank("dense").cast(pl.Int64),
        )
        .filter(pl.col("tanggal_lahir").is_not_null())
        .sort("nik")  # the join does not keep the file's order; ids must be the same on every run
        .with_row_index("id", offset=1)
        .with_columns(pl.col("id").cast(pl.Int64))
    )
    return frame.select(list(PERSON_COLUMNS)).collect()
