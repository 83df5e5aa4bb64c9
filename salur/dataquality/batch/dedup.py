"""Finding the same person under two NIKs, and the same family under two KK: a pipeline of named steps.

Input: one frame of persons (see PERSON_COLUMNS) read in bulk from the registry (or from a synthetic file in the
benchmark). Output: candidate pairs (id_a < id_b) with a score in [0, 1] and a readable reason in Indonesian.

Steps:

1. ``person_features``: the name keys of ``names.py`` for the person and the mother, the parts of the NIK
   (kecamatan of issue, encoded birth date), the kabupaten, and the blocking keys.
2. ``exact_pairs``: records that agree on the normalised name, birth date and sex and also on either the first
   twelve digits of the NIK (same kecamatan and birth date, another serial: a re-registration) or the mother's
   name, and do not name two different birthplaces. These need no model.
3. ``splink_pairs``: a Fellegi-Sunter model run by Splink on DuckDB. Blocking rules (the only pairs ever compared):
   birth date + sex + first letter of the name key; first name + sex + birth month (twice, the second on the date
   shifted by one day, so that a date typed one day off always meets); birth date + mother's name; the first
   twelve NIK digits. The parameters:

   - u (how often a level occurs between two different people) is counted, not guessed: for birth date, sex
     and origin exactly over all pairs from group counts (``_counted_u``), for the two name comparisons from
     two million pairs drawn one by one with a fixed seed (``_sampled_u``). Rare levels (a NIK of the same
     kecamatan in another kabupaten) are as exact as common ones, and a run gives the same scores every time.
   - m (how often a level occurs between two records of one person) starts from what clerks get wrong
     (COMPARISONS); for the two name comparisons it is then learned from the registry itself by expectation
     maximisation on the pairs that share the NIK's kecamatan and birth date (``_estimated_m``), which leaves
     the name free. In a registry whose names are rarely miswritten beyond a slip, a merely similar name
     then counts for little; where clerks shorten names, it counts for more.
   - An exact name agreement is weighted by how common the name is where the person lives (its share in the
     kabupaten, ``_regional_name_frequencies``): names are regional (Sundanese, Balinese, Batak names), so
     two namesakes born on one day in one kabupaten are common there even when the name is rare nationally.
     An agreeing mother's name is weighted by its national frequency ("Siti" counts for little).
4. ``twin_guard``: in one household, two records born more than a day apart are relatives (siblings share a
   mother, a village and a birthplace, and the synthetic and real registries both hold siblings with one name),
   and two records born on the same day whose names differ by a substituted letter or more (Rina/Rini,
   Hasan/Husein) are twins, not a duplicate; a clerk's slip drops or swaps letters.
5. ``household_pairs``: two KK that share at least two persons (one shared person is a person pair only).

Everything runs as SQL in an in-memory DuckDB; Python never loops over persons.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from salur.dataquality.batch.names import name_keys, with_name_keys

PERSON_COLUMNS = {
    "id": pl.Int64,
    "nik": pl.String,
    "household_id": pl.Int64,
    "kode_wilayah": pl.String,
    "nama": pl.String,
    "jenis_kelamin": pl.String,
    "tanggal_lahir": pl.Date,
    "nama_ibu": pl.String,
    "tempat_lahir": pl.String,
}

# A pair at or above this match probability is a candidate for review (chosen on synth --dirty at 78,000 to
# 1,000,000 persons and the contract's worked example: docs/benchmarks.md).
DEFAULT_THRESHOLD = 0.8
# Prior: about one person in a hundred is registered twice (the audits in domain.md section 4 found 21 million
# duplicate records in a registry of about 100 million at the time).
DUPLICATE_SHARE = 0.01
U_SAMPLE_PAIRS = 2_000_000
U_SEED = 20240601
# How many persons' worth of the national share of a name is added to its share in a kabupaten (so that a
# small kabupaten's few persons do not make every name look common or rare there).
REGIONAL_TF_PRIOR = 1000.0

BLOCKING_RULES = (
    "l.tanggal_lahir = r.tanggal_lahir and l.jenis_kelamin = r.jenis_kelamin and l.huruf_depan = r.huruf_depan",
    "l.nama_depan = r.nama_depan and l.jenis_kelamin = r.jenis_kelamin and l.bulan_lahir = r.bulan_lahir",
    "l.nama_depan = r.nama_depan and l.jenis_kelamin = r.jenis_kelamin and l.bulan_geser = r.bulan_geser",
    "l.tanggal_lahir = r.tanggal_lahir and l.ibu_fon = r.ibu_fon",
    "l.nik12 = r.nik12",
    "l.nik_kec = r.nik_kec and l.jenis_kelamin = r.jenis_kelamin and l.tahun_lahir = r.tahun_lahir"
    " and l.huruf_depan = r.huruf_depan",
)


# A clerk's slip: one letter dropped or added, or two neighbours swapped. A substituted letter is not a slip here
# (Rina/Rini, Dian/Diah are the names parents give twins). The cheap tests come first: DuckDB evaluates the
# conjunction left to right on the rows still in play, and damerau_levenshtein is costly.
TYPO_SQL = (
    "(jaro_winkler_similarity({l}, {r}) >= 0.8 and ("
    "(abs(length({l}) - length({r})) = 1 and levenshtein({l}, {r}) = 1)"
    " or (length({l}) = length({r}) and levenshtein({l}, {r}) = 2 and damerau_levenshtein({l}, {r}) = 1)))"
)


def _level(sql: str, label: str, m: float, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m, **extra}


def _null(sql: str) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": "kosong", "is_null_level": True}


# m probabilities: among true duplicates, how often each level occurs. They come from how registries go wrong: a
# name typed again is usually the same after normalisation, otherwise one or two letters off or shortened; a
# birth date is usually kept, sometimes one day off; a re-registration keeps either the NIK's kecamatan or its
# birth-date part; the mother's name is copied from the same KTP/KK. The name and mother's-name values are the
# starting point of expectation maximisation and stay as they are where the registry is too small to learn from
# (EM_MIN_PAIRS); u probabilities are filled in at run time (``_with_u``).
COMPARISONS: list[dict[str, Any]] = [
    {
        "output_column_name": "nama",
        "comparison_description": "nama",
        "comparison_levels": [
            _null("nama_fon_l = '' or nama_fon_r = ''"),
            _level(
                "nama_fon_l = nama_fon_r",
                "sama",
                0.50,
                tf_adjustment_column="nama_wil",
                tf_adjustment_weight=1.0,
                disable_tf_exact_match_detection=True,
            ),
            _level(
                TYPO_SQL.format(l="nama_fon_l", r="nama_fon_r")
                + " or "
                + TYPO_SQL.format(l="nama_norm_l", r="nama_norm_r"),
                "salah ketik",
                0.30,
            ),
            _level("jaro_winkler_similarity(nama_fon_l, nama_fon_r) >= 0.92", "mirip", 0.08),
            _level(
                "starts_with(nama_fon_l || ' ', nama_fon_r || ' ') or starts_with(nama_fon_r || ' ', nama_fon_l || ' ')",
                "dipendekkan",
                0.05,
            ),
            _level("jaro_winkler_similarity(nama_fon_l, nama_fon_r) >= 0.80", "agak mirip", 0.06),
            {"sql_condition": "ELSE", "label_for_charts": "beda", "m_probability": 0.01},
        ],
    },
    {
        "output_column_name": "tanggal_lahir",
        "comparison_description": "tanggal lahir",
        "comparison_levels": [
            _null("tanggal_lahir_l is null or tanggal_lahir_r is null"),
            _level("tanggal_lahir_l = tanggal_lahir_r", "sama", 0.75),
            _level("abs(date_diff('day', tanggal_lahir_l, tanggal_lahir_r)) <= 1", "selisih satu hari", 0.23),
            {"sql_condition": "ELSE", "label_for_charts": "beda", "m_probability": 0.02},
        ],
    },
    {
        "output_column_name": "jenis_kelamin",
        "comparison_description": "jenis kelamin",
        "comparison_levels": [
            _null("jenis_kelamin_l = '' or jenis_kelamin_r = ''"),
            _level("jenis_kelamin_l = jenis_kelamin_r", "sama", 0.98),
            {"sql_condition": "ELSE", "label_for_charts": "beda", "m_probability": 0.02},
        ],
    },
    {
        "output_column_name": "nama_ibu",
        "comparison_description": "nama ibu",
        "comparison_levels": [
            _null("ibu_fon_l is null or ibu_fon_r is null"),
            _level(
                "ibu_fon_l = ibu_fon_r",
                "sama",
                0.85,
                tf_adjustment_column="ibu_fon",
                tf_adjustment_weight=1.0,
            ),
            _level("jaro_winkler_similarity(ibu_fon_l, ibu_fon_r) >= 0.90", "mirip", 0.10),
            {"sql_condition": "ELSE", "label_for_charts": "beda", "m_probability": 0.05},
        ],
    },
    {
        # Where the person lives, where the NIK was issued and where the person was born, as one comparison:
        # among different people the three go together (people live near where they were born and where their
        # NIK was issued), so counting them apart would count the same evidence two or three times. A
        # re-registration keeps the NIK's kecamatan in most cases, moves house in many, and copies the
        # birthplace from the KTP or leaves it blank.
        "output_column_name": "asal",
        "comparison_description": "wilayah, kecamatan penerbit NIK dan tempat lahir",
        "comparison_levels": [
            _level(
                "kode_wilayah_l = kode_wilayah_r and nik_kec_l = nik_kec_r",
                "desa sama, NIK sekecamatan",
                0.175,
            ),
            _level("kode_wilayah_l = kode_wilayah_r", "desa sama", 0.075),
            _level("kab_l = kab_r and nik_kec_l = nik_kec_r", "kabupaten sama, NIK sekecamatan", 0.315),
            _level("kab_l = kab_r", "kabupaten sama", 0.135),
            _level(
                "nik_kec_l = nik_kec_r and coalesce(tempat_l = tempat_r, false)",
                "wilayah lain, NIK sekecamatan, tempat lahir sama",
                0.147,
            ),
            _level("nik_kec_l = nik_kec_r", "wilayah lain, NIK sekecamatan", 0.063),
            _level("coalesce(tempat_l = tempat_r, false)", "wilayah lain, tempat lahir sama", 0.063),
            _level("tempat_l is null or tempat_r is null", "wilayah lain, tempat lahir kosong", 0.024),
            {"sql_condition": "ELSE", "label_for_charts": "lain", "m_probability": 0.003},
        ],
    },
]
# The column each comparison reads (Splink needs them named to retain them on both sides).
COMPARISON_COLUMNS = {
    "nama": ("nama_fon", "nama_norm", "nama_wil"),
    "tanggal_lahir": ("tanggal_lahir",),
    "jenis_kelamin": ("jenis_kelamin",),
    "nama_ibu": ("ibu_fon",),
    "asal": ("kode_wilayah", "kab", "nik_kec", "tempat"),
}

# Reason text per comparison and level index (0 = first non-null level); Indonesian, shown to reviewers.
REASONS: dict[str, list[str]] = {
    "nama": [
        "nama sama",
        "nama beda satu huruf (salah ketik)",
        "nama mirip (ejaan)",
        "nama dipendekkan",
        "nama agak mirip",
        "nama beda",
    ],
    "tanggal_lahir": ["tanggal lahir sama", "tanggal lahir selisih 1 hari", "tanggal lahir beda"],
    "jenis_kelamin": ["jenis kelamin sama", "jenis kelamin beda"],
    "nama_ibu": ["nama ibu sama", "nama ibu mirip", "nama ibu beda"],
    "asal": [
        "desa sama, NIK dari kecamatan yang sama",
        "desa sama",
        "kabupaten/kota sama, NIK dari kecamatan yang sama",
        "kabupaten/kota sama",
        "wilayah lain, NIK dari kecamatan yang sama, tempat lahir sama",
        "wilayah lain, NIK dari kecamatan yang sama",
        "wilayah lain, tempat lahir sama",
        "wilayah lain",
        "wilayah dan tempat lahir lain",
    ],
}
REASON_ORDER = ("nama", "tanggal_lahir", "nama_ibu", "asal", "jenis_kelamin")


@dataclass
class DedupResult:
    persons: int
    person_pairs: pl.DataFrame  # id_a, id_b, skor, alasan, metode
    household_pairs: pl.DataFrame  # household_a, household_b, skor, alasan, shared
    compared_pairs: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def person_features(persons: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Step 1: keys for comparing and blocking (a frame with PERSON_COLUMNS in, the same rows out)."""
    frame = with_name_keys(persons.lazy())
    for new, old in (("ibu_fon", "nama_ibu"), ("tempat", "tempat_lahir")):
        keys = name_keys(frame.select(old).collect().to_series()).select(
            pl.col("nama").alias(old), pl.when(pl.col("nama_fon") != "").then(pl.col("nama_fon")).alias(new)
        )
        frame = frame.with_columns(pl.col(old).fill_null("")).join(
            keys.lazy(), on=old, how="left", maintain_order="left"
        )
    return frame.with_columns(
        huruf_depan=pl.col("nama_fon").str.slice(0, 1),
        bulan_lahir=pl.col("tanggal_lahir").dt.strftime("%Y%m"),
        tahun_lahir=pl.col("tanggal_lahir").dt.year(),
        bulan_geser=pl.col("tanggal_lahir").dt.offset_by("1d").dt.strftime("%Y%m"),
        nik12=pl.col("nik").str.slice(0, 12),
        nik_kec=pl.col("nik").str.slice(0, 6),
        nik_tgl=pl.col("nik").str.slice(6, 6),
        kab=pl.col("kode_wilayah").str.slice(0, 4),
        jenis_kelamin=pl.col("jenis_kelamin").fill_null(""),
    ).collect()


