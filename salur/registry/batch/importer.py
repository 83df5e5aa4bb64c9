"""The registry import pipeline: read -> validate -> stage -> merge, in one transaction.

Steps (each set-based):
1. check the files can be read at all (UTF-8, a header with the key columns): else UnreadableFile, nothing stored;
2. stream each file in chunks (bounded memory), validate whole columns with Polars (batch/validate.py), append
   the problems to the rejects file and the accepted rows to a staging table (COPY on PostgreSQL);
3. merge the staging tables into the registry with a few SQL statements: history of changed rows, update,
   insert; members find their household by no_kk; the KEPALA_KELUARGA flag is recomputed for touched households.
Everything from step 2 on runs in one transaction: an import that dies midway leaves the registry untouched.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection, transaction

from salur.core.bulk import copy_frame, create_stage, db_now, drop_stage, is_postgres, qn, read_frame
from salur.core.errors import UnreadableFile
from salur.registry import schema
from salur.registry.batch import validate as v
from salur.registry.batch.bulkload import FrameWriter, SecondaryIndexes, read_frame_raw

# 250,000 rows: a national file streams in several chunks, so that the COPY of one overlaps the validation of the
# next and the last, not overlapped, is short; the peak memory is about two chunks (about 0.9 GB).
CHUNK_ROWS = int(os.environ.get("SALUR_IMPORT_CHUNK_ROWS", "250000"))
Progress = Callable[[float, str], None]
log = logging.getLogger("salur.registry.import")

HOUSEHOLD_TABLE = "registry_household"
MEMBER_TABLE = "registry_member"
CHANGE_TABLE = "registry_registrychange"

# Columns of the staging tables, with their PostgreSQL and SQLite types.
HOUSEHOLD_STAGE: dict[str, tuple[str, str]] = {
    "no_kk": ("varchar(16)", "TEXT"),
    "kode_wilayah": ("varchar(10)", "TEXT"),
    "alamat": ("text", "TEXT"),
    "rt": ("text", "TEXT"),
    "rw": ("text", "TEXT"),
    "luas_lantai_m2": ("double precision", "REAL"),
    **{c: ("text", "TEXT") for c in schema.KELUARGA_NAMES if c.startswith(("jenis_", "sumber_"))},
    "bahan_bakar_memasak": ("text", "TEXT"),
    "fasilitas_bab": ("text", "TEXT"),
    "status_rumah": ("text", "TEXT"),
    "daya_listrik_va": ("integer", "INTEGER"),
    **dict.fromkeys(schema.ASET, ("boolean", "INTEGER")),
    "bank": ("text", "TEXT"),
    "no_rekening": ("text", "TEXT"),
    "desil": ("smallint", "INTEGER"),
    "desil_sumber": ("text", "TEXT"),
    "pengeluaran_per_kapita": ("bigint", "INTEGER"),
    "tanggal_pendataan": ("date", "TEXT"),
}
MEMBER_STAGE: dict[str, tuple[str, str]] = {
    "nik": ("varchar(16)", "TEXT"),
    "no_kk": ("varchar(16)", "TEXT"),
    "nama": ("text", "TEXT"),
    "jenis_kelamin": ("text", "TEXT"),
    "tempat_lahir": ("text", "TEXT"),
    "tanggal_lahir": ("date", "TEXT"),
    "hubungan": ("text", "TEXT"),
    "status_kawin": ("text", "TEXT"),
    "pendidikan": ("text", "TEXT"),
    "sekolah": ("text", "TEXT"),
    "pekerjaan": ("text", "TEXT"),
    "disabilitas": ("text", "TEXT"),
    "hamil": ("boolean", "INTEGER"),
    "nama_ibu": ("text", "TEXT"),
    "flags": ("text", "TEXT"),
    "urutan": ("integer", "INTEGER"),
}
# Household columns compared to decide whether a row changed (desil has its own rule, flags are derived).
HOUSEHOLD_COMPARED = [c for c in HOUSEHOLD_STAGE if c not in ("no_kk", "desil", "desil_sumber")]
# `urutan` (the row number in the file) follows a changed row but does not by itself make a change.
MEMBER_COMPARED = [c for c in MEMBER_STAGE if c not in ("nik", "no_kk", "urutan")]


@dataclass
class FileCounts:
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0


@dataclass
class ImportSummary:
    households: FileCounts = field(default_factory=FileCounts)
    members: FileCounts = field(default_factory=FileCounts)
    rejects: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    rejects_file: str = ""
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "households": vars(self.households),
            "members": vars(self.members),
            "rejects": {k: self.rejects[k] for k in schema.REJECT_CODES if self.rejects.get(k)},
            "flags": {k: self.flags[k] for k in schema.FLAG_CODES if self.flags.get(k)},
            "rejects_file": self.rejects_file,
            "warnings": list(self.warnings),
        }

    @property
    def any_rejected(self) -> bool:
        return bool(self.households.rejected or self.members.rejected)


@dataclass(frozen=True)
class ImportContext:
    actor_id: int | None
    source: str
    job_id: int | None
    scope_prefixes: tuple[str, ...] = ()


# --- reading -------------------------------------------------------------------------------------------


def check_readable(path: Path, berkas: str, expected: tuple[str, ...], key: tuple[str, ...]) -> list[str]:
    """Refuse a file that cannot be read at all; return the header's column names (normalised)."""
    if not path.exists() or not path.is_file():
        raise UnreadableFile(f"Berkas {berkas} tidak ditemukan: {path}")
    if path.stat().st_size == 0:
        raise UnreadableFile(f"Berkas {berkas} kosong: {path}")
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = b""
    with path.open("rb") as fh:
        while block := fh.read(16 * 1024 * 1024):
            if not first:
                first = block[:65536]
            if b"\x00" in block:
                raise UnreadableFile(f"Berkas {berkas} bukan berkas CSV (berisi data biner): {path}")
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise UnreadableFile(
                    f"Berkas {berkas} bukan teks UTF-8 (sekitar bita ke-{exc.start}); simpan ulang sebagai CSV UTF-8"
                ) from exc
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"Berkas {berkas} bukan teks UTF-8; simpan ulang sebagai CSV UTF-8") from exc
    text = first.decode("utf-8", errors="ignore").lstrip("\ufeff")
    header_line = text.splitlines()[0] if text.strip() else ""
    if not header_line.strip():
        raise UnreadableFile(f"Berkas {berkas} kosong: tidak ada baris judul kolom")
    header = next(csv.reader([header_line]))
    names = [h.strip().lower() for h in header]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise UnreadableFile(f"Berkas {berkas}: nama kolom ganda di baris judul: {', '.join(dup)}")
    if not set(key) & set(names):
        raise UnreadableFile(
            f"Berkas {berkas} bukan CSV format pertukaran registri: kolom {', '.join(key)} tidak ditemukan"
        )
    required = [
        c.name
        for c in (schema.KELUARGA_COLUMNS + schema.ANGGOTA_COLUMNS)
        if c.required and c.name in expected
    ]
    missing = [c for c in dict.fromkeys(required) if c not in names]
    if missing:
        raise UnreadableFile(f"Berkas {berkas}: kolom wajib tidak ada: {', '.join(missing)}")
    return names


