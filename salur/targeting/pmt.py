"""The proxy means test (PMT): features, OLS with cross-validation, scores, the national desil, targeting errors.

Pure functions over Polars frames; no database (the services read and write, docs/targeting.md explains the
model). The PMT predicts a household's log consumption per capita per month from what an enumerator can see:
the house, utilities, assets, and who lives there.

Inputs (normalised by the reader, see `batch/pipeline.py`):

- households: ``household_id`` (Int64), ``kode_wilayah`` (10 digits), ``luas_lantai_m2`` (Float64), the eight
  categorical proxies as text, ``daya_listrik_va`` (Int64), the six ``aset_*`` columns (0/1),
  ``tanggal_pendataan`` (Date) and, for calibration, ``pengeluaran_per_kapita`` (Int64, null when not surveyed);
- members: ``household_id``, ``tanggal_lahir`` (Date), ``jenis_kelamin``, ``hubungan``, ``pendidikan``,
  ``pekerjaan``, ``disabilitas``, in the family's order (the first listed head is the head).

A model is an intercept plus a weight per feature name; a name is either a numeric feature (``ln_anggota``) or a
dummy ``column=value`` (``jenis_lantai=keramik``), 1 when the household's value is that one. A value without a
weight (the reference category, or a province the model never saw) contributes 0.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

# --- the features ---------------------------------------------------------------------------------------------

# Categorical proxies: column -> (reference value, the other values, each with a dummy feature). The reference is
# the poorest option, so every weight reads as "better off than the reference by ...".
CATEGORICAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "jenis_lantai": ("tanah", ("bambu", "kayu", "semen", "ubin", "keramik")),
    "jenis_dinding": ("bambu", ("lainnya", "kayu", "tembok")),
    "jenis_atap": ("lainnya", ("ijuk", "seng", "asbes", "genteng", "beton")),
    "sumber_air_minum": (
        "sungai",
        ("mata_air", "sumur_tak_terlindung", "hujan", "sumur_terlindung", "ledeng", "kemasan"),
    ),
    "sumber_penerangan": ("tidak_ada", ("non_pln", "pln_tanpa_meteran", "pln_meteran")),
    # 0 (no PLN meter) and 450 VA share the reference: both are the subsidised bottom of the tariff
    "daya_listrik_va": ("450", ("900", "1300", "2200", "3500")),
    "bahan_bakar_memasak": (
        "kayu_bakar",
        ("arang", "minyak_tanah", "gas_3kg", "gas", "listrik", "tidak_memasak"),
    ),
    "fasilitas_bab": ("tidak_ada", ("umum", "bersama", "sendiri")),
    "status_rumah": ("milik_sendiri", ("sewa", "bebas_sewa", "dinas", "lainnya")),
    "kepala_pendidikan": ("tidak_sekolah", ("sd", "smp", "sma", "diploma", "sarjana")),
}
# Province of the household (first two digits of kode_wilayah): dummies for the provinces the calibration sample
# holds, no reference value (the intercept is the mean, the ridge term keeps the system solvable).
PROVINCE = "provinsi"

NUMERIC: dict[str, str] = {
    "ln_anggota": "ln(jumlah anggota keluarga)",
    "porsi_anak": "porsi anggota berumur di bawah 15 tahun",
    "porsi_lansia": "porsi anggota berumur 60 tahun atau lebih",
    "porsi_bekerja": "porsi anggota yang bekerja",
    "ada_pekerja_formal": "ada anggota ASN, TNI, Polri, karyawan swasta atau pensiunan",
    "kepala_perempuan": "kepala keluarga perempuan",
    "ada_disabilitas": "ada anggota dengan disabilitas sedang atau berat",
    "ln_luas_lantai_per_kapita": "ln(luas lantai m2 per anggota)",
    "aset_kulkas": "memiliki kulkas",
    "aset_motor": "memiliki sepeda motor",
    "aset_mobil": "memiliki mobil",
    "aset_ac": "memiliki AC",
    "aset_emas": "memiliki emas 10 gram atau lebih",
    "aset_lahan": "memiliki lahan pertanian",
    "kota": "tinggal di kota (bukan kabupaten)",
    "kelurahan": "tinggal di kelurahan (perkotaan)",
}
CATEGORY_LABELS: dict[str, str] = {
    "jenis_lantai": "lantai",
    "jenis_dinding": "dinding",
    "jenis_atap": "atap",
    "sumber_air_minum": "air minum",
    "sumber_penerangan": "penerangan",
    "daya_listrik_va": "daya listrik (VA)",
    "bahan_bakar_memasak": "bahan bakar memasak",
    "fasilitas_bab": "fasilitas BAB",
    "status_rumah": "status rumah",
    "kepala_pendidikan": "pendidikan kepala keluarga",
    PROVINCE: "provinsi",
}

NOT_WORKING = ("tidak_bekerja", "pelajar", "ibu_rumah_tangga")
FORMAL_WORK = ("asn", "tni", "polri", "karyawan_swasta", "pensiunan")
CHILD_BELOW = 15
ELDERLY_FROM = 60

# The bottom four deciles are the target group of bansos (domain.md: "bansos goes to desil 1-4").
TARGET_DESIL = 4


def feature_label(name: str) -> str:
    """Indonesian meaning of a feature name, for the web page and the docs."""
    if "=" in name:
        column, value = name.split("=", 1)
        return f"{CATEGORY_LABELS.get(column, column)}: {value}"
    return NUMERIC.get(name, name)


def fixed_feature_names() -> list[str]:
    """The features every model may weigh, in a stable order (province dummies come from the data)."""
    names = list(NUMERIC)
    for column, (_, values) in CATEGORICAL.items():
        names += [f"{column}={v}" for v in values]
    return names


def _age_years(birth: pl.Expr, ref: pl.Expr) -> pl.Expr:
    """Completed years at ``ref``."""
    before_birthday = (ref.dt.month().cast(pl.Int32) * 100 + ref.dt.day().cast(pl.Int32)) < (
        birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)
    )
    return ref.dt.year().cast(pl.Int32) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)


def household_base(households: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """One row per household with every model input: numeric features (Float64) and categorical ones (text).

    Member aggregates come from one group_by over all members; ages are counted at the household's
    tanggal_pendataan (what was true when the enumerator visited). A household without members counts as one
    person with no known head. Extra household columns ``pengeluaran_per_kapita`` and ``desil`` pass through.
    """
    dates = households.select("household_id", "tanggal_pendataan")
    is_head = pl.col("hubungan") == "kepala_keluarga"
    agg = (
        members.join(dates, on="household_id", how="inner")
        .with_columns(_age=_age_years(pl.col("tanggal_lahir"), pl.col("tanggal_pendataan")))
        .group_by("household_id")
        .agg(
            _n=pl.len(),
            _anak=(pl.col("_age") < CHILD_BELOW).sum(),
            _lansia=(pl.col("_age") >= ELDERLY_FROM).sum(),
            _bekerja=(~pl.col("pekerjaan").is_in(NOT_WORKING)).sum(),
            ada_pekerja_formal=pl.col("pekerjaan").is_in(FORMAL_WORK).any(),
            ada_disabilitas=pl.col("disabilitas").is_in(["sedang", "berat"]).any(),
            kepala_perempuan=(pl.col("jenis_kelamin") == "P").filter(is_head).first(),
            kepala_pendidikan=pl.col("pendidikan").filter(is_head).first(),
        )
    )
    frame = households.join(agg, on="household_id", how="left", maintain_order="left")
    size = pl.col("_n").fill_null(0).clip(lower_bound=1).cast(pl.Float64)
    passthrough = [c for c in ("pengeluaran_per_kapita", "desil") if c in households.columns]
    return frame.select(
        "household_id",
        *passthrough,
        ln_anggota=size.log(),
        porsi_anak=pl.col("_anak").fill_null(0).cast(pl.Float64) / size,
        porsi_lansia=pl.col("_lansia").fill_null(0).cast(pl.Float64) / size,
        porsi_bekerja=pl.col("_bekerja").fill_null(0).cast(pl.Float64) / size,
        ada_pekerja_formal=pl.col("ada_pekerja_formal").fill_null(False).cast(pl.Float64),
        kepala_perempuan=pl.col("kepala_perempuan").fill_null(False).cast(pl.Float64),
        ada_disabilitas=pl.col("ada_disabilitas").fill_null(False).cast(pl.Float64),
        ln_luas_lantai_per_kapita=(
            pl.col("luas_lantai_m2").cast(pl.Float64).clip(lower_bound=1.0) / size
        ).log(),
        **{a: pl.col(a).cast(pl.Float64) for a in NUMERIC if a.startswith("aset_")},
        # contract data README: kabupaten/kota digits 71 and above are a kota; a 1 in the 7th digit a kelurahan
        kota=(pl.col("kode_wilayah").str.slice(2, 2).cast(pl.Int32, strict=False) >= 71)
        .fill_null(False)
        .cast(pl.Float64),
        kelurahan=(pl.col("kode_wilayah").str.slice(6, 1) == "1").fill_null(False).cast(pl.Float64),
        **{
            c: pl.col(c).cast(pl.Utf8).fill_null("")
            for c in CATEGORICAL
            if c not in ("kepala_pendidikan", "daya_listrik_va")
        },
        daya_listrik_va=pl.col("daya_listrik_va").cast(pl.Int64).cast(pl.Utf8).fill_null(""),
        kepala_pendidikan=pl.col("kepala_pendidikan").fill_null(""),
        provinsi=pl.col("kode_wilayah").str.slice(0, 2).fill_null(""),
    )


def _feature_expr(name: str) -> pl.Expr:
    if "=" in name:
        column, value = name.split("=", 1)
        return (pl.col(column) == value).cast(pl.Float64)
    return pl.col(name)


def design(base: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """The design matrix: one Float64 column per feature name."""
    return base.select([_feature_expr(n).alias(n) for n in names])


# --- models ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PmtWeights:
    """A PMT model: predicted log consumption per capita = intercept + sum of weight x feature."""

    intercept: float
    weights: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {"intercept": self.intercept, "weights": dict(self.weights)}

    def sha256(self) -> str:
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PmtWeights:
        """Parse stored weights; raises ValueError naming what is wrong (Indonesian, for the clerk)."""
        try:
            intercept = float(data["intercept"])
            raw = dict(data["weights"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("Bobot PMT harus berisi 'intercept' (angka) dan 'weights' (objek)") from exc
        weights: dict[str, float] = {}
        for name, value in raw.items():
            if "=" in name:
                column = name.split("=", 1)[0]
                if column not in CATEGORICAL and column != PROVINCE:
                    raise ValueError(f"Fitur PMT tidak dikenal: {name}")
            elif name not in NUMERIC:
                raise ValueError(f"Fitur PMT tidak dikenal: {name}")
            try:
                number = float(value)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"Bobot fitur {name} bukan angka") from exc
            if not math.isfinite(number):
                raise ValueError(f"Bobot fitur {name} bukan angka terhingga")
            weights[name] = number
        if not math.isfinite(intercept):
            raise ValueError("Intersep PMT bukan angka terhingga")
        return cls(intercept=intercept, weights=weights)


# The shipped default model (docs/targeting.md lists every weight with its meaning). Hand-set from the usual
# signs and orders of magnitude of Indonesian PMT regressions on log consumption per capita (better floor,
# walls, roof, water, power, cooking fuel, toilet, assets and an educated head mean higher consumption; a larger
# household and more dependants mean lower consumption per person). The intercept puts a household of the
# reference categories near Rp600,000 a month. It carries no regional effects: calibration learns them.
DEFAULT_WEIGHTS = PmtWeights(
    intercept=13.30,
    weights={
        "ln_anggota": -0.30,
        "porsi_anak": -0.20,
        "porsi_lansia": -0.05,
        "porsi_bekerja": 0.10,
        "ada_pekerja_formal": 0.12,
        "kepala_perempuan": -0.03,
        "ada_disabilitas": -0.05,
        "ln_luas_lantai_per_kapita": 0.08,
        "aset_kulkas": 0.08,
        "aset_motor": 0.08,
        "aset_mobil": 0.25,
        "aset_ac": 0.18,
        "aset_emas": 0.08,
        "aset_lahan": 0.03,
        "kota": 0.10,
        "kelurahan": 0.05,
        "jenis_lantai=bambu": 0.00,
        "jenis_lantai=kayu": 0.03,
        "jenis_lantai=semen": 0.05,
        "jenis_lantai=ubin": 0.10,
        "jenis_lantai=keramik": 0.15,
        "jenis_dinding=lainnya": 0.00,
        "jenis_dinding=kayu": 0.03,
        "jenis_dinding=tembok": 0.08,
        "jenis_atap=ijuk": 0.00,
        "jenis_atap=seng": 0.03,
        "jenis_atap=asbes": 0.04,
        "jenis_atap=genteng": 0.05,
        "jenis_atap=beton": 0.12,
        "sumber_air_minum=mata_air": 0.01,
        "sumber_air_minum=sumur_tak_terlindung": 0.01,
        "sumber_air_minum=hujan": 0.02,
        "sumber_air_minum=sumur_terlindung": 0.04,
        "sumber_air_minum=ledeng": 0.08,
        "sumber_air_minum=kemasan": 0.10,
        "sumber_penerangan=non_pln": 0.01,
        "sumber_penerangan=pln_tanpa_meteran": 0.03,
        "sumber_penerangan=pln_meteran": 0.06,
        "daya_listrik_va=900": 0.05,
        "daya_listrik_va=1300": 0.12,
        "daya_listrik_va=2200": 0.20,
        "daya_listrik_va=3500": 0.30,
        "bahan_bakar_memasak=arang": 0.00,
        "bahan_bakar_memasak=minyak_tanah": 0.02,
        "bahan_bakar_memasak=gas_3kg": 0.05,
        "bahan_bakar_memasak=gas": 0.12,
        "bahan_bakar_memasak=listrik": 0.12,
        "bahan_bakar_memasak=tidak_memasak": 0.05,
        "fasilitas_bab=umum": 0.00,
        "fasilitas_bab=bersama": 0.02,
        "fasilitas_bab=sendiri": 0.06,
        "status_rumah=sewa": 0.04,
        "status_rumah=bebas_sewa": -0.02,
        "status_rumah=dinas": 0.05,
        "status_rumah=lainnya": 0.00,
        "kepala_pendidikan=sd": 0.03,
        "kepala_pendidikan=smp": 0.06,
        "kepala_pendidikan=sma": 0.12,
        "kepala_pendidikan=diploma": 0.20,
        "kepala_pendidikan=sarjana": 0.28,
    },
)


def predict_expr(model: PmtWeights) -> pl.Expr:
    """Predicted log consumption per capita as one expression over a base frame.

    Dummies of one column become a single lookup (``replace_strict``), so scoring a million households never
    materialises the design matrix."""
    numeric: list[pl.Expr] = []
    lookups: dict[str, dict[str, float]] = {}
    for name, weight in model.weights.items():
        if "=" in name:
            column, value = name.split("=", 1)
            lookups.setdefault(column, {})[value] = weight
        elif weight != 0.0:
            numeric.append(pl.col(name) * weight)
    terms = [pl.lit(model.intercept, dtype=pl.Float64), *numeric]
    for column, mapping in sorted(lookups.items()):
        terms.append(
            pl.col(column).replace_strict(
                list(mapping), list(mapping.values()), default=0.0, return_dtype=pl.Float64
            )
        )
    return pl.sum_horizontal(terms)


SCORE_DECIMALS = 6


def predict(base: pl.DataFrame, model: PmtWeights) -> pl.Series:
    """The PMT score of every row: predicted log consumption per capita, rounded to 6 decimals (what is stored)."""
    return base.select(predict_expr(model).round(SCORE_DECIMALS).alias("pmt_skor"))["pmt_skor"]


def national_desil(values: pl.Series) -> pl.Series:
    """Desil 1..10 by rank among all values: desil 1 = the lowest tenth.

    desil = floor((rank - 1) * 10 / n) + 1, with rank 1 for the lowest value. Equal values share the rank of the
    first of them ("min"), so identical households always land in the same desil, the lower one."""
    n = values.len()
    if n == 0:
        return pl.Series(values.name, [], dtype=pl.Int8)
    rank = values.rank("min").cast(pl.Int64)
    return (((rank - 1) * 10) // n + 1).cast(pl.Int8).alias("desil")


# --- errors at the desil-4 cut ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetingErrors:
    """How a PMT's desil <= 4 compares with the measured bottom 40%.

    inclusion error = wrongly included / selected (selected but not in the measured bottom 40%);
    exclusion error = wrongly excluded / poor (in the measured bottom 40% but placed above desil 4)."""

    households: int
    poor: int  # measured bottom 40%
    selected: int  # PMT desil <= 4
    included_wrongly: int
    excluded_wrongly: int

    @property
    def inclusion_error(self) -> float:
        return self.included_wrongly / self.selected if self.selected else 0.0

    @property
    def exclusion_error(self) -> float:
        return self.excluded_wrongly / self.poor if self.poor else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "households": self.households,
            "poor": self.poor,
            "selected": self.selected,
            "included_wrongly": self.included_wrongly,
            "excluded_wrongly": self.excluded_wrongly,
            "inclusion_error": round(self.inclusion_error, 4),
            "exclusion_error": round(self.exclusion_error, 4),
        }


def targeting_errors(pmt_desil: pl.Series, measured: pl.Series) -> TargetingErrors:
    """Errors of a PMT desil against measured consumption of the same households (the survey sample).

    The measured bottom 40% is the sample's own desil 1-4 by measured consumption (`national_desil` on the
    sample: the survey is the only measure of the national distribution there is)."""
    selected = pmt_desil <= TARGET_DESIL
    poor = national_desil(measured) <= TARGET_DESIL
    frame = pl.DataFrame({"s": selected, "p": poor})
    row = frame.select(
        n=pl.len(),
        poor=pl.col("p").sum(),
        selected=pl.col("s").sum(),
        inc=(pl.col("s") & ~pl.col("p")).sum(),
        exc=(pl.col("p") & ~pl.col("s")).sum(),
    ).row(0)
    return TargetingErrors(*(int(v or 0) for v in row))


# --- fitting ----------------------------------------------------------------------------------------------------

# Ridge term added to the diagonal of the centred normal equations: negligible against n x variance for any
# feature the sample shows, it keeps the system solvable when a dummy never occurs or the province dummies are
# collinear with the intercept, and it pulls the effect of a province with few surveyed households toward zero.
RIDGE = 10.0
MIN_SAMPLE = 100
MIN_PER_FOLD = 10


def _cholesky_solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Solve a x = b for a symmetric positive definite k x k matrix (k is small: pure Python is enough)."""
    k = len(a)
    low = [[0.0] * k for _ in range(k)]
    for i in range(k):
        for j in range(i + 1):
            s = a[i][j] - sum(low[i][p] * low[j][p] for p in range(j))
            if i == j:
                if s <= 0.0:
                    raise ValueError("Matriks normal PMT tidak definit positif")
                low[i][i] = math.sqrt(s)
            else:
                low[i][j] = s / low[j][j]
    y = [0.0] * k
    for i in range(k):
        y[i] = (b[i] - sum(low[i][p] * y[p] for p in range(i))) / low[i][i]
    x = [0.0] * k
    for i in reversed(range(k)):
        x[i] = (y[i] - sum(low[p][i] * x[p] for p in range(i + 1, k))) / low[i][i]
    return x


