"""The read-compute-write steps of `salur targeting score` and `calibrate` (docs/architecture.md, batch work).

1. `read_inputs`: every household (proxies, supplied desil, consumption, current score) and every member, bulk
   read (COPY on PostgreSQL) and normalised to the same types on both backends;
2. compute: `pmt.household_base`, `pmt.score` (pure);
3. `final_desil`: the supplied desil wins, the others take the PMT desil;
4. `write_scores`: the changed rows go to a temporary stage table (COPY / executemany), then one
   UPDATE ... FROM writes them, guarding the supplied desil again in SQL.

The caller runs steps 1-4 in one transaction.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import polars as pl
from django.db import connection

from salur.core.bulk import copy_frame, is_postgres, qn, read_frame
from salur.targeting import pmt

HOUSEHOLD_TABLE = "registry_household"
MEMBER_TABLE = "registry_member"
STAGE = "stage_pmt"

CATEGORY_COLUMNS = (
    "jenis_lantai",
    "jenis_dinding",
    "jenis_atap",
    "sumber_air_minum",
    "sumber_penerangan",
    "bahan_bakar_memasak",
    "fasilitas_bab",
    "status_rumah",
)
ASSET_COLUMNS = ("aset_kulkas", "aset_motor", "aset_mobil", "aset_ac", "aset_emas", "aset_lahan")
HOUSEHOLD_SQL = (
    "SELECT id AS household_id, no_kk, kode_wilayah, luas_lantai_m2, "
    + ", ".join(CATEGORY_COLUMNS)
    + ", daya_listrik_va, "
    + ", ".join(ASSET_COLUMNS)
    + f", tanggal_pendataan, desil, desil_sumber, pmt_skor, pengeluaran_per_kapita FROM {HOUSEHOLD_TABLE}"
)
MEMBER_SQL = (
    "SELECT id, household_id, urutan, tanggal_lahir, jenis_kelamin, hubungan, pendidikan, pekerjaan, disabilitas"
    f" FROM {MEMBER_TABLE}"
)
MEMBER_TEXT = ("jenis_kelamin", "hubungan", "pendidikan", "pekerjaan", "disabilitas")


@dataclass(frozen=True)
class Inputs:
    households: pl.DataFrame  # sorted by household_id
    members: pl.DataFrame  # sorted by household, then the family's order (urutan, id)


def _text(name: str) -> pl.Expr:
    """Text of a column read from either backend (SQLite gives Python values, PostgreSQL CSV text)."""
    return pl.col(name).cast(pl.Utf8)


def _flag(name: str) -> pl.Expr:
    return _text(name).str.to_lowercase().is_in(["1", "t", "true"]).cast(pl.Int8)


def _date(name: str) -> pl.Expr:
    return _text(name).str.slice(0, 10).str.to_date("%Y-%m-%d")


def _ensure(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """An empty result may come back without columns: give it the expected ones (as text)."""
    missing = [n for n in names if n not in frame.columns]
    return frame.with_columns([pl.lit(None, dtype=pl.Utf8).alias(n) for n in missing]) if missing else frame


def read_inputs() -> Inputs:
    raw = read_frame(HOUSEHOLD_SQL, all_text=True)
    raw = _ensure(
        raw,
        [
            "household_id",
            "no_kk",
            "kode_wilayah",
            "luas_lantai_m2",
            *CATEGORY_COLUMNS,
            "daya_listrik_va",
            *ASSET_COLUMNS,
            "tanggal_pendataan",
            "desil",
            "desil_sumber",
            "pmt_skor",
            "pengeluaran_per_kapita",
        ],
    )
    households = raw.select(
        _text("household_id").cast(pl.Int64),
        _text("no_kk"),
        _text("kode_wilayah"),
        _text("luas_lantai_m2").cast(pl.Float64),
        *[_text(c) for c in CATEGORY_COLUMNS],
        _text("daya_listrik_va").cast(pl.Float64).cast(pl.Int64),
        *[_flag(c) for c in ASSET_COLUMNS],
        _date("tanggal_pendataan"),
        _text("desil").cast(pl.Int64),
        _text("desil_sumber").fill_null(""),
        _text("pmt_skor").cast(pl.Float64),
        _text("pengeluaran_per_kapita").cast(pl.Int64),
    ).sort("household_id")
    raw_m = _ensure(
        read_frame(MEMBER_SQL, all_text=True),
        ["id", "household_id", "urutan", "tanggal_lahir", *MEMBER_TEXT],
    )
    members = (
        raw_m.select(
            _text("household_id").cast(pl.Int64),
            _text("urutan").cast(pl.Int64).alias("_urutan"),
            _text("id").cast(pl.Int64).alias("_id"),
            _date("tanggal_lahir"),
            *[_text(c).fill_null("") for c in MEMBER_TEXT],
        )
        # the family in its file order: the first listed head is the head (as in the cycles' tie-break)
        .sort(["household_id", "_urutan", "_id"], nulls_last=True)
        .drop("_urutan", "_id")
    )
    return Inputs(households=households, members=members)


def supplied_mask() -> pl.Expr:
    """A desil the data authority supplied: marked so, or present without being one Salur computed."""
    return (pl.col("desil_sumber") == "supplied") | (
        pl.col("desil").is_not_null() & (pl.col("desil_sumber") != "computed")
    )


def final_desil(households: pl.DataFrame, scored: pl.DataFrame) -> pl.DataFrame:
    """Every household's new pmt_skor, desil and desil_sumber, plus whether the row changes.

    The supplied desil always wins: such a household keeps its desil (and gets its pmt_skor); the others take the
    PMT desil, marked computed."""
    supplied = supplied_mask()
    return (
        households.select("household_id", "no_kk", "desil", "desil_sumber", "pmt_skor")
        .join(scored.rename({"pmt_skor": "new_skor"}), on="household_id", how="left", maintain_order="left")
        .with_columns(
            _supplied=supplied,
            new_desil=pl.when(supplied).then(pl.col("desil")).otherwise(pl.col("desil_pmt").cast(pl.Int64)),
            new_sumber=pl.when(supplied).then(pl.lit("supplied")).otherwise(pl.lit("computed")),
        )
        .with_columns(
            _changed=pl.col("pmt_skor").round(pmt.SCORE_DECIMALS).ne_missing(pl.col("new_skor"))
            | pl.col("desil").ne_missing(pl.col("new_desil"))
            | pl.col("desil_sumber").ne_missing(pl.col("new_sumber"))
        )
    )


def state_sha256(frame: pl.DataFrame, skor: str, desil: str, sumber: str) -> str:
    """sha256 of (no_kk, pmt_skor with 6 decimals, desil, desil_sumber) of every household, by no_kk."""
    buf = io.BytesIO()
    frame.select(
        "no_kk",
        pl.col(skor).round(pmt.SCORE_DECIMALS).alias("pmt_skor"),
        pl.col(desil).alias("desil"),
        pl.col(sumber).alias("desil_sumber"),
    ).sort("no_kk").write_csv(buf, float_precision=pmt.SCORE_DECIMALS)
    return hashlib.sha256(buf.getvalue()).hexdigest()


def input_sha256(base: pl.DataFrame, households: pl.DataFrame) -> str:
    """sha256 of what the model sees: every household's features and its supplied desil (by household id)."""
    supplied = households.select(
        "household_id", supplied_desil=pl.when(supplied_mask()).then(pl.col("desil"))
    )
    frame = base.drop("pengeluaran_per_kapita", "desil", strict=False).join(
        supplied, on="household_id", how="left", maintain_order="left"
    )
    buf = io.BytesIO()
    frame.sort("household_id").write_csv(buf, float_precision=9)
    return hashlib.sha256(buf.getvalue()).hexdigest()


