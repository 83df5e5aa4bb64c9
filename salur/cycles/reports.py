"""Reports of a cycle: KPM and rupiah by provinsi, kabupaten/kota and channel, as a table, CSV and Excel.

The headline reads like the ministry's own reports: "PKH tahap II: 281.727 KPM, Rp209.180.398.000".
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from openpyxl import Workbook

from salur.core.bulk import read_frame
from salur.cycles.models import Cycle
from salur.payments.selectors import scope_sql

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember"]  # fmt: skip
COLUMNS = {
    "kode": "kode_wilayah",
    "wilayah": "wilayah",
    "saluran": "saluran",
    "kpm": "kpm",
    "rupiah": "rupiah",
}


def thousands(n: int) -> str:
    """281727 -> '281.727' (Indonesian thousands separator)."""
    return f"{int(n):,}".replace(",", ".")


def rupiah(n: int) -> str:
    return "Rp" + thousands(n)


def period_label(period: str) -> str:
    year, _, rest = period.partition("-")
    if rest.startswith("T"):
        return f"tahap {ROMAN.get(int(rest[1:]), rest[1:])} {year}"
    return f"{MONTHS[int(rest) - 1]} {year}"


def headline(cycle: Cycle, *, actor: Any = None) -> str:
    frame = cycle_report(cycle, actor=actor, level="provinsi")
    kpm = int(frame["kpm"].sum()) if frame.height else 0
    total = int(frame["rupiah"].sum()) if frame.height else 0
    return f"{cycle.program.code} {period_label(cycle.period)}: {thousands(kpm)} KPM, {rupiah(total)}"


def cycle_report(cycle: Cycle, *, actor: Any = None, level: str = "kabupaten") -> pl.DataFrame:
    """KPM and rupiah of a cycle's eligible entitlements by provinsi, kabupaten/kota (or provinsi only) and
    channel, with the names of the regions, largest first within the province."""
    width = 2 if level == "provinsi" else 4
    scope, scope_params = scope_sql(actor, "e.kode_wilayah")
    frame = read_frame(
        f"SELECT SUBSTR(e.kode_wilayah, 1, {width}) AS kode, e.channel AS saluran, COUNT(*) AS kpm,"
        " SUM(e.nominal) AS rupiah FROM cycles_entitlement e"
        f" WHERE e.cycle_id = %s AND e.eligible{scope}"
        f" GROUP BY SUBSTR(e.kode_wilayah, 1, {width}), e.channel",
        [cycle.pk, *scope_params],
        all_text=True,
    )
    if frame.height == 0:
        return pl.DataFrame(
            schema={
                "kode": pl.Utf8,
                "wilayah": pl.Utf8,
                "saluran": pl.Utf8,
                "kpm": pl.Int64,
                "rupiah": pl.Int64,
            }
        )
    names = read_frame(f"SELECT kode, nama FROM regions_region WHERE LENGTH(kode) = {width}", all_text=True)
    return (
        frame.with_columns(pl.col("kpm").cast(pl.Int64), pl.col("rupiah").cast(pl.Int64))
        .join(names.rename({"nama": "wilayah"}), on="kode", how="left")
        .select("kode", pl.col("wilayah").fill_null(""), "saluran", "kpm", "rupiah")
        .sort("kode", "saluran")
    )


def by_region(frame: pl.DataFrame) -> pl.DataFrame:
    """The report without the channel split (for the chart): one row per region."""
    if frame.height == 0:
        return frame.select("kode", "wilayah", "kpm", "rupiah")
    return frame.group_by("kode", "wilayah").agg(pl.col("kpm").sum(), pl.col("rupiah").sum()).sort("kode")


def to_csv(frame: pl.DataFrame) -> bytes:
    return frame.rename(COLUMNS).write_csv().encode("utf-8")


def to_xlsx(frame: pl.DataFrame, *, title: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Laporan")
    ws.append([title])
    ws.append(list(COLUMNS.values()))
    for row in frame.iter_rows():
        ws.append(list(row))
    ws.append(["", "JUMLAH", "", int(frame["kpm"].sum()) if frame.height else 0,
               int(frame["rupiah"].sum()) if frame.height else 0])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
