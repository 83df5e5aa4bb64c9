"""Status files from the banks and PT Pos, checked and applied set-based (contract: "Status file").

`parse` reads the file into a frame of text columns with its line numbers; `apply` stages the ids, joins them to
the payments in one query, decides every row's fate in Polars, applies the good rows with one UPDATE ... FROM and
stores every problem row with its reason.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import polars as pl
from django.db import connection

from salur.core.bulk import copy_frame, create_stage, drop_stage, is_postgres, read_frame
from salur.core.errors import UnreadableFile
from salur.core.timing import Stages
from salur.payments.signing import KEY_STAGE, SIGNED_FIELDS, key_stage_create, sign_frame, signature_sql

STATUSES = ("DIBAYAR", "GAGAL", "TIDAK_DIAMBIL")
REQUIRED = ("id_pembayaran", "status", "tanggal", "nominal_dibayar")
# The contract's problem codes come first and are always reported; the others only when they occur.
CONTRACT_PROBLEMS = ("ID_TIDAK_DIKENAL", "NOMINAL_BERBEDA", "ID_GANDA")
PROBLEM_TEXT = {
    "ID_TIDAK_DIKENAL": "id_pembayaran tidak dikenal",
    "NOMINAL_BERBEDA": "nominal_dibayar berbeda dari nominal pembayaran (atau bukan 0 untuk status selain DIBAYAR)",
    "ID_GANDA": "id_pembayaran muncul lebih dari sekali dalam berkas; hanya baris pertama yang diproses",
    "BARIS_TIDAK_SAH": "status, tanggal atau nominal_dibayar tidak sah",
    "TANDA_TANGAN_TIDAK_SAH": "data pembayaran di basis data tidak cocok dengan tanda tangannya (diubah setelah ekspor)",
    "STATUS_SUDAH_FINAL": "pembayaran sudah berstatus final yang berbeda; tidak diubah",
}


def parse(raw: bytes) -> pl.DataFrame:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("Berkas status harus berformat CSV UTF-8") from exc
    if not raw.strip():
        raise UnreadableFile("Berkas status kosong")
    try:
        frame = pl.read_csv(io.BytesIO(raw), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFile(f"Berkas status bukan CSV yang sah: {str(exc).splitlines()[0]}") from exc
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise UnreadableFile(f"Kolom wajib tidak ada di berkas status: {', '.join(missing)}")
    if "keterangan" not in frame.columns:
        frame = frame.with_columns(pl.lit("").alias("keterangan"))
    return frame.select(
        (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("line"),  # line 1 is the header
        pl.col("id_pembayaran").fill_null("").str.strip_chars(),
        pl.col("status").fill_null("").str.strip_chars().str.to_uppercase(),
        pl.col("tanggal").fill_null("").str.strip_chars(),
        pl.col("nominal_dibayar").fill_null("").str.strip_chars(),
        pl.col("keterangan").fill_null("").str.slice(0, 200),
    )


@dataclass
class Outcome:
    applied: int
    unchanged: int
    problem_counts: dict[str, int]
    problem_rows: pl.DataFrame
    applied_digest: str


def _cycles_named(rows: pl.DataFrame) -> list[int]:
    """The ids of the cycles that the file's ids name ("<cycle code>-<batch>-<household>"): every payment of the
    file can only be one of theirs, so the joins below read those cycles' rows through the cycle index instead of
    the whole payments table (which grows with every cycle)."""
    codes = (
        rows.select(pl.col("id_pembayaran").str.extract(r"^(.+)-\d+-\d+$", 1).drop_nulls().unique())
        .to_series()
        .to_list()
    )
    if not codes:
        return []
    from salur.cycles.models import Cycle

    return [int(i) for i in Cycle.objects.filter(code__in=codes).values_list("id", flat=True)]


def _in_list(ids: list[int]) -> str:
    return "(" + ", ".join(str(int(i)) for i in ids) + ")" if ids else "(NULL)"


def _payments_of(rows: pl.DataFrame, cycle_ids: list[int]) -> pl.DataFrame:
    """The payment of each line (LEFT JOIN on id_pembayaran, within the cycles the ids name). On PostgreSQL the
    signatures are checked in the query (`sig_ok`, signing.signature_sql), so only narrow rows come back; on SQLite
    the signed fields come back and are checked with `sign_frame`."""
    create_stage("stage_status", {"line": ("bigint", "INTEGER"), "id_pembayaran": ("text", "TEXT")})
    try:
        copy_frame("stage_status", rows.select("line", "id_pembayaran"))
        join = (
            " FROM stage_status s LEFT JOIN payments_payment p ON p.id_pembayaran = s.id_pembayaran"
            f" AND p.cycle_id IN {_in_list(cycle_ids)}"
            " LEFT JOIN cycles_cycle c ON c.id = p.cycle_id"
        )
        head = "SELECT s.line, p.id AS payment_id, p.cycle_id, p.status AS current, p.nominal"
        if is_postgres():
            key_stage_create()
            try:
                ok = signature_sql(
                    {
                        "id_pembayaran": "p.id_pembayaran",
                        "kode_siklus": "c.code",
                        "program": "p.program_code",
                        "no_kk": "p.no_kk",
                        "nik_penerima": "p.nik_penerima",
                        "kode_wilayah": "p.kode_wilayah",
                        "saluran": "p.channel",
                        "bank": "p.bank",
                        "no_rekening": "p.no_rekening",
                        "nominal": "p.nominal",
                    }
                )
                return read_frame(
                    f"{head}, (p.signature = {ok}) AS sig_ok{join} CROSS JOIN {KEY_STAGE} k", all_text=True
                ).with_columns(pl.col("sig_ok").cast(pl.Utf8).str.to_lowercase().is_in(["t", "true"]))
            finally:
                drop_stage(KEY_STAGE)
        fields = ", ".join(
            f"p.{c}" for c in ("no_kk", "nik_penerima", "kode_wilayah", "bank", "no_rekening", "signature")
        )
        return read_frame(
            f"{head}, c.code AS kode_siklus, p.program_code AS program, p.channel AS saluran, {fields}{join}",
            all_text=True,
        )
    finally:
        drop_stage("stage_status")


def apply(rows: pl.DataFrame, *, status_import_id: int) -> Outcome:
    if rows.height == 0:
        return Outcome(
            0, 0, dict.fromkeys(CONTRACT_PROBLEMS, 0), pl.DataFrame(), hashlib.sha256(b"").hexdigest()
        )
    stages = Stages("payments.status")
    with stages("read_payments"):
        cycle_ids = _cycles_named(rows)
        found = _payments_of(rows, cycle_ids)
    found = found.with_columns(
        pl.col("line").cast(pl.Int64),
        pl.col("payment_id").cast(pl.Int64, strict=False),
        pl.col("cycle_id").cast(pl.Int64, strict=False),
        pl.col("nominal").cast(pl.Int64, strict=False),
        *(pl.col(c).cast(pl.Utf8).fill_null("") for c in ("bank", "no_rekening") if c in found.columns),
    )
    frame = rows.join(found, on="line", how="left").sort("line")
    known = frame.filter(pl.col("payment_id").is_not_null())
    if "sig_ok" in frame.columns:  # checked in the database (PostgreSQL)
        frame = frame.with_columns(pl.when(pl.col("payment_id").is_not_null()).then(pl.col("sig_ok")))
    elif known.height:
        with stages("signatures"):
            recomputed = sign_frame(known.select(*SIGNED_FIELDS[:9], pl.col("nominal").cast(pl.Utf8)))
        checked = known.select("line").with_columns((recomputed == known["signature"]).alias("sig_ok"))
        frame = frame.join(checked, on="line", how="left")
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Boolean).alias("sig_ok"))
    paid = pl.col("nominal_dibayar").cast(pl.Int64, strict=False)
    date = pl.col("tanggal").str.to_date("%Y-%m-%d", strict=False)
    bad_row = (
        ~pl.col("status").is_in(STATUSES) | date.is_null() | paid.is_null() | (pl.col("id_pembayaran") == "")
    )
    repeated = ~pl.col("id_pembayaran").is_first_distinct()
    unknown = pl.col("payment_id").is_null()
    wrong_amount = pl.when(pl.col("status") == "DIBAYAR").then(paid != pl.col("nominal")).otherwise(paid != 0)
    final = pl.col("current") != "MENUNGGU"
    frame = frame.with_columns(
        pl.when(repeated)
        .then(pl.lit("ID_GANDA"))
        .when(bad_row)
        .then(pl.lit("BARIS_TIDAK_SAH"))
        .when(unknown)
        .then(pl.lit("ID_TIDAK_DIKENAL"))
        .when(~pl.col("sig_ok"))
        .then(pl.lit("TANDA_TANGAN_TIDAK_SAH"))
        .when(wrong_amount)
        .then(pl.lit("NOMINAL_BERBEDA"))
        .when(final & (pl.col("current") != pl.col("status")))
        .then(pl.lit("STATUS_SUDAH_FINAL"))
        .when(final)
        .then(pl.lit("SAMA"))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
        .alias("problem"),
        date.alias("status_date"),
        paid.alias("paid_amount"),
    )
    good = frame.filter(pl.col("problem").is_null())
    unchanged = int(frame.filter(pl.col("problem") == "SAMA").height)
    problems = frame.filter(pl.col("problem").is_not_null() & (pl.col("problem") != "SAMA"))
    with stages("update"):
        applied = _update(good, status_import_id, cycle_ids)
    counts = dict.fromkeys(CONTRACT_PROBLEMS, 0)
    for code, n in problems.group_by("problem").len().iter_rows():
        counts[code] = int(n)
    in_file = frame["cycle_id"].drop_nulls().unique().to_list()
    with stages("problems"):
        _store_problems(problems, status_import_id, fallback=in_file[0] if len(in_file) == 1 else None)
    stages.log()
    digest = hashlib.sha256(
        good.select(pl.format("{}:{}", "id_pembayaran", "status")).to_series().str.join("\n").item().encode()
        if good.height
        else b""
    ).hexdigest()
    return Outcome(applied, unchanged, counts, problems.select("line", "id_pembayaran", "problem"), digest)


def _update(good: pl.DataFrame, status_import_id: int, cycle_ids: list[int]) -> int:
    if good.height == 0:
        return 0
    create_stage(
        "stage_apply",
        {
            "id": ("bigint PRIMARY KEY", "INTEGER PRIMARY KEY"),
            "status": ("varchar(14)", "TEXT"),
            "status_date": ("date", "TEXT"),
            "paid_amount": ("bigint", "INTEGER"),
            "keterangan": ("varchar(200)", "TEXT"),
        },
    )
    try:
        copy_frame(
            "stage_apply",
            good.select(
                pl.col("payment_id").alias("id"), "status", "status_date", "paid_amount", "keterangan"
            ),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE payments_payment SET status = s.status, status_date = s.status_date,"
                " paid_amount = s.paid_amount, keterangan = s.keterangan, status_import_id = %s"
                " FROM stage_apply s WHERE payments_payment.id = s.id AND payments_payment.status = 'MENUNGGU'"
                f" AND payments_payment.cycle_id IN {_in_list(cycle_ids)}",
                [status_import_id],
            )
            return int(cursor.rowcount)
    finally:
        drop_stage("stage_apply")


def _store_problems(problems: pl.DataFrame, status_import_id: int, *, fallback: int | None) -> None:
    if problems.height == 0:
        return
    cycles = read_frame("SELECT id, code FROM cycles_cycle", all_text=True)
    by_code = (
        dict(zip(cycles["code"].to_list(), cycles["id"].cast(pl.Int64).to_list(), strict=True))
        if cycles.height
        else {}
    )
    # An unknown id is counted against the cycle its id names ("<cycle code>-<batch>-<household>").
    prefix = pl.col("id_pembayaran").str.replace(r"-\d+-\d+$", "")
    rows = problems.select(
        pl.lit(status_import_id, dtype=pl.Int64).alias("status_import_id"),
        pl.coalesce(
            pl.col("cycle_id"),
            prefix.replace_strict(by_code, default=None, return_dtype=pl.Int64),
            pl.lit(fallback, dtype=pl.Int64),
        ).alias("cycle_id"),
        pl.col("line"),
        pl.col("id_pembayaran").str.slice(0, 100),
        pl.col("problem").alias("code"),
        pl.col("problem").replace_strict(PROBLEM_TEXT, default="").alias("detail"),
    )
    copy_frame("payments_statusproblem", rows)