def exact_pairs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Step 2: same normalised name, birth date and sex, the same NIK prefix or mother's name, and no two
    different birthplaces."""
    return con.sql(
        """
        select l.id as id_a, r.id as id_b,
               case when l.nik12 = r.nik12 then 'sama persis: nama, tanggal lahir, jenis kelamin; '
                         || 'NIK: kecamatan dan tanggal sama, nomor urut beda'
                    else 'sama persis: nama, tanggal lahir, jenis kelamin, nama ibu' end as alasan
        from orang l join orang r
          on l.nama_norm = r.nama_norm and l.tanggal_lahir = r.tanggal_lahir
         and l.jenis_kelamin = r.jenis_kelamin and l.id < r.id
        where l.nama_norm <> '' and (l.nik12 = r.nik12 or l.ibu_fon = r.ibu_fon)
          and (l.tempat is null or r.tempat is null or l.tempat = r.tempat)
        """
    ).pl()


def _pair_share(con: duckdb.DuckDBPyConnection, keys: str, where: str = "true") -> float:
    """The share of ordered pairs of two different records (of all n(n-1)) that agree on every key (keys that
    are null never agree)."""
    notnull = " and ".join(f"{k} is not null" for k in keys.split(","))
    (share,) = con.execute(
        f"select coalesce(sum(c * (c - 1)), 0) / getvariable('pairs') from ("
        f"select count(*)::double as c from orang where {where} and {notnull} group by {keys})"
    ).fetchall()[0]
    return float(share)


def _counted_u(con: duckdb.DuckDBPyConnection) -> dict[str, list[float]]:
    """u probabilities counted over all pairs (not sampled) for the comparisons of coded values: birth date, sex
    and origin. Each is a share of pairs computed from group counts, so rare levels (a NIK of the same
    kecamatan in another kabupaten: a few pairs in a million) are as exact as common ones and the run is
    repeatable."""
    (n,) = con.execute("select count(*)::double from orang").fetchall()[0]
    con.execute("set variable pairs = ?", [max(1.0, n * (n - 1))])

    def s(keys: str, where: str = "true") -> float:
        return _pair_share(con, keys, where)

    same_day = s("tanggal_lahir")
    (next_day,) = con.execute(
        "with d as (select tanggal_lahir t, count(*)::double c from orang where tanggal_lahir is not null"
        " group by 1) select coalesce(2 * sum(a.c * b.c), 0) / getvariable('pairs')"
        " from d a join d b on b.t = a.t + 1"
    ).fetchall()[0]
    dated = s("(tanggal_lahir is not null)::int")
    sex_same = s("jenis_kelamin", "jenis_kelamin <> ''")
    sexed = s("(jenis_kelamin <> '')::int", "jenis_kelamin <> ''")
    # origin levels, first match wins (see COMPARISONS): inclusion-exclusion over group counts
    dk, d, kk, k = s("kode_wilayah,nik_kec"), s("kode_wilayah"), s("kab,nik_kec"), s("kab")
    kec = s("nik_kec")
    kt, kkt, t = s("nik_kec,tempat"), s("kab,nik_kec,tempat"), s("tempat")
    kabt = s("kab,tempat")
    named = "tempat is not null"
    both_named = s("(tempat is not null)::int", named)
    named_kab, named_kec, named_kk = s("kab", named), s("nik_kec", named), s("kab,nik_kec", named)
    other_kab_kec = 1 - k - kec + kk
    other_kab_kec_named = both_named - named_kab - named_kec + named_kk
    origin = [
        dk,
        d - dk,
        kk - dk,
        k - d - kk + dk,
        kt - kkt,
        (kec - kk) - (kt - kkt),
        t - kabt - kt + kkt,
        other_kab_kec - other_kab_kec_named,
    ]
    origin.append(1 - sum(origin))
    return {
        "tanggal_lahir": [same_day / dated, next_day / dated, 1 - (same_day + next_day) / dated],
        "jenis_kelamin": [sex_same / sexed, 1 - sex_same / sexed],
        "asal": origin,
    }


def _sampled_u(con: duckdb.DuckDBPyConnection, sample: int) -> dict[str, list[float]]:
    """u probabilities of the name comparisons (the person's and the mother's) from `sample` pairs of records
    drawn at random, independently of each other, with a fixed seed (a hash of the draw's number), so that a
    run is repeatable. Each level's condition is the one Splink evaluates."""
    con.execute(
        "create or replace temp table u_urut as select row_number() over (order by id) - 1 as i, "
        "nama_fon, nama_norm, ibu_fon from orang"
    )
    (n,) = con.execute("select count(*) from u_urut").fetchall()[0]
    result: dict[str, list[float]] = {}
    for name in ("nama", "nama_ibu"):
        levels = [lv for lv in _splink_comparison_sql(name) if not lv.get("is_null_level")]
        null_sql = next(lv for lv in _splink_comparison_sql(name) if lv.get("is_null_level"))["sql_condition"]
        cases = " ".join(
            f"when {lv['sql_condition']} then {i}"
            for i, lv in enumerate(levels)
            if lv["sql_condition"] != "ELSE"
        )
        rows = con.execute(
            f"""
            with draws as (
              select hash(k, {U_SEED}) % {n} as a, hash(k, {U_SEED} + 1) % {n} as b from range({sample}) t(k)
            ), pairs as (
              select l.nama_fon as nama_fon_l, r.nama_fon as nama_fon_r, l.nama_norm as nama_norm_l,
                     r.nama_norm as nama_norm_r, l.ibu_fon as ibu_fon_l, r.ibu_fon as ibu_fon_r
              from draws join u_urut l on l.i = draws.a join u_urut r on r.i = draws.b
              where draws.a <> draws.b
            )
            select case {cases} else {len(levels) - 1} end as level, count(*)::double
            from pairs where not ({null_sql}) group by 1
            """
        ).fetchall()
        counts = dict(rows)
        total = sum(counts.values())
        # a level never seen in the sample gets half a pair, not zero (a zero u is an infinite weight)
        result[name] = [max(counts.get(i, 0.0), 0.5) / max(total, 1.0) for i in range(len(levels))]
    con.execute("drop table u_urut")
    return result


def _with_u(u: dict[str, list[float]], m: dict[str, list[float]] | None = None) -> list[dict[str, Any]]:
    """COMPARISONS with the u probabilities (and, where estimated, the m probabilities) filled in, level by
    level (null levels have neither)."""
    out = []
    for comparison in COMPARISONS:
        name = comparison["output_column_name"]
        values = iter(u[name])
        ms = iter((m or {}).get(name) or [])
        levels = []
        for lv in comparison["comparison_levels"]:
            if lv.get("is_null_level"):
                levels.append(lv)
                continue
            level = {**lv, "u_probability": max(next(values), 1e-12)}
            estimated = next(ms, None)
            if estimated is not None:
                level["m_probability"] = estimated
            levels.append(level)
        out.append({**comparison, "comparison_levels": levels})
    return out


# Expectation maximisation on pairs blocked by a rule that leaves the estimated comparisons free: the pairs
# that share the NIK's kecamatan of issue and birth date (a re-registration with another serial is among them),
# members of one household left out (twins share a birth date, a mother and a village).
EM_RULES = (("l.nik12 = r.nik12 and l.household_id <> r.household_id", ("nama", "nama_ibu")),)
EM_MIN_PAIRS = 100  # fewer blocked pairs than this: too few to learn from, the set m values stay
EM_MIN_M = 1e-4  # no level is ever impossible for a duplicate


def _estimated_m(con: duckdb.DuckDBPyConnection, linker: Any) -> dict[str, list[float]]:
    """m probabilities of the name comparisons learned from the registry (Splink's EM, u held fixed).

    EM's "match" class in that block also takes in namesakes and relatives who agree on everything but the
    name, which inflates the last level ("beda"); that level is never a candidate anyway (``splink_pairs``
    drops it), so it keeps its set value and the other levels share the rest in the proportions EM found.
    """
    result: dict[str, list[float]] = {}
    set_values = {c["output_column_name"]: c["comparison_levels"][-1]["m_probability"] for c in COMPARISONS}
    for rule, names in EM_RULES:
        (pairs,) = con.execute(
            f"select count(*) from orang_splink l join orang_splink r on {rule} and l.id < r.id"
        ).fetchall()[0]
        if pairs < EM_MIN_PAIRS:
            continue
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
        for comparison in linker.misc.save_model_to_json()["comparisons"]:
            name = comparison["output_column_name"]
            if name not in names:
                continue
            ms = [
                lv.get("m_probability")
                for lv in comparison["comparison_levels"]
                if not lv.get("is_null_level")
            ]
            agreeing = [float(v or 0.0) for v in ms[:-1]]
            if sum(agreeing) > 0:
                share = (1 - set_values[name]) / sum(agreeing)
                result[name] = [max(v * share, EM_MIN_M) for v in agreeing] + [set_values[name]]
    return result


def _settings(n: int, comparisons: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    pairs_total = max(1.0, n * (n - 1) / 2)
    prior = min(0.5, max(1e-12, DUPLICATE_SHARE * n / pairs_total))
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "id",
        "probability_two_random_records_match": prior,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in BLOCKING_RULES
        ],
        "comparisons": comparisons if comparisons is not None else COMPARISONS,
        "retain_matching_columns": True,  # keeps the gamma columns, which give the reason text
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": [],
    }