def _create_stage() -> None:
    pg = is_postgres()
    cols = (
        "id bigint PRIMARY KEY, pmt_skor double precision, desil smallint, desil_sumber varchar(10)"
        if pg
        else "id INTEGER PRIMARY KEY, pmt_skor REAL, desil INTEGER, desil_sumber TEXT"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qn(STAGE)}")
        cursor.execute(f"CREATE TEMP TABLE {qn(STAGE)} ({cols}){' ON COMMIT DROP' if pg else ''}")


def write_scores(rows: pl.DataFrame) -> int:
    """Write pmt_skor, desil and desil_sumber of the given rows (household_id, new_skor, new_desil, new_sumber)
    with one UPDATE ... FROM a stage table. The supplied desil is guarded again in SQL: a desil the data
    authority supplied is never overwritten, whatever the stage holds. Returns the rows updated."""
    if rows.height == 0:
        return 0
    _create_stage()
    copy_frame(
        STAGE,
        rows.select(
            pl.col("household_id").alias("id"),
            pl.col("new_skor").alias("pmt_skor"),
            pl.col("new_desil").alias("desil"),
            pl.col("new_sumber").alias("desil_sumber"),
        ),
    )
    supplied = "(h.desil_sumber = 'supplied' OR (h.desil IS NOT NULL AND h.desil_sumber <> 'computed'))"
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(f"ANALYZE {qn(STAGE)}")
        cursor.execute(
            f"UPDATE {HOUSEHOLD_TABLE} AS h SET pmt_skor = s.pmt_skor,"
            f" desil = CASE WHEN {supplied} THEN h.desil ELSE s.desil END,"
            f" desil_sumber = CASE WHEN {supplied} THEN 'supplied' ELSE 'computed' END"
            f" FROM {qn(STAGE)} AS s WHERE h.id = s.id"
        )
        updated = cursor.rowcount
        if not is_postgres():
            cursor.execute(f"DROP TABLE IF EXISTS {qn(STAGE)}")
    return updated
