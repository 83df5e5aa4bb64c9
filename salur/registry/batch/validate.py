"""Whole-column validation of the registry exchange format (contract: registry-exchange.md).

Pure functions over Polars frames: no database, no Django. The importer feeds them chunks of a file and keeps
the state that spans chunks (keys already seen, households accepted) in `ImportState`.

Every check is one vectorised expression over a whole chunk; a row is never inspected in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from salur.registry import schema
from salur.registry.schema import Column

PROBLEM_SCHEMA = {
    "berkas": pl.Utf8,
    "baris": pl.Int64,
    "kunci": pl.Utf8,
    "kolom": pl.Utf8,
    "kode": pl.Utf8,
    "nilai": pl.Utf8,
    "pesan": pl.Utf8,
}
MIN_DATE = dt.date(1900, 1, 1)
ROW = "_baris"  # 1-based data row number, header excluded

RE_16 = r"^\d{16}$"
RE_DATE = r"^\d{4}-\d{2}-\d{2}$"
RE_DECIMAL = r"^\d+(\.\d+)?$"
RE_INT = r"^[+-]?\d+$"


@dataclass(frozen=True)
class Reference:
    """What validation needs to know about the world."""

    desa_codes: pl.Series  # current 10-digit desa/kelurahan codes
    kecamatan_codes: pl.Series  # current and historical 6-digit kecamatan codes
    today: dt.date
    scope_prefixes: tuple[str, ...] = ()  # the importing user's region scope; () = national


def _in_scope(col: pl.Expr, prefixes: tuple[str, ...]) -> pl.Expr:
    expr = pl.lit(False)
    for p in prefixes:
        expr = expr | col.str.starts_with(p)
    return expr


OUT_OF_SCOPE = "DI_LUAR_WILAYAH"


SEEN_SCHEMA = {"_k": pl.Int64, "_fs": pl.Int64}


@dataclass
class ImportState:
    """State carried from one chunk to the next (bounded: integer keys and one date per household)."""

    # Well-formed keys seen so far (_k: the key as Int64, _fs: the baris of its first row).
    seen_kk: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SEEN_SCHEMA))
    seen_nik: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SEEN_SCHEMA))
    # Households accepted in this import: no_kk (Int64) -> tanggal_pendataan.
    accepted_households: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"no_kk_int": pl.Int64, "tanggal_pendataan": pl.Date})
    )
    rejected_kk: set[int] = field(default_factory=set)
    # Heads of household among accepted member rows, per no_kk (summed at the end): the KEPALA_KELUARGA flag
    # of a household created by this import follows from its rows in the file alone.
    head_counts: list[pl.DataFrame] = field(default_factory=list)

    def households_without_one_head(self) -> pl.Series:
        """no_kk (Int64) of accepted households whose accepted members hold no head, or more than one."""
        if self.head_counts:
            counts = pl.concat(self.head_counts).group_by("no_kk_int").agg(pl.col("heads").sum())
        else:
            counts = pl.DataFrame(schema={"no_kk_int": pl.Int64, "heads": pl.Int64})
        return (
            self.accepted_households.select("no_kk_int")
            .join(counts, on="no_kk_int", how="left")
            .filter(pl.col("heads").fill_null(0) != 1)["no_kk_int"]
        )


def normalise(frame: pl.DataFrame, names: Iterable[str]) -> pl.DataFrame:
    """Trim surrounding spaces; an empty string is missing (contract)."""
    exprs = []
    for name in names:
        s = pl.col(name).cast(pl.Utf8).str.strip_chars()
        exprs.append(pl.when(s == "").then(None).otherwise(s).alias(name))
    return frame.with_columns(exprs)


def _msg(text: str) -> pl.Expr:
    return pl.lit(text, dtype=pl.Utf8)


def _allowed_list(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def column_checks(col: Column) -> list[tuple[str, pl.Expr, pl.Expr]]:
    """(code, condition that marks a problem, message) for one column's own value rules."""
    c = pl.col(col.name)
    present = c.is_not_null()
    label = col.label or col.name
    checks: list[tuple[str, pl.Expr, pl.Expr]] = []
    if col.required:
        checks.append(("KOLOM_WAJIB", c.is_null(), _msg(f"{label} ({col.name}) wajib diisi")))
    kind = col.kind
    if kind == "kk":
        checks.append(("FORMAT_KK", present & ~c.str.contains(RE_16), _msg("Nomor KK harus tepat 16 angka")))
    elif kind == "nik":
        checks.append(("FORMAT_NIK", present & ~c.str.contains(RE_16), _msg("NIK harus tepat 16 angka")))
    elif kind == "text" and col.max_len:
        checks.append(
            (
                "NILAI_TIDAK_DIKENAL",
                present & (c.str.len_chars() > col.max_len),
                _msg(f"{label} terlalu panjang: paling banyak {col.max_len} karakter"),
            )
        )
    elif kind == "digits":
        lo, hi = col.digits or (1, 3)
        checks.append(
            (
                "ANGKA_TIDAK_SAH",
                present & ~c.str.contains(rf"^\d{{{lo},{hi}}}$"),
                _msg(f"{label} harus berupa {lo} sampai {hi} angka"),
            )
        )
    elif kind == "decimal":
        checks.append(
            (
                "ANGKA_TIDAK_SAH",
                present & ~c.str.contains(RE_DECIMAL),
                _msg(f"{label} harus berupa angka desimal 0 atau lebih (titik sebagai pemisah desimal)"),
            )
        )
    elif kind == "int":
        as_int = c.str.replace(r"^\+", "").cast(pl.Int64, strict=False)
        bad = ~c.str.contains(RE_INT) | as_int.is_null()
        if col.min_value is not None:
            bad = bad | (as_int < col.min_value)
        if col.max_value is not None:
            bad = bad | (as_int > col.max_value)
        rng = (
            f"{col.min_value} sampai {col.max_value}"
            if col.max_value is not None
            else f"bilangan bulat {col.min_value} atau lebih"
        )
        checks.append(("ANGKA_TIDAK_SAH", present & bad, _msg(f"{label} harus {rng}")))
    elif kind in ("enum", "bank"):
        allowed = list(col.allowed)
        if col.name == "daya_listrik_va":
            # A number that is not one of the PLN tariffs is an unknown value; text is not a number at all.
            checks.append(
                (
                    "ANGKA_TIDAK_SAH",
                    present & ~c.str.contains(r"^\d+$"),
                    _msg(f"{label} harus berupa angka: {_allowed_list(col.allowed)}"),
                )
            )
            cond = present & c.str.contains(r"^\d+$") & ~c.is_in(allowed)
        else:
            cond = present & ~c.is_in(allowed)
        checks.append(
            (
                "NILAI_TIDAK_DIKENAL",
                cond,
                _msg(f"Nilai {label} tidak dikenal; pilihan yang sah: {_allowed_list(col.allowed)}"),
            )
        )
    elif kind == "date":
        checks.append(
            (
                "TANGGAL_TIDAK_SAH",
                present & parse_date(c).is_null(),
                _msg(f"{label} bukan tanggal yang sah; tulis TTTT-BB-HH, misalnya 2024-01-15"),
            )
        )
    return checks