def iter_chunks(path: Path, names: list[str], expected: tuple[str, ...]):
    """Stream a CSV file as normalised string frames of at most CHUNK_ROWS rows, with `_baris`."""
    lf = pl.scan_csv(
        path,
        infer_schema=False,
        new_columns=names,
        truncate_ragged_lines=True,
        row_index_name=v.ROW,
        row_index_offset=1,
        raise_if_empty=False,
        quote_char='"',
    )
    present = [c for c in expected if c in names]
    absent = [c for c in expected if c not in names]
    lf = lf.select(pl.col(v.ROW).cast(pl.Int64), *[pl.col(c) for c in present]).with_columns(
        [pl.lit(None, dtype=pl.Utf8).alias(c) for c in absent]
    )
    try:
        for batch in lf.collect_batches(chunk_size=CHUNK_ROWS):
            yield v.normalise(batch, expected)
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFile(
            f"Berkas {path.name} tidak dapat dibaca sebagai CSV: {str(exc).splitlines()[0]}"
        ) from exc


# --- reference data ------------------------------------------------------------------------------------


def load_reference(scope_prefixes: tuple[str, ...] = ()) -> v.Reference:
    desa = read_frame("SELECT kode FROM regions_region WHERE level = 4", schema={"kode": pl.String()})["kode"]
    kec = read_frame(
        "SELECT kode FROM regions_region WHERE level = 3 UNION SELECT kode FROM regions_historicalkecamatan",
        schema={"kode": pl.String()},
    )["kode"]
    from salur.core.bulk import today

    return v.Reference(desa_codes=desa, kecamatan_codes=kec, today=today(), scope_prefixes=scope_prefixes)


def _select_in(sql: str, keys: list[str]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(keys), 5000):
        batch = keys[start : start + 5000]
        with connection.cursor() as cursor:
            cursor.execute(sql.format(keys=", ".join(["%s"] * len(batch))), batch)
            out.extend(cursor.fetchall())
    return out


