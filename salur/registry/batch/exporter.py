"""Writing the registry in the exchange format (contract: registry-exchange.md), chunk by chunk.

Export -> import reproduces the registry: a desil that Salur computed is not written (it is not data the
authority supplied, and would come back as 'supplied'); it is recomputed by `salur targeting score`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
from django.db import connection

from salur.core.bulk import read_frame
from salur.registry import schema

CHUNK = 200_000


def _bool01(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Int8).cast(pl.Utf8)


def _decimal_text(name: str) -> pl.Expr:
    x = pl.col(name).cast(pl.Float64)
    return pl.when(x == x.round(0)).then(x.cast(pl.Int64).cast(pl.Utf8)).otherwise(x.cast(pl.Utf8))


def _scope_sql(prefixes: tuple[str, ...], column: str) -> tuple[str, list[str]]:
    """A region filter. Prefixes are region codes (digits only, checked), so they can stand in COPY's SQL."""
    if not prefixes:
        return "", []
    if not all(p.isdigit() and len(p) <= 10 for p in prefixes):
        raise ValueError("kode wilayah lingkup harus angka")
    ors = " OR ".join(f"{column} LIKE '{p}%'" for p in prefixes)
    return f" AND ({ors})", []


def _id_bounds(table: str) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {table}")
        lo, hi = cursor.fetchone()
    return int(lo or 0), int(hi or 0)


def _chunks(sql_for: Callable[[int, int], tuple[str, list[str]]], table: str):
    lo, hi = _id_bounds(table)
    if hi == 0:
        return
    start = lo
    while start <= hi:
        sql, params = sql_for(start, start + CHUNK)
        yield sql, params
        start += CHUNK


def _boolish(frame: pl.DataFrame, names: tuple[str, ...] | list[str]) -> pl.DataFrame:
    # PostgreSQL COPY gives booleans as t/f text, SQLite as 0/1 integers.
    exprs = []
    for n in names:
        dtype = frame.schema[n]
        if dtype == pl.Utf8:
            exprs.append((pl.col(n) == "t").cast(pl.Int8).cast(pl.Utf8).alias(n))
        else:
            exprs.append(pl.col(n).cast(pl.Int8).cast(pl.Utf8).alias(n))
    return frame.with_columns(exprs)


def export_registry(
    *,
    out_dir: Path,
    scope_prefixes: tuple[str, ...] = (),
    progress: Callable[[float, str], None] | None = None,
) -> tuple[Path, Path, int, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    kel_path, ang_path = out_dir / "keluarga.csv", out_dir / "anggota.csv"
    h_cols = list(schema.KELUARGA_NAMES)
    scope, scope_params = _scope_sql(scope_prefixes, "kode_wilayah")
    n_h = 0
    with kel_path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(h_cols) + "\n")
        select = ", ".join(
            [c for c in h_cols if c not in ("desil",)]
            + ["CASE WHEN desil_sumber = 'supplied' THEN desil END AS desil"]
        )
        for sql, params in _chunks(
            lambda a, b: (
                f"SELECT {select} FROM registry_household WHERE id >= {int(a)} AND id < {int(b)}{scope} ORDER BY id",
                scope_params,
            ),
            "registry_household",
        ):
            frame = _read(sql, params)
            if frame.height == 0:
                continue
            frame = _boolish(frame, list(schema.ASET)).with_columns(
                _decimal_text("luas_lantai_m2"),
                *[
                    pl.col(c).cast(pl.Utf8)
                    for c in ("daya_listrik_va", "desil", "pengeluaran_per_kapita", "tanggal_pendataan")
                ],
                *[pl.col(c).cast(pl.Utf8) for c in ("rt", "rw", "no_rekening", "no_kk", "kode_wilayah")],
            )
            frame.select(h_cols).write_csv(fh, include_header=False)
            n_h += frame.height
            if progress:
                progress(0.5, "keluarga")
    m_cols = list(schema.ANGGOTA_NAMES)
    scope_m, scope_params_m = _scope_sql(scope_prefixes, "h.kode_wilayah")
    n_m = 0
    with ang_path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(m_cols) + "\n")
        select = ", ".join("h.no_kk AS no_kk" if c == "no_kk" else f"m.{c}" for c in m_cols)
        for sql, params in _chunks(
            lambda a, b: (
                f"SELECT {select} FROM registry_member m JOIN registry_household h ON h.id = m.household_id"
                f" WHERE m.id >= {int(a)} AND m.id < {int(b)}{scope_m} ORDER BY m.id",
                scope_params_m,
            ),
            "registry_member",
        ):
            frame = _read(sql, params)
            if frame.height == 0:
                continue
            frame = _boolish(frame, ["hamil"]).with_columns(
                *[pl.col(c).cast(pl.Utf8) for c in ("nik", "no_kk", "tanggal_lahir")]
            )
            frame.select(m_cols).write_csv(fh, include_header=False)
            n_m += frame.height
    if progress:
        progress(1.0, "selesai")
    return kel_path, ang_path, n_h, n_m


def _read(sql: str, params: list[str]) -> pl.DataFrame:
    text_cols = dict.fromkeys(
        (
            "no_kk",
            "nik",
            "kode_wilayah",
            "rt",
            "rw",
            "no_rekening",
            "alamat",
            "nama",
            "tempat_lahir",
            "nama_ibu",
            "sekolah",
            "bank",
        ),
        pl.Utf8,
    )
    frame = read_frame(sql, params, all_text=True)
    if frame.height == 0:
        return frame
    return frame.with_columns([pl.col(c).cast(dt) for c, dt in text_cols.items() if c in frame.columns])
