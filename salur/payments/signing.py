"""Keyed signatures (HMAC-SHA256) of payment rows, computed set-based in DuckDB.

The signature covers a payment's essential fields in a fixed order, joined by '|':
id_pembayaran, kode_siklus, program, no_kk, nik_penerima, kode_wilayah, saluran, bank, no_rekening, nominal.
The key comes from the environment (SALUR_PAYMENT_KEY, read by settings); only a development setup (SALUR_DEBUG=1)
may run without one, on a fixed development key. HMAC is computed as the RFC 2104 construction over whole columns:
sha256(opad || unhex(sha256(ipad || message))), which equals Python's hmac.new(key, msg, sha256) (tested).
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import polars as pl
from django.conf import settings

from salur.core.errors import SalurError

SIGNED_FIELDS = (
    "id_pembayaran",
    "kode_siklus",
    "program",
    "no_kk",
    "nik_penerima",
    "kode_wilayah",
    "saluran",
    "bank",
    "no_rekening",
    "nominal",
)


def payment_key() -> bytes:
    key = getattr(settings, "SALUR_PAYMENT_KEY", "")
    if not key:
        raise SalurError("Kunci tanda tangan pembayaran (SALUR_PAYMENT_KEY) belum diatur")
    return str(key).encode()


def _pads(key: bytes) -> tuple[bytes, bytes]:
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x5C for b in key), bytes(b ^ 0x36 for b in key)


def message_expr() -> pl.Expr:
    """The signed message of each row of a frame carrying the SIGNED_FIELDS columns."""
    return pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("") for c in SIGNED_FIELDS], separator="|").alias(
        "_message"
    )


def sign_frame(frame: pl.DataFrame, *, key: bytes | None = None) -> pl.Series:
    """The hex HMAC of every row of `frame` (which carries SIGNED_FIELDS), in row order."""
    if frame.height == 0:
        return pl.Series("signature", [], dtype=pl.Utf8)
    opad, ipad = _pads(key or payment_key())
    messages = frame.select(message_expr()).with_row_index("_i")
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.register("messages", messages.to_arrow())
        result = con.sql(
            "SELECT sha256($opad || unhex(sha256($ipad || encode(_message)))) AS signature"
            " FROM messages ORDER BY _i",
            params={"opad": opad, "ipad": ipad},
        ).pl()
    return result["signature"]


KEY_STAGE = "stage_payment_key"


def key_stage_create() -> None:
    """PostgreSQL: the key's pads in a temporary table for `signature_sql` (bound parameters: the key never appears
    in SQL text, logs or pg_stat_statements). Dropped at commit."""
    from django.db import connection

    from salur.core.bulk import create_stage

    opad, ipad = _pads(payment_key())
    create_stage(KEY_STAGE, {"opad": ("bytea", "BLOB"), "ipad": ("bytea", "BLOB")})
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {KEY_STAGE} (opad, ipad) VALUES (%s, %s)", [opad, ipad])


def signature_sql(fields: dict[str, str], key_alias: str = "k") -> str:
    """PostgreSQL expression of the same HMAC as `sign_frame`, over SQL expressions for SIGNED_FIELDS, with the
    pads of `key_stage_create` joined as `key_alias` (PostgreSQL 11+ has sha256(bytea) built in)."""
    parts = ", ".join(f"COALESCE(({fields[c]})::text, '')" for c in SIGNED_FIELDS)
    message = f"convert_to(concat_ws('|', {parts}), 'UTF8')"
    return f"encode(sha256({key_alias}.opad || sha256({key_alias}.ipad || {message})), 'hex')"


def sign_one(fields: dict[str, object], *, key: bytes | None = None) -> str:
    """The same signature for one row (tests, single checks)."""
    message = "|".join("" if fields.get(c) is None else str(fields[c]) for c in SIGNED_FIELDS)
    return hmac.new(key or payment_key(), message.encode(), hashlib.sha256).hexdigest()