def registry_households_for(keys: list[int]) -> pl.DataFrame:
    """(no_kk_int, tanggal_pendataan, kode_wilayah, household_id) of registry households among `keys`."""
    out = _select_in(
        f"SELECT no_kk, tanggal_pendataan, kode_wilayah, id FROM {HOUSEHOLD_TABLE} WHERE no_kk IN ({{keys}})",
        [f"{k:016d}" for k in keys],
    )
    rows = [
        (int(k), d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)), w, i) for k, d, w, i in out
    ]
    return pl.DataFrame(
        rows,
        schema={
            "no_kk_int": pl.Int64,
            "tanggal_pendataan": pl.Date,
            "kode_wilayah": pl.Utf8,
            "household_id": pl.Int64,
        },
        orient="row",
    )


HOUSEHOLD_IDS_SCHEMA: dict[str, pl.DataType] = {"no_kk_int": pl.Int64(), "household_id": pl.Int64()}


def _after_households(
    indexes: SecondaryIndexes | None, created_after: int, timings: dict[str, float], raw: Any
) -> pl.DataFrame:
    """The end of the household phase: rebuild the household indexes (when dropped), then read the ids.

    Runs in the FrameWriter's thread on PostgreSQL (`raw`: its psycopg connection), inline on SQLite (None).
    Returns (no_kk_int, household_id) of the households the file updated (in the stage table) and of those
    created by this import (ids above `created_after`, the largest id before it); the caller keeps the file's.
    """
    start = time.perf_counter()
    if indexes is not None:
        indexes.restore(raw)
    timings["rebuild_household_indexes"] = time.perf_counter() - start
    sql = (
        f"SELECT CAST(s.no_kk AS BIGINT), h.id FROM stage_household s JOIN {HOUSEHOLD_TABLE} h ON h.no_kk = s.no_kk"
        f" UNION ALL SELECT CAST(no_kk AS BIGINT), id FROM {HOUSEHOLD_TABLE} WHERE id > {int(created_after)}"
    )
    if raw is None:
        return read_frame(sql, schema=HOUSEHOLD_IDS_SCHEMA)
    return read_frame_raw(raw, sql, HOUSEHOLD_IDS_SCHEMA)


def existing_keys(table: str, key: str, keys: pl.Series) -> pl.Series:
    """The keys (no_kk or nik) among `keys` that the registry holds already (they are updated, not inserted)."""
    create_stage("stage_keys", {"k": ("varchar(16)", "TEXT")})
    copy_frame("stage_keys", pl.DataFrame({"k": keys}))
    found = read_frame(
        f"SELECT n.k FROM stage_keys n JOIN {table} t ON t.{qn(key)} = n.k", schema={"k": pl.String()}
    )["k"]
    drop_stage("stage_keys")
    return found


def max_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {qn(table)}")
        return int(cursor.fetchone()[0])


def table_rows(table: str) -> int:
    """Rows in a registry table: exact when few, PostgreSQL's estimate when many (a count would scan them all)."""
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
            estimate = int(cursor.fetchone()[0])
            if estimate >= 100_000:
                return estimate
        cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")
        return int(cursor.fetchone()[0])


def rebuild_indexes_for(incoming_members: int, existing: int) -> bool:
    """Whether this load drops and rebuilds the registry's secondary indexes (see bulkload.SecondaryIndexes).

    SALUR_IMPORT_REBUILD_INDEXES: `auto` (default): when the file holds at least twice as many members as the
    registry (an initial or national load: building the indexes once is cheaper than growing them row by row,
    and the registry is empty or small, so the lock that it needs costs little; a re-import of the registry's
    own files keeps the indexes and the readers); `always`; `never`.
    """
    mode = os.environ.get("SALUR_IMPORT_REBUILD_INDEXES", "auto")
    if mode == "never" or not _owns_registry():
        return False
    if mode == "always":
        return True
    return incoming_members >= 2 * existing


def _owns_registry() -> bool:
    """Whether this connection may drop and create the registry's indexes: on PostgreSQL only the tables' owner
    may, and production runs the application as a role that owns no table (docs/operations.md), whose imports then
    keep the indexes (slower for a national load, and nothing is locked)."""
    if not is_postgres():
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bool_and(pg_has_role(current_user, relowner, 'USAGE')) FROM pg_class"
            " WHERE oid IN (%s::regclass, %s::regclass)",
            [HOUSEHOLD_TABLE, MEMBER_TABLE],
        )
        return bool(cursor.fetchone()[0])


def foreign_keys_for(entity: str, keys: pl.Series, prefixes: tuple[str, ...]) -> pl.Series | None:
    """For a scoped import: keys of existing households/members that lie outside the actor's regions."""
    if not prefixes:
        return None
    wanted = keys.drop_nulls().unique().to_list()
    if entity == "household":
        sql = f"SELECT no_kk, kode_wilayah FROM {HOUSEHOLD_TABLE} WHERE no_kk IN ({{keys}})"
    else:
        sql = (
            f"SELECT m.nik, h.kode_wilayah FROM {MEMBER_TABLE} m JOIN {HOUSEHOLD_TABLE} h"
            f" ON h.id = m.household_id WHERE m.nik IN ({{keys}})"
        )
    rows = _select_in(sql, [str(k) for k in wanted])
    return pl.Series([k for k, w in rows if not any(str(w).startswith(p) for p in prefixes)], dtype=pl.Utf8)