def _splink_comparison_sql(name: str) -> list[dict[str, Any]]:
    return next(c for c in COMPARISONS if c["output_column_name"] == name)["comparison_levels"]


def _regional_name_frequencies(con: duckdb.DuckDBPyConnection) -> None:
    """The term frequency of a name where the person lives: its share among the persons of the kabupaten,
    drawn towards its national share where the kabupaten has few persons (REGIONAL_TF_PRIOR persons' worth of
    the national share). Names are regional (Batak marga, Balinese birth-order names, Sundanese names), so two
    persons of one kabupaten who share a name are far more often two people than the national share says."""
    prior = REGIONAL_TF_PRIOR
    con.execute(
        f"""
        create or replace table tf_nama_wil as
        with per_kab as (
          select nama_wil, any_value(nama_fon) as nama_fon, any_value(kab) as kab, count(*)::double as c
          from orang_splink where nama_fon <> '' group by nama_wil
        ), kab as (select kab, count(*)::double as n from orang_splink group by kab),
        nat as (
          select nama_fon, count(*)::double / (select count(*) from orang_splink) as f
          from orang_splink group by nama_fon
        )
        select p.nama_wil, (p.c + {prior} * nat.f) / (kab.n + {prior}) as tf_nama_wil
        from per_kab p join kab using (kab) join nat using (nama_fon)
        """
    )


