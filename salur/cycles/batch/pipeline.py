"""The read-compute-write pipeline of `cycle_create`: named steps over Polars frames (docs/architecture.md).

1. `read_inputs`: the whole registry (households, members in id order) and the active reference lists, bulk read
   and normalised to the same types on SQLite and PostgreSQL;
2. `snapshot_sha256`: the digest of exactly those inputs and the program config;
3. compute: `programs.batch.entitlements.compute` (pure);
4. `write_entitlements`, `write_components`: set-based writes with `copy_frame` (the entitlements into the cycle's
   own partition on PostgreSQL, core/partitions.py).

The caller runs all steps in one transaction, so a crash at any step leaves nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import transaction

from salur.core import partitions
from salur.core.bulk import copy_frame, read_committed_frames, read_frame
from salur.dataquality.selectors import cycle_exclusions
from salur.dataquality.services import active_list_niks
from salur.programs.batch import entitlements as e

ENTITLEMENT_TABLE = "cycles_entitlement"
COMPONENT_TABLE = "cycles_entitlementcomponent"

# Read unordered and sorted in Polars (multi-threaded; a server-side sort of 4 million members took 7 s).
HOUSEHOLD_SQL = (
    "SELECT id AS household_id, no_kk, kode_wilayah, desil, bank, no_rekening FROM registry_household"
)
MEMBER_SQL = (
    "SELECT household_id, nik, nama, jenis_kelamin, tanggal_lahir, hubungan, sekolah, pekerjaan, disabilitas, hamil,"
    " urutan, id FROM registry_member"
)
# Members in the order their file listed them (urutan), then by id, so that "the first listed" wins a tie between
# several heads or spouses (entitlements.py).
MEMBER_ORDER = ("household_id", "_urutan", "_id")
HOUSEHOLD_SCHEMA: dict[str, Any] = {
    "household_id": pl.Int64,
    "no_kk": pl.Utf8,
    "kode_wilayah": pl.Utf8,
    "desil": pl.Int64,
    "bank": pl.Utf8,
    "no_rekening": pl.Utf8,
}
MEMBER_TEXT = ("nik", "nama", "jenis_kelamin", "hubungan", "sekolah", "pekerjaan", "disabilitas")
LIST_KINDS = ("asn", "tni_polri", "kematian")


@dataclass(frozen=True)
class Inputs:
    households: pl.DataFrame
    members: pl.DataFrame
    lists: dict[str, pl.Series]  # kind -> sorted unique nik strings as loaded

    def reference_lists(self) -> e.ReferenceLists:
        return e.ReferenceLists.of(**self.lists)


def _as_text(name: str) -> pl.Expr:
    """Text of a column read from either backend (SQLite gives Python values, PostgreSQL CSV text or, over ADBC,
    typed columns: integers and text pass through these casts cheaply)."""
    return pl.col(name).cast(pl.Utf8)


# Registry columns a rule may read beyond the fixed ones (exchange names; the same names in the database, except
# kode_wilayah which is the household's region column). Only names from this closed list are ever put in SQL.
_HOUSEHOLD_DB = {
    "alamat", "rt", "rw", "luas_lantai_m2", "jenis_lantai", "jenis_dinding", "jenis_atap", "sumber_air_minum",
    "sumber_penerangan", "bahan_bakar_memasak", "fasilitas_bab", "status_rumah", "daya_listrik_va", "aset_kulkas",
    "aset_motor", "aset_mobil", "aset_ac", "aset_emas", "aset_lahan", "pengeluaran_per_kapita", "tanggal_pendataan",
    "pmt_skor", "desil_sumber",
}  # fmt: skip
_MEMBER_DB = {"tempat_lahir", "status_kawin", "pendidikan", "nama_ibu"}
_NUMERIC = {
    "luas_lantai_m2": pl.Float64,
    "daya_listrik_va": pl.Int64,
    "pengeluaran_per_kapita": pl.Int64,
    "pmt_skor": pl.Float64,
}
_BOOLEAN = {"aset_kulkas", "aset_motor", "aset_mobil", "aset_ac", "aset_emas", "aset_lahan"}


def _sorted(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """The frame ordered by `keys` (ascending, no nulls). A table read in its physical order is often in key order
    already (the importer inserts sorted): one vectorised check then saves the sort."""
    if frame.height < 2:
        return frame
    ordered = pl.lit(False)
    tie = pl.lit(True)
    for k in keys:
        step = pl.col(k).diff()
        ordered = ordered | (tie & (step > 0))
        tie = tie & (step == 0)
    if frame.select(ordered.slice(1).all()).item():
        return frame
    # One contiguous chunk first: a frame read over ADBC arrives in dozens of record batches, and sorting (gathering)
    # across them cost four times as much. Then one multi-key sort (measured on 3,853,303 members: rechunk 0.17 s and
    # sort 0.58 s, where sorting a narrow frame of keys and gathering the wide one took 0.36 s + 3.29 s).
    return frame.rechunk().sort(list(keys))


def _extra(frame_sql: str, names: list[str], allowed: set[str], key: str) -> pl.DataFrame | None:
    wanted = [n for n in names if n in allowed]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise ValueError(f"Kolom aturan tidak tersedia di registri: {', '.join(unknown)}")
    if not wanted:
        return None
    frame = read_frame(f"SELECT id AS {key}, {', '.join(wanted)} FROM {frame_sql} ORDER BY id", all_text=True)
    exprs = [pl.col(key).cast(pl.Int64)]
    for n in wanted:
        col = pl.col(n).cast(pl.Utf8)
        if n in _NUMERIC:
            exprs.append(col.cast(_NUMERIC[n], strict=False))
        elif n in _BOOLEAN:
            exprs.append(col.str.to_lowercase().is_in(["1", "t", "true"]).alias(n))
        else:
            exprs.append(col.fill_null(""))
    return frame.select(exprs)


def read_inputs(*, extra_household: Sequence[str] = (), extra_member: Sequence[str] = ()) -> Inputs:
    """The registry as frames, without the records a confirmed duplicate merge excluded (salur/dataquality), plus
    the extra columns that a program's stored rules read."""
    fast = read_committed_frames({"households": HOUSEHOLD_SQL, "members": MEMBER_SQL})
    households = fast["households"] if fast else read_frame(HOUSEHOLD_SQL, all_text=True)
    if households.height == 0:
        households = pl.DataFrame(schema=HOUSEHOLD_SCHEMA)
    households = households.select(
        _as_text("household_id").cast(pl.Int64),
        _as_text("no_kk"),
        _as_text("kode_wilayah"),
        _as_text("desil").cast(pl.Int64, strict=False),
        _as_text("bank").fill_null(""),
        _as_text("no_rekening").fill_null(""),
    )
    households = _sorted(households, ("household_id",))
    members = fast["members"] if fast else read_frame(MEMBER_SQL, all_text=True)
    if members.height == 0:
        members = pl.DataFrame(
            schema={
                "household_id": pl.Int64,
                **dict.fromkeys((*MEMBER_TEXT, "tanggal_lahir", "hamil", "urutan", "id"), pl.Utf8),
            }
        )
    members = members.select(
        pl.col("urutan").cast(pl.Int64, strict=False).fill_null(2147483647).alias("_urutan"),
        pl.col("id").cast(pl.Int64).alias("_id"),
        pl.col("household_id").cast(pl.Int64),
        _as_text("nik"),
        _as_text("nama"),
        _as_text("jenis_kelamin"),
        # SQLite hands dates as date objects or text, PostgreSQL as text: the first 10 characters are ISO.
        pl.col("tanggal_lahir")
        if members.schema["tanggal_lahir"] == pl.Date  # typed (ADBC)
        else _as_text("tanggal_lahir").str.slice(0, 10).str.to_date("%Y-%m-%d"),
        _as_text("hubungan"),
        _as_text("sekolah").fill_null(""),
        _as_text("pekerjaan").fill_null(""),
        _as_text("disabilitas").fill_null(""),
        pl.col("hamil").fill_null(False)
        if members.schema["hamil"] == pl.Boolean  # typed (ADBC)
        else _as_text("hamil").str.to_lowercase().is_in(["1", "t", "true"]).alias("hamil"),
    )
    members = _sorted(members, MEMBER_ORDER).drop("_urutan", "_id")
    lists = {kind: _list_niks(kind) for kind in LIST_KINDS}
    excluded_members, excluded_households = cycle_exclusions()
    if excluded_households:
        gone = pl.Series(excluded_households, dtype=pl.Int64)
        households = households.filter(~pl.col("household_id").is_in(gone.implode()))
        members = members.filter(~pl.col("household_id").is_in(gone.implode()))
    if excluded_members:
        id_list = ", ".join(str(int(i)) for i in excluded_members)
        gone_niks = read_frame(f"SELECT nik FROM registry_member WHERE id IN ({id_list})", all_text=True)
        if gone_niks.height:
            members = members.filter(~pl.col("nik").is_in(gone_niks["nik"].implode()))
    extra_h = _extra("registry_household", list(extra_household), _HOUSEHOLD_DB, "household_id")
    if extra_h is not None:
        households = households.join(extra_h, on="household_id", how="left", maintain_order="left")
    if extra_member:
        extra_m = _extra("registry_member", list(extra_member), _MEMBER_DB, "member_id")
        if extra_m is not None:
            keyed = read_frame(
                "SELECT id AS member_id, nik FROM registry_member", all_text=True
            ).with_columns(pl.col("member_id").cast(pl.Int64))
            members = members.join(
                extra_m.join(keyed, on="member_id").drop("member_id"),
                on="nik",
                how="left",
                maintain_order="left",
            )
    return Inputs(households=households, members=members, lists=lists)