# --- staging and merge ---------------------------------------------------------------------------------


def _json(alias_cols: list[tuple[str, str]]) -> str:
    """A JSON object of (key, SQL expression) pairs in the backend's dialect."""
    args = ", ".join(f"'{k}', {expr}" for k, expr in alias_cols)
    return f"json_build_object({args})::jsonb" if is_postgres() else f"json_object({args})"


def _distinct(a: str, b: str) -> str:
    return f"{a} IS DISTINCT FROM {b}"


def merge_households(ctx: ImportContext, now: Any) -> int:
    """Households of the file that the registry held already (staged): history of the changed ones, update."""
    h, s = "h", "s"
    desil_changed = (
        f"(({s}.desil IS NOT NULL AND ({_distinct(f'{h}.desil', f'{s}.desil')} OR {h}.desil_sumber <> 'supplied'))"
        f" OR ({s}.desil IS NULL AND {h}.desil_sumber = 'supplied'))"
    )
    changed = " OR ".join(
        [_distinct(f"{h}.{qn(c)}", f"{s}.{qn(c)}") for c in HOUSEHOLD_COMPARED] + [desil_changed]
    )
    new_desil = f"CASE WHEN {s}.desil IS NOT NULL THEN {s}.desil WHEN {h}.desil_sumber = 'computed' THEN {h}.desil END"
    new_sumber = f"CASE WHEN {s}.desil IS NOT NULL THEN 'supplied' WHEN {h}.desil_sumber = 'computed' THEN 'computed' ELSE '' END"
    data_cols = [c for c in HOUSEHOLD_STAGE if c != "no_kk"]
    before = _json([(c, f"{h}.{qn(c)}") for c in data_cols])
    after = _json(
        [(c, f"{s}.{qn(c)}") for c in data_cols if c not in ("desil", "desil_sumber")]
        + [("desil", new_desil), ("desil_sumber", new_sumber)]
    )
    params = [now, ctx.actor_id, ctx.source, ctx.job_id]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CHANGE_TABLE} (at, actor_id, source, job_id, entity, {qn('key')}, action, before, after)"
            f" SELECT %s, %s, %s, %s, 'household', {s}.no_kk, 'update', {before}, {after}"
            f" FROM stage_household {s} JOIN {HOUSEHOLD_TABLE} {h} ON {h}.no_kk = {s}.no_kk WHERE {changed}",
            params,
        )
        sets = [f"{qn(c)} = {s}.{qn(c)}" for c in HOUSEHOLD_COMPARED]
        sets += [f"desil = {new_desil}", f"desil_sumber = {new_sumber}", "updated_at = %s"]
        cursor.execute(
            f"UPDATE {HOUSEHOLD_TABLE} AS {h} SET {', '.join(sets)} FROM stage_household {s}"
            f" WHERE {h}.no_kk = {s}.no_kk AND ({changed})",
            [now],
        )
        updated = cursor.rowcount
    return updated


def merge_members(ctx: ImportContext, now: Any) -> int:
    """Members of the file that the registry held already (staged): history of the changed ones, update."""
    m, s, hh, ho = "m", "s", "hh", "ho"
    changed = " OR ".join(
        [_distinct(f"{m}.household_id", f"{hh}.id")]
        + [_distinct(f"{m}.{qn(c)}", f"{s}.{qn(c)}") for c in MEMBER_COMPARED]
    )
    before = _json([("no_kk", f"{ho}.no_kk")] + [(c, f"{m}.{qn(c)}") for c in MEMBER_COMPARED])
    after = _json([("no_kk", f"{s}.no_kk")] + [(c, f"{s}.{qn(c)}") for c in MEMBER_COMPARED])
    params = [now, ctx.actor_id, ctx.source, ctx.job_id]
    with connection.cursor() as cursor:
        # Households a member leaves also need their head count checked again.
        cursor.execute(
            f"INSERT INTO stage_affected (id) SELECT DISTINCT {m}.household_id FROM stage_member {s}"
            f" JOIN {MEMBER_TABLE} {m} ON {m}.nik = {s}.nik WHERE true ON CONFLICT (id) DO NOTHING"
        )
        cursor.execute(
            f"INSERT INTO {CHANGE_TABLE} (at, actor_id, source, job_id, entity, {qn('key')}, action, before, after)"
            f" SELECT %s, %s, %s, %s, 'member', {s}.nik, 'update', {before}, {after}"
            f" FROM stage_member {s} JOIN {MEMBER_TABLE} {m} ON {m}.nik = {s}.nik"
            f" JOIN {HOUSEHOLD_TABLE} {hh} ON {hh}.no_kk = {s}.no_kk"
            f" JOIN {HOUSEHOLD_TABLE} {ho} ON {ho}.id = {m}.household_id WHERE {changed}",
            params,
        )
        sets = [f"{qn(c)} = {s}.{qn(c)}" for c in [*MEMBER_COMPARED, "urutan"]] + [
            f"household_id = {hh}.id",
            "updated_at = %s",
        ]
        cursor.execute(
            f"UPDATE {MEMBER_TABLE} AS {m} SET {', '.join(sets)} FROM stage_member {s}"
            f" JOIN {HOUSEHOLD_TABLE} {hh} ON {hh}.no_kk = {s}.no_kk WHERE {m}.nik = {s}.nik AND ({changed})",
            [now],
        )
        updated = cursor.rowcount
    return updated


