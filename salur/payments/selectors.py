"""Reads of payments: reconciliation, reports, what a household was last paid, file verification."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection

from salur.core.access import scope_prefixes
from salur.core.bulk import read_frame
from salur.core.errors import UnreadableFile
from salur.cycles.models import Cycle
from salur.payments.batch.files import CHANNELS, FILE_COLUMNS
from salur.payments.batch.status import CONTRACT_PROBLEMS
from salur.payments.models import PaymentStatus
from salur.payments.signing import SIGNED_FIELDS, sign_frame


def scope_sql(actor: Any, column: str = "p.kode_wilayah") -> tuple[str, list[str]]:
    """A WHERE fragment for the actor's region scope, with its parameters (prefix patterns, never pasted)."""
    if actor is None:
        return "", []
    prefixes = [p.replace(".", "") for p in scope_prefixes(actor)]
    if not prefixes:
        return "", []
    return " AND (" + " OR ".join(f"{column} LIKE %s" for _ in prefixes) + ")", [f"{p}%" for p in prefixes]


def reconciliation(cycle: Cycle, *, actor: Any = None) -> dict[str, Any]:
    """The contract's reconciliation of a cycle (every batch), optionally limited to the actor's region."""
    scope, scope_params = scope_sql(actor)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.status, p.channel, COUNT(*), COALESCE(SUM(p.nominal), 0) FROM payments_payment p"
            f" WHERE p.cycle_id = %s{scope} GROUP BY p.status, p.channel",
            [cycle.pk, *scope_params],
        )
        groups = cursor.fetchall()
        cursor.execute(
            "SELECT COALESCE(SUM(p.nominal), 0) FROM payments_payment p WHERE p.cycle_id = %s"
            f" AND p.status IN ('GAGAL', 'TIDAK_DIAMBIL'){scope}"
            " AND NOT EXISTS (SELECT 1 FROM payments_payment q WHERE q.program_code = p.program_code"
            " AND q.period = p.period AND q.household_id = p.household_id AND q.batch_id > p.batch_id)",
            [cycle.pk, *scope_params],
        )
        retur = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT code, COUNT(*) FROM payments_statusproblem WHERE cycle_id = %s GROUP BY code", [cycle.pk]
        )
        problem_rows = cursor.fetchall()
    by_status = {s: {"count": 0, "amount": 0} for s in PaymentStatus.values}
    by_channel: dict[str, dict[str, int]] = {}
    total = {"count": 0, "amount": 0}
    for status, channel, count, amount in groups:
        for bucket in (
            by_status.setdefault(status, {"count": 0, "amount": 0}),
            by_channel.setdefault(channel, {"count": 0, "amount": 0}),
            total,
        ):
            bucket["count"] += int(count)
            bucket["amount"] += int(amount)
    ordered_channels = {c: by_channel[c] for c in CHANNELS if c in by_channel}
    ordered_channels.update({c: v for c, v in sorted(by_channel.items()) if c not in ordered_channels})
    problems = dict.fromkeys(CONTRACT_PROBLEMS, 0)
    if actor is None or not scope_prefixes(actor):
        for code, n in problem_rows:
            problems[code] = problems.get(code, 0) + int(n)
    return {
        "cycle": cycle.code,
        "payments": total,
        "by_status": by_status,
        "by_channel": ordered_channels,
        "problems": problems,
        "retur_amount": retur,
    }