def _list_niks(kind: str) -> pl.Series:
    """The NIKs on the active list of `kind`, plus the members a reviewer matched to a list row without a usable
    NIK (salur/dataquality: confirmed name matches are flagged, never automatic ones)."""
    from salur.dataquality.models import LIST_FLAG, ListKind

    flag = str(LIST_FLAG[ListKind(kind)])  # a constant of the code, not user input
    matched = read_frame(
        "SELECT m.nik FROM dataquality_crosscheckflag f JOIN registry_member m ON m.id = f.member_id"
        f" WHERE f.kind = '{flag}'",
        all_text=True,
    )
    niks = active_list_niks(kind).cast(pl.Utf8)
    if matched.height:
        niks = pl.concat([niks, matched["nik"].cast(pl.Utf8)])
    return niks.unique().sort()


def snapshot_parts(inputs: Inputs) -> dict[str, bytes]:
    """The snapshot files' bytes: Parquet of the households (by id), the members (in their order) and each list.
    lz4, not zstd: twice as fast to write, files half again as big. The same inputs give the same bytes."""
    parts: dict[str, pl.DataFrame] = {
        "households.parquet": inputs.households,
        "members.parquet": inputs.members,
        **{f"list_{kind}.parquet": inputs.lists[kind].to_frame("nik") for kind in LIST_KINDS},
    }
    out = {}
    for name, frame in parts.items():
        buf = io.BytesIO()
        frame.write_parquet(buf, compression="lz4", statistics=False)
        out[name] = buf.getvalue()
    return out