def mark_existing_households() -> None:
    """Before households are inserted: the touched households that already existed (their heads need a recount)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO stage_affected (id) SELECT h.id FROM {HOUSEHOLD_TABLE} h JOIN stage_household s"
            " ON s.no_kk = h.no_kk WHERE true ON CONFLICT (id) DO NOTHING"
        )


def reflag_heads(*, job_id: int | None, new_without_one_head: pl.Series) -> int:
    """KEPALA_KELUARGA (none or more than one head) on every household the import touched; returns how many.

    Households created by this import: their members are exactly their accepted rows in the file, so the flag
    comes from the counts made during validation (no database pass). Households that existed before (or that
    gained or lost a member): one grouped recount in the database.
    """
    with connection.cursor() as cursor:
        # Registry households that members of this file joined without a household row in the file.
        cursor.execute(
            f"INSERT INTO stage_affected (id) SELECT DISTINCT h.id FROM stage_member s"
            f" JOIN {HOUSEHOLD_TABLE} h ON h.no_kk = s.no_kk"
            " WHERE NOT EXISTS (SELECT 1 FROM stage_household x WHERE x.no_kk = s.no_kk)"
            " ON CONFLICT (id) DO NOTHING"
        )
        create_stage("stage_headless", {"id": ("bigint PRIMARY KEY", "INTEGER PRIMARY KEY")})
        cursor.execute(
            "INSERT INTO stage_headless (id) SELECT a.id FROM stage_affected a LEFT JOIN ("
            f" SELECT m.household_id AS id, COUNT(*) AS n FROM {MEMBER_TABLE} m"
            " JOIN stage_affected x ON x.id = m.household_id"
            " WHERE m.hubungan = 'kepala_keluarga' GROUP BY m.household_id"
            ") heads ON heads.id = a.id WHERE COALESCE(heads.n, 0) <> 1"
        )
        if new_without_one_head.len():
            create_stage("stage_newheadless", {"no_kk": ("varchar(16)", "TEXT")})
            copy_frame(
                "stage_newheadless",
                pl.DataFrame({"no_kk": new_without_one_head.cast(pl.Utf8).str.zfill(16)}),
            )
            cursor.execute(
                f"INSERT INTO stage_headless (id) SELECT h.id FROM {HOUSEHOLD_TABLE} h"
                " JOIN stage_newheadless n ON n.no_kk = h.no_kk WHERE h.created_job_id IS NOT DISTINCT FROM %s"
                " AND h.id NOT IN (SELECT id FROM stage_affected) ON CONFLICT (id) DO NOTHING",
                [job_id],
            )
        cursor.execute(
            f"UPDATE {HOUSEHOLD_TABLE} SET flags = 'KEPALA_KELUARGA'"
            " WHERE id IN (SELECT id FROM stage_headless) AND flags <> 'KEPALA_KELUARGA'"
        )
        cursor.execute(
            f"UPDATE {HOUSEHOLD_TABLE} SET flags = '' WHERE flags = 'KEPALA_KELUARGA'"
            " AND id IN (SELECT id FROM stage_affected) AND id NOT IN (SELECT id FROM stage_headless)"
        )
        cursor.execute("SELECT COUNT(*) FROM stage_headless")
        return int(cursor.fetchone()[0])


def job_changes_digest(job_id: int | None) -> str:
    """sha256 of the history rows an import wrote, so that the audit chain protects them too."""
    if job_id is None:
        return ""
    import hashlib

    digest = hashlib.sha256()
    cols = f"id, entity, {qn('key')}, action, before, after, actor_id, source"
    sql = f"SELECT {cols} FROM {CHANGE_TABLE} WHERE job_id = %s ORDER BY id"
    with connection.cursor() as cursor:
        if is_postgres():
            # COPY streams PostgreSQL's canonical text of every row (jsonb prints normalised): fast and stable.
            raw = cursor.cursor
            with raw.copy(
                f"COPY (SELECT {cols} FROM {CHANGE_TABLE} WHERE job_id = {int(job_id)} ORDER BY id) TO STDOUT"
            ) as copy:
                for block in copy:
                    digest.update(bytes(block))
            return "pg1:" + digest.hexdigest()
        cursor.execute(sql, [job_id])
        while rows := cursor.fetchmany(50_000):
            digest.update(repr(rows).encode("utf-8"))
    return "sq1:" + digest.hexdigest()


def crash_point(name: str) -> None:
    """Test hook: SALUR_CRASH_AT=<name> kills the process here (SIGKILL, no cleanup), to prove atomicity."""
    if os.environ.get("SALUR_CRASH_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


# --- the pipeline --------------------------------------------------------------------------------------


class RejectsWriter:
    """Appends problems to the rejects CSV (contract columns), one line per problem."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as fh:
            fh.write(",".join(v.PROBLEM_SCHEMA) + "\n")

    def append(self, problems: pl.DataFrame) -> None:
        if problems.height == 0:
            return
        with self.path.open("ab") as fh:
            problems.sort("baris", maintain_order=True).write_csv(fh, include_header=False)