def fit_ols(x: pl.DataFrame, y: pl.Series, *, ridge: float = RIDGE) -> PmtWeights:
    """Least squares of y on the columns of x with an intercept (and the tiny ridge term, see RIDGE).

    The cross products of the centred columns are computed by Polars in one pass; the k x k system is solved by
    Cholesky. A feature that does not vary in the sample gets weight 0."""
    names = x.columns
    frame = x.with_columns(_y=y.cast(pl.Float64))
    means = frame.mean().row(0, named=True)
    centred = frame.select([(pl.col(c) - means[c]).alias(c) for c in (*names, "_y")])
    products: list[pl.Expr] = []
    for i, a in enumerate(names):
        products.append((pl.col(a) * pl.col("_y")).sum().alias(f"y|{i}"))
        for j in range(i + 1):
            products.append((pl.col(a) * pl.col(names[j])).sum().alias(f"{i}|{j}"))
    sums = centred.select(products).row(0, named=True)
    varying = [i for i in range(len(names)) if sums[f"{i}|{i}"] > 1e-12]
    k = len(varying)
    gram = [[0.0] * k for _ in range(k)]
    rhs = [0.0] * k
    for p, i in enumerate(varying):
        rhs[p] = sums[f"y|{i}"]
        for q, j in enumerate(varying[: p + 1]):
            value = sums[f"{max(i, j)}|{min(i, j)}"]
            gram[p][q] = gram[q][p] = value
        gram[p][p] += ridge
    solution = _cholesky_solve(gram, rhs) if k else []
    weights = dict.fromkeys(names, 0.0)
    for p, i in enumerate(varying):
        weights[names[i]] = solution[p]
    intercept = means["_y"] - sum(weights[n] * means[n] for n in names)
    return PmtWeights(intercept=intercept, weights=weights)


