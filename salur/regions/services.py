"""Loading the shipped Kemendagri region tree (salur/regions/data, MIT: see LICENSE there)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from django.db import connection, transaction

from salur.core.bulk import copy_frame, is_postgres, qn
from salur.core.hashing import file_sha256
from salur.core.models import LoadedDataset

DATA_DIR = Path(__file__).resolve().parent / "data"
WILAYAH_FILE = DATA_DIR / "wilayah_2025.csv"
HISTORIS_FILE = DATA_DIR / "kecamatan_historis.csv"
PENDUDUK_FILE = DATA_DIR / "penduduk_2024.csv"


def wilayah_frame() -> pl.DataFrame:
    """The 2025 tree with undotted codes and each node's ancestors."""
    raw = pl.read_csv(WILAYAH_FILE, infer_schema=False)
    kode = pl.col("kode").str.replace_all(".", "", literal=True)
    return raw.select(
        kode.alias("kode"),
        pl.col("nama").str.strip_chars(),
        pl.col("level").cast(pl.Int16),
        pl.col("kode_induk").str.replace_all(".", "", literal=True).alias("induk_id"),
        kode.str.slice(0, 2).alias("kode_prov"),
        pl.when(pl.col("level").cast(pl.Int16) >= 2)
        .then(kode.str.slice(0, 4))
        .otherwise(pl.lit(""))
        .alias("kode_kab"),
        pl.when(pl.col("level").cast(pl.Int16) >= 3)
        .then(kode.str.slice(0, 6))
        .otherwise(pl.lit(""))
        .alias("kode_kec"),
    ).sort("level", "kode")


def historis_frame() -> pl.DataFrame:
    raw = pl.read_csv(HISTORIS_FILE, infer_schema=False)
    return raw.select(
        pl.col("kode").str.replace_all(".", "", literal=True),
        pl.col("nama").str.strip_chars(),
        pl.col("ada_sejak").cast(pl.Int16),
        pl.col("ada_hingga").cast(pl.Int16),
    )


def _upsert(table: str, frame: pl.DataFrame, key: str) -> None:
    cols = frame.columns
    pg = is_postgres()
    types = {pl.Utf8: ("text", "TEXT"), pl.Int16: ("smallint", "INTEGER")}
    ddl = ", ".join(f"{qn(c)} {types[frame.schema[c]][0 if pg else 1]}" for c in cols)  # type: ignore[index]
    stage = f"stage_{table}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qn(stage)}")
        cursor.execute(f"CREATE TEMP TABLE {qn(stage)} ({ddl})")
    copy_frame(stage, frame)
    col_sql = ", ".join(qn(c) for c in cols)
    updates = ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in cols if c != key)
    with connection.cursor() as cursor:
        # "WHERE true" keeps SQLite's parser from reading ON CONFLICT as a join clause.
        cursor.execute(
            f"INSERT INTO {qn(table)} ({col_sql}) SELECT {col_sql} FROM {qn(stage)} WHERE true"
            f" ON CONFLICT ({qn(key)}) DO UPDATE SET {updates}"
        )
        cursor.execute(f"DROP TABLE {qn(stage)}")


def regions_load(*, force: bool = False) -> dict[str, int | bool]:
    """Load (or refresh) the region tree and historical kecamatan codes; skip files already loaded."""
    result: dict[str, int | bool] = {}
    for name, path, table, frame_fn in (
        ("wilayah_2025", WILAYAH_FILE, "regions_region", wilayah_frame),
        ("kecamatan_historis", HISTORIS_FILE, "regions_historicalkecamatan", historis_frame),
    ):
        sha = file_sha256(path)
        done = LoadedDataset.objects.filter(name=name, sha256=sha).first()
        if done and not force:
            result[name] = done.rows
            result[f"{name}_skipped"] = True
            continue
        frame = frame_fn()
        with transaction.atomic():
            _upsert(table, frame, "kode")
            LoadedDataset.objects.update_or_create(name=name, defaults={"sha256": sha, "rows": frame.height})
        result[name] = frame.height
        result[f"{name}_skipped"] = False
    return result
