"""Fixtures of the targeting tests: synthetic registries (salur synth) as frames and as imported registries."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from salur.targeting import pmt

ASSETS = [c for c in pmt.NUMERIC if c.startswith("aset_")]
TEXT = [c for c in pmt.CATEGORICAL if c not in ("kepala_pendidikan", "daya_listrik_va")]


def synth_files(out: Path, households: int, seed: int) -> Path:
    from salur.registry.batch.synth import synth_registry

    if not (out / "keluarga.csv").exists():
        synth_registry(households=households, seed=seed, out_dir=out)
    return out


def frames_from_files(out: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """keluarga.csv/anggota.csv as the frames `pipeline.read_inputs` gives (household_id = file row)."""
    k = pl.read_csv(out / "keluarga.csv", infer_schema=False).with_row_index("household_id")
    a = pl.read_csv(out / "anggota.csv", infer_schema=False)
    households = k.select(
        pl.col("household_id").cast(pl.Int64),
        "no_kk",
        "kode_wilayah",
        pl.col("luas_lantai_m2").cast(pl.Float64),
        *TEXT,
        pl.col("daya_listrik_va").cast(pl.Int64),
        *[pl.col(c).cast(pl.Int8) for c in ASSETS],
        pl.col("tanggal_pendataan").str.to_date(),
        pl.col("desil").cast(pl.Int64),
        pl.col("pengeluaran_per_kapita").cast(pl.Int64),
    )
    members = a.join(
        k.select("no_kk", "household_id"), on="no_kk", how="inner", maintain_order="left"
    ).select(
        pl.col("household_id").cast(pl.Int64),
        pl.col("tanggal_lahir").str.to_date(),
        "jenis_kelamin",
        "hubungan",
        "pendidikan",
        "pekerjaan",
        "disabilitas",
    )
    return households, members


@pytest.fixture(scope="session")
def synth_national(tmp_path_factory) -> tuple[pl.DataFrame, pl.DataFrame]:
    """40,000 synthetic households of the whole country (about 2,000 with measured consumption)."""
    out = synth_files(tmp_path_factory.mktemp("synth40k"), 40_000, 1)
    return frames_from_files(out)


@pytest.fixture(scope="session")
def synth_small_dir(tmp_path_factory) -> Path:
    """4,000 synthetic households (about 200 surveyed), as exchange files."""
    return synth_files(tmp_path_factory.mktemp("synth4k"), 4_000, 7)


@pytest.fixture
def synth_small_registry(synth_small_dir, run_import) -> dict:
    return run_import(synth_small_dir / "keluarga.csv", synth_small_dir / "anggota.csv")