def run_import(
    *,
    keluarga: Path,
    anggota: Path,
    rejects: Path,
    ctx: ImportContext,
    progress: Progress | None = None,
    audit: Callable[[ImportSummary, str], None] | None = None,
) -> ImportSummary:
    """Run the whole import; `audit(summary, digest)` is called inside the transaction, before it commits."""
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now_ = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now_ - clock[0]
        clock[0] = now_

    report = progress or (lambda fraction, stage: None)
    summary = ImportSummary(rejects_file=str(rejects))
    k_names = check_readable(keluarga, "keluarga", schema.KELUARGA_NAMES, ("no_kk",))
    a_names = check_readable(anggota, "anggota", schema.ANGGOTA_NAMES, ("nik",))
    for berkas, names, expected in (
        ("keluarga.csv", k_names, schema.KELUARGA_NAMES),
        ("anggota.csv", a_names, schema.ANGGOTA_NAMES),
    ):
        extra = [n for n in names if n not in expected]
        if extra:
            summary.warnings.append(f"Kolom tambahan di {berkas} diabaikan: {', '.join(extra)}")
    ref = load_reference(ctx.scope_prefixes)
    state = v.ImportState()
    writer = RejectsWriter(rejects)
    report(0.02, "membaca berkas")
    now = db_now()
    # SQLite rolls CREATE TEMP TABLE back with a failed transaction; PostgreSQL drops them ON COMMIT.
    with transaction.atomic():
        if is_postgres():
            with connection.cursor() as cursor:
                # Room for the sorts and hash joins of the merge and for index builds (this transaction only).
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        members_before = table_rows(MEMBER_TABLE)
        rebuild = rebuild_indexes_for(_estimate_rows(anggota), members_before)
        household_indexes = SecondaryIndexes(HOUSEHOLD_TABLE)
        member_indexes = SecondaryIndexes(MEMBER_TABLE, foreign_keys_to=(HOUSEHOLD_TABLE,))
        if rebuild and is_postgres():
            with connection.cursor() as cursor:
                # A big load relative to the registry: readers of households and members wait until the import
                # commits (taken first, in one statement, so that the import never waits halfway for a reader).
                cursor.execute(f"LOCK TABLE {HOUSEHOLD_TABLE}, {MEMBER_TABLE} IN ACCESS EXCLUSIVE MODE")
        if rebuild:
            household_indexes.drop()
            member_indexes.drop()
            log.info("import rebuilds the registry indexes (members before: %d)", members_before)
        create_stage("stage_household", HOUSEHOLD_STAGE)
        create_stage("stage_member", MEMBER_STAGE)
        create_stage("stage_affected", {"id": ("bigint PRIMARY KEY", "INTEGER PRIMARY KEY")})
        lap("prepare")

        households_before = max_id(HOUSEHOLD_TABLE)
        staged_households = 0
        # Rows are written in key order unless the unique indexes are rebuilt afterwards (SQLite keeps them).
        sort_keys = not rebuild or not is_postgres()
        with FrameWriter() as out:
            for chunk in iter_chunks(keluarga, k_names, schema.KELUARGA_NAMES):
                if ctx.scope_prefixes:
                    out.wait()  # the lookup below uses the connection that the COPY in flight holds
                res = v.validate_keluarga(
                    chunk,
                    ref=ref,
                    state=state,
                    foreign_keys=foreign_keys_for("household", chunk["no_kk"], ctx.scope_prefixes),
                )
                lap("validate_households")
                _account(summary, summary.households, res)
                writer.append(res.problems)
                accepted = res.accepted.drop(v.ROW)
                if households_before:
                    out.wait()
                    known = pl.col("no_kk").is_in(
                        existing_keys(HOUSEHOLD_TABLE, "no_kk", accepted["no_kk"]).implode()
                    )
                    staged_households += copy_frame(
                        "stage_household", accepted.filter(known), list(HOUSEHOLD_STAGE)
                    )
                    accepted = accepted.filter(~known)
                if sort_keys:
                    accepted = accepted.sort(pl.col("no_kk").cast(pl.Int64))  # see _load_members
                # New households: straight into the table (created_at and updated_at: the database's clock).
                out.write(
                    HOUSEHOLD_TABLE,
                    accepted.with_columns(
                        pl.lit("").alias("flags"), pl.lit(ctx.job_id, dtype=pl.Int64).alias("created_job_id")
                    ),
                    NEW_HOUSEHOLD_COLUMNS,
                )
                summary.households.created += accepted.height
                lap("write_households")
                report(
                    0.05 + 0.20 * min(1.0, summary.households.read / _estimate_rows(keluarga)),
                    "memeriksa keluarga",
                )
            v.finish_households(state)
            if staged_households:  # (the joins of the merge over an empty stage can still scan the registry)
                out.wait()
                with connection.cursor() as cursor:
                    # Built once after loading (cheaper than during), for the merge's lookups by key.
                    cursor.execute("CREATE UNIQUE INDEX stage_household_no_kk ON stage_household (no_kk)")
                    if is_postgres():
                        # Temporary tables have no statistics until analysed: else the planner picks nested loops.
                        cursor.execute("ANALYZE stage_household")
                mark_existing_households()
                summary.households.updated = merge_households(ctx, now)
                lap("merge_households")
            report(0.27, "menyimpan keluarga")
            # The end of the household phase (index rebuild, reading the new ids) runs in the writer's thread
            # while the first member chunk is validated.
            household_ids = out.call(
                functools.partial(
                    _after_households, household_indexes if rebuild else None, households_before, timings
                )
            )
            summary.members.created, staged_members, joined = _load_members(
                anggota,
                a_names,
                out=out,
                household_ids=household_ids,
                ctx=ctx,
                ref=ref,
                state=state,
                summary=summary,
                writer=writer,
                members_before=members_before,
                sort_keys=sort_keys,
                lap=lap,
                report=report,
            )
        crash_point("after_write_members")
        if rebuild:
            member_indexes.restore()
            lap("rebuild_member_indexes")
        with connection.cursor() as cursor:
            if joined.len():
                # Registry households (not in the keluarga file) that new members joined: their heads are recounted.
                create_stage("stage_joined", {"id": ("bigint", "INTEGER")})
                copy_frame("stage_joined", pl.DataFrame({"id": joined.unique()}))
                cursor.execute(
                    "INSERT INTO stage_affected (id) SELECT id FROM stage_joined WHERE true ON CONFLICT (id) DO NOTHING"
                )
            cursor.execute("CREATE UNIQUE INDEX stage_member_nik ON stage_member (nik)")
            if is_postgres():
                cursor.execute("ANALYZE stage_member")
        report(0.88, "menyimpan perubahan anggota")
        if staged_members:
            summary.members.updated = merge_members(ctx, now)
        lap("merge_members")
        crash_point("after_merge_members")
        report(0.95, "memeriksa kepala keluarga")
        heads = reflag_heads(job_id=ctx.job_id, new_without_one_head=state.households_without_one_head())
        lap("head_flags")
        if heads:
            summary.flags["KEPALA_KELUARGA"] = heads
        if audit is not None:
            audit(summary, job_changes_digest(ctx.job_id))
            lap("audit")
        if not is_postgres():
            for name in (
                "stage_household",
                "stage_member",
                "stage_affected",
                "stage_joined",
                "stage_headless",
                "stage_newheadless",
            ):
                drop_stage(name)
    lap("commit")
    log.info("import timings (s): %s", json.dumps({k: round(val, 2) for k, val in timings.items()}))
    report(1.0, "selesai")
    return summary