def splink_pairs(
    con: duckdb.DuckDBPyConnection, n: int, threshold: float, timings: dict[str, float]
) -> tuple[pl.DataFrame, int]:
    """Step 3: Splink's Fellegi-Sunter model on DuckDB; returns scored pairs and how many pairs were compared."""
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    u = _counted_u(con) | _sampled_u(con, U_SAMPLE_PAIRS)
    timings["u"] = time.perf_counter() - t0
    db_api = DuckDBAPI(connection=con)
    people = db_api.register("orang_splink")
    linker = Linker(people, _settings(n, _with_u(u)), log_level=None)
    _regional_name_frequencies(con)
    linker.table_management.register_term_frequency_lookup(db_api.register("tf_nama_wil"), "nama_wil")
    t0 = time.perf_counter()
    m = _estimated_m(con, linker)
    timings["em"] = time.perf_counter() - t0
    linker = Linker(people, _settings(n, _with_u(u, m)), log_level=None)
    linker.table_management.register_term_frequency_lookup(db_api.register("tf_nama_wil"), "nama_wil")
    t0 = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    timings["predict"] = time.perf_counter() - t0
    table = predictions.physical_name
    gamma_cols = [f"gamma_{c}" for c in COMPARISON_COLUMNS]
    # A pair whose names are simply different is never a candidate, whatever else agrees: siblings share a
    # mother, a village and a kecamatan of issue, and that must not add up to "the same person".
    frame = con.sql(
        f"select id_l as id_a, id_r as id_b, match_probability as skor, match_weight, {', '.join(gamma_cols)} "
        f"from {table} where gamma_nama <> 0"
    ).pl()
    t0 = time.perf_counter()
    compared = _blocked_pair_count(con, linker)
    timings["count"] = time.perf_counter() - t0
    return frame, compared


