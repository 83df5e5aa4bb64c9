"""Set-based building of payment rows and payment files (contract: programs-and-payments.md).

- `first_batch_source`, `first_batch_chunks`: the payments of a cycle's first batch, from its eligible entitlements
  (one read, signed chunk by chunk);
- `followup_rows`: the re-issue of failed and unclaimed payments, with the household's current bank data;
- `write_files`: one CSV per channel plus its manifest, rows ordered by id_pembayaran; identical input gives
  identical bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl

from salur.core.bulk import read_committed_frames, read_frame
from salur.payments.signing import sign_frame

CHANNELS = ("BRI", "BNI", "MANDIRI", "BSI", "BTN", "POS")
FILE_COLUMNS = (
    "id_pembayaran",
    "kode_siklus",
    "program",
    "no_kk",
    "nik_penerima",
    "nama_penerima",
    "kode_wilayah",
    "saluran",
    "bank",
    "no_rekening",
    "nominal",
)
PAYMENT_TABLE = "payments_payment"


def payment_id(cycle_code: str, batch: int) -> pl.Expr:
    """`<cycle code>-<batch>-<household id, 10 digits>`: stable, unique across all cycles, sortable."""
    return pl.format(
        "{}-{}-{}", pl.lit(cycle_code), pl.lit(batch), pl.col("household_id").cast(pl.Utf8).str.zfill(10)
    )


def _finish(
    frame: pl.DataFrame, *, cycle_id: int, cycle_code: str, batch_id: int, batch: int
) -> pl.DataFrame:
    return _signed(_prepare(frame, cycle_code=cycle_code, batch=batch), cycle_id=cycle_id, batch_id=batch_id)


def _prepare(frame: pl.DataFrame, *, cycle_code: str, batch: int) -> pl.DataFrame:
    """Payment ids and the cycle code, in id order."""
    return frame.with_columns(
        payment_id(cycle_code, batch).alias("id_pembayaran"), pl.lit(cycle_code).alias("kode_siklus")
    ).sort("id_pembayaran")


def _signed(frame: pl.DataFrame, *, cycle_id: int, batch_id: int) -> pl.DataFrame:
    """The rows of `payments_payment` for prepared rows, each signed."""
    signed = frame.select(
        "id_pembayaran",
        "kode_siklus",
        pl.col("program_code").alias("program"),
        "no_kk",
        "nik_penerima",
        "kode_wilayah",
        pl.col("channel").alias("saluran"),
        "bank",
        "no_rekening",
        "nominal",
    )
    return frame.with_columns(
        sign_frame(signed).alias("signature"),
        pl.lit(cycle_id, dtype=pl.Int64).alias("cycle_id"),
        pl.lit(batch_id, dtype=pl.Int64).alias("batch_id"),
        pl.lit("MENUNGGU").alias("status"),
        pl.lit(0, dtype=pl.Int64).alias("paid_amount"),
        pl.lit("").alias("keterangan"),
    ).select(*PAYMENT_COLUMNS)


PAYMENT_COLUMNS = (
    "id_pembayaran",
    "batch_id",
    "cycle_id",
    "household_id",
    "program_code",
    "period",
    "no_kk",
    "nik_penerima",
    "nama_penerima",
    "kode_wilayah",
    "channel",
    "bank",
    "no_rekening",
    "nominal",
    "signature",
    "status",
    "paid_amount",
    "keterangan",
)
SIGN_CHUNK_ROWS = 200_000


def first_batch_chunks(
    source: pl.DataFrame, *, cycle_id: int, cycle_code: str, batch_id: int
) -> Iterator[pl.DataFrame]:
    """The first batch's payment rows (one per eligible entitlement with a positive amount), signed chunk by chunk in a worker thread: the next
    chunk is signed while the caller writes this one (DuckDB and Polars release the GIL)."""
    if source.height == 0:
        return
    prepared = _prepare(_typed(source), cycle_code=cycle_code, batch=1)
    parts = [prepared.slice(i, SIGN_CHUNK_ROWS) for i in range(0, prepared.height, SIGN_CHUNK_ROWS)]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sign") as pool:
        futures = [pool.submit(_signed, part, cycle_id=cycle_id, batch_id=batch_id) for part in parts]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


_TEXT = ("no_kk", "nik_penerima", "nama_penerima", "kode_wilayah", "channel", "bank", "no_rekening")


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("household_id").cast(pl.Int64),
        pl.col("nominal").cast(pl.Int64),
        *(pl.col(c).cast(pl.Utf8).fill_null("") for c in (*_TEXT, "program_code", "period")),
    )


FIRST_BATCH_SQL = (
    "SELECT e.household_id, e.program_code, e.period, h.no_kk, e.nik_penerima, e.nama_penerima,"
    " e.kode_wilayah, e.channel, e.bank, e.no_rekening, e.nominal"
    " FROM cycles_entitlement e JOIN registry_household h ON h.id = e.household_id"
    " WHERE e.cycle_id = {cycle_id} AND e.eligible AND e.nominal > 0"
)


def first_batch_source(cycle_id: int) -> pl.DataFrame:
    """The eligible entitlements of an approved cycle (committed and never changed again): read before the batch's
    transaction, over ADBC on PostgreSQL (core/bulk.py read_committed_frames), else with read_frame."""
    sql = FIRST_BATCH_SQL.format(cycle_id=int(cycle_id))
    fast = read_committed_frames({"rows": sql})
    return fast["rows"] if fast is not None else read_frame(sql, all_text=True)


def followup_rows(*, cycle_id: int, cycle_code: str, batch_id: int, batch: int) -> pl.DataFrame:
    """Households of the cycle whose latest payment failed or went unclaimed and that hold no live payment:
    paid again the same nominal (never more than the entitlement), through the household's current bank account
    (or PT Pos when it has none)."""
    frame = read_frame(
        "SELECT p.household_id, p.program_code, p.period, p.no_kk, p.nik_penerima, p.nama_penerima,"
        " p.kode_wilayah, h.bank, h.no_rekening, e.nominal"
        " FROM payments_payment p"
        " JOIN registry_household h ON h.id = p.household_id"
        " JOIN cycles_entitlement e ON e.cycle_id = p.cycle_id AND e.household_id = p.household_id"
        f" WHERE p.cycle_id = {int(cycle_id)} AND p.status IN ('GAGAL', 'TIDAK_DIAMBIL')"
        " AND p.batch_id = (SELECT MAX(q.batch_id) FROM payments_payment q"
        "   WHERE q.cycle_id = p.cycle_id AND q.household_id = p.household_id)"
        " AND NOT EXISTS (SELECT 1 FROM payments_payment l WHERE l.program_code = p.program_code"
        "   AND l.period = p.period AND l.household_id = p.household_id AND l.status IN ('MENUNGGU', 'DIBAYAR'))",
        all_text=True,
    )
    if frame.height == 0:
        return pl.DataFrame()
    frame = _typed(frame.with_columns(pl.lit("").alias("channel")))
    has_account = (pl.col("bank") != "") & (pl.col("no_rekening") != "")
    frame = frame.with_columns(
        pl.when(has_account).then(pl.col("bank")).otherwise(pl.lit("POS")).alias("channel"),
        pl.when(has_account).then(pl.col("bank")).otherwise(pl.lit("")).alias("bank"),
        pl.when(has_account).then(pl.col("no_rekening")).otherwise(pl.lit("")).alias("no_rekening"),
    )
    return _finish(frame, cycle_id=cycle_id, cycle_code=cycle_code, batch_id=batch_id, batch=batch)


def batch_file_frame(batch_id: int) -> pl.DataFrame:
    """The payments of a batch in file form, ordered by id_pembayaran."""
    frame = read_frame(
        "SELECT p.id_pembayaran, c.code AS kode_siklus, p.program_code AS program, p.no_kk, p.nik_penerima,"
        " p.nama_penerima, p.kode_wilayah, p.channel AS saluran, p.bank, p.no_rekening, p.nominal"
        f" FROM payments_paymentbatch b JOIN {PAYMENT_TABLE} p ON p.cycle_id = b.cycle_id AND p.batch_id = b.id"
        f" JOIN cycles_cycle c ON c.id = b.cycle_id WHERE b.id = {int(batch_id)}",
        all_text=True,
    )
    if frame.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(FILE_COLUMNS, pl.Utf8)).with_columns(
            pl.col("nominal").cast(pl.Int64)
        )
    return (
        frame.select(*(pl.col(c).cast(pl.Utf8).fill_null("") for c in FILE_COLUMNS))
        .with_columns(pl.col("nominal").cast(pl.Int64))
        .sort("id_pembayaran")
    )


def file_frame(rows: pl.DataFrame, *, cycle_code: str) -> pl.DataFrame:
    """The payment rows of `_finish` in file form: the same frame `batch_file_frame` reads back (tested: the first
    export, written from these rows, and a re-export, read from the database, are byte-identical)."""
    if rows.height == 0:
        return batch_file_frame(-1)
    return (
        rows.with_columns(pl.lit(cycle_code).alias("kode_siklus"))
        .select(
            "id_pembayaran",
            "kode_siklus",
            pl.col("program_code").alias("program"),
            "no_kk",
            "nik_penerima",
            "nama_penerima",
            "kode_wilayah",
            pl.col("channel").alias("saluran"),
            "bank",
            "no_rekening",
            "nominal",
        )
        .select(*(pl.col(c).cast(pl.Utf8).fill_null("") for c in FILE_COLUMNS))
        .with_columns(pl.col("nominal").cast(pl.Int64))
        .sort("id_pembayaran")
    )


def write_files(
    frame: pl.DataFrame, *, out_dir: Path, cycle_code: str, suffix: str = ""
) -> list[dict[str, Any]]:
    """One CSV and one manifest per channel present in the frame; returns the manifests (with `file`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    present = set(frame["saluran"].unique().to_list()) if frame.height else set()
    for channel in [c for c in CHANNELS if c in present] + sorted(present - set(CHANNELS)):
        part = frame.filter(pl.col("saluran") == channel)
        name = f"{cycle_code}_{channel}{suffix}.csv"
        data = part.write_csv(None, include_header=True, line_terminator="\n", quote_style="necessary")
        raw = data.encode("utf-8")
        path = out_dir / name
        tmp = path.with_suffix(".csv.tmp")
        tmp.write_bytes(raw)
        tmp.replace(path)
        manifest = {
            "kode_siklus": cycle_code,
            "saluran": channel,
            "jumlah_baris": part.height,
            "total_nominal": int(part["nominal"].sum()),
            "sha256": hashlib.sha256(raw).hexdigest(),
        }
        (out_dir / f"{name[:-4]}.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        written.append({**manifest, "file": name})
    return written
