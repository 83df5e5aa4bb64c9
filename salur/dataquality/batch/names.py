"""Indonesian name normalisation as Polars expressions (no per-row Python).

Two forms are derived from a raw name:

- ``nama_norm``: what a clerk would call "the same name": lower case, no punctuation, titles and honorifics removed
  (H., Hj., Dr., Drs., Ir., Prof., KH. before the name; S.Pd, S.E., S.H. and the like after it), "bin X" /
  "binti X" cut off, every variant of Muhammad (Mohammad, Muhamad, Moh., M., Mhd, ...) written one way, and the
  pre-1972 spellings (Ejaan Van Ophuijsen / Soewandi) written as today: oe->u, tj->c, dj->j, nj->ny, sj->sy,
  ch->kh;
- ``nama_fon``: a phonetic key on top of it, for comparing: y->i, kh->h, dh->d, th->t, double letters single,
  a final h after a vowel dropped. "Rachmat" and "Rahmat", "Kartyni" and "Kartini" get the same key.

The rules are applied to both records of a pair, so what matters is that two spellings of one name meet; the key
is never shown to users.
"""

from __future__ import annotations

import polars as pl

# Titles before the name (gelar depan, sapaan): haji, hajah, doctor, drs/dra, ir, prof, kyai haji, ...
PREFIX_TITLES = (
    "h",
    "hj",
    "haji",
    "hajah",
    "hajjah",
    "dr",
    "drs",
    "dra",
    "ir",
    "prof",
    "kh",
    "ust",
    "ustadz",
    "tn",
    "ny",
    "nn",
    "sdr",
    "bpk",
    "ibu",
    "bapak",
)
# Academic degrees after the name without a comma (with a comma everything after it is dropped).
SUFFIX_DEGREES = (
    "s pd",
    "spd",
    "s pd i",
    "s e",
    "se",
    "s h",
    "sh",
    "s kom",
    "s ag",
    "s sos",
    "s ip",
    "s t",
    "s si",
    "s kep",
    "s ked",
    "s km",
    "a md",
    "amd",
    "m pd",
    "m si",
    "m m",
    "mm",
    "m h",
    "m kes",
)
MUHAMMAD_VARIANTS = (
    "muhammad",
    "muhamad",
    "mohammad",
    "mohamad",
    "muhammed",
    "mohammed",
    "mohamed",
    "mochammad",
    "mochamad",
    "mokhammad",
    "mokhamad",
    "muhamat",
    "muh",
    "moh",
    "mhd",
    "mohd",
    "md",
    "m",
)
# contract order matters only for overlapping pairs: nj before dj would turn "ndj" into "nyj"
OLD_SPELLINGS = (("oe", "u"), ("tj", "c"), ("dj", "j"), ("nj", "ny"), ("sj", "sy"), ("ch", "kh"))
PHONETIC = (("kh", "h"), ("y", "i"), ("dh", "d"), ("th", "t"), ("ph", "f"), ("q", "k"), ("z", "s"))

_PREFIX_RE = r"^(?:(?:" + "|".join(PREFIX_TITLES) + r")\s+)+"
_SUFFIX_RE = r"(?:\s+(?:" + "|".join(sorted(SUFFIX_DEGREES, key=len, reverse=True)) + r"))+$"
_MUHAMMAD_RE = r"\b(?:" + "|".join(MUHAMMAD_VARIANTS) + r")\b"


def name_norm(expr: pl.Expr) -> pl.Expr:
    """The cleaned name: see the module's docstring."""
    e = expr.fill_null("").str.to_lowercase()
    e = e.str.replace(r",.*$", "")  # degrees after a comma: "Siti, S.Pd" -> "siti"
    e = e.str.replace_all(
        r"[^a-z ]", " "
    )  # punctuation and digits: "Moh." -> "moh ", "Sri. Lubis" -> "sri  lubis"
    e = e.str.replace_all(r"\s+", " ").str.strip_chars()
    e = e.str.replace(_PREFIX_RE, "")
    e = e.str.replace(_SUFFIX_RE, "")
    e = e.str.replace(r"\s+(?:bin|binti|bt|bte)\s.*$", "")  # "Ahmad bin Yusuf" -> "ahmad"
    e = e.str.replace_all(_MUHAMMAD_RE, "muhamad")
    for old, new in OLD_SPELLINGS:
        e = e.str.replace_all(old, new, literal=True)
    return e.str.strip_chars()


def name_phonetic(norm: pl.Expr) -> pl.Expr:
    """A phonetic key of an already normalised name, for comparison and blocking."""
    e = norm
    for old, new in PHONETIC:
        e = e.str.replace_all(old, new, literal=True)
    letters = "abcdefghijklmnopqrstuvwxyz"  # double letters: "muhammad" -> "muhamad", "elly" -> "eli"
    e = e.str.replace_many([c + c for c in letters], list(letters))
    return e.str.replace_all(r"([a-z])h\b", "$1")  # a final h: "fatimah" ~ "fatima", "ahmadh" ~ "ahmad"


def name_keys(names: pl.Series) -> pl.DataFrame:
    """nama (each distinct value once), nama_norm, nama_fon, nama_depan (first word of nama_fon, a blocking key).

    Computed on the distinct names only: a registry repeats names a great deal, so this is several times faster
    than computing per row; join the result back on the name.
    """
    distinct = pl.DataFrame({"nama": names.fill_null("")}).unique()
    return (
        distinct.lazy()
        .with_columns(nama_norm=name_norm(pl.col("nama")))
        .with_columns(nama_fon=name_phonetic(pl.col("nama_norm")))
        .with_columns(nama_depan=pl.col("nama_fon").str.split(" ").list.first().fill_null(""))
        .collect()
    )


def with_name_keys(frame: pl.LazyFrame | pl.DataFrame, column: str = "nama") -> pl.LazyFrame:
    """Add nama_norm, nama_fon and nama_depan for `column` (a frame in, the same rows out, same order)."""
    lf = frame.lazy()
    names = lf.select(pl.col(column).fill_null("")).collect().to_series()
    keys = name_keys(names).rename({"nama": "_key"})
    return (
        lf.with_columns(_key=pl.col(column).fill_null(""))
        .join(keys.lazy(), on="_key", how="left", maintain_order="left")
        .drop("_key")
    )