def _blocked_pair_count(con: duckdb.DuckDBPyConnection, linker: Any) -> int:
    """How many pairs the blocking rules let through (for the benchmark's pairs-per-record figure)."""
    total = 0
    seen: list[str] = []
    for rule in BLOCKING_RULES:
        exclude = " ".join(f"and not coalesce(({r}), false)" for r in seen)
        total += con.execute(
            f"select count(*) from orang_splink l join orang_splink r on {rule} and l.id < r.id {exclude}"
        ).fetchall()[0][0]
        seen.append(rule)
    return int(total)


def _reason_expr() -> pl.Expr:
    parts = []
    for name in REASON_ORDER:
        levels = [lv for lv in _splink_comparison_sql(name) if not lv.get("is_null_level")]
        texts = REASONS[name]
        # Splink numbers levels from the last (ELSE = 0) upwards; null is -1.
        gamma = pl.col(f"gamma_{name}")
        expr: Any = pl.when(gamma == -1).then(pl.lit(None, dtype=pl.String))
        for i, _level in enumerate(levels):
            expr = expr.when(gamma == len(levels) - 1 - i).then(pl.lit(texts[i]))
        parts.append(expr.otherwise(pl.lit(None, dtype=pl.String)))
    return pl.concat_str(parts, separator=", ", ignore_nulls=True)