def fold_of(household_id: pl.Expr, folds: int) -> pl.Expr:
    """A household's cross-validation fold: a fixed multiplicative hash of its id (the same on every run)."""
    return ((household_id.cast(pl.Int64) * 2654435761) % 4294967296).rank("ordinal").cast(pl.Int64) % folds


@dataclass(frozen=True)
class FitQuality:
    r2: float
    rmse: float

    def as_dict(self) -> dict[str, float]:
        return {"r2": round(self.r2, 4), "rmse": round(self.rmse, 4)}


def fit_quality(y: pl.Series, predicted: pl.Series) -> FitQuality:
    frame = pl.DataFrame({"y": y.cast(pl.Float64), "p": predicted.cast(pl.Float64)})
    sse, sst, n = frame.select(
        sse=((pl.col("y") - pl.col("p")) ** 2).sum(),
        sst=((pl.col("y") - pl.col("y").mean()) ** 2).sum(),
        n=pl.len(),
    ).row(0)
    return FitQuality(r2=1.0 - sse / sst if sst else 0.0, rmse=math.sqrt(sse / n) if n else 0.0)


@dataclass(frozen=True)
class Assessment:
    """A model judged on the survey sample: fit of log consumption and errors at the desil-4 cut."""

    quality: FitQuality
    errors: TargetingErrors

    def as_dict(self) -> dict[str, Any]:
        return {**self.quality.as_dict(), **self.errors.as_dict()}