def parse_date(c: pl.Expr) -> pl.Expr:
    return pl.when(c.str.contains(RE_DATE)).then(c.str.to_date("%Y-%m-%d", strict=False)).otherwise(None)


def _collect_problems(
    frame: pl.DataFrame, berkas: str, key_col: str, checks: list[tuple[str, str, pl.Expr, pl.Expr]]
) -> pl.DataFrame:
    """Turn (kolom, kode, condition, message) checks into the long problems table, one row per problem."""
    parts: list[pl.LazyFrame] = []
    lf = frame.lazy()
    for kolom, kode, cond, pesan in checks:
        value = pl.col(kolom).cast(pl.Utf8) if kolom in frame.columns else pl.lit(None, dtype=pl.Utf8)
        parts.append(
            lf.filter(cond.fill_null(False)).select(
                pl.lit(berkas).alias("berkas"),
                pl.col(ROW).cast(pl.Int64).alias("baris"),
                pl.col(key_col).cast(pl.Utf8).alias("kunci")
                if key_col in frame.columns
                else pl.lit(None).cast(pl.Utf8).alias("kunci"),
                pl.lit(kolom).alias("kolom"),
                pl.lit(kode).alias("kode"),
                value.alias("nilai"),
                pesan.alias("pesan"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    return pl.concat(pl.collect_all(parts)).cast(PROBLEM_SCHEMA)  # type: ignore[arg-type]


def _duplicate_marks(frame: pl.DataFrame, key: str, seen: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Column `_first` = baris of an earlier row with the same well-formed key (in this chunk or before).

    `seen` holds (_k, _fs): every well-formed key of earlier chunks with the baris of its first row; returned
    with this chunk's new keys added.
    """
    keyed = frame.select(ROW, pl.col(key)).with_columns(
        pl.when(pl.col(key).str.contains(RE_16)).then(pl.col(key).cast(pl.Int64, strict=False)).alias("_k")
    )
    first_in_chunk = (
        keyed.filter(pl.col("_k").is_not_null()).group_by("_k").agg(pl.col(ROW).min().alias("_fc"))
    )
    marked = (
        keyed.join(first_in_chunk, on="_k", how="left")
        .join(seen, on="_k", how="left")
        .with_columns(
            pl.when(pl.col("_fs").is_not_null())
            .then(pl.col("_fs"))
            .when(pl.col("_fc") < pl.col(ROW))
            .then(pl.col("_fc"))
            .otherwise(None)
            .alias("_first")
        )
    )
    # Remember the first occurrence of every new key for later chunks.
    new = first_in_chunk.join(seen, on="_k", how="anti").select("_k", pl.col("_fc").alias("_fs"))
    return marked.select(ROW, "_first", "_k"), pl.concat([seen, new])


@dataclass
class ChunkResult:
    accepted: pl.DataFrame  # typed rows ready for the database
    problems: pl.DataFrame  # long table, PROBLEM_SCHEMA
    read: int
    rejected: int
    flags: dict[str, int]


def validate_keluarga(
    frame: pl.DataFrame, *, ref: Reference, state: ImportState, foreign_keys: pl.Series | None = None
) -> ChunkResult:
    """Validate a chunk of keluarga.csv (already normalised, with the `_baris` column)."""
    cols = schema.KELUARGA_COLUMNS
    checks: list[tuple[str, str, pl.Expr, pl.Expr]] = []
    for col in cols:
        for kode, cond, pesan in column_checks(col):
            checks.append((col.name, kode, cond, pesan))

    kw = pl.col("kode_wilayah")
    checks.append(
        (
            "kode_wilayah",
            "WILAYAH_TIDAK_DIKENAL",
            kw.is_not_null() & ~kw.is_in(ref.desa_codes.implode()),
            _msg(
                "Kode wilayah bukan kode desa/kelurahan yang berlaku (10 angka tanpa titik, Kemendagri 2025)"
            ),
        )
    )
    bank, rek = pl.col("bank"), pl.col("no_rekening")
    checks += [
        (
            "no_rekening",
            "REKENING_TIDAK_SAH",
            bank.is_not_null() & rek.is_null(),
            _msg("Bank diisi tetapi nomor rekening kosong"),
        ),
        (
            "no_rekening",
            "REKENING_TIDAK_SAH",
            bank.is_null() & rek.is_not_null(),
            _msg("Nomor rekening diisi tetapi bank kosong"),
        ),
        (
            "no_rekening",
            "REKENING_TIDAK_SAH",
            rek.is_not_null() & ~rek.str.contains(r"^\d{10,16}$"),
            _msg("Nomor rekening harus 10 sampai 16 angka"),
        ),
    ]
    tp = parse_date(pl.col("tanggal_pendataan"))
    checks.append(
        (
            "tanggal_pendataan",
            "TANGGAL_TIDAK_SAH",
            tp.is_not_null() & ((tp < MIN_DATE) | (tp > ref.today)),
            _msg("Tanggal pendataan tidak boleh sebelum 1900-01-01 atau sesudah hari ini"),
        )
    )
    if ref.scope_prefixes:
        checks.append(
            (
                "kode_wilayah",
                OUT_OF_SCOPE,
                kw.is_not_null() & kw.is_in(ref.desa_codes.implode()) & ~_in_scope(kw, ref.scope_prefixes),
                _msg("Kode wilayah di luar wilayah kerja Anda; keluarga ini tidak boleh Anda ubah"),
            )
        )
    if foreign_keys is not None and foreign_keys.len():
        checks.append(
            (
                "no_kk",
                OUT_OF_SCOPE,
                pl.col("no_kk").is_in(foreign_keys.implode()),
                _msg(
                    "Nomor KK ini terdaftar di wilayah lain di registri; hanya petugas wilayah itu yang boleh mengubahnya"
                ),
            )
        )
    dup, state.seen_kk = _duplicate_marks(frame, "no_kk", state.seen_kk)
    frame = frame.join(dup.select(ROW, "_first"), on=ROW, how="left")
    checks.append(
        (
            "no_kk",
            "KK_GANDA",
            pl.col("_first").is_not_null(),
            pl.format("Nomor KK sudah ada di baris {} berkas ini; baris ini ditolak", pl.col("_first")),
        )
    )
    problems = _collect_problems(frame, "keluarga", "no_kk", checks)
    bad_rows = problems.select(pl.col("baris").unique())["baris"]
    ok = frame.filter(~pl.col(ROW).is_in(bad_rows.implode()))
    rejected = frame.filter(pl.col(ROW).is_in(bad_rows.implode()))

    accepted = ok.select(
        pl.col(ROW),
        pl.col("no_kk"),
        pl.col("kode_wilayah"),
        pl.col("alamat").fill_null(""),
        pl.col("rt").fill_null(""),
        pl.col("rw").fill_null(""),
        pl.col("luas_lantai_m2").cast(pl.Float64),
        *[pl.col(c) for c in ("jenis_lantai", "jenis_dinding", "jenis_atap", "sumber_air_minum")],
        *[pl.col(c) for c in ("sumber_penerangan", "bahan_bakar_memasak", "fasilitas_bab", "status_rumah")],
        pl.col("daya_listrik_va").cast(pl.Int64),
        *[(pl.col(a) == "1").alias(a) for a in schema.ASET],
        pl.col("bank").fill_null(""),
        pl.col("no_rekening").fill_null(""),
        pl.col("desil").str.replace(r"^\+", "").cast(pl.Int64),
        pl.when(pl.col("desil").is_not_null())
        .then(pl.lit("supplied"))
        .otherwise(pl.lit(""))
        .alias("desil_sumber"),
        pl.col("pengeluaran_per_kapita").str.replace(r"^\+", "").cast(pl.Int64),
        parse_date(pl.col("tanggal_pendataan")).alias("tanggal_pendataan"),
    )
    state.accepted_households = pl.concat(
        [
            state.accepted_households,
            accepted.select(pl.col("no_kk").cast(pl.Int64).alias("no_kk_int"), "tanggal_pendataan"),
        ]
    )
    rejected_keys = rejected.filter(pl.col("no_kk").str.contains(RE_16).fill_null(False))["no_kk"]
    state.rejected_kk.update(int(k) for k in rejected_keys.to_list())
    return ChunkResult(
        accepted=accepted,
        problems=problems,
        read=frame.height,
        rejected=rejected.height,
        flags={},
    )


def finish_households(state: ImportState) -> None:
    """After the last keluarga chunk: a no_kk with an accepted row is not 'rejected' (KK_GANDA's later rows)."""
    accepted = set(state.accepted_households["no_kk_int"].to_list())
    state.rejected_kk -= accepted


def nik_checks(ref: Reference, reference_date: pl.Expr) -> list[tuple[str, str, pl.Expr, pl.Expr]]:
    """Flag-level checks of a member row (contract: flag codes and NIK decoding)."""
    nik = pl.col("nik")
    dd = nik.str.slice(6, 2).cast(pl.Int32, strict=False)
    mm = nik.str.slice(8, 2)
    yy = nik.str.slice(10, 2)
    female_nik = dd > 40
    day = pl.when(female_nik).then(dd - 40).otherwise(dd)
    born = pl.col("_tgl_lahir")
    # The NIK's date agrees with the (valid) birth date in day, month and the year's last two digits; it is then a
    # valid date itself, so no separate parse of the NIK's date is needed (that parse cost a third of the flags).
    same_date = (
        (day == born.dt.day())
        & (mm.cast(pl.Int32, strict=False) == born.dt.month())
        & (yy.cast(pl.Int32, strict=False) == born.dt.year() % 100)
    )
    jk = pl.col("jenis_kelamin")
    age = _age_expr(born, reference_date)
    hamil = pl.col("hamil") == "1"
    return [
        (
            "nik",
            "NIK_WILAYAH",
            ~nik.str.slice(0, 6).is_in(ref.kecamatan_codes.implode()),
            _msg(schema.FLAG_MESSAGES["NIK_WILAYAH"]),
        ),
        (
            "nik",
            "NIK_TGL_LAHIR",
            ~same_date.fill_null(False),
            _msg(schema.FLAG_MESSAGES["NIK_TGL_LAHIR"]),
        ),
        (
            "nik",
            "NIK_JENIS_KELAMIN",
            (female_nik & (jk == "L")) | (~female_nik & (jk == "P")),
            _msg(schema.FLAG_MESSAGES["NIK_JENIS_KELAMIN"]),
        ),
        (
            "hamil",
            "HAMIL_TIDAK_WAJAR",
            hamil & ((jk == "L") | (age < 10) | (age > 55)),
            _msg(schema.FLAG_MESSAGES["HAMIL_TIDAK_WAJAR"]),
        ),
    ]


def _age_expr(born: pl.Expr, at: pl.Expr) -> pl.Expr:
    """Completed years between two date columns."""
    years = at.dt.year() - born.dt.year()
    before_birthday = (at.dt.month() < born.dt.month()) | (
        (at.dt.month() == born.dt.month()) & (at.dt.day() < born.dt.day())
    )
    return years - before_birthday.cast(pl.Int32)


def validate_anggota(
    frame: pl.DataFrame,
    *,
    ref: Reference,
    state: ImportState,
    registry_households: pl.DataFrame,
    foreign_keys: pl.Series | None = None,
) -> ChunkResult:
    """Validate a chunk of anggota.csv.

    `registry_households` holds (no_kk_int, tanggal_pendataan) of the households already in the registry
    that this chunk's rows name and that this import did not accept.
    """
    cols = schema.ANGGOTA_COLUMNS
    checks: list[tuple[str, str, pl.Expr, pl.Expr]] = []
    for col in cols:
        for kode, cond, pesan in column_checks(col):
            checks.append((col.name, kode, cond, pesan))

    frame = frame.with_columns(
        pl.when(pl.col("no_kk").str.contains(RE_16))
        .then(pl.col("no_kk").cast(pl.Int64, strict=False))
        .alias("_kk_int")
    )
    known = pl.concat(
        [
            state.accepted_households.with_columns(pl.lit(True).alias("_in_import")),
            registry_households.select("no_kk_int", "tanggal_pendataan").with_columns(
                pl.lit(False).alias("_in_import")
            ),
        ]
    ).unique("no_kk_int", keep="first")
    frame = frame.join(
        known.rename({"no_kk_int": "_kk_int", "tanggal_pendataan": "_tgl_data"}), on="_kk_int", how="left"
    )
    rejected_kk = pl.Series("_r", sorted(state.rejected_kk), dtype=pl.Int64)
    kk_ok = pl.col("_kk_int").is_not_null()
    checks += [
        (
            "no_kk",
            "KK_DITOLAK",
            kk_ok & pl.col("_in_import").is_null() & pl.col("_kk_int").is_in(rejected_kk.implode()),
            _msg("Baris keluarga dengan nomor KK ini ditolak, sehingga anggota ini ikut ditolak"),
        ),
        (
            "no_kk",
            "KK_TIDAK_DIKENAL",
            kk_ok & pl.col("_in_import").is_null() & ~pl.col("_kk_int").is_in(rejected_kk.implode()),
            _msg("Nomor KK tidak ada di berkas keluarga maupun di registri"),
        ),
    ]
    if ref.scope_prefixes and "kode_wilayah" in registry_households.columns:
        outside = registry_households.filter(~_in_scope(pl.col("kode_wilayah"), ref.scope_prefixes))[
            "no_kk_int"
        ]
        checks.append(
            (
                "no_kk",
                OUT_OF_SCOPE,
                pl.col("_kk_int").is_in(outside.implode()) & (pl.col("_in_import") == False),  # noqa: E712
                _msg(
                    "Keluarga anggota ini terdaftar di wilayah lain; hanya petugas wilayah itu yang boleh mengubahnya"
                ),
            )
        )
    if foreign_keys is not None and foreign_keys.len():
        checks.append(
            (
                "nik",
                OUT_OF_SCOPE,
                pl.col("nik").is_in(foreign_keys.implode()),
                _msg(
                    "NIK ini terdaftar pada keluarga di wilayah lain; hanya petugas wilayah itu yang boleh mengubahnya"
                ),
            )
        )
    born = parse_date(pl.col("tanggal_lahir"))
    limit = pl.col("_tgl_data").fill_null(pl.lit(ref.today))
    checks.append(
        (
            "tanggal_lahir",
            "TANGGAL_TIDAK_SAH",
            born.is_not_null() & ((born < MIN_DATE) | (born > limit)),
            _msg("Tanggal lahir tidak boleh sebelum 1900-01-01 atau sesudah tanggal pendataan keluarga"),
        )
    )
    dup, state.seen_nik = _duplicate_marks(frame, "nik", state.seen_nik)
    frame = frame.join(dup.select(ROW, "_first"), on=ROW, how="left")
    checks.append(
        (
            "nik",
            "NIK_GANDA",
            pl.col("_first").is_not_null(),
            pl.format("NIK sudah ada di baris {} berkas ini; baris ini ditolak", pl.col("_first")),
        )
    )
    problems = _collect_problems(frame, "anggota", "nik", checks)
    bad_rows = problems.select(pl.col("baris").unique())["baris"]
    ok = frame.filter(~pl.col(ROW).is_in(bad_rows.implode())).with_columns(
        parse_date(pl.col("tanggal_lahir")).alias("_tgl_lahir"),
        pl.col("_tgl_data").fill_null(pl.lit(ref.today)).alias("_ref_date"),
    )
    # Each flag condition is evaluated once, into a boolean column; the stored list is sorted by code.
    flag_checks = sorted(nik_checks(ref, pl.col("_ref_date")), key=lambda check: check[1])
    marks = [f"_flag_{kode}" for _, kode, _, _ in flag_checks]
    ok = ok.with_columns(
        cond.fill_null(False).alias(mark) for (_, _, cond, _), mark in zip(flag_checks, marks, strict=True)
    )
    ok = ok.with_columns(
        pl.concat_str(
            [
                pl.when(pl.col(mark)).then(pl.lit(kode))
                for (_, kode, _, _), mark in zip(flag_checks, marks, strict=True)
            ],
            separator=",",
            ignore_nulls=True,
        ).alias("flags")
    )
    counts = ok.select(pl.col(mark).sum() for mark in marks).row(0)
    flag_counts = {kode: int(n) for (_, kode, _, _), n in zip(flag_checks, counts, strict=True)}
    state.head_counts.append(
        ok.group_by(pl.col("_kk_int").alias("no_kk_int")).agg(
            (pl.col("hubungan") == "kepala_keluarga").sum().cast(pl.Int64).alias("heads")
        )
    )
    accepted = ok.select(
        pl.col(ROW),
        pl.col("nik"),
        pl.col("no_kk"),
        pl.col("nama"),
        pl.col("jenis_kelamin"),
        pl.col("tempat_lahir").fill_null(""),
        pl.col("_tgl_lahir").alias("tanggal_lahir"),
        *[pl.col(c) for c in ("hubungan", "status_kawin", "pendidikan")],
        pl.col("sekolah").fill_null(""),
        pl.col("pekerjaan"),
        pl.col("disabilitas"),
        (pl.col("hamil") == "1").alias("hamil"),
        pl.col("nama_ibu").fill_null(""),
        pl.col("flags"),
    )
    return ChunkResult(
        accepted=accepted,
        problems=problems,
        read=frame.height,
        rejected=frame.height - ok.height,
        flags=flag_counts,
    )