def twin_guard(pairs: pl.DataFrame, features: pl.DataFrame) -> pl.DataFrame:
    """Step 4: family members are not duplicates of each other. In one household, drop pairs born more than a
    day apart (siblings, parent and child: a family shares mother, village and birthplace, which would otherwise
    add up), and pairs born the same day whose names differ by more than a slip (twins).

    A slip is a dropped or added letter, or two neighbours swapped (Damerau distance 1 with a length change, or a
    transposition); twins get names that differ by a substituted letter or more (Rina/Rini, Hasan/Husein). The
    slip is looked for in the written name (nama_norm), not in the phonetic key: the key drops a final h, which
    turns the twins Dian and Diah into "dian" and "dia", one letter apart.
    """
    if pairs.height == 0:
        return pairs
    f = features.select("id", "household_id", "tanggal_lahir", "nama_fon", "nama_norm")
    joined = pairs.join(f.rename(lambda c: c + "_a"), left_on="id_a", right_on="id_a", how="left").join(
        f.rename(lambda c: c + "_b"), left_on="id_b", right_on="id_b", how="left"
    )
    con = duckdb.connect()
    con.register(
        "p",
        joined.select(
            "id_a",
            "id_b",
            "household_id_a",
            "household_id_b",
            "tanggal_lahir_a",
            "tanggal_lahir_b",
            "nama_fon_a",
            "nama_fon_b",
            "nama_norm_a",
            "nama_norm_b",
        ).to_arrow(),
    )
    twins = con.sql(
        f"""
        select id_a, id_b from p
        where household_id_a = household_id_b and (
          abs(date_diff('day', tanggal_lahir_a, tanggal_lahir_b)) > 1
          or (tanggal_lahir_a = tanggal_lahir_b
              and nama_fon_a <> nama_fon_b
              and not starts_with(nama_fon_a || ' ', nama_fon_b || ' ')
              and not starts_with(nama_fon_b || ' ', nama_fon_a || ' ')
              and not {TYPO_SQL.format(l="nama_norm_a", r="nama_norm_b")}))
        """
    ).pl()
    con.close()
    return pairs.join(twins, on=["id_a", "id_b"], how="anti")