def snapshot_sha256(inputs: Inputs, config: dict[str, Any], *, parts: dict[str, bytes] | None = None) -> str:
    """sha256 over the sha256 of each snapshot file (in name order, `<sha256>  <name>` lines as `sha256sum` prints
    them) and the config JSON: the digest can be checked against the files of var/snapshots/<code>/."""
    parts = parts if parts is not None else snapshot_parts(inputs)
    digest = hashlib.sha256()
    for name in sorted(parts):
        digest.update(f"{hashlib.sha256(parts[name]).hexdigest()}  {name}\n".encode())
    digest.update(b"--- config\n")
    digest.update(json.dumps(config, sort_keys=True, separators=(",", ":")).encode())
    return digest.hexdigest()


def entitlement_rows(
    decisions: pl.DataFrame, *, cycle_id: int, program_code: str, period: str
) -> pl.DataFrame:
    """The rows of `cycles_entitlement` for the decisions of `entitlements.compute`."""
    return decisions.select(
        pl.lit(cycle_id, dtype=pl.Int64).alias("cycle_id"),
        pl.col("household_id"),
        pl.lit(program_code).alias("program_code"),
        pl.lit(period).alias("period"),
        pl.col("eligible"),
        pl.col("reasons").list.join(",").fill_null("").alias("reasons"),
        pl.col("nominal"),
        pl.col("channel"),
        pl.col("bank").fill_null(""),
        pl.col("no_rekening").fill_null(""),
        pl.col("nik_penerima").fill_null(""),
        pl.col("nama_penerima").fill_null(""),
        pl.col("kode_wilayah"),
    )


def write_entitlements(rows: pl.DataFrame, *, cycle_id: int, program_code: str, period: str) -> int:
    """The cycle's entitlements; on PostgreSQL into a partition of the cycle's own, indexed once and then attached
    (core/partitions.py)."""
    return partitions.bulk_load(
        ENTITLEMENT_TABLE,
        cycle_id=cycle_id,
        program_code=program_code,
        period=period,
        write=lambda target: copy_frame(target, rows),
    )


def write_components(components: pl.DataFrame, *, cycle_id: int) -> int:
    """The taken PKH components, keyed to the entitlements just written (read back by household)."""
    if components.height == 0:
        return 0
    ids = read_frame(
        f"SELECT id, household_id FROM {ENTITLEMENT_TABLE} WHERE cycle_id = %s",
        [cycle_id],
        schema={"id": pl.Int64(), "household_id": pl.Int64()},
    )
    rows = components.join(ids, on="household_id", how="inner", maintain_order="left").select(
        pl.col("id").alias("entitlement_id"),
        pl.col("nik"),
        pl.col("component"),
        pl.col("per_period").alias("amount"),
    )
    return copy_frame(COMPONENT_TABLE, rows)


def snapshot_write(parts: dict[str, bytes], *, code: str) -> Path:
    """Freeze the inputs (the bytes of `snapshot_parts`) as files under var/snapshots/<code>/.

    Written to a temporary folder that becomes the final one only when the transaction commits
    (`transaction.on_commit`), so a crash or a refusal leaves no snapshot of a cycle that does not exist.
    """
    base = Path(settings.VAR_DIR) / "snapshots"
    final = base / code
    tmp = base / f".{code}.{os.getpid()}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    for name, data in parts.items():
        (tmp / name).write_bytes(data)

    def publish() -> None:
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)

    def discard() -> None:
        shutil.rmtree(tmp, ignore_errors=True)

    transaction.on_commit(publish)
    _PENDING.append(discard)
    return final


_PENDING: list[Any] = []


def snapshot_discard_pending() -> None:
    """Remove temporary snapshot folders of a cycle whose transaction did not commit."""
    while _PENDING:
        _PENDING.pop()()


def snapshot_forget_pending() -> None:
    """The cycle was created: its snapshot folder is published when the transaction commits."""
    _PENDING.clear()