# Columns of the rows the import creates: the stage's, less no_kk for members, plus the household, the flags and
# the creating job. created_at and updated_at are left to the column default (the time of the COPY statement): a
# timestamp per row in the COPY text would cost the server a third more parsing.
NEW_HOUSEHOLD_COLUMNS = [*HOUSEHOLD_STAGE, "flags", "created_job_id"]
NEW_MEMBER_COLUMNS = [*(c for c in MEMBER_STAGE if c != "no_kk"), "household_id", "created_job_id"]


def _load_members(
    anggota: Path,
    names: list[str],
    *,
    out: FrameWriter,
    household_ids: Callable[[], pl.DataFrame],
    ctx: ImportContext,
    ref: v.Reference,
    state: v.ImportState,
    summary: ImportSummary,
    writer: RejectsWriter,
    members_before: int,
    sort_keys: bool,
    lap: Callable[[str], None],
    report: Progress,
) -> tuple[int, int, pl.Series]:
    """Validate anggota.csv chunk by chunk and store it.

    Returns (members created, members staged for the update, registry households that new members joined).

    The households are merged already, so every accepted row's household_id is known here (a join in Polars):
    new members go straight into the member table (COPY, overlapped with the validation of the next chunk on
    PostgreSQL); members the registry holds already go to the stage table for the history-keeping update.
    """
    created = staged = 0
    joined: list[pl.Series] = []
    file_ids: pl.DataFrame | None = None
    for chunk in iter_chunks(anggota, names, schema.ANGGOTA_NAMES):
        kk = chunk.filter(pl.col("no_kk").str.contains(v.RE_16).fill_null(False)).select(
            pl.col("no_kk").cast(pl.Int64).unique()
        )
        unknown = kk.join(state.accepted_households.rename({"no_kk_int": "no_kk"}), on="no_kk", how="anti")[
            "no_kk"
        ].to_list()
        if unknown or ctx.scope_prefixes:
            out.wait()  # the lookups below use the connection that the COPY in flight holds
        registry = registry_households_for(unknown)
        res = v.validate_anggota(
            chunk,
            ref=ref,
            state=state,
            registry_households=registry,
            foreign_keys=foreign_keys_for("member", chunk["nik"], ctx.scope_prefixes),
        )
        lap("validate_members")
        _account(summary, summary.members, res)
        writer.append(res.problems)
        if file_ids is None:
            lap("validate_members")
            file_ids = (
                household_ids()
                .join(state.accepted_households.select("no_kk_int"), on="no_kk_int", how="semi")
                .unique("no_kk_int")
            )
            lap("households_finish_wait")
        accepted = (
            res.accepted.rename({v.ROW: "urutan"})
            .with_columns(pl.col("no_kk").cast(pl.Int64).alias("no_kk_int"))
            .join(
                pl.concat([file_ids, registry.select("no_kk_int", "household_id")]),
                on="no_kk_int",
                how="left",
            )
        )
        if accepted["household_id"].null_count():
            raise RuntimeError("accepted member rows without their household (a bug in the importer)")
        if members_before:
            out.wait()
            known = pl.col("nik").is_in(existing_keys(MEMBER_TABLE, "nik", accepted["nik"]).implode())
            staged += copy_frame("stage_member", accepted.filter(known), list(MEMBER_STAGE))
            accepted = accepted.filter(~known)
        if registry.height:
            joined.append(
                accepted.filter(pl.col("no_kk_int").is_in(registry["no_kk_int"].implode()))["household_id"]
            )
        if sort_keys:
            # Key order keeps the unique index's B-tree filling from left to right (fewer page splits);
            # the integer sorts faster than the text and in the same order (16 digits each).
            accepted = accepted.sort(pl.col("nik").cast(pl.Int64))
        new = accepted.with_columns(pl.lit(ctx.job_id, dtype=pl.Int64).alias("created_job_id"))
        out.write(MEMBER_TABLE, new, NEW_MEMBER_COLUMNS)
        created += new.height
        lap("write_members")
        report(
            0.30 + 0.55 * min(1.0, summary.members.read / _estimate_rows(anggota)),
            "memeriksa dan menyimpan anggota",
        )
    out.wait()
    lap("write_members_wait")
    joined_ids = pl.concat(joined) if joined else pl.Series("household_id", [], dtype=pl.Int64)
    return created, staged, joined_ids


_ROW_ESTIMATES: dict[Path, int] = {}


def _estimate_rows(path: Path) -> int:
    """Rows in a file estimated from its size and first lines (for the progress bar only)."""
    if path not in _ROW_ESTIMATES:
        with path.open("rb") as fh:
            head = fh.read(1 << 20)
        lines = max(1, head.count(b"\n"))
        _ROW_ESTIMATES[path] = max(1, int(path.stat().st_size / (len(head) / lines)) - 1)
    return _ROW_ESTIMATES[path]


def _account(summary: ImportSummary, counts: FileCounts, res: v.ChunkResult) -> None:
    counts.read += res.read
    counts.rejected += res.rejected
    counts.accepted += res.read - res.rejected
    for kode, n in res.problems.group_by("kode").len().iter_rows():
        summary.rejects[kode] = summary.rejects.get(kode, 0) + int(n)
    for kode, n in res.flags.items():
        summary.flags[kode] = summary.flags.get(kode, 0) + n