def household_pairs(pairs: pl.DataFrame, features: pl.DataFrame) -> pl.DataFrame:
    """Step 5: two KK that share at least two persons."""
    schema = {
        "household_a": pl.Int64,
        "household_b": pl.Int64,
        "skor": pl.Float64,
        "alasan": pl.String,
        "shared": pl.Int64,
    }
    if pairs.height == 0:
        return pl.DataFrame(schema=schema)
    hh = features.select("id", "household_id")
    sizes = hh.group_by("household_id").agg(size=pl.len())
    p = (
        pairs.select("id_a", "id_b", "skor")
        .join(hh.rename({"id": "id_a", "household_id": "h1"}), on="id_a")
        .join(hh.rename({"id": "id_b", "household_id": "h2"}), on="id_b")
        .filter(pl.col("h1") != pl.col("h2"))
        .with_columns(household_a=pl.min_horizontal("h1", "h2"), household_b=pl.max_horizontal("h1", "h2"))
    )
    grouped = (
        p.group_by("household_a", "household_b")
        .agg(shared=pl.len().cast(pl.Int64), skor=pl.col("skor").mean())
        .join(sizes.rename({"household_id": "household_a", "size": "size_a"}), on="household_a")
        .join(sizes.rename({"household_id": "household_b", "size": "size_b"}), on="household_b")
        .filter(pl.col("shared") >= 2)
    )
    if grouped.height == 0:
        return pl.DataFrame(schema=schema)
    grouped = grouped.with_columns(
        alasan=pl.concat_str(
            pl.col("shared").cast(pl.String),
            pl.lit(" orang sama di kedua KK (KK pertama "),
            pl.col("size_a").cast(pl.String),
            pl.lit(" orang, KK kedua "),
            pl.col("size_b").cast(pl.String),
            pl.lit(" orang)"),
        )
    )
    return grouped.select(list(schema)).cast(schema).sort("household_a", "household_b")  # type: ignore[arg-type]