@dataclass(frozen=True)
class Calibration:
    """What `calibrate` found: the fitted model and how it and the current model do on the survey sample."""

    weights: PmtWeights
    sample: int  # surveyed households used (pengeluaran_per_kapita > 0)
    excluded_zero: int  # surveyed households with pengeluaran_per_kapita = 0 (no logarithm)
    folds: int
    features: list[str]
    before: Assessment  # the current model on the whole sample
    after: Assessment  # the new model, cross-validated: each household judged by a model that never saw it
    after_in_sample: Assessment  # the new model fitted on everything, judged on the same households
    extra: dict[str, Any] = field(default_factory=dict)

    def metrics(self) -> dict[str, Any]:
        return {
            "sample": self.sample,
            "excluded_zero": self.excluded_zero,
            "folds": self.folds,
            "features": len(self.features),
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
            "after_in_sample": self.after_in_sample.as_dict(),
        }


class CalibrationError(ValueError):
    """Calibration cannot run on this data; the message is for the clerk."""


def calibrate(
    base: pl.DataFrame, *, current: PmtWeights, folds: int = 5, ridge: float = RIDGE
) -> Calibration:
    """Fit the PMT on the surveyed households of ``base`` (all households, with pengeluaran_per_kapita) and
    compare it with ``current`` at the desil-4 cut.

    Every household of ``base`` is scored to place the surveyed ones in the national desil, exactly as
    `salur targeting score` would. The "after" errors are cross-validated: the sample is split into ``folds``
    parts; for each, a model fitted on the other parts scores every household and the part's households take
    their desil from that ranking. Raises CalibrationError when the sample is too small for the folds."""
    if folds < 2 or folds > 20:
        raise CalibrationError("Jumlah lipatan (--folds) harus antara 2 dan 20")
    surveyed = base.filter(pl.col("pengeluaran_per_kapita").is_not_null())
    zero = surveyed.filter(pl.col("pengeluaran_per_kapita") <= 0).height
    sample = surveyed.filter(pl.col("pengeluaran_per_kapita") > 0)
    need = max(MIN_SAMPLE, folds * MIN_PER_FOLD)
    if sample.height < need:
        raise CalibrationError(
            f"Terlalu sedikit keluarga dengan pengeluaran_per_kapita untuk kalibrasi: {sample.height}; "
            f"perlu paling sedikit {need}"
        )
    provinces = sorted(p for p in sample["provinsi"].unique().to_list() if p)
    names = fixed_feature_names() + [f"{PROVINCE}={p}" for p in provinces]
    sample = sample.with_columns(
        _y=pl.col("pengeluaran_per_kapita").cast(pl.Float64).log(),
        _fold=fold_of(pl.col("household_id"), folds),
    )
    y = sample["_y"]
    measured = sample["pengeluaran_per_kapita"]
    sample_ids = sample.select("household_id")

    def desil_of_sample(model: PmtWeights) -> pl.DataFrame:
        """National desil of every household under ``model``, kept for the surveyed ones (in sample order)."""
        ranked = base.select("household_id", desil=national_desil(predict(base, model)))
        return sample_ids.join(ranked, on="household_id", how="left", maintain_order="left")

    before = Assessment(
        fit_quality(y, predict(sample, current)),
        targeting_errors(desil_of_sample(current)["desil"], measured),
    )
    fitted = rounded_weights(fit_ols(design(sample, names), y, ridge=ridge))
    in_sample = Assessment(
        fit_quality(y, predict(sample, fitted)),
        targeting_errors(desil_of_sample(fitted)["desil"], measured),
    )
    held_out: list[pl.DataFrame] = []
    for f in range(folds):
        train = sample.filter(pl.col("_fold") != f)
        test = sample.filter(pl.col("_fold") == f)
        model = fit_ols(design(train, names), train["_y"], ridge=ridge)
        ranked = base.select("household_id", desil=national_desil(predict(base, model)))
        held_out.append(
            test.select("household_id", "_y", "pengeluaran_per_kapita", pmt=predict(test, model)).join(
                ranked, on="household_id", how="left", maintain_order="left"
            )
        )
    cv = pl.concat(held_out)
    after = Assessment(
        fit_quality(cv["_y"], cv["pmt"]), targeting_errors(cv["desil"], cv["pengeluaran_per_kapita"])
    )
    return Calibration(
        weights=fitted,
        sample=sample.height,
        excluded_zero=zero,
        folds=folds,
        features=names,
        before=before,
        after=after,
        after_in_sample=in_sample,
    )


# --- scoring ------------------------------------------------------------------------------------------------------


def score(base: pl.DataFrame, model: PmtWeights) -> pl.DataFrame:
    """household_id, pmt_skor (predicted log consumption per capita) and desil_pmt (national desil of all rows)."""
    scored = base.select("household_id", pmt_skor=predict(base, model))
    return scored.with_columns(desil_pmt=national_desil(scored["pmt_skor"]))


def rounded_weights(model: PmtWeights, digits: int = 6) -> PmtWeights:
    """The model as stored: weights rounded (a stored model scores exactly like its JSON)."""
    return PmtWeights(
        intercept=round(model.intercept, digits),
        weights={k: round(v, digits) for k, v in model.weights.items()},
    )


def describe(model: PmtWeights) -> list[tuple[str, str, float]]:
    """(name, Indonesian meaning, weight) of every feature of the model, in the documented order."""
    order = {n: i for i, n in enumerate(fixed_feature_names())}
    names: Iterable[str] = sorted(model.weights, key=lambda n: (order.get(n, len(order)), n))
    return [(n, feature_label(n), model.weights[n]) for n in names]