def last_paid_by_household(household_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The most recent DIBAYAR payment of each household (any program): program, period, status, tanggal."""
    ids = [int(i) for i in household_ids][:1000]
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT household_id, program_code, period, status, status_date FROM payments_payment"
            f" WHERE household_id IN ({marks}) AND status = 'DIBAYAR' ORDER BY status_date, id",
            ids,
        )
        rows = cursor.fetchall()
    out: dict[int, dict[str, Any]] = {}
    for household_id, program, period, status, date in rows:
        out[int(household_id)] = {
            "program": program,
            "period": period,
            "status": status,
            "tanggal": date.isoformat() if hasattr(date, "isoformat") else (str(date) if date else None),
        }
    return out


def verify_file(path: Path) -> dict[str, Any]:
    """Check a payment file against what Salur exported: its manifest (if beside it), the sha256 recorded at
    export, and every row's fields against the payment's signature. Returns counts and the first problems."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"Berkas tidak dapat dibaca: {exc.strerror or exc}") from exc
    sha = hashlib.sha256(raw).hexdigest()
    problems: list[dict[str, Any]] = []
    manifest_path = path.with_suffix(".json")
    manifest_ok: bool | None = None
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            manifest_ok = manifest.get("sha256") == sha
        except (OSError, ValueError):
            manifest_ok = False
        if not manifest_ok:
            problems.append(
                {
                    "baris": 0,
                    "kode": "MANIFEST_TIDAK_COCOK",
                    "keterangan": "sha256 berkas berbeda dari manifes",
                }
            )
    from salur.payments.models import ExportFile

    recorded = ExportFile.objects.filter(file_name=path.name).first()
    export_ok = recorded is not None and recorded.sha256 == sha
    if recorded is None:
        problems.append(
            {"baris": 0, "kode": "BERKAS_TIDAK_DIKENAL", "keterangan": "nama berkas tidak pernah diekspor"}
        )
    elif not export_ok:
        problems.append(
            {"baris": 0, "kode": "BERKAS_BERUBAH", "keterangan": "sha256 berbeda dari saat ekspor"}
        )
    try:
        frame = pl.read_csv(io.BytesIO(raw), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFile("Berkas pembayaran bukan CSV yang sah") from exc
    if list(frame.columns) != list(FILE_COLUMNS):
        raise UnreadableFile("Kolom berkas pembayaran tidak sesuai kontrak: " + ", ".join(frame.columns))
    frame = frame.with_columns(pl.col(c).fill_null("") for c in FILE_COLUMNS).with_row_index(
        "baris", offset=2
    )
    stored = (
        read_frame(
            "SELECT id_pembayaran, signature FROM payments_payment WHERE id_pembayaran IN"
            " (SELECT id_pembayaran FROM payments_exportfile f JOIN payments_paymentbatch b ON b.id = f.batch_id"
            " JOIN payments_payment p ON p.cycle_id = b.cycle_id AND p.batch_id = b.id AND p.channel = f.channel"
            " WHERE f.file_name = %s)",
            [path.name],
            all_text=True,
        )
        if recorded is not None
        else pl.DataFrame(schema={"id_pembayaran": pl.Utf8, "signature": pl.Utf8})
    )
    if stored.height == 0:
        stored = pl.DataFrame(schema={"id_pembayaran": pl.Utf8, "signature": pl.Utf8})
    recomputed = sign_frame(frame.select(SIGNED_FIELDS))
    frame = frame.with_columns(recomputed.alias("_sig")).join(stored, on="id_pembayaran", how="left")
    bad = frame.filter(pl.col("signature").is_null() | (pl.col("signature") != pl.col("_sig")))
    for row in bad.head(100).iter_rows(named=True):
        code = "ID_TIDAK_DIKENAL" if row["signature"] is None else "BARIS_DIUBAH"
        problems.append({"baris": row["baris"], "kode": code, "id_pembayaran": row["id_pembayaran"]})
    missing = stored.join(frame.select("id_pembayaran"), on="id_pembayaran", how="anti").height
    if missing:
        problems.append(
            {
                "baris": 0,
                "kode": "BARIS_HILANG",
                "keterangan": f"{missing} baris pembayaran tidak ada di berkas",
            }
        )
    return {
        "file": path.name,
        "sha256": sha,
        "rows": frame.height,
        "rows_altered": bad.height,
        "rows_missing": missing,
        "manifest_ok": manifest_ok,
        "export_ok": export_ok,
        "ok": not problems,
        "problems": problems,
    }