def find_duplicates(persons: pl.DataFrame, *, threshold: float = DEFAULT_THRESHOLD) -> DedupResult:
    """The whole pipeline over a frame of persons (PERSON_COLUMNS)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    features = person_features(persons.select(list(PERSON_COLUMNS)).cast(PERSON_COLUMNS))  # type: ignore[arg-type]
    timings["features"] = time.perf_counter() - t0
    n = features.height
    empty_pairs = pl.DataFrame(
        schema={
            "id_a": pl.Int64,
            "id_b": pl.Int64,
            "skor": pl.Float64,
            "alasan": pl.String,
            "metode": pl.String,
        }
    )
    if n < 2:
        return DedupResult(n, empty_pairs, household_pairs(empty_pairs, features), 0, timings)
    con = duckdb.connect()
    con.execute("set threads to 2")
    con.register("orang_arrow", features.to_arrow())
    con.execute("create table orang as select * from orang_arrow order by id")
    splink_cols = sorted(
        {c for cols in COMPARISON_COLUMNS.values() for c in cols}
        | {
            "id",
            "huruf_depan",
            "nama_depan",
            "bulan_lahir",
            "bulan_geser",
            "nik12",
            "tahun_lahir",
            "household_id",
        }
    )
    con.execute(
        f"create table orang_splink as select {', '.join(c for c in splink_cols if c != 'nama_wil')}, "
        "nama_fon || '|' || kab as nama_wil from orang order by id"
    )
    t0 = time.perf_counter()
    exact = exact_pairs(con)
    timings["exact"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    scored, compared = splink_pairs(con, n, threshold, timings)
    timings["splink"] = time.perf_counter() - t0
    con.close()
    t0 = time.perf_counter()
    scored = scored.with_columns(alasan=_reason_expr(), metode=pl.lit("splink")).select(
        "id_a", "id_b", "skor", "alasan", "metode"
    )
    exact = exact.join(scored.select("id_a", "id_b", "skor"), on=["id_a", "id_b"], how="left").select(
        "id_a",
        "id_b",
        pl.col("skor").fill_null(1.0).clip(lower_bound=threshold),
        "alasan",
        metode=pl.lit("pasti"),
    )
    pairs = pl.concat([exact, scored.join(exact, on=["id_a", "id_b"], how="anti")]).cast(empty_pairs.schema)
    pairs = twin_guard(pairs, features).sort("id_a", "id_b")
    households = household_pairs(pairs, features)
    timings["finish"] = time.perf_counter() - t0
    return DedupResult(n, pairs, households, compared, timings)


def precision_recall(found: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float | int]:
    """found and truth: frames of (nik_a, nik_b) in any order."""

    def norm(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(
            a=pl.min_horizontal("nik_a", "nik_b"), b=pl.max_horizontal("nik_a", "nik_b")
        ).unique()

    f, t = norm(found), norm(truth)
    tp = f.join(t, on=["a", "b"], how="semi").height
    precision = tp / f.height if f.height else 1.0
    recall = tp / t.height if t.height else 1.0
    return {
        "found": f.height,
        "truth": t.height,
        "true_positives": tp,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if tp else 0.0,
    }
