"""Synthetic social-registry population for `salur synth` (contracts: registry-exchange.md, cli.md).

The generator writes keluarga.csv and anggota.csv in the exchange format plus its ground truth, so that the
importer, the PMT model, the cross-checks and the duplicate finder can be measured against known answers.

How it is built:

- Every column is computed with Polars expressions over whole frames; there is no per-person Python loop (the
  small loops run over categories, code lists and plant kinds). One million members take a few seconds.
- Randomness comes from a counter-based generator: SplitMix64 over (seed, stream name, row index), written as
  Polars integer expressions. A value depends only on the seed, the name of the stream that draws it and the
  row it belongs to, so the same arguments give byte-identical files, and a new stream never shifts the values
  of the others.
- Welfare is one latent log consumption per capita per household (regional effect + household noise); the
  housing, utility and asset proxies, the supplied desil and the survey consumption are all driven by it, so a
  PMT regression on the proxies finds real but imperfect signal (R^2 about one half).
- With ``dirty`` the generator plants problems with exact answers: one reject problem per planted row for
  every reject code of the contract, one flag per planted row for every flag code, near-duplicate persons,
  look-alikes that are not duplicates, and malformed rows in the reference lists. Each plant lives in its own
  household, so plants never interact; the truth files list exactly what a validator following the contract
  must find.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from statistics import NormalDist
from typing import Any

import polars as pl

REGION_DATA_DIR = Path(__file__).resolve().parents[2] / "regions" / "data"

# contract: registry-exchange.md, column tables (in the order of the tables)
KELUARGA_COLUMNS: tuple[str, ...] = (
    "no_kk",
    "kode_wilayah",
    "alamat",
    "rt",
    "rw",
    "luas_lantai_m2",
    "jenis_lantai",
    "jenis_dinding",
    "jenis_atap",
    "sumber_air_minum",
    "sumber_penerangan",
    "daya_listrik_va",
    "bahan_bakar_memasak",
    "fasilitas_bab",
    "status_rumah",
    "aset_kulkas",
    "aset_motor",
    "aset_mobil",
    "aset_ac",
    "aset_emas",
    "aset_lahan",
    "bank",
    "no_rekening",
    "desil",
    "pengeluaran_per_kapita",
    "tanggal_pendataan",
)
ANGGOTA_COLUMNS: tuple[str, ...] = (
    "nik",
    "no_kk",
    "nama",
    "jenis_kelamin",
    "tempat_lahir",
    "tanggal_lahir",
    "hubungan",
    "status_kawin",
    "pendidikan",
    "sekolah",
    "pekerjaan",
    "disabilitas",
    "hamil",
    "nama_ibu",
)
REJECT_CODES: tuple[str, ...] = (
    "KOLOM_WAJIB",
    "FORMAT_NIK",
    "FORMAT_KK",
    "TANGGAL_TIDAK_SAH",
    "NILAI_TIDAK_DIKENAL",
    "ANGKA_TIDAK_SAH",
    "WILAYAH_TIDAK_DIKENAL",
    "REKENING_TIDAK_SAH",
    "KK_GANDA",
    "NIK_GANDA",
    "KK_TIDAK_DIKENAL",
    "KK_DITOLAK",
)
FLAG_CODES: tuple[str, ...] = (
    "NIK_WILAYAH",
    "NIK_TGL_LAHIR",
    "NIK_JENIS_KELAMIN",
    "KEPALA_KELUARGA",
    "HAMIL_TIDAK_WAJAR",
)

# Survey window: every household was visited in 2024-2025 (never in the future of the data's users).
PENDATAAN_FIRST = dt.date(2024, 1, 2)
PENDATAAN_LAST = dt.date(2025, 12, 31)
# Deaths on the kematian list happen after the visit and before this date.
DEATHS_UNTIL = dt.date(2026, 10, 31)
# Near-duplicates are copied into other households whose visit may be as early as PENDATAAN_FIRST, so only
# people born well before it are copied (a copy must never be born after its new household's visit).
_COPYABLE_BORN_BEFORE = dt.date(2023, 12, 1)

# Serials 0001-9990 are used by the registry; 9991-9999 are kept for numbers that must not exist in it
# (a member's unknown no_kk, list rows whose nik is not in the registry).
_SERIAL_SPAN = 9990

# ----------------------------------------------------------------------------------------------------------
# Counter-based random numbers as Polars expressions
# ----------------------------------------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_MUL1 = 0xBF58476D1CE4E5B9
_MUL2 = 0x94D049BB133111EB


def _splitmix64(x: int) -> int:
    z = (x + _GOLDEN) & _MASK64
    z = ((z ^ (z >> 30)) * _MUL1) & _MASK64
    z = ((z ^ (z >> 27)) * _MUL2) & _MASK64
    return z ^ (z >> 31)


def _u64(value: int) -> pl.Expr:
    return pl.lit(value, dtype=pl.UInt64)


def _finalize(z: pl.Expr) -> pl.Expr:
    # SplitMix64's output function; u64 arithmetic in Polars wraps, and // 2**k is a logical right shift.
    z = z.xor(z // _u64(1 << 30)) * _u64(_MUL1)
    z = z.xor(z // _u64(1 << 27)) * _u64(_MUL2)
    return z.xor(z // _u64(1 << 31))


Weight = float | pl.Expr
IndexRef = str | pl.Expr


class _Rng:
    """Named random streams: ``rng.uniform("m:age", "_j")`` is a fixed function of (seed, name, row index)."""

    def __init__(self, seed: int) -> None:
        self._root = _splitmix64(_splitmix64(seed & _MASK64) ^ 0x53414C5552)

    def _key(self, stream: str) -> int:
        digest = int.from_bytes(hashlib.blake2b(stream.encode(), digest_size=8).digest(), "big")
        return _splitmix64(self._root ^ digest)

    def bits(self, stream: str, idx: IndexRef = "_i") -> pl.Expr:
        col = pl.col(idx) if isinstance(idx, str) else idx
        return _finalize(col.cast(pl.UInt64) * _u64(_GOLDEN) + _u64(self._key(stream)))

    def uniform(self, stream: str, idx: IndexRef = "_i") -> pl.Expr:
        """Uniform in [0, 1)."""
        return (self.bits(stream, idx) // _u64(1 << 11)).cast(pl.Float64) * (1.0 / (1 << 53))

    def normal(self, stream: str, idx: IndexRef = "_i") -> pl.Expr:
        """Standard normal (Box-Muller)."""
        u1 = self.uniform(stream + "/r", idx)
        u2 = self.uniform(stream + "/t", idx)
        return (-2.0 * (1.0 - u1).log()).sqrt() * (2.0 * math.pi * u2).cos()

    def below(self, stream: str, n: int | pl.Expr, idx: IndexRef = "_i") -> pl.Expr:
        """Integer in [0, n)."""
        n_expr = n if isinstance(n, pl.Expr) else pl.lit(n)
        return (self.uniform(stream, idx) * n_expr).floor().cast(pl.Int64)

    def digits(self, stream: str, length: int, idx: IndexRef = "_i") -> pl.Expr:
        """A string of ``length`` (at most 18) random decimal digits."""
        return (self.bits(stream, idx) % _u64(10**length)).cast(pl.String).str.zfill(length)

    def choice(self, stream: str, options: Sequence[tuple[Any, float]], idx: IndexRef = "_i") -> pl.Expr:
        """One of the labels, with probability proportional to its (constant) weight."""
        labels = pl.Series([label for label, _ in options])
        total = float(sum(w for _, w in options))
        cum, acc = [], 0.0
        for _, w in options[:-1]:
            acc += w / total
            cum.append(acc)
        cuts = pl.Series(cum, dtype=pl.Float64)
        return pl.lit(labels).gather(pl.lit(cuts).search_sorted(self.uniform(stream, idx), side="right"))


def _choose(
    frame: pl.DataFrame,
    name: str,
    rng: _Rng,
    stream: str,
    options: Sequence[tuple[Any, Weight]],
    idx: IndexRef = "_i",
) -> pl.DataFrame:
    """Add column ``name``: one of the labels with probability proportional to per-row weights.

    The weights are materialised once, so the cost grows with the number of labels, not its square. Rows whose
    weights are all zero get the last label."""
    labels = pl.Series([label for label, _ in options])
    wcols = [f"_w{i}" for i in range(len(options))]
    frame = frame.with_columns(
        [
            (w if isinstance(w, pl.Expr) else pl.lit(float(w))).cast(pl.Float64).alias(c)
            for (_, w), c in zip(options, wcols, strict=True)
        ]
    )
    frame = frame.with_columns(_target=rng.uniform(stream, idx) * pl.sum_horizontal(wcols))
    steps: list[pl.Expr] = []
    acc: pl.Expr | None = None
    for c in wcols[:-1]:
        acc = pl.col(c) if acc is None else acc + pl.col(c)
        steps.append((pl.col("_target") >= acc).cast(pl.UInt32))
    return frame.with_columns(pl.lit(labels).gather(pl.sum_horizontal(steps)).alias(name)).drop(
        *wcols, "_target"
    )


def _ordinal(score: pl.Expr, labels: Sequence[Any], shares: Sequence[float]) -> pl.Expr:
    """Cut a roughly standard-normal score into ordered categories with the given marginal shares."""
    nd = NormalDist()
    total = sum(shares)
    cuts, acc = [], 0.0
    for share in shares[:-1]:
        acc += share / total
        cuts.append(nd.inv_cdf(acc))
    return pl.lit(pl.Series(list(labels))).gather(
        pl.lit(pl.Series(cuts, dtype=pl.Float64)).search_sorted(score, side="right")
    )


def _table_choice(
    regime: pl.Expr, u: pl.Expr, labels: Sequence[str], table: Sequence[Sequence[float]]
) -> pl.Expr:
    """A label drawn from the probability row ``table[regime]`` (rows in the order of ``labels``)."""
    k = len(labels)
    flat: list[float] = []
    for row in table:
        total, acc = float(sum(row)), 0.0
        for p in row[:-1]:
            acc += p / total
            flat.append(acc)
    cuts = pl.Series(flat, dtype=pl.Float64)
    base = regime.cast(pl.Int64) * (k - 1)
    index = pl.sum_horizontal([(u >= pl.lit(cuts).gather(base + s)).cast(pl.UInt32) for s in range(k - 1)])
    return pl.lit(pl.Series(list(labels))).gather(index)


def _score(signal: pl.Expr, noise: pl.Expr, noise_sd: float) -> pl.Expr:
    return (signal + noise * noise_sd) / math.sqrt(1.0 + noise_sd**2)


def _days(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def _age_years(birth: pl.Expr, ref: pl.Expr) -> pl.Expr:
    """Completed years at ``ref`` (both Date expressions)."""
    before_birthday = (ref.dt.month().cast(pl.Int32) * 100 + ref.dt.day().cast(pl.Int32)) < (
        birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)
    )
    return ref.dt.year().cast(pl.Int32) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)


def _date_str(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%Y-%m-%d")


def _two(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.zfill(2)


# ----------------------------------------------------------------------------------------------------------
# Regions
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Regions:
    kab: pl.DataFrame  # kab_ord, kab4, prov2, nama, tempat, penduduk, kota, desa_start, desa_count
    desa: pl.DataFrame  # desa, kec6, kelurahan; sorted by desa so that each kabupaten is one block
    kecamatan: pl.Series  # current 6-digit kecamatan codes
    historis: pl.Series  # historical 6-digit kecamatan codes (valid NIK prefixes, no longer in the tree)
    provinsi: frozenset[str]


def _undot(col: str) -> pl.Expr:
    return pl.col(col).str.replace_all(".", "", literal=True)


@lru_cache(maxsize=1)
def _load_regions() -> _Regions:
    tree = pl.read_csv(REGION_DATA_DIR / "wilayah_2025.csv", infer_schema=False).with_columns(
        kode=_undot("kode"), level=pl.col("level").cast(pl.Int8)
    )
    desa = (
        tree.filter(pl.col("level") == 4)
        .select(
            desa=pl.col("kode"),
            kec6=pl.col("kode").str.slice(0, 6),
            kab4=pl.col("kode").str.slice(0, 4),
            # contract data README: first digit of the last four is 1 for a kelurahan (urban)
            kelurahan=pl.col("kode").str.slice(6, 1) == "1",
        )
        .sort("desa")
    )
    blocks = (
        desa.with_row_index("row")
        .group_by("kab4")
        .agg(desa_start=pl.col("row").min().cast(pl.Int64), desa_count=pl.len().cast(pl.Int64))
    )
    penduduk = (
        pl.read_csv(REGION_DATA_DIR / "penduduk_2024.csv", infer_schema=False)
        .with_columns(kode=_undot("kode"))
        .filter(pl.col("kode").str.len_chars() == 4)
        .select(kab4=pl.col("kode"), penduduk=pl.col("total").cast(pl.Int64))
    )
    kab = (
        tree.filter(pl.col("level") == 2)
        .select(kab4=pl.col("kode"), nama=pl.col("nama"), prov2=pl.col("kode").str.slice(0, 2))
        .join(penduduk, on="kab4", how="left")
        .join(blocks, on="kab4", how="inner")
        .with_columns(
            penduduk=pl.col("penduduk").fill_null(1),
            kota=pl.col("kab4").str.slice(2, 2).cast(pl.Int32) >= 71,
            tempat=pl.col("nama").str.replace(
                r"^(Kabupaten Administrasi|Kota Administrasi|Kabupaten|Kota)\s+", ""
            ),
        )
        .sort("kab4")
        .with_row_index("kab_ord")
    )
    kecamatan = tree.filter(pl.col("level") == 3)["kode"].sort()
    historis = (
        pl.read_csv(REGION_DATA_DIR / "kecamatan_historis.csv", infer_schema=False)
        .select(_undot("kode"))["kode"]
        .unique()
        .sort()
    )
    provinsi = frozenset(tree.filter(pl.col("level") == 1)["kode"].to_list())
    return _Regions(kab=kab, desa=desa, kecamatan=kecamatan, historis=historis, provinsi=provinsi)


def resolve_wilayah(wilayah: Sequence[str] | None) -> list[str]:
    """The 4-digit kabupaten/kota codes meant by provinsi or kabupaten/kota codes (dotted or not).

    Raises ValueError with a message for the clerk when a code is not a provinsi or kabupaten/kota."""
    regions = _load_regions()
    all_kab = regions.kab["kab4"].to_list()
    if not wilayah:
        return all_kab
    known = set(all_kab)
    chosen: set[str] = set()
    for raw in wilayah:
        code = str(raw).strip().replace(".", "")
        if len(code) == 2 and code in regions.provinsi:
            chosen.update(k for k in all_kab if k.startswith(code))
        elif len(code) == 4 and code in known:
            chosen.add(code)
        else:
            raise ValueError(
                f"Kode wilayah '{raw}' tidak dikenal: beri kode provinsi (mis. 33) atau kabupaten/kota "
                "(mis. 33.25 atau 3325) dari daftar wilayah 2025"
            )
    return sorted(chosen)


# ----------------------------------------------------------------------------------------------------------
# Names
# ----------------------------------------------------------------------------------------------------------

# Naming cultures; a household takes one, drawn from its province's mix.
JAWA, SUNDA, MELAYU, BATAK, BALI, TIMUR = range(6)
_PROVINCE_CULTURES: dict[str, dict[int, float]] = {
    "11": {MELAYU: 1.0},
    "12": {BATAK: 0.5, MELAYU: 0.38, JAWA: 0.12},
    "13": {MELAYU: 1.0},
    "14": {MELAYU: 0.75, JAWA: 0.15, BATAK: 0.1},
    "15": {MELAYU: 0.75, JAWA: 0.25},
    "16": {MELAYU: 0.8, JAWA: 0.2},
    "17": {MELAYU: 0.8, JAWA: 0.2},
    "18": {JAWA: 0.6, MELAYU: 0.3, SUNDA: 0.1},
    "19": {MELAYU: 0.9, JAWA: 0.1},
    "21": {MELAYU: 0.7, JAWA: 0.15, BATAK: 0.15},
    "31": {JAWA: 0.4, SUNDA: 0.2, MELAYU: 0.3, BATAK: 0.1},
    "32": {SUNDA: 0.85, JAWA: 0.15},
    "33": {JAWA: 1.0},
    "34": {JAWA: 1.0},
    "35": {JAWA: 1.0},
    "36": {SUNDA: 0.7, JAWA: 0.3},
    "51": {BALI: 0.85, JAWA: 0.15},
    "52": {MELAYU: 0.9, BALI: 0.1},
    "53": {TIMUR: 1.0},
    "61": {MELAYU: 0.6, TIMUR: 0.4},
    "62": {MELAYU: 0.6, JAWA: 0.2, TIMUR: 0.2},
    "63": {MELAYU: 0.85, JAWA: 0.15},
    "64": {MELAYU: 0.5, JAWA: 0.4, TIMUR: 0.1},
    "65": {MELAYU: 0.6, TIMUR: 0.4},
    "71": {TIMUR: 1.0},
    "72": {MELAYU: 0.8, TIMUR: 0.2},
    "73": {MELAYU: 1.0},
    "74": {MELAYU: 0.9, JAWA: 0.1},
    "75": {MELAYU: 1.0},
    "76": {MELAYU: 1.0},
    "81": {TIMUR: 0.6, MELAYU: 0.4},
    "82": {MELAYU: 0.8, TIMUR: 0.2},
    **{p: {TIMUR: 0.85, MELAYU: 0.1, JAWA: 0.05} for p in ("91", "92", "93", "94", "95", "96")},
}


def _w(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Pools per culture: m/f = given names, sm/sf = personal second names, fam = family names (shared by blood
# relatives; for Javanese, Sundanese and Malay households the male second names serve as such).
_NAME_POOLS: dict[tuple[int, str], tuple[str, ...]] = {
    (JAWA, "m"): _w(
        "Agus Bambang Budi Joko Slamet Sugeng Sutrisno Suparman Supriyadi Suyanto Sukardi Teguh Heru "
        "Hendro Purnomo Wahyu Dwi Tri Eko Bayu Dimas Aditya Yoga Sigit Wawan Yanto Gunawan Hartono "
        "Setiawan Nugroho Prasetyo Widodo Santoso Subagyo Sumarno Suwarno Rudi Arif Hadi Imam Rahmat Fajar "
        "Ilham Rizki Andi Gilang Galih Bagus Danang Anton Edi Iwan Kurniawan Ahmad Muhammad Muhamad "
        "Mohammad Moh. Yusuf Ridwan Taufik Anwar Sodikin Paimin Parjo Tukiman Darmaji Mulyono Riyanto "
        "Triyono Haryanto Sutarno Agung Catur Panji Satria Wisnu Aji Djoko Soetrisno Soekardi Tjahjono "
        "Achmad Hasan Husein"
    ),
    (JAWA, "f"): _w(
        "Sri Dewi Siti Rahayu Lestari Wulan Endang Sulastri Suryani Kartini Ningsih Sumiati Suparmi Tumini "
        "Sukarni Mulyani Winarti Murni Tuti Eni Yanti Rina Rini Yuli Fitri Indah Novi Ayu Putri Ratna Anik "
        "Asih Eka Wahyuni Purwanti Sugiarti Sumarni Sutinah Painem Tukinem Ngatini Partini Wartini Rukmini "
        "Darsih Kasmini Marsini Retno Puji Endah Setyowati Anisa Nur Nurul Dian Diah Maya Erna Susi Wiwik "
        "Yuni Ani Lina Sari Fatimah Aminah Aisyah Khadijah Zahra Nabila Salsabila Soekarni Tjitra"
    ),
    (JAWA, "sm"): _w(
        "Wibowo Santoso Susanto Nugroho Purnomo Setiawan Hartono Wijaya Kusuma Utomo Prasetyo Saputra "
        "Pratama Hidayat Gunawan Suharto Sudirman Wahyudi Kurniawan Firmansyah Ramadhan Effendi Hakim "
        "Rahman Hermawan Sulistyo Budiman Irawan Darmawan Suryadi Handoko Susilo Prabowo Nugraha Maulana "
        "Fauzi Pamungkas Raharjo Wicaksono Haryadi Kuncoro Riyadi Santosa Widodo Cahyono Suprapto Soeharto "
        "Djunaidi"
    ),
    (JAWA, "sf"): _w(
        "Lestari Rahayu Handayani Puspitasari Wulandari Sari Susanti Safitri Anggraini Kusumawati "
        "Wijayanti Permatasari Maharani Pratiwi Astuti Wahyuni Rahmawati Hidayati Novitasari Fitriani "
        "Kurniasih Setyaningsih Purwaningsih Ningrum Utami Amalia Oktaviani Septiani Yuliani Ramadhani"
    ),
    (SUNDA, "m"): _w(
        "Asep Ujang Dadang Cecep Yayan Deden Encep Jajang Dede Aep Engkus Ajat Nanang Dadan Endang Iwan "
        "Ade Dodi Ridwan Rahmat Hendra Agus Yusuf Ilham Rizki Fajar Ahmad Muhammad Firman Lukman Wawan "
        "Opik Tatang Maman Oman Udin Usep Didin Uus Cahya Jaka Galih Rendi Acep Aang Yoyo Dudung"
    ),
    (SUNDA, "f"): _w(
        "Euis Iis Neneng Enok Imas Nining Dede Yuyun Entin Eti Elis Nenden Titin Popon Lilis Ai Neng Rina "
        "Siti Sri Dewi Nur Yanti Wulan Rahayu Fitri Nurul Tuti Yeni Eneng Ela Lia Ika Rosita Rosmiati Nia "
        "Ratna Dian Anisa Cicih Onih Enah"
    ),
    (SUNDA, "sm"): _w(
        "Sukmana Permana Sopandi Kartika Saepudin Hidayat Rustandi Suryana Sutisna Setiawan Kusnadi "
        "Sunarya Mulyana Gunawan Nugraha Ruhiyat Sobari Sudrajat Supriatna Hermawan Rahmat Ramdani Firdaus "
        "Maulana Somantri Wiguna Wiranata Kurnia Kosasih Suherman"
    ),
    (SUNDA, "sf"): _w(
        "Nurhayati Rohayati Rahmawati Komalasari Sukaesih Suryani Nurjanah Setiawati Kurniasih Herawati "
        "Fitriani Handayani Sumiati Marlina Yulianti Wulandari Ratnasari Nurlela Maryam Aisyah"
    ),
    (MELAYU, "m"): _w(
        "Muhammad Ahmad Abdul Zulkifli Iskandar Hamdani Mukhlis Syahrial Khairul Mahmud Ismail Razali "
        "Fadli Safrizal Munawir Rahmat Rizal Fauzi Hasan Husein Ali Umar Usman Yusuf Ibrahim Ilham Fikri "
        "Azhar Zainal Syahrul Taufik Hendra Dedi Andi Arif Irwan Jufri Nasrul Darwis Amir Hamzah Rusli "
        "Syamsul Saiful Baharuddin Rudi Hidayat Firdaus Erwin Afrizal Yudi Budi Rizki Arman Sulaiman Agus "
        "Kamaruddin Ridho Mohammad M. Chairul Achmad Sjamsuddin"
    ),
    (MELAYU, "f"): _w(
        "Siti Nurul Rahmah Zuraida Mardhiah Rosnani Safriana Fauziah Husna Nurlaila Salmiah Aminah Fatimah "
        "Aisyah Khadijah Nurhayati Rosmawati Yusnidar Asmah Halimah Maimunah Zainab Rahmawati Nurjannah "
        "Sri Dewi Fitri Yuli Wati Lina Ani Juliana Yulia Desi Rini Riska Putri Indah Intan Cut Hasanah "
        "Maryam Laila Nur Khairunnisa Syarifah"
    ),
    (MELAYU, "sm"): _w(
        "Syahputra Nasution Harahap Lubis Tanjung Effendi Rahman Hakim Saputra Abdullah Hasibuan Siregar "
        "Daulay Pohan Batubara Rangkuti Ritonga Ibrahim Ismail Yusuf Hamid Rasyid Hasan Usman Anwar "
        "Hidayat Firmansyah Kurniawan Pratama Ramadhan Maulana Akbar Fadillah Rizal Syarif Amin Jamil "
        "Habibi Zulkarnain Daeng Latif"
    ),
    (MELAYU, "sf"): _w(
        "Wati Yanti Sari Hayati Rahmawati Yuliana Fitriani Marlina Susanti Handayani Ningsih Safitri "
        "Hasanah Amalia Aulia Nabila Syafitri Ramadhani Anggraini Oktaviani"
    ),
    (BATAK, "m"): _w(
        "Togar Parlindungan Hotman Binsar Sahat Poltak Martua Pardamean Tumpal Ronald Benny Jhonson Rudolf "
        "Daniel Hotma Bonar Janter Horas Mangasi Maruli Tigor Sabar Saut Torang Ucok Jonner Posma Robert "
        "Ferdinand Marojahan Manaek Bangun Jhon Anton Sondang Lamhot Halomoan Paian Rinto"
    ),
    (BATAK, "f"): _w(
        "Rosmawati Tiurma Romauli Lasma Nurhayati Dumaria Hotnida Rotua Ruth Debora Sarma Tiur Rismauli "
        "Hotmauli Nurmala Lamria Roslina Masta Tiarma Erna Rotama Herlina Melva Jelita Rosdiana Lenny "
        "Ester Friska Martha Rina Rini"
    ),
    (BATAK, "fam"): _w(
        "Siregar Simanjuntak Sitompul Hutapea Sihombing Situmorang Simatupang Panjaitan Pardede Sinaga "
        "Silalahi Manurung Sitorus Nainggolan Hutagalung Tambunan Pasaribu Hutabarat Simbolon Sianturi "
        "Napitupulu Marpaung Purba Saragih Damanik Ginting Sembiring Tarigan Lumbantobing Hasibuan "
        "Nasution Lubis Harahap Batubara Gultom Butarbutar Sirait Aritonang Samosir"
    ),
    (BALI, "m"): _w(
        "Sudarsana Artawan Wirawan Suardana Sutama Mahendra Adnyana Widiana Suarjana Budiarta Sudiarta "
        "Wiratama Arsana Darmawan Suyasa Parwata Yasa Merta Sukadana Astawa Suwena Mudana Karsana Sedana "
        "Wijaya Pradnyana Dharma Swastika Antara Mertayasa"
    ),
    (BALI, "f"): _w(
        "Sukerni Ariani Sumerti Suartini Sriasih Darmayanti Wahyuni Sukarmi Puspawati Suciati Ratnadi "
        "Sumiasih Widiastuti Suparni Murniasih Kartini Sulastri Ayu Astiti Mariani Sudarmi Paramita "
        "Rusmini Sugiantari Wiratni Kusumadewi Indrawati Anggreni Sari Juliani"
    ),
    (BALI, "order"): _w("Putu Wayan Gede Made Kadek Nyoman Komang Ketut"),
    (TIMUR, "m"): _w(
        "Yohanes Fransiskus Petrus Paulus Markus Yosef Agustinus Stefanus Yakobus Simon Melkias Elias "
        "Frans Kornelis Marthen Daniel Yulius Matius Lukas Andreas Filipus Thomas Benediktus Antonius "
        "Aloysius Dominikus Gabriel Mikael Yeremias Obed Hendrik Nikolas Sem Lambertus Piter Robert Alfons "
        "Kristian Herman"
    ),
    (TIMUR, "f"): _w(
        "Maria Yohana Magdalena Agustina Elisabeth Theresia Martha Yuliana Fransiska Veronika Kristina "
        "Margaretha Susana Ester Naomi Debora Rahel Sara Ribka Yosefina Anastasia Katarina Angela "
        "Florentina Paulina Bernadeta Monika Regina Lusia Helena Selvi Meri Yuli Dorkas Fince"
    ),
    (TIMUR, "fam"): _w(
        "Pattinama Wenda Rumbiak Lamba Manafe Ndun Tefa Sondakh Wakerkwa Kogoya Tabuni Mandacan Rumbewas "
        "Mayor Wanggai Kaize Yikwa Wonda Pigai Tebay Ratu Bili Nahak Seran Tallo Mau Bria Leki Pandie "
        "Tanesib Rumlus Latuheru Pattikawa Tuhumury Manuputty Sahetapy Lumentut Mandagi Kaunang Tumbelaka"
    ),
}
# Fill the gaps so that every (culture, kind) has a pool.
for _c in range(6):
    _NAME_POOLS.setdefault((_c, "sm"), _NAME_POOLS.get((_c, "fam"), _NAME_POOLS[(JAWA, "sm")]))
    _NAME_POOLS.setdefault((_c, "sf"), _NAME_POOLS.get((_c, "fam"), _NAME_POOLS[(JAWA, "sf")]))
    _NAME_POOLS.setdefault((_c, "fam"), _NAME_POOLS[(_c, "sm")])
    _NAME_POOLS.setdefault((_c, "order"), _NAME_POOLS[(BALI, "order")])

_POOL_KEYS = sorted(_NAME_POOLS)
_POOL_SERIES = pl.Series("pool", [name for key in _POOL_KEYS for name in _NAME_POOLS[key]], dtype=pl.String)
_POOL_SPANS: dict[tuple[int, str], tuple[int, int]] = {}
_offset = 0
for _key in _POOL_KEYS:
    _POOL_SPANS[_key] = (_offset, len(_NAME_POOLS[_key]))
    _offset += len(_NAME_POOLS[_key])

# Given names that are never used alone.
_NEEDS_SECOND = ("Muhammad", "Muhamad", "Mohammad", "Moh.", "M.", "Abdul", "Achmad", "Ahmad")
_MUHAMMAD_VARIANTS = ("Muhammad", "Mohammad", "Muhamad", "Moh.", "M.")
_COMMON_NAMES = {
    "L": ("Muhammad Rizki", "Agus Setiawan", "Budi Santoso", "Ahmad Fauzi", "Eko Prasetyo", "Muhammad Iqbal"),
    "P": ("Siti Aminah", "Sri Wahyuni", "Dewi Lestari", "Nur Hidayah", "Siti Fatimah", "Sri Rahayu"),
}
_TWIN_PARTNERS = {
    "Hasan": "Husein",
    "Husein": "Hasan",
    "Rina": "Rini",
    "Rini": "Rina",
    "Dian": "Diah",
    "Diah": "Dian",
    "Dwi": "Tri",
    "Tri": "Dwi",
    "Yuli": "Yuni",
    "Yuni": "Yuli",
    "Fajar": "Fajri",
    "Wulan": "Bulan",
}


def _bars(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


_STREETS = _bars(
    "Sudirman|Diponegoro|Ahmad Yani|Gatot Subroto|Merdeka|Pahlawan|Veteran|Kartini|Imam Bonjol|Hasanuddin|"
    "Pattimura|Teuku Umar|Gajah Mada|Hayam Wuruk|Pemuda|Pendidikan|Masjid|Pasar|Raya|Lintas|Poros|Saputra|"
    "Siregar|Harahap|Nugroho|Setiawan|Manurung|Kusuma|Sisingamangaraja|Cut Nyak Dien|Juanda|Sultan Agung|"
    "Kenanga|Melati|Mawar"
)
_LANES = _w("Mawar Melati Kenanga Anggrek Flamboyan Cempaka Dahlia Kamboja Nangka Mangga")
_DUSUN = _w(
    "Krajan Sukamaju Sukamulya Kidul Wetan Kulon Lor Mekarsari Sidomulyo Karanganyar Tegalsari Sumberrejo "
    "Margorejo Sukadamai Cibodas Sindangsari Mulyorejo Banjarsari Kebonagung Purwodadi"
)
_ESTATES = ("Griya Asri", "Bumi Indah", "Permata Hijau", "Taman Sari", "Puri Mandiri", "Graha Permai")


def _pick_name(kind: str, culture: pl.Expr, u: pl.Expr) -> pl.Expr:
    """A name of ``kind`` from the pool of each row's culture."""
    offset: Any = pl
    length: Any = pl
    for c in range(6):
        off, n = _POOL_SPANS[(c, kind)]
        offset = offset.when(culture == c).then(pl.lit(off))
        length = length.when(culture == c).then(pl.lit(n))
    offset = offset.otherwise(pl.lit(_POOL_SPANS[(JAWA, kind)][0]))
    length = length.otherwise(pl.lit(_POOL_SPANS[(JAWA, kind)][1]))
    return pl.lit(_POOL_SERIES).gather((offset + (u * length).floor()).cast(pl.Int64))


def _pick_from(values: Sequence[str], u: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(values, dtype=pl.String)).gather((u * len(values)).floor().cast(pl.Int64))


# ----------------------------------------------------------------------------------------------------------
# Households
# ----------------------------------------------------------------------------------------------------------

# Regional welfare: rough province offsets of log consumption per capita (BPS Susenas orders of magnitude).
_PROVINCE_EFFECT = {
    "11": -0.05,
    "12": 0.0,
    "13": 0.05,
    "14": 0.1,
    "15": 0.0,
    "16": -0.05,
    "17": -0.05,
    "18": -0.1,
    "19": 0.15,
    "21": 0.3,
    "31": 0.5,
    "32": 0.05,
    "33": -0.1,
    "34": 0.05,
    "35": -0.05,
    "36": 0.15,
    "51": 0.2,
    "52": -0.15,
    "53": -0.35,
    "61": -0.05,
    "62": 0.05,
    "63": 0.1,
    "64": 0.3,
    "65": 0.15,
    "71": 0.05,
    "72": -0.1,
    "73": -0.05,
    "74": -0.05,
    "75": -0.15,
    "76": -0.2,
    "81": -0.2,
    "82": -0.1,
    "91": -0.05,
    "92": -0.05,
    "93": -0.25,
    "94": -0.4,
    "95": -0.6,
    "96": -0.1,
}
_LC_BASE = math.log(1_000_000)  # median consumption per capita about Rp1 million a month
_LC_CENTER = 13.85
_LC_SCALE = 0.55
# mean about 3.85 members
_HOUSEHOLD_SIZES = (
    (1, 0.09),
    (2, 0.15),
    (3, 0.21),
    (4, 0.23),
    (5, 0.15),
    (6, 0.08),
    (7, 0.05),
    (8, 0.025),
    (9, 0.015),
)
_BANK_REKENING_LENGTH = {"BRI": 15, "BNI": 10, "MANDIRI": 13, "BSI": 10, "BTN": 16}


def _household_core(n: int, rng: _Rng, kab_codes: Sequence[str], stream: str) -> pl.DataFrame:
    """Region, size, head and spouse ages, visit date and latent welfare of ``n`` households."""
    regions = _load_regions()
    kab = (
        regions.kab.filter(pl.col("kab4").is_in(list(kab_codes)))
        .sort("kab4")
        # keyed by the national ordinal so that a kabupaten keeps its effect whatever the subset
        .with_columns(kab_eff=rng.normal("kab-effect", "kab_ord") * 0.08)
    )
    cum = kab["penduduk"].cast(pl.Float64).cum_sum() / float(kab["penduduk"].sum())
    base = pl.DataFrame({"_i": pl.int_range(0, n, dtype=pl.UInt64, eager=True)})
    pos = cum.search_sorted(base.select(rng.uniform(f"{stream}:kab")).to_series(), side="right")
    pos = pos.clip(upper_bound=kab.height - 1)
    picked = kab.select(pl.all().gather(pos)).drop("nama")
    frame = pl.concat([base, picked], how="horizontal")
    frame = frame.with_columns(
        desa_row=pl.col("desa_start") + rng.below(f"{stream}:desa", pl.col("desa_count")),
    )
    desa = regions.desa.select(pl.all().gather(frame["desa_row"])).drop("kab4")
    frame = pl.concat([frame, desa], how="horizontal")
    female_head_p = pl.when(pl.col("size") == 1).then(0.45).otherwise(0.12)
    frame = frame.with_columns(
        size=rng.choice(f"{stream}:size", _HOUSEHOLD_SIZES).cast(pl.Int32),
        pendataan=(
            pl.lit(_days(PENDATAAN_FIRST))
            + rng.below(f"{stream}:pendataan", (PENDATAAN_LAST - PENDATAAN_FIRST).days + 1)
        )
        .cast(pl.Int32)
        .cast(pl.Date),
        prov_eff=pl.col("prov2").replace_strict(_PROVINCE_EFFECT, default=0.0, return_dtype=pl.Float64),
    ).with_columns(
        urban=pl.col("kota") | pl.col("kelurahan"),
        lc=(
            _LC_BASE
            + pl.col("prov_eff")
            + pl.col("kab_eff")
            + 0.18 * pl.col("kota").cast(pl.Float64)
            + 0.10 * pl.col("kelurahan").cast(pl.Float64)
            - 0.07 * (pl.col("size").cast(pl.Float64) - 3.8)
            + 0.47 * rng.normal(f"{stream}:lc")
        ),
        head_female=rng.uniform(f"{stream}:head-sex") < female_head_p,
        head_age=pl.when(pl.col("size") == 1)
        .then(48.0 + 17.0 * rng.normal(f"{stream}:head-age"))
        .otherwise(44.0 + 12.0 * rng.normal(f"{stream}:head-age"))
        .clip(19.2, 90.0),
    )
    frame = frame.with_columns(
        z=(pl.col("lc") - _LC_CENTER) / _LC_SCALE,
        has_spouse=(pl.col("size") >= 2)
        & (rng.uniform(f"{stream}:spouse") < pl.when(pl.col("head_female")).then(0.06).otherwise(0.94)),
        spouse_age=(
            pl.col("head_age")
            + pl.when(pl.col("head_female")).then(4.0).otherwise(-4.0)
            + 4.0 * rng.normal(f"{stream}:spouse-age")
        )
        .clip(pl.col("head_age") - 15.0, pl.col("head_age") + 15.0)
        .clip(18.5, 95.0),
    )
    return frame


def _culture_options() -> list[tuple[int, pl.Expr]]:
    """Weights of each naming culture given the household's province."""
    options = []
    for c in range(6):
        mapping = {p: w.get(c, 0.0) for p, w in _PROVINCE_CULTURES.items()}
        default = 1.0 if c == JAWA else 0.0
        options.append((c, pl.col("prov2").replace_strict(mapping, default=default, return_dtype=pl.Float64)))
    return options


def _household_proxies(frame: pl.DataFrame, rng: _Rng) -> pl.DataFrame:
    """Housing, utilities, assets, bank account, address and visit details driven by latent welfare."""
    urban = pl.col("urban").cast(pl.Float64)
    frame = frame.with_columns(
        # what an enumerator can see: welfare blurred by household-specific taste and circumstance
        w=0.76 * pl.col("z") + 0.65 * rng.normal("h:w"),
        ord=rng.uniform("h:order"),
    )
    frame = _choose(frame, "culture", rng, "h:culture", _culture_options()).with_columns(
        pl.col("culture").cast(pl.Int8)
    )
    frame = _choose(
        frame,
        "status_rumah",
        rng,
        "h:status-rumah",
        [
            ("milik_sendiri", 0.80 - 0.2 * urban),
            ("sewa", 0.06 + 0.14 * urban),
            ("bebas_sewa", 0.08),
            ("dinas", 0.01 * (0.5 * pl.col("w")).exp()),
            ("lainnya", 0.02),
        ],
    )
    frame = _choose(
        frame,
        "alamat_kind",
        rng,
        "h:alamat-kind",
        [
            ("jalan", 0.4 + 0.15 * urban),
            ("gang", 0.1 + 0.15 * urban),
            ("dusun", 0.5 * (1.0 - urban)),
            ("perum", 0.2 * urban),
        ],
    )
    w = pl.col("w")

    def noise(name: str) -> pl.Expr:
        return rng.normal(f"h:{name}")

    frame = frame.with_columns(
        luas_lantai_m2=(
            (
                3.75
                + 0.30 * w
                + 0.08 * (pl.col("size").cast(pl.Float64) - 3.8)
                - 0.15 * urban
                + 0.35 * noise("luas")
            )
            .exp()
            .round(0)
            .clip(8, 600)
            .cast(pl.Int64)
        ),
        jenis_lantai=_ordinal(
            _score(w, noise("lantai"), 0.9),
            ["tanah", "bambu", "kayu", "semen", "ubin", "keramik"],
            [0.05, 0.02, 0.08, 0.22, 0.08, 0.55],
        ),
        jenis_dinding=_ordinal(
            _score(w, noise("dinding"), 1.0), ["bambu", "lainnya", "kayu", "tembok"], [0.05, 0.02, 0.13, 0.80]
        ),
        jenis_atap=_ordinal(
            _score(w, noise("atap"), 1.3),
            ["lainnya", "ijuk", "seng", "asbes", "genteng", "beton"],
            [0.02, 0.01, 0.33, 0.12, 0.48, 0.04],
        ),
        sumber_air_minum=_ordinal(
            _score(w + 0.4 * urban, noise("air"), 1.0),
            ["sungai", "mata_air", "sumur_tak_terlindung", "hujan", "sumur_terlindung", "ledeng", "kemasan"],
            [0.02, 0.07, 0.06, 0.03, 0.30, 0.10, 0.42],
        ),
        sumber_penerangan=_ordinal(
            _score(w + 0.5 * urban, noise("terang"), 1.0),
            ["tidak_ada", "non_pln", "pln_tanpa_meteran", "pln_meteran"],
            [0.004, 0.02, 0.04, 0.936],
        ),
        daya=_ordinal(
            _score(w, noise("daya"), 0.7), [450, 900, 1300, 2200, 3500], [0.28, 0.42, 0.18, 0.08, 0.04]
        ),
        masak=_ordinal(
            _score(w + 0.5 * urban, noise("masak"), 0.9),
            ["kayu_bakar", "arang", "minyak_tanah", "gas_3kg", "gas", "listrik"],
            [0.11, 0.005, 0.015, 0.76, 0.08, 0.03],
        ),
        tidak_memasak=rng.uniform("h:tidak-memasak")
        < pl.when(pl.col("size") == 1).then(0.08).otherwise(0.015) * (1.0 + urban),
        fasilitas_bab=_ordinal(
            _score(w, noise("bab"), 1.0),
            ["tidak_ada", "umum", "bersama", "sendiri"],
            [0.05, 0.03, 0.08, 0.84],
        ),
        aset_kulkas=_ordinal(_score(w + 0.3 * urban, noise("kulkas"), 0.8), [0, 1], [0.32, 0.68]),
        aset_motor=_ordinal(_score(w, noise("motor"), 1.2), [0, 1], [0.18, 0.82]),
        aset_mobil=_ordinal(_score(w, noise("mobil"), 0.7), [0, 1], [0.88, 0.12]),
        aset_ac=_ordinal(_score(w + 0.5 * urban, noise("ac"), 0.7), [0, 1], [0.90, 0.10]),
        aset_emas=_ordinal(_score(w, noise("emas"), 1.0), [0, 1], [0.82, 0.18]),
        aset_lahan=_ordinal(_score(0.3 * w - 0.8 * urban, noise("lahan"), 1.0), [0, 1], [0.65, 0.35]),
        # KKS accounts are opened for (mostly poorer) beneficiaries: about 60% of households
        has_bank=rng.uniform("h:has-bank") < (0.6 - 0.12 * pl.col("z")).clip(0.2, 0.95),
        # BSI pays in Aceh (Islamic banking law); elsewhere BRI holds most KKS accounts
        bank_any=pl.when(pl.col("prov2") == "11")
        .then(
            rng.choice(
                "h:bank", [("BRI", 0.12), ("BNI", 0.04), ("MANDIRI", 0.03), ("BSI", 0.80), ("BTN", 0.01)]
            )
        )
        .otherwise(
            rng.choice(
                "h:bank", [("BRI", 0.50), ("BNI", 0.20), ("MANDIRI", 0.15), ("BSI", 0.08), ("BTN", 0.07)]
            )
        ),
        rek_digits=rng.digits("h:rekening", 16),
        survey=rng.uniform("h:survey") < 0.05,
        rt=_two(1 + rng.below("h:rt", 3 + rng.below("h:rt-max", 20))).str.zfill(3),
        rw=_two(1 + rng.below("h:rw", 2 + rng.below("h:rw-max", 12))).str.zfill(3),
    )
    rek_len = pl.col("bank_any").replace_strict(_BANK_REKENING_LENGTH, return_dtype=pl.Int64)
    number = (1 + rng.below("h:alamat-no", 250)).cast(pl.String)
    alamat_kind = pl.col("alamat_kind")
    frame = frame.with_columns(
        daya_listrik_va=pl.when(pl.col("sumber_penerangan") == "pln_meteran")
        .then(pl.col("daya"))
        .otherwise(0),
        bahan_bakar_memasak=pl.when(pl.col("tidak_memasak"))
        .then(pl.lit("tidak_memasak"))
        .otherwise(pl.col("masak")),
        bank=pl.when(pl.col("has_bank")).then(pl.col("bank_any")),
        no_rekening=pl.when(pl.col("has_bank")).then(pl.col("rek_digits").str.slice(0, rek_len)),
        pengeluaran_per_kapita=pl.when(pl.col("survey")).then(
            ((pl.col("lc").exp() / 1000.0).round(0) * 1000).cast(pl.Int64)
        ),
        alamat=pl.when(alamat_kind == "jalan")
        .then(
            pl.concat_str(
                pl.lit("Jl. "), _pick_from(_STREETS, rng.uniform("h:street")), pl.lit(" No. "), number
            )
        )
        .when(alamat_kind == "gang")
        .then(
            pl.concat_str(pl.lit("Gg. "), _pick_from(_LANES, rng.uniform("h:lane")), pl.lit(" No. "), number)
        )
        .when(alamat_kind == "dusun")
        .then(pl.concat_str(pl.lit("Dusun "), _pick_from(_DUSUN, rng.uniform("h:dusun"))))
        .otherwise(
            pl.concat_str(
                pl.lit("Perum "),
                _pick_from(_ESTATES, rng.uniform("h:estate")),
                pl.lit(" Blok "),
                _pick_from(list("ABCDEFGH"), rng.uniform("h:blok")),
                pl.lit("-"),
                (1 + rng.below("h:blok-no", 30)).cast(pl.String),
            )
        ),
    )
    return frame


def _assign_desil(frame: pl.DataFrame, rng: _Rng, kab_codes: Sequence[str], national: bool) -> pl.DataFrame:
    """Desil supplied by the data authority for about 85% of households: the national decile of welfare seen
    through some measurement noise (1 = poorest tenth)."""
    noisy = pl.col("lc") + 0.2 * rng.normal("h:desil-noise")
    supplied = rng.uniform("h:desil-supplied") < 0.85
    if national:
        n = frame.height
        decile = ((noisy.rank("ordinal") - 1) * 10 // n + 1).cast(pl.Int64)
    else:
        # a subset of regions: cut at the deciles of a national reference population
        ref = _household_core(200_000, rng, _load_regions().kab["kab4"].to_list(), "ref")
        ref_noisy = ref.select(noisy.alias("v"))["v"]
        cuts = [float(ref_noisy.quantile(q / 10, interpolation="linear") or 0.0) for q in range(1, 10)]
        decile = pl.sum_horizontal([(noisy > c).cast(pl.Int64) for c in cuts]) + 1
    return frame.with_columns(desil=pl.when(supplied).then(decile))


# ----------------------------------------------------------------------------------------------------------
# Members
# ----------------------------------------------------------------------------------------------------------

_KAWIN_LABELS = ("belum_kawin", "kawin", "cerai_hidup", "cerai_mati")
_KAWIN_TABLE = (
    (0.0, 1.0, 0.0, 0.0),  # 0 married couple (head with spouse, pasangan, menantu)
    (0.50, 0.10, 0.30, 0.10),  # 1 woman heading a household alone, under 30
    (0.05, 0.10, 0.25, 0.60),  # 2 woman heading a household alone, 30 or more
    (0.75, 0.10, 0.10, 0.05),  # 3 man heading a household alone, under 30 (a wife may work away)
    (0.20, 0.25, 0.25, 0.30),  # 4 man heading a household alone, 30 or more
    (0.0, 0.25, 0.05, 0.70),  # 5 parent or parent-in-law of the head
    (1.0, 0.0, 0.0, 0.0),  # 6 under 17
    (0.90, 0.08, 0.02, 0.0),  # 7 17-24
    (0.55, 0.30, 0.10, 0.05),  # 8 25 or more, living with relatives
)
_EDU_LABELS = ("tidak_sekolah", "sd", "smp", "sma", "diploma", "sarjana")
_HOUSEHOLD_COLUMNS_FOR_MEMBERS = (
    "_i",
    "size",
    "head_female",
    "head_age",
    "has_spouse",
    "spouse_age",
    "pendataan",
    "w",
    "z",
    "urban",
    "culture",
    "kec6",
    "kab_ord",
    "tempat",
)


def _members(households: pl.DataFrame, rng: _Rng) -> pl.DataFrame:
    regions = _load_regions()
    m = (
        households.select(*_HOUSEHOLD_COLUMNS_FOR_MEMBERS, pos=pl.int_ranges(0, pl.col("size")))
        .explode("pos")
        .rename({"_i": "hh"})
        .with_row_index("_j")
        .with_columns(pl.col("_j").cast(pl.UInt64), pl.col("pos").cast(pl.Int32))
    )

    def u(name: str) -> pl.Expr:
        return rng.uniform(f"m:{name}", "_j")

    head_age = pl.col("head_age")
    spouse_age = pl.col("spouse_age")
    older = pl.when(pl.col("has_spouse")).then(pl.max_horizontal(head_age, spouse_age)).otherwise(head_age)
    younger = pl.when(pl.col("has_spouse")).then(pl.min_horizontal(head_age, spouse_age)).otherwise(head_age)
    second_generation = ((head_age - 42.0) / 15.0).clip(0.0, 1.0)
    m = _choose(
        m,
        "other_role",
        rng,
        "m:role",
        [
            ("anak", 1.0),
            ("orang_tua", pl.when(head_age < 62).then(0.05).otherwise(0.0)),
            ("mertua", pl.when(pl.col("has_spouse") & (spouse_age < 62)).then(0.03).otherwise(0.0)),
            ("cucu", 0.55 * second_generation),
            ("menantu", 0.12 * second_generation),
            ("famili_lain", 0.05),
            ("lainnya", 0.005),
        ],
        "_j",
    )
    m = m.with_columns(
        hubungan=pl.when(pl.col("pos") == 0)
        .then(pl.lit("kepala_keluarga"))
        .when((pl.col("pos") == 1) & pl.col("has_spouse"))
        .then(pl.lit("pasangan"))
        .otherwise(pl.col("other_role"))
    ).drop("other_role")
    role = pl.col("hubungan")
    ua = u("age")
    # children are 17.5-44.5 years younger than each parent living in the household
    child_lo = (older - 44.5).clip(lower_bound=0.0)
    child_hi = younger - 17.5
    in_law_lo = (head_age - 44.0).clip(lower_bound=18.0)
    in_law_hi = pl.max_horizontal(in_law_lo + 1.0, head_age - 18.0)
    age_f = (
        pl.when(role == "kepala_keluarga")
        .then(head_age)
        .when(role == "pasangan")
        .then(spouse_age)
        .when(role == "anak")
        .then(child_lo + ua * (child_hi - child_lo))
        .when(role == "orang_tua")
        .then(head_age + 18.5 + ua * ((97.0 - head_age).clip(upper_bound=44.5) - 18.5))
        .when(role == "mertua")
        .then(spouse_age + 18.5 + ua * ((97.0 - spouse_age).clip(upper_bound=44.5) - 18.5))
        .when(role == "cucu")
        .then(ua * (head_age - 37.0).clip(0.1, 25.0))
        .when(role == "menantu")
        .then(in_law_lo + ua * (in_law_hi - in_law_lo))
        .when(role == "famili_lain")
        .then(1.0 + ua * 79.0)
        .otherwise(15.0 + ua * 50.0)
    )
    us = u("sex")
    female = (
        pl.when(role == "kepala_keluarga")
        .then(pl.col("head_female"))
        .when(role == "pasangan")
        .then(~pl.col("head_female"))
        .when(role.is_in(["orang_tua", "mertua"]))
        .then(us < 0.7)
        .when(role == "menantu")
        .then(us < 0.75)
        .otherwise(us < 0.49)
    )
    m = m.with_columns(
        birth=(pl.col("pendataan").cast(pl.Int32) - (age_f * 365.2425).floor().cast(pl.Int32)).cast(pl.Date),
        female=female,
    ).with_columns(age=_age_years(pl.col("birth"), pl.col("pendataan")))
    age = pl.col("age")
    fem = pl.col("female")

    # marital status, drawn from a row of _KAWIN_TABLE chosen by role, sex and age
    regime = (
        pl.when(role.is_in(["pasangan", "menantu"]) | ((role == "kepala_keluarga") & pl.col("has_spouse")))
        .then(0)
        .when(role == "kepala_keluarga")
        .then(
            pl.when(fem)
            .then(pl.when(age < 30).then(1).otherwise(2))
            .otherwise(pl.when(age < 30).then(3).otherwise(4))
        )
        .when(role.is_in(["orang_tua", "mertua"]))
        .then(5)
        .when(age < 17)
        .then(6)
        .when(age < 25)
        .then(7)
        .otherwise(8)
    )
    status_kawin = _table_choice(regime, u("kawin"), _KAWIN_LABELS, _KAWIN_TABLE)

    # education: a final attainment level from welfare and birth cohort, capped by what the age allows
    nd = NormalDist()
    cohort = ((pl.col("birth").dt.year().cast(pl.Float64) - 2000.0) / 35.0).clip(upper_bound=0.3)
    edu_score = (0.7 * pl.col("w") + 0.8 * rng.normal("m:edu", "_j")) / math.sqrt(0.49 + 0.64) + cohort
    cuts = [nd.inv_cdf(c) for c in (0.03, 0.15, 0.35, 0.80, 0.86)]
    target_level = pl.sum_horizontal([(edu_score > c).cast(pl.Int32) for c in cuts])
    m = m.with_columns(status_kawin=status_kawin, target_level=target_level)
    level = pl.col("target_level")
    age_cap = (
        pl.when(age <= 12)
        .then(0)
        .when(age <= 15)
        .then(1)
        .when(age <= 18)
        .then(2)
        .when(age <= 20)
        .then(3)
        .when(age <= 22)
        .then(4)
        .otherwise(5)
    )
    paud_p = 0.3 + 0.3 / (1.0 + (-1.7 * pl.col("w")).exp())
    sekolah = (
        pl.when(age.is_between(4, 6) & (u("paud") < paud_p))
        .then(pl.lit("paud"))
        .when(age.is_between(7, 9) & ((level >= 1) | (u("sd-early") < 0.6)))
        .then(pl.lit("sd"))
        .when(age.is_between(10, 12) & (level >= 1))
        .then(pl.lit("sd"))
        .when(age.is_between(13, 15) & (level >= 2))
        .then(pl.lit("smp"))
        .when(age.is_between(16, 18) & (level >= 3))
        .then(pl.lit("sma"))
        .when(age.is_between(19, 20) & (level >= 4))
        .then(pl.lit("pt"))
        .when(age.is_between(21, 22) & (level >= 5))
        .then(pl.lit("pt"))
    )
    m = m.with_columns(
        pendidikan=pl.min_horizontal(level, age_cap).replace_strict(
            dict(enumerate(_EDU_LABELS)), return_dtype=pl.String
        ),
        sekolah=sekolah,
    )

    # occupation by age, sex, schooling, welfare and place
    wealth = pl.col("w")
    urb = pl.col("urban").cast(pl.Float64)
    male = ~fem
    working_age = age < 58
    married_woman = fem & (pl.col("status_kawin") != "belum_kawin")
    uniformed = male & age.is_between(18, 53)
    educated = pl.col("pendidikan").is_in(["sma", "diploma", "sarjana"]).cast(pl.Float64)

    def when_(cond: pl.Expr, value: pl.Expr | float) -> pl.Expr:
        return pl.when(cond).then(value).otherwise(0.0)

    m = _choose(
        m,
        "adult_job",
        rng,
        "m:pekerjaan",
        [
            (
                "petani",
                (0.22 * (1.0 - 0.8 * urb) * (1.2 - 0.3 * wealth.clip(-2, 2)))
                * pl.when(fem).then(0.45).otherwise(1.0),
            ),
            ("nelayan", when_(male & working_age, 0.03 * (1.0 - 0.5 * urb))),
            ("buruh", when_(working_age, pl.when(fem).then(0.07).otherwise(0.20))),
            ("pedagang", pl.when(working_age).then(0.10).otherwise(0.04)),
            (
                "wiraswasta",
                pl.when(working_age).then(pl.when(fem).then(0.05).otherwise(0.11)).otherwise(0.04),
            ),
            (
                "karyawan_swasta",
                when_(
                    working_age,
                    pl.when(fem).then(0.07).otherwise(0.13)
                    * (1.0 + 0.6 * urb)
                    * (1.0 + 0.25 * wealth.clip(-2, 2)),
                ),
            ),
            ("asn", when_(working_age & (age >= 20), 0.012 * (0.7 * wealth).exp() * (0.3 + educated))),
            ("tni", when_(uniformed, 0.004 * (0.4 * wealth).exp())),
            ("polri", when_(uniformed, 0.004 * (0.4 * wealth).exp())),
            ("ibu_rumah_tangga", when_(married_woman, pl.when(working_age).then(0.45).otherwise(0.3))),
            ("pensiunan", when_(~working_age, 0.06 * (0.8 * wealth).exp())),
            (
                "tidak_bekerja",
                pl.when(working_age).then(pl.when(age < 20).then(0.25).otherwise(0.05)).otherwise(0.45),
            ),
            ("lainnya", 0.03),
        ],
        "_j",
    )
    pekerjaan = (
        pl.when(age < 5)
        .then(pl.lit("tidak_bekerja"))
        .when(pl.col("sekolah") == "paud")
        .then(pl.lit("tidak_bekerja"))
        .when(pl.col("sekolah").is_not_null())
        .then(pl.lit("pelajar"))
        .when(age < 15)
        .then(pl.lit("tidak_bekerja"))
        .otherwise(pl.col("adult_job"))
    )
    disability_p = (
        0.018 + 0.0012 * (age - 30).clip(lower_bound=0) + 0.00008 * ((age - 60).clip(lower_bound=0) ** 2)
    ).cast(pl.Float64)
    ud = u("disabilitas")
    disabilitas = (
        pl.when(ud < disability_p * 0.35)
        .then(pl.lit("berat"))
        .when(ud < disability_p * 0.65)
        .then(pl.lit("sedang"))
        .when(ud < disability_p)
        .then(pl.lit("ringan"))
        .otherwise(pl.lit("tidak"))
    )
    # pregnant or postpartum: some married women aged 17-45 (about 3% of all women of that age)
    hamil = (fem & (pl.col("status_kawin") == "kawin") & age.is_between(17, 45) & (u("hamil") < 0.045)).cast(
        pl.Int8
    )
    m = m.with_columns(pekerjaan=pekerjaan, disabilitas=disabilitas, hamil=hamil).drop("adult_job")

    # names
    culture = pl.col("culture")
    blood = role.is_in(["kepala_keluarga", "anak", "cucu"]) | ((role == "orang_tua") & ~fem)
    family_culture = culture.is_in([BATAK, TIMUR])
    household_family = _pick_name("fam", culture, rng.uniform("h:family-name", "hh"))
    own_family = _pick_name("fam", culture, u("own-family"))
    personal_second = (
        pl.when(fem)
        .then(_pick_name("sf", culture, u("second")))
        .otherwise(_pick_name("sm", culture, u("second")))
    )
    first = (
        pl.when(fem)
        .then(_pick_name("f", culture, u("first")))
        .otherwise(_pick_name("m", culture, u("first")))
    )
    m = m.with_columns(n_first=first)
    two_words = (u("two-words") < 0.55) | pl.col("n_first").is_in(_NEEDS_SECOND)
    second = (
        pl.when(family_culture)
        .then(pl.when(blood).then(household_family).otherwise(own_family))
        .when(culture == BALI)
        .then(pl.lit(None, dtype=pl.String))
        .when(two_words)
        .then(pl.when(blood & (u("family-second") < 0.4)).then(household_family).otherwise(personal_second))
    )
    prefix = pl.when(culture == BALI).then(
        pl.concat_str(
            pl.when(fem).then(pl.lit("Ni")).otherwise(pl.lit("I")),
            pl.lit(" "),
            _pick_name("order", culture, u("birth-order")),
        )
    )
    m = m.with_columns(n_second=second, n_pre=prefix).with_columns(
        nama=pl.concat_str(["n_pre", "n_first", "n_second"], separator=" ", ignore_nulls=True)
    )
    mother_name = pl.col("nama").filter(role.is_in(["kepala_keluarga", "pasangan"]) & fem).first().over("hh")
    random_mother = _pick_name("f", culture, u("mother-name"))
    m = m.with_columns(_mother=mother_name).with_columns(
        # a child names the mother who lives in the household (mostly); others name someone from the pool
        nama_ibu=pl.when((role == "anak") & pl.col("_mother").is_not_null())
        .then(pl.when(u("ibu") < 0.85).then(pl.col("_mother")))
        .otherwise(pl.when(u("ibu-random") < 0.45).then(random_mother)),
    )

    # birthplace (often filled) and the kecamatan where the NIK was issued
    kab_tempat = regions.kab["tempat"]
    kec = regions.kecamatan
    hist = regions.historis
    moved = u("moved") < 0.03
    m = m.with_columns(
        tempat_lahir=pl.when(u("tempat") < 0.8).then(
            pl.when(u("tempat-other") < 0.15)
            .then(pl.lit(kab_tempat).gather(rng.below("m:tempat-kab", kab_tempat.len(), "_j")))
            .otherwise(pl.col("tempat"))
        ),
        nik_kec=pl.when(moved & (u("moved-hist") < 0.1))
        .then(pl.lit(hist).gather(rng.below("m:hist-kec", hist.len(), "_j")))
        .when(moved)
        .then(pl.lit(kec).gather(rng.below("m:other-kec", kec.len(), "_j")))
        .otherwise(pl.col("kec6")),
        is_copy=pl.lit(False),
    )
    return m.select(
        "_j",
        "hh",
        "pos",
        "hubungan",
        "female",
        "birth",
        "age",
        "status_kawin",
        "pendidikan",
        "sekolah",
        "pekerjaan",
        "disabilitas",
        "hamil",
        "n_pre",
        "n_first",
        "n_second",
        "nama",
        "nama_ibu",
        "tempat_lahir",
        "nik_kec",
        "culture",
        "is_copy",
    )


# ----------------------------------------------------------------------------------------------------------
# Identity numbers (domain.md section 4)
# ----------------------------------------------------------------------------------------------------------


# Strides coprime to 9990 (= 2 * 3^3 * 5 * 37): start + rank * stride (mod 9990) never repeats within a
# prefix.
_SERIAL_STRIDES = pl.Series(
    [p for p in range(7, 4000) if all(p % q for q in range(2, int(p**0.5) + 1)) and 9990 % p],
    dtype=pl.Int64,
)


def _serial(rng: _Rng, stream: str, prefix: str, order_idx: str) -> pl.Expr:
    """A 4-digit serial (0001-9990) unique within each 12-digit prefix (a UInt64 column): a per-prefix random
    start and stride, stepped by the rank of the row within its prefix."""
    bits = rng.bits(f"{stream}:start", prefix)
    start = (bits % _u64(_SERIAL_SPAN)).cast(pl.Int64)
    stride = pl.lit(_SERIAL_STRIDES).gather(
        ((bits // _u64(1 << 32)) % _u64(_SERIAL_STRIDES.len())).cast(pl.Int64)
    )
    rank = rng.uniform(f"{stream}:rank", order_idx).rank("ordinal").over(prefix).cast(pl.Int64) - 1
    return (1 + (start + rank * stride) % _SERIAL_SPAN).cast(pl.String).str.zfill(4)


def _with_nik_parts(m: pl.DataFrame) -> pl.DataFrame:
    day = pl.col("birth").dt.day().cast(pl.Int32)
    return m.with_columns(
        nik_day=day,
        nik_dd=day + 40 * pl.col("female").cast(pl.Int32),
        nik_mm=pl.col("birth").dt.month().cast(pl.Int32),
        nik_yy=pl.col("birth").dt.year().cast(pl.Int32) % 100,
    )


def _assign_nik(m: pl.DataFrame, rng: _Rng) -> pl.DataFrame:
    m = m.with_columns(
        _prefix=pl.col("nik_kec").cast(pl.UInt64) * 1_000_000
        + (pl.col("nik_dd") * 10_000 + pl.col("nik_mm") * 100 + pl.col("nik_yy")).cast(pl.UInt64)
    )
    return m.with_columns(
        nik=pl.concat_str(
            pl.col("_prefix").cast(pl.String).str.zfill(12), _serial(rng, "nik", "_prefix", "_j")
        )
    ).drop("_prefix")


def _assign_kk(h: pl.DataFrame, rng: _Rng) -> pl.DataFrame:
    # the card was issued in the kecamatan of the household, after the head turned 17 and before the visit
    span = ((pl.col("head_age") - 17.0) * 365.0).floor().cast(pl.Int64).clip(1, 6000)
    issued = (pl.col("pendataan").cast(pl.Int32) - rng.below("h:kk-issued", span).cast(pl.Int32)).cast(
        pl.Date
    )
    h = h.with_columns(
        _prefix=pl.col("kec6").cast(pl.UInt64) * 1_000_000
        + (
            issued.dt.day().cast(pl.Int32) * 10_000
            + issued.dt.month().cast(pl.Int32) * 100
            + issued.dt.year().cast(pl.Int32) % 100
        ).cast(pl.UInt64)
    )
    return h.with_columns(
        no_kk=pl.concat_str(
            pl.col("_prefix").cast(pl.String).str.zfill(12), _serial(rng, "kk", "_prefix", "_i")
        )
    ).drop("_prefix")


# ----------------------------------------------------------------------------------------------------------
# Dirty data: plants with exact answers
# ----------------------------------------------------------------------------------------------------------

_BREAKING_KK_CODES = (
    "KOLOM_WAJIB",
    "TANGGAL_TIDAK_SAH",
    "NILAI_TIDAK_DIKENAL",
    "ANGKA_TIDAK_SAH",
    "WILAYAH_TIDAK_DIKENAL",
    "REKENING_TIDAK_SAH",
)
_KK_PLANT_CODES = (*_BREAKING_KK_CODES, "FORMAT_KK", "KK_GANDA")
_MEMBER_PLANT_CODES = (
    "KOLOM_WAJIB",
    "FORMAT_NIK",
    "TANGGAL_TIDAK_SAH",
    "NILAI_TIDAK_DIKENAL",
    "NIK_GANDA",
    "KK_TIDAK_DIKENAL",
)
_MEMBER_FLAG_CODES = ("NIK_WILAYAH", "NIK_TGL_LAHIR", "NIK_JENIS_KELAMIN", "HAMIL_TIDAK_WAJAR")

_KK_BLANKABLE = (
    "jenis_dinding",
    "jenis_lantai",
    "sumber_air_minum",
    "status_rumah",
    "luas_lantai_m2",
    "fasilitas_bab",
)
_KK_UNKNOWN_VALUES = (
    ("jenis_lantai", "marmer"),
    ("jenis_atap", "daun"),
    ("sumber_air_minum", "pam"),
    ("bahan_bakar_memasak", "elpiji"),
    ("status_rumah", "kontrak"),
    ("fasilitas_bab", "jamban"),
    ("jenis_dinding", "papan"),
)
_MEMBER_BLANKABLE = ("nama", "status_kawin", "pendidikan", "pekerjaan", "disabilitas")
_MEMBER_UNKNOWN_VALUES = (
    ("jenis_kelamin", "X"),
    ("hubungan", "istri"),
    ("status_kawin", "nikah"),
    ("pendidikan", "s1"),
    ("pekerjaan", "guru"),
    ("disabilitas", "ya"),
    ("sekolah", "tk"),
)
# a misread digit (OCR-like), one-to-one so that two corrupted numbers never coincide
_DIGIT_AS_LETTER = {
    "0": "O",
    "1": "I",
    "2": "Z",
    "3": "E",
    "4": "A",
    "5": "S",
    "6": "G",
    "7": "T",
    "8": "B",
    "9": "P",
}


@dataclass
class _Plan:
    """Everything planted, keyed by household (_i / hh) or person (_j)."""

    kk_plants: pl.DataFrame  # _i, k_plant, k_variant
    member_plants: pl.DataFrame  # _j, m_plant, m_variant
    member_flags: pl.DataFrame  # _j, flag, f_variant
    kepala_flags: pl.DataFrame  # _i, kepala_variant
    duplicates: pl.DataFrame  # _j_a, _j_b
    lookalikes: pl.DataFrame  # _j_a, _j_b


_MORE_HOUSEHOLDS = "tambah --households (mis. 200 atau lebih)"


class _Allocator:
    """Hands out households in a random order, each to at most one plant, so that plants never interact."""

    def __init__(self, h: pl.DataFrame, m: pl.DataFrame, rng: _Rng) -> None:
        head = pl.col("hubungan") == "kepala_keluarga"
        facts = m.group_by("hh").agg(
            n_nonhead=(~head).sum(),
            has_anak=(pl.col("hubungan") == "anak").any(),
            # hamil = 1 would be unreasonable for them at the visit and at any later date: a man, a woman
            # over 55, a girl under 10 (age <= 6 at the visit stays under 10 until the end of 2026)
            hamil_candidate=(
                (~pl.col("female") & (pl.col("age") >= 12))
                | (pl.col("female") & ((pl.col("age") >= 60) | (pl.col("age") <= 6)))
            ).any(),
            copyable=(pl.col("birth") < _COPYABLE_BORN_BEFORE).any(),
        )
        self.frame = (
            h.select("_i", key=rng.uniform("plant:allocate"))
            .join(facts, left_on="_i", right_on="hh", how="left")
            .with_columns(taken=pl.lit(False), protected=pl.lit(False))
            .sort("key", "_i")
        )

    def take(
        self, count: int, what: str, eligible: pl.Expr | None = None, allow_protected: bool = False
    ) -> list[int]:
        cond = ~pl.col("taken")
        if not allow_protected:
            cond = cond & ~pl.col("protected")
        if eligible is not None:
            cond = cond & eligible
        chosen = self.frame.filter(cond).head(count)["_i"].to_list()
        if len(chosen) < count:
            raise ValueError(
                f"Terlalu sedikit rumah tangga untuk menanam {what} (--dirty): {_MORE_HOUSEHOLDS}"
            )
        self.mark(chosen)
        return chosen

    def available(self) -> list[int]:
        return self.frame.filter(~pl.col("taken"))["_i"].to_list()

    def mark(self, hh: Sequence[int]) -> None:
        self.frame = self.frame.with_columns(taken=pl.col("taken") | pl.col("_i").is_in(list(hh)))

    def protect(self, hh: Sequence[int]) -> None:
        self.frame = self.frame.with_columns(protected=pl.col("protected") | pl.col("_i").is_in(list(hh)))


def _pick_one_per_household(
    m: pl.DataFrame, hh: Sequence[int], cond: pl.Expr, rng: _Rng, stream: str
) -> pl.DataFrame:
    return (
        m.filter(pl.col("hh").is_in(list(hh)) & cond)
        .with_columns(_k=rng.uniform(stream, "_j"))
        .sort("_k", "_j")
        .unique("hh", keep="first", maintain_order=True)
        .drop("_k")
        .sort("hh")
    )


def _name_variant(rng: _Rng, idx: str) -> pl.Expr:
    """The name a clerk may have typed for the same person a second time."""
    nama = pl.col("nama")
    old_spelling = nama
    for a, b in (
        ("j", "dj"),
        ("J", "Dj"),
        ("ny", "nj"),
        ("Ny", "Nj"),
        ("sy", "sj"),
        ("Sy", "Sj"),
        ("c", "tj"),
        ("C", "Tj"),
        ("kh", "ch"),
        ("Kh", "Ch"),
        ("u", "oe"),
        ("U", "Oe"),
    ):
        old_spelling = old_spelling.str.replace_all(a, b, literal=True)
    new_spelling = nama
    for a, b in (
        ("oe", "u"),
        ("Oe", "U"),
        ("dj", "j"),
        ("Dj", "J"),
        ("tj", "c"),
        ("Tj", "C"),
        ("ch", "kh"),
        ("Ch", "Kh"),
        ("sj", "sy"),
        ("Sj", "Sy"),
    ):
        new_spelling = new_spelling.str.replace_all(a, b, literal=True)
    spelling = (
        pl.when(nama.str.contains("oe|Oe|dj|Dj|tj|Tj|ch|Ch|sj|Sj")).then(new_spelling).otherwise(old_spelling)
    )

    length = nama.str.len_chars().cast(pl.Int64)
    at = 1 + rng.below("dup:typo-at", (length - 2).clip(lower_bound=1), idx)
    # keep the typo inside a word: step back when the pair touches a space
    touches_space = (nama.str.slice(at, 1) == " ") | (nama.str.slice(at + 1, 1) == " ")
    k = pl.when(touches_space).then((at - 2).clip(lower_bound=1)).otherwise(at)
    swapped = pl.concat_str(
        nama.str.slice(0, k), nama.str.slice(k + 1, 1), nama.str.slice(k, 1), nama.str.slice(k + 2)
    )
    dropped = pl.concat_str(nama.str.slice(0, k), nama.str.slice(k + 1))
    typo = (
        pl.when((rng.uniform("dup:typo-kind", idx) < 0.5) & (swapped != nama))
        .then(swapped)
        .otherwise(dropped)
    )

    muslim = pl.col("culture").is_in([JAWA, SUNDA, MELAYU])
    haji = pl.concat_str(pl.when(pl.col("female")).then(pl.lit("Hj. ")).otherwise(pl.lit("H. ")), nama)
    ut = rng.below("dup:title-kind", 6, idx)
    academic = (
        pl.when(ut == 0)
        .then(pl.concat_str(pl.lit("Drs. "), nama))
        .when(ut == 1)
        .then(pl.concat_str(pl.lit("Ir. "), nama))
        .when(ut == 2)
        .then(pl.concat_str(pl.lit("Dr. "), nama))
        .when(ut == 3)
        .then(pl.concat_str(nama, pl.lit(", S.Pd")))
        .when(ut == 4)
        .then(pl.concat_str(nama, pl.lit(", S.E.")))
        .otherwise(pl.concat_str(nama, pl.lit(", S.H.")))
    )
    title = (
        pl.when(muslim & (pl.col("age") >= 35) & (rng.uniform("dup:haji", idx) < 0.6))
        .then(haji)
        .otherwise(academic)
    )

    father = _pick_name("m", pl.col("culture"), rng.uniform("dup:father", idx))
    bin_binti = pl.concat_str(
        nama, pl.when(pl.col("female")).then(pl.lit(" binti ")).otherwise(pl.lit(" bin ")), father
    )

    first_word = nama.str.split(" ").list.first()
    rest = nama.str.slice(first_word.str.len_chars() + 1)
    variants = pl.Series(_MUHAMMAD_VARIANTS, dtype=pl.String)
    position = first_word.replace_strict(
        {v: i for i, v in enumerate(_MUHAMMAD_VARIANTS)}, default=0, return_dtype=pl.Int64
    )
    other = pl.lit(variants).gather(
        (position + 1 + rng.below("dup:muhammad", 4, idx)) % len(_MUHAMMAD_VARIANTS)
    )
    muhammad = pl.when(first_word.is_in(_MUHAMMAD_VARIANTS)).then(
        pl.concat_str([other, rest], separator=" ").str.strip_chars()
    )

    kind = rng.choice(
        "dup:name-kind",
        [("sama", 0.2), ("ejaan", 0.16), ("gelar", 0.12), ("bin", 0.08), ("muhammad", 0.12), ("typo", 0.32)],
        idx,
    )
    return (
        pl.when(kind == "sama")
        .then(nama)
        .when(kind == "ejaan")
        .then(pl.when(spelling != nama).then(spelling).otherwise(typo))
        .when(kind == "gelar")
        .then(title)
        .when(kind == "bin")
        .then(bin_binti)
        .when(kind == "muhammad")
        .then(pl.coalesce(muhammad, typo))
        .otherwise(typo)
    )


def _plant_duplicates(
    h: pl.DataFrame, m: pl.DataFrame, rng: _Rng, alloc: _Allocator, count: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The same person registered twice under another NIK (about 1% of persons)."""
    kec = _load_regions().kecamatan
    hh = alloc.take(count, "duplikat", pl.col("copyable"))
    originals = _pick_one_per_household(m, hh, pl.col("birth") < _COPYABLE_BORN_BEFORE, rng, "dup:pick")
    by_kab = h.select("_i", "kab4").sort("kab4", "_i").with_row_index("r")
    blocks = by_kab.group_by("kab4").agg(
        start=pl.col("r").min().cast(pl.Int64), count=pl.len().cast(pl.Int64)
    )
    base = int(m["_j"].max()) + 1  # type: ignore[arg-type]
    d = (
        originals.with_row_index("d")
        .with_columns(pl.col("d").cast(pl.UInt64))
        .join(h.select(hh="_i", kab4="kab4"), on="hh", how="left")
        .join(blocks, on="kab4", how="left")
        .sort("d")
    )
    place = rng.choice("dup:place", [("sama", 0.25), ("kab", 0.45), ("lain", 0.30)], "d")
    target_row = (
        pl.when(place == "kab")
        .then(pl.col("start") + rng.below("dup:kab-target", pl.col("count"), "d"))
        .otherwise(rng.below("dup:any-target", by_kab.height, "d"))
    )
    identity = rng.choice("dup:identity", [("serial", 0.45), ("kecamatan", 0.30), ("tanggal", 0.25)], "d")
    other_kec_idx = rng.below("dup:kec", kec.len(), "d")
    other_kec = pl.lit(kec).gather(other_kec_idx)
    next_kec = pl.lit(kec).gather((other_kec_idx + 1) % kec.len())
    shift = pl.when(rng.uniform("dup:shift", "d") < 0.5).then(1).otherwise(-1)
    copies = d.with_columns(
        target=pl.when(place == "sama").then(pl.col("hh")).otherwise(pl.lit(by_kab["_i"]).gather(target_row)),
        new_nama=_name_variant(rng, "d"),
        new_birth=pl.when(identity == "tanggal")
        .then((pl.col("birth").cast(pl.Int32) + shift).cast(pl.Date))
        .otherwise(pl.col("birth")),
        new_kec=pl.when(identity == "kecamatan")
        .then(pl.when(other_kec == pl.col("nik_kec")).then(next_kec).otherwise(other_kec))
        .otherwise(pl.col("nik_kec")),
        new_hubungan=pl.when(place == "sama")
        .then(pl.when(pl.col("hubungan") == "anak").then(pl.lit("anak")).otherwise(pl.lit("famili_lain")))
        .otherwise(
            pl.when(rng.uniform("dup:lainnya", "d") < 0.2)
            .then(pl.lit("lainnya"))
            .otherwise(pl.lit("famili_lain"))
        ),
        new_tempat=pl.when(rng.uniform("dup:tempat", "d") < 0.3)
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.col("tempat_lahir")),
        new_j=(pl.lit(base, dtype=pl.UInt64) + pl.col("d")),
    )
    alloc.protect(copies["target"].to_list())
    rows = copies.select(
        _j=pl.col("new_j"),
        hh=pl.col("target"),
        pos=pl.lit(99, dtype=pl.Int32),
        hubungan=pl.col("new_hubungan"),
        **{c: pl.col(c) for c in ("female",)},
        birth=pl.col("new_birth"),
        age=pl.col("age"),
        **{
            c: pl.col(c)
            for c in (
                "status_kawin",
                "pendidikan",
                "sekolah",
                "pekerjaan",
                "disabilitas",
                "hamil",
                "n_pre",
                "n_first",
                "n_second",
            )
        },
        nama=pl.col("new_nama"),
        nama_ibu=pl.col("nama_ibu"),
        tempat_lahir=pl.col("new_tempat"),
        nik_kec=pl.col("new_kec"),
        culture=pl.col("culture"),
        is_copy=pl.lit(True),
    )
    pairs = copies.select(_j_a=pl.col("_j"), _j_b=pl.col("new_j"))
    return pl.concat([m, rows.select(m.columns)], how="vertical"), pairs


def _plant_twins(
    m: pl.DataFrame, rng: _Rng, alloc: _Allocator, count: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Twins in one household: same birth date and surname, different (sometimes very similar) first names."""
    hh = alloc.take(count, "kembar", pl.col("has_anak"), allow_protected=True)
    siblings = _pick_one_per_household(
        m, hh, (pl.col("hubungan") == "anak") & ~pl.col("is_copy"), rng, "twin:pick"
    )
    base = int(m["_j"].max()) + 1  # type: ignore[arg-type]
    t = siblings.with_row_index("t").with_columns(pl.col("t").cast(pl.UInt64))
    flip = rng.uniform("twin:sex", "t") < 0.3
    new_female = pl.col("female") ^ flip
    pick1 = (
        pl.when(new_female)
        .then(_pick_name("f", pl.col("culture"), rng.uniform("twin:first1", "t")))
        .otherwise(_pick_name("m", pl.col("culture"), rng.uniform("twin:first1", "t")))
    )
    pick2 = (
        pl.when(new_female)
        .then(_pick_name("f", pl.col("culture"), rng.uniform("twin:first2", "t")))
        .otherwise(_pick_name("m", pl.col("culture"), rng.uniform("twin:first2", "t")))
    )
    partner = pl.col("n_first").replace_strict(_TWIN_PARTNERS, default=None, return_dtype=pl.String)
    first = (
        pl.when(~flip & partner.is_not_null())
        .then(partner)
        .when(pick1 != pl.col("n_first"))
        .then(pick1)
        .when(pick2 != pl.col("n_first"))
        .then(pick2)
        .otherwise(pl.concat_str(pl.col("n_first"), pl.lit("ti")))
    )
    second = (
        pl.when(flip & pl.col("n_second").is_not_null() & ~pl.col("culture").is_in([BATAK, TIMUR]))
        .then(
            pl.when(new_female)
            .then(_pick_name("sf", pl.col("culture"), rng.uniform("twin:second", "t")))
            .otherwise(_pick_name("sm", pl.col("culture"), rng.uniform("twin:second", "t")))
        )
        .otherwise(pl.col("n_second"))
    )
    pre = pl.when(pl.col("n_pre").is_not_null()).then(
        pl.concat_str(
            pl.when(new_female).then(pl.lit("Ni")).otherwise(pl.lit("I")),
            pl.lit(" "),
            pl.col("n_pre").str.split(" ").list.last(),
        )
    )
    twins = t.with_columns(
        _j=pl.lit(base, dtype=pl.UInt64) + pl.col("t"),
        pos=pl.lit(98, dtype=pl.Int32),
        female=new_female,
        n_pre=pre,
        n_first=first,
        n_second=second,
        hamil=pl.lit(0, dtype=pl.Int8),
        pekerjaan=pl.when(flip & (pl.col("pekerjaan") == "ibu_rumah_tangga"))
        .then(pl.lit("tidak_bekerja"))
        .otherwise(pl.col("pekerjaan")),
    ).with_columns(nama=pl.concat_str(["n_pre", "n_first", "n_second"], separator=" ", ignore_nulls=True))
    pairs = t.select(_j_a=pl.col("_j"), _j_b=pl.lit(base, dtype=pl.UInt64) + pl.col("t"))
    return pl.concat([m, twins.select(m.columns)], how="vertical"), pairs


def _plant_common_names(
    h: pl.DataFrame, m: pl.DataFrame, rng: _Rng, alloc: _Allocator, count: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two different people with a very common name and the same birth date, in different kabupaten."""
    available = alloc.available()
    heads = (
        m.filter(
            (pl.col("hubungan") == "kepala_keluarga")
            & pl.col("age").is_between(25, 60)
            & (pl.col("hamil") == 0)
            & ~pl.col("is_copy")
            & pl.col("hh").is_in(available)
        )
        .join(h.select(hh="_i", kab4="kab4"), on="hh", how="left")
        .sort("female", "birth", "_j")
    )
    a = heads.gather_every(2, 0)
    b = heads.gather_every(2, 1)
    n = min(a.height, b.height)
    pairs = (
        pl.concat(
            [
                a.head(n).select("_j", "hh", "female", "birth", "kab4", "nama"),
                b.head(n).select("_j", "hh", "female", "birth", "kab4", "nama").rename(lambda c: c + "_b"),
            ],
            how="horizontal",
        )
        .filter(
            (pl.col("female") == pl.col("female_b"))
            & (pl.col("kab4") != pl.col("kab4_b"))
            & ((pl.col("birth_b").cast(pl.Int32) - pl.col("birth").cast(pl.Int32)).abs() <= 200)
        )
        .with_columns(_k=rng.uniform("common:pick", "_j"))
        .sort("_k", "_j")
        .head(count)
        .drop("_k")
    )
    if pairs.height < min(count, 3):
        raise ValueError(
            f"Terlalu sedikit rumah tangga untuk menanam nama umum (--dirty): {_MORE_HOUSEHOLDS}"
        )
    alloc.mark(pairs["hh"].to_list() + pairs["hh_b"].to_list())
    male_names = pl.Series(_COMMON_NAMES["L"], dtype=pl.String)
    female_names = pl.Series(_COMMON_NAMES["P"], dtype=pl.String)
    k = rng.below("common:name", len(male_names), "_j")
    pairs = pairs.with_columns(
        common=pl.when(pl.col("female"))
        .then(pl.lit(female_names).gather(k))
        .otherwise(pl.lit(male_names).gather(k))
    )
    renames = pl.concat(
        [
            pairs.select(
                _j=pl.col("_j"),
                hh=pl.col("hh"),
                old=pl.col("nama"),
                common=pl.col("common"),
                same_birth=pl.col("birth"),
            ),
            pairs.select(
                _j=pl.col("_j_b"),
                hh=pl.col("hh_b"),
                old=pl.col("nama_b"),
                common=pl.col("common"),
                same_birth=pl.col("birth"),
            ),
        ]
    )
    m = m.join(renames.select("_j", "common", "same_birth"), on="_j", how="left", maintain_order="left")
    m = m.with_columns(
        nama=pl.coalesce("common", "nama"),
        birth=pl.coalesce("same_birth", "birth"),
    ).drop("common", "same_birth")
    # children who name a renamed mother follow the new name
    mothers = renames.select("hh", "old", new_mother="common")
    m = (
        m.join(mothers, on="hh", how="left", maintain_order="left")
        .with_columns(
            nama_ibu=pl.when(pl.col("nama_ibu") == pl.col("old"))
            .then(pl.col("new_mother"))
            .otherwise(pl.col("nama_ibu"))
        )
        .drop("old", "new_mother")
    )
    return m, pairs.select(_j_a=pl.col("_j"), _j_b=pl.col("_j_b"))


def _variants(frame: pl.DataFrame, code_col: str, variant_col: str) -> pl.DataFrame:
    """Number the plants of each code 0, 1, 2, ... so that every variant of a code is used in turn."""
    return frame.with_columns(pl.int_range(pl.len()).over(code_col).cast(pl.Int32).alias(variant_col))


def _plan_dirty(h: pl.DataFrame, m: pl.DataFrame, rng: _Rng) -> tuple[pl.DataFrame, _Plan]:
    n_households = h.height
    n_members = m.height
    alloc = _Allocator(h, m, rng)

    m, duplicates = _plant_duplicates(h, m, rng, alloc, max(3, round(0.01 * n_members)))
    m, twins = _plant_twins(m, rng, alloc, max(3, round(0.002 * n_households)))
    m, common = _plant_common_names(h, m, rng, alloc, max(3, round(0.0005 * n_members)))

    per_kk = max(3, round(0.0003 * n_households))
    per_member = max(3, round(0.0002 * n_members))
    kk_rows = []
    for code in _KK_PLANT_CODES:
        chosen = alloc.take(per_kk, code)
        kk_rows.append(
            pl.DataFrame(
                {"_i": chosen, "k_plant": [code] * len(chosen)},
                schema={"_i": pl.UInt64, "k_plant": pl.String},
            )
        )
    kk_plants = _variants(pl.concat(kk_rows), "k_plant", "k_variant")

    member_rows = []
    non_head = pl.col("hubungan") != "kepala_keluarga"
    for code in _MEMBER_PLANT_CODES:
        chosen = alloc.take(per_member, code, pl.col("n_nonhead") >= 1)
        picked = _pick_one_per_household(m, chosen, non_head, rng, f"plant:{code}")
        member_rows.append(picked.select("_j", m_plant=pl.lit(code)))
    member_plants = _variants(pl.concat(member_rows), "m_plant", "m_variant")

    flag_rows = []
    for code in _MEMBER_FLAG_CODES:
        if code == "HAMIL_TIDAK_WAJAR":
            chosen = alloc.take(per_member, code, pl.col("hamil_candidate"))
            cond = (~pl.col("female") & (pl.col("age") >= 12)) | (
                pl.col("female") & ((pl.col("age") >= 60) | (pl.col("age") <= 6))
            )
        else:
            chosen = alloc.take(per_member, code)
            cond = pl.lit(True)
        picked = _pick_one_per_household(m, chosen, cond, rng, f"flag:{code}")
        flag_rows.append(picked.select("_j", flag=pl.lit(code)))
    member_flags = _variants(pl.concat(flag_rows), "flag", "f_variant")

    per_head = max(3, round(0.0003 * n_households))
    no_head = alloc.take((per_head + 1) // 2, "KEPALA_KELUARGA")
    two_heads = alloc.take(per_head // 2, "KEPALA_KELUARGA", pl.col("n_nonhead") >= 1)
    kepala_flags = pl.DataFrame(
        {"_i": no_head + two_heads, "kepala_variant": [0] * len(no_head) + [1] * len(two_heads)},
        schema={"_i": pl.UInt64, "kepala_variant": pl.Int32},
    )
    plan = _Plan(
        kk_plants=kk_plants,
        member_plants=member_plants,
        member_flags=member_flags,
        kepala_flags=kepala_flags,
        duplicates=duplicates,
        lookalikes=pl.concat([twins, common]),
    )
    return m, plan


def _apply_flags(m: pl.DataFrame, plan: _Plan, rng: _Rng) -> pl.DataFrame:
    """Flag plants change what the NIK encodes (before serials are given) or the row's own values."""
    m = m.join(plan.member_flags, on="_j", how="left", maintain_order="left").join(
        plan.kepala_flags.rename({"_i": "hh"}), on="hh", how="left", maintain_order="left"
    )
    flag = pl.col("flag")
    variant = pl.col("f_variant") % 3
    m = m.with_columns(
        nik_kec=pl.when(flag == "NIK_WILAYAH")
        .then(pl.concat_str(pl.lit("99"), rng.digits("flag:kec", 4, "_j")))
        .otherwise(pl.col("nik_kec")),
        nik_yy=pl.when((flag == "NIK_TGL_LAHIR") & (variant == 0))
        .then((pl.col("nik_yy") + 1) % 100)
        .otherwise(pl.col("nik_yy")),
        nik_mm=pl.when((flag == "NIK_TGL_LAHIR") & (variant == 1))
        .then(pl.col("nik_mm") % 12 + 1)
        .otherwise(pl.col("nik_mm")),
        nik_dd=pl.when((flag == "NIK_TGL_LAHIR") & (variant == 2))
        .then(pl.col("nik_day") % 28 + 1 + 40 * pl.col("female").cast(pl.Int32))
        .when(flag == "NIK_JENIS_KELAMIN")
        .then(pl.when(pl.col("female")).then(pl.col("nik_day")).otherwise(pl.col("nik_day") + 40))
        .otherwise(pl.col("nik_dd")),
        hamil=pl.when(flag == "HAMIL_TIDAK_WAJAR").then(pl.lit(1, dtype=pl.Int8)).otherwise(pl.col("hamil")),
        hubungan=pl.when((pl.col("kepala_variant") == 0) & (pl.col("pos") == 0))
        .then(pl.lit("famili_lain"))
        .when((pl.col("kepala_variant") == 1) & (pl.col("pos") == 1))
        .then(pl.lit("kepala_keluarga"))
        .otherwise(pl.col("hubungan")),
    )
    return m.drop("kepala_variant")


def _corrupt(frame: pl.DataFrame, edits: dict[str, list[tuple[pl.Expr, pl.Expr]]]) -> pl.DataFrame:
    exprs = []
    for col, cases in edits.items():
        expr: Any = pl
        for cond, value in cases:
            expr = expr.when(cond).then(value)
        exprs.append(expr.otherwise(pl.col(col)).alias(col))
    return frame.with_columns(exprs)


def _letter_in(col: str) -> pl.Expr:
    return pl.concat_str(
        pl.col(col).str.slice(0, 10),
        pl.col(col).str.slice(10, 1).replace_strict(_DIGIT_AS_LETTER, return_dtype=pl.String),
        pl.col(col).str.slice(11),
    )


def _apply_kk_rejects(k: pl.DataFrame, rng: _Rng) -> pl.DataFrame:
    plant = pl.col("k_plant")
    v = pl.col("k_variant")
    null = pl.lit(None, dtype=pl.String)
    edits: dict[str, list[tuple[pl.Expr, pl.Expr]]] = {c: [] for c in KELUARGA_COLUMNS}
    for i, col in enumerate(_KK_BLANKABLE):
        edits[col].append(((plant == "KOLOM_WAJIB") & (v % len(_KK_BLANKABLE) == i), null))
    for i, (col, value) in enumerate(_KK_UNKNOWN_VALUES):
        edits[col].append(
            ((plant == "NILAI_TIDAK_DIKENAL") & (v % len(_KK_UNKNOWN_VALUES) == i), pl.lit(value))
        )
    tgl = pl.col("tanggal_pendataan")
    year, month, day = tgl.str.slice(0, 4), tgl.str.slice(5, 2), tgl.str.slice(8, 2)
    is_tgl = plant == "TANGGAL_TIDAK_SAH"
    edits["tanggal_pendataan"] += [
        (is_tgl & (v % 4 == 0), pl.concat_str(year, pl.lit("-02-30"))),
        (is_tgl & (v % 4 == 1), pl.concat_str(year, pl.lit("-"), month, pl.lit("-32"))),
        (is_tgl & (v % 4 == 2), pl.concat_str(year, pl.lit("-13-"), day)),
        (is_tgl & (v % 4 == 3), pl.concat_str(day, pl.lit("-"), month, pl.lit("-"), year)),
    ]
    is_angka = plant == "ANGKA_TIDAK_SAH"
    edits["luas_lantai_m2"] += [
        (is_angka & (v % 3 == 0), pl.concat_str(pl.lit("-"), pl.col("luas_lantai_m2"))),
        (is_angka & (v % 3 == 1), pl.concat_str(pl.col("luas_lantai_m2"), pl.lit(" m2"))),
    ]
    edits["pengeluaran_per_kapita"].append(
        (
            is_angka & (v % 3 == 2),
            pl.concat_str(pl.lit("-"), (1 + rng.below("rej:pengeluaran", 30, "_i")) * 50_000),
        )
    )
    is_wil = plant == "WILAYAH_TIDAK_DIKENAL"
    edits["kode_wilayah"] += [
        (is_wil & (v % 2 == 0), pl.lit("9999999999")),
        (is_wil & (v % 2 == 1), pl.concat_str(pl.col("kode_wilayah").str.slice(0, 6), pl.lit("0000"))),
    ]
    is_rek = plant == "REKENING_TIDAK_SAH"
    bank_or_bri = pl.coalesce(pl.col("bank"), pl.lit("BRI"))
    some_rek = pl.coalesce(pl.col("no_rekening"), rng.digits("rej:rekening", 12, "_i"))
    edits["bank"] += [
        (is_rek & (v % 4 == 0), bank_or_bri),
        (is_rek & (v % 4 == 1), null),
        (is_rek & (v % 4 >= 2), bank_or_bri),
    ]
    edits["no_rekening"] += [
        (is_rek & (v % 4 == 0), null),
        (is_rek & (v % 4 == 1), some_rek),
        (is_rek & (v % 4 == 2), rng.digits("rej:rekening-short", 9, "_i")),
        (is_rek & (v % 4 == 3), rng.digits("rej:rekening-long", 17, "_i")),
    ]
    is_format = plant == "FORMAT_KK"
    edits["no_kk"] += [
        (is_format & (v % 2 == 0), _letter_in("no_kk")),
        (is_format & (v % 2 == 1), pl.col("no_kk").str.slice(0, 15)),
    ]
    k = _corrupt(k, {c: e for c, e in edits.items() if e})
    # a truncated number may coincide with another truncated one: such rows get the one-to-one letter instead
    clash = is_format & (pl.col("no_kk").str.len_chars() == 15) & pl.col("no_kk").is_duplicated()
    k = k.with_columns(no_kk=pl.when(clash).then(_letter_in("_no_kk_clean")).otherwise(pl.col("no_kk")))
    return k


def _apply_member_rejects(a: pl.DataFrame, rng: _Rng) -> pl.DataFrame:
    plant = pl.col("m_plant")
    v = pl.col("m_variant")
    null = pl.lit(None, dtype=pl.String)
    edits: dict[str, list[tuple[pl.Expr, pl.Expr]]] = {c: [] for c in ANGGOTA_COLUMNS}
    for i, col in enumerate(_MEMBER_BLANKABLE):
        edits[col].append(((plant == "KOLOM_WAJIB") & (v % len(_MEMBER_BLANKABLE) == i), null))
    for i, (col, value) in enumerate(_MEMBER_UNKNOWN_VALUES):
        edits[col].append(
            ((plant == "NILAI_TIDAK_DIKENAL") & (v % len(_MEMBER_UNKNOWN_VALUES) == i), pl.lit(value))
        )
    tgl = pl.col("tanggal_lahir")
    year, month, day = tgl.str.slice(0, 4), tgl.str.slice(5, 2), tgl.str.slice(8, 2)
    is_tgl = plant == "TANGGAL_TIDAK_SAH"
    after_visit = _date_str(
        (
            pl.col("pendataan").cast(pl.Int32) + 30 + rng.below("rej:lahir-setelah", 270, "_j").cast(pl.Int32)
        ).cast(pl.Date)
    )
    edits["tanggal_lahir"] += [
        (is_tgl & (v % 4 == 0), pl.concat_str(year, pl.lit("-13-"), day)),
        (is_tgl & (v % 4 == 1), pl.concat_str(year, pl.lit("-02-30"))),
        (is_tgl & (v % 4 == 2), after_visit),
        (
            is_tgl & (v % 4 == 3),
            pl.concat_str(pl.lit("18"), year.str.slice(2, 2), pl.lit("-"), month, pl.lit("-"), day),
        ),
    ]
    is_format = plant == "FORMAT_NIK"
    edits["nik"] += [
        (is_format & (v % 3 == 0), _letter_in("nik")),
        (is_format & (v % 3 == 1), pl.col("nik").str.slice(0, 15)),
        (is_format & (v % 3 == 2), pl.concat_str(pl.col("nik"), pl.lit("0"))),
    ]
    edits["no_kk"].append(
        (
            plant == "KK_TIDAK_DIKENAL",
            pl.concat_str(pl.col("no_kk").str.slice(0, 12), pl.lit("999"), (1 + v % 9).cast(pl.String)),
        )
    )
    a = _corrupt(a, {c: e for c, e in edits.items() if e})
    clash = is_format & (pl.col("nik").str.len_chars() == 15) & pl.col("nik").is_duplicated()
    return a.with_columns(nik=pl.when(clash).then(_letter_in("_nik_clean")).otherwise(pl.col("nik")))


# ----------------------------------------------------------------------------------------------------------
# Reference lists: ASN, TNI/Polri, deaths (contract: programs-and-payments.md)
# ----------------------------------------------------------------------------------------------------------

_ASN_INSTANSI = (
    "Pemda",
    "Pemprov",
    "Kemendikbudristek",
    "Kemenkes",
    "Kemenag",
    "Kemenkeu",
    "Kemendagri",
    "BPS",
)
_TNI_INSTANSI = ("TNI AD", "TNI AL", "TNI AU")


def _take_top(frame: pl.DataFrame, n: int, key: pl.Expr) -> pl.DataFrame:
    return frame.with_columns(_k=key).sort("_k", "_j", descending=[True, False]).head(n).drop("_k")


def _reference_lists(
    people: pl.DataFrame, rng: _Rng, dirty: bool
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict[str, dict[str, int]]]:
    """people: accepted registry members (_j, nik, nama, tanggal_lahir, pekerjaan, age, female, pendataan)."""
    n = people.height
    n_asn = max(1, round(0.003 * n))
    n_tp = max(1, round(0.002 * n))
    n_dead = max(1, round(0.005 * n))
    key = rng.uniform("list:key", "_j")

    declared_asn = people.filter(pl.col("pekerjaan") == "asn")
    asn_known = _take_top(declared_asn, min(declared_asn.height, math.ceil(0.6 * n_asn)), key)
    hidden_pool = people.filter(
        pl.col("age").is_between(20, 58) & ~pl.col("pekerjaan").is_in(["asn", "tni", "polri", "pelajar"])
    )
    asn_hidden = _take_top(hidden_pool, n_asn - asn_known.height, rng.uniform("list:asn-hidden", "_j"))
    asn = pl.concat([asn_known, asn_hidden]).with_columns(
        instansi=_pick_from(_ASN_INSTANSI, rng.uniform("list:asn-instansi", "_j"))
    )

    declared_tp = people.filter(
        pl.col("pekerjaan").is_in(["tni", "polri"]) & ~pl.col("_j").is_in(asn["_j"].implode())
    )
    tp_known = _take_top(declared_tp, min(declared_tp.height, math.ceil(0.7 * n_tp)), key)
    tp_pool = people.filter(
        ~pl.col("female")
        & pl.col("age").is_between(20, 53)
        & ~pl.col("pekerjaan").is_in(["asn", "tni", "polri", "pelajar"])
        & ~pl.col("_j").is_in(asn["_j"].implode())
    )
    tp_hidden = _take_top(tp_pool, n_tp - tp_known.height, rng.uniform("list:tp-hidden", "_j"))
    tni_polri = pl.concat([tp_known, tp_hidden]).with_columns(
        instansi=pl.when(pl.col("pekerjaan") == "polri")
        .then(pl.lit("POLRI"))
        .when(pl.col("pekerjaan") == "tni")
        .then(_pick_from(_TNI_INSTANSI, rng.uniform("list:tni", "_j")))
        .otherwise(_pick_from((*_TNI_INSTANSI, "POLRI"), rng.uniform("list:tp", "_j")))
    )

    # deaths weighted towards the old (weighted sampling without replacement: largest u^(1/weight))
    weight = (pl.col("age").cast(pl.Float64) / 12.0).exp()
    dead = _take_top(people, n_dead, rng.uniform("list:dead", "_j").log() / weight)
    last = _days(DEATHS_UNTIL)
    dead = dead.with_columns(
        tanggal_meninggal=_date_str(
            (
                pl.col("pendataan").cast(pl.Int32)
                + 1
                + rng.below(
                    "list:dead-date", (last - pl.col("pendataan").cast(pl.Int32)).clip(lower_bound=1), "_j"
                ).cast(pl.Int32)
            ).cast(pl.Date)
        )
    )

    stats: dict[str, dict[str, int]] = {}
    out = []
    for name, frame, cols in (
        ("asn", asn, ["nik", "nama", "tanggal_lahir", "instansi"]),
        ("tni_polri", tni_polri, ["nik", "nama", "tanggal_lahir", "instansi"]),
        ("kematian", dead, ["nik", "nama", "tanggal_meninggal"]),
    ):
        rows = frame.select("_j", *cols).with_columns(_k=rng.uniform(f"list:{name}:order", "_j"))
        extra_malformed = extra_unknown = 0
        if dirty:
            extras = _list_extras(people, rng, name, cols)
            extra_malformed, extra_unknown = 2, 2
            rows = pl.concat([rows, extras.select(rows.columns)])
        out.append(rows.sort("_k", "_j").select(cols))
        stats[name] = {
            "rows": rows.height,
            "in_registry": frame.height,
            "malformed": extra_malformed,
            "not_in_registry": extra_unknown,
        }
    return out[0], out[1], out[2], stats


def _list_extras(people: pl.DataFrame, rng: _Rng, name: str, cols: Sequence[str]) -> pl.DataFrame:
    """Two rows with a malformed nik and two whose (well-formed) nik is not in the registry."""
    regions = _load_regions()
    kec = regions.kecamatan
    src = people.select("_j", "nik", "nama", "tanggal_lahir", "female", "pendataan").sort("_j")
    e = pl.DataFrame({"_e": pl.int_range(0, 4, dtype=pl.UInt64, eager=True)})
    pick = rng.below(f"list:{name}:extra-src", src.height, "_e")
    e = e.with_columns(pl.lit(src["_j"]).gather(pick).alias("_src")).join(
        src.rename({"_j": "_src"}), on="_src", how="left", maintain_order="left"
    )
    born = (
        (pl.lit(_days(dt.date(1965, 1, 1))) + rng.below(f"list:{name}:extra-born", 12_000, "_e"))
        .cast(pl.Int32)
        .cast(pl.Date)
    )
    female = rng.uniform(f"list:{name}:extra-sex", "_e") < 0.5
    unknown_nik = pl.concat_str(
        pl.lit(kec).gather(rng.below(f"list:{name}:extra-kec", kec.len(), "_e")),
        _two(born.dt.day().cast(pl.Int32) + 40 * female.cast(pl.Int32)),
        _two(born.dt.month()),
        _two(born.dt.year().cast(pl.Int32) % 100),
        pl.lit("999"),
        (1 + rng.below(f"list:{name}:extra-serial", 9, "_e")).cast(pl.String),
    )
    unknown_name = pl.concat_str(
        pl.when(female)
        .then(_pick_name("f", pl.lit(JAWA), rng.uniform(f"list:{name}:extra-first", "_e")))
        .otherwise(_pick_name("m", pl.lit(JAWA), rng.uniform(f"list:{name}:extra-first", "_e"))),
        pl.lit(" "),
        _pick_name("sm", pl.lit(MELAYU), rng.uniform(f"list:{name}:extra-second", "_e")),
    )
    is_malformed = pl.col("_e") < 2
    e = e.with_columns(
        nik=pl.when(pl.col("_e") == 0)
        .then(pl.col("nik").str.slice(0, 12))
        .when(pl.col("_e") == 1)
        .then(pl.concat_str(pl.col("nik").str.slice(0, 6), pl.lit("-"), pl.col("nik").str.slice(6)))
        .otherwise(unknown_nik),
        nama=pl.when(is_malformed).then(pl.col("nama")).otherwise(unknown_name),
        tanggal_lahir=pl.when(is_malformed).then(pl.col("tanggal_lahir")).otherwise(_date_str(born)),
        instansi=pl.lit("TNI AD" if name == "tni_polri" else "Pemda"),
        tanggal_meninggal=_date_str(
            (
                pl.col("pendataan").cast(pl.Int32)
                + 1
                + rng.below(f"list:{name}:extra-dead", 200, "_e").cast(pl.Int32)
            ).cast(pl.Date)
        ),
        _j=pl.lit(2**62, dtype=pl.UInt64) + pl.col("_e"),
        _k=rng.uniform(f"list:{name}:extra-order", "_e"),
    )
    return e.select("_j", *cols, "_k")


# ----------------------------------------------------------------------------------------------------------
# The job
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SynthResult:
    """What `synth_registry` wrote: the files and the counts a validator following the contract must find."""

    out_dir: Path
    files: dict[str, Path]
    households: int  # rows of keluarga.csv
    members: int  # rows of anggota.csv
    dirty: bool
    rejects: dict[str, int] = field(default_factory=dict)  # planted problems per reject code
    flags: dict[str, int] = field(default_factory=dict)  # planted rows per flag code
    duplicates: int = 0
    lookalikes: int = 0
    lists: dict[str, int] = field(default_factory=dict)  # rows per reference list

    @property
    def plants(self) -> dict[str, int]:
        return {**self.rejects, **self.flags}

    def as_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "households": self.households,
            "members": self.members,
            "dirty": self.dirty,
            "rejects": dict(self.rejects),
            "flags": dict(self.flags),
            "duplicates": self.duplicates,
            "lookalikes": self.lookalikes,
            "lists": dict(self.lists),
            "files": {name: str(path) for name, path in self.files.items()},
        }


_STEPS = 8
# what the exchange file, the truth and the reference lists need of a member
_MEMBER_OUTPUT = (
    "_j",
    "hh",
    "nik",
    "nama",
    "female",
    "tempat_lahir",
    "birth",
    "age",
    "hubungan",
    "status_kawin",
    "pendidikan",
    "sekolah",
    "pekerjaan",
    "disabilitas",
    "hamil",
    "nama_ibu",
    "is_copy",
    "flag",
)


def synth_registry(
    *,
    households: int,
    seed: int,
    out_dir: Path,
    wilayah: list[str] | None = None,
    dirty: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SynthResult:
    """Write a synthetic registry (keluarga.csv, anggota.csv), its ground truth and reference lists.

    Files in out_dir: keluarga.csv, anggota.csv, asn.csv, tni_polri.csv, kematian.csv, truth.json and, with
    ``dirty``, truth_rejects.csv, truth_flags.csv, truth_duplicates.csv, truth_lookalikes.csv (a clean run
    removes those four if an earlier run left them). ``wilayah``: provinsi or kabupaten/kota codes, dotted
    or not; households go to their kabupaten/kota in proportion to population. ``progress(done, total)`` is
    called after each stage.

    Raises ValueError for a household count below 1, an unknown wilayah code, or (``dirty``) too few
    households to hold every plant."""
    if households < 1:
        raise ValueError("Jumlah rumah tangga (--households) harus paling sedikit 1")
    kab_codes = resolve_wilayah(wilayah)
    report = progress or (lambda done, total: None)
    rng = _Rng(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    h = _household_core(households, rng, kab_codes, "h")
    h = _household_proxies(h, rng)
    h = _assign_desil(h, rng, kab_codes, national=not wilayah)
    report(1, _STEPS)
    m = _members(h, rng)
    report(2, _STEPS)

    plan: _Plan | None = None
    if dirty:
        m, plan = _plan_dirty(h, m, rng)
    report(3, _STEPS)
    m = _with_nik_parts(m)
    if plan is not None:
        m = _apply_flags(m, plan, rng)
    else:
        m = m.with_columns(flag=pl.lit(None, dtype=pl.String), f_variant=pl.lit(None, dtype=pl.Int32))
    m = _assign_nik(m, rng).select(_MEMBER_OUTPUT)  # frees the working columns
    h = _assign_kk(h, rng)
    report(4, _STEPS)

    k, a = _exchange_frames(h, m, plan, rng)
    del h, m  # the exchange frames hold all that is still needed
    report(5, _STEPS)

    files = {
        "keluarga": out_dir / "keluarga.csv",
        "anggota": out_dir / "anggota.csv",
        "asn": out_dir / "asn.csv",
        "tni_polri": out_dir / "tni_polri.csv",
        "kematian": out_dir / "kematian.csv",
        "truth": out_dir / "truth.json",
    }
    k.select(KELUARGA_COLUMNS).write_csv(files["keluarga"])
    a.select(ANGGOTA_COLUMNS).write_csv(files["anggota"])
    report(6, _STEPS)

    people = a.filter(pl.col("m_plant").is_null() & ~pl.col("is_copy") & ~pl.col("_extra")).select(
        "_j", "nik", "nama", "tanggal_lahir", "pekerjaan", "age", "female", "pendataan"
    )
    asn, tni_polri, kematian, list_stats = _reference_lists(people, rng, dirty)
    asn.write_csv(files["asn"])
    tni_polri.write_csv(files["tni_polri"])
    kematian.write_csv(files["kematian"])
    report(7, _STEPS)

    rejects_truth = pl.concat(
        [
            k.filter(pl.col("k_plant").is_not_null()).select(
                berkas=pl.lit("keluarga"), baris="baris", kunci="no_kk", kode="k_plant"
            ),
            a.filter(pl.col("m_plant").is_not_null()).select(
                berkas=pl.lit("anggota"), baris="baris", kunci="nik", kode="m_plant"
            ),
        ]
    )
    flags_truth = pl.concat(
        [
            k.filter(pl.col("kepala_variant").is_not_null() & pl.col("k_plant").is_null()).select(
                berkas=pl.lit("keluarga"), kunci="no_kk", kode=pl.lit("KEPALA_KELUARGA")
            ),
            a.filter(pl.col("flag").is_not_null()).select(berkas=pl.lit("anggota"), kunci="nik", kode="flag"),
        ]
    )
    reject_counts = dict.fromkeys(REJECT_CODES, 0)
    reject_counts.update(dict(rejects_truth.group_by("kode").len().sort("kode").iter_rows()))
    flag_counts = dict.fromkeys(FLAG_CODES, 0)
    flag_counts.update(dict(flags_truth.group_by("kode").len().sort("kode").iter_rows()))

    duplicates = lookalikes = 0
    if plan is None:
        # a clean run into a folder that held a dirty one must not leave the old answers lying there
        for stale in ("truth_rejects", "truth_flags", "truth_duplicates", "truth_lookalikes"):
            (out_dir / f"{stale}.csv").unlink(missing_ok=True)
    else:
        files["truth_rejects"] = out_dir / "truth_rejects.csv"
        files["truth_flags"] = out_dir / "truth_flags.csv"
        files["truth_duplicates"] = out_dir / "truth_duplicates.csv"
        files["truth_lookalikes"] = out_dir / "truth_lookalikes.csv"
        rejects_truth.sort("berkas", "baris", descending=[True, False]).write_csv(files["truth_rejects"])
        flags_truth.sort("berkas", "kunci", "kode", descending=[True, False, False]).write_csv(
            files["truth_flags"]
        )
        nik_of = a.filter(~pl.col("_extra")).select("_j", "nik")
        for name, pairs in (("truth_duplicates", plan.duplicates), ("truth_lookalikes", plan.lookalikes)):
            named = (
                pairs.join(nik_of.rename({"_j": "_j_a", "nik": "nik_a"}), on="_j_a", how="left")
                .join(nik_of.rename({"_j": "_j_b", "nik": "nik_b"}), on="_j_b", how="left")
                .sort("_j_a", "_j_b")
                .select("nik_a", "nik_b")
            )
            named.write_csv(files[name])
        duplicates, lookalikes = plan.duplicates.height, plan.lookalikes.height

    households_rejected = k.filter(pl.col("k_plant").is_not_null()).height
    members_rejected = a.filter(pl.col("m_plant").is_not_null()).height
    truth = {
        "generator": "salur synth",
        "seed": seed,
        "households_requested": households,
        "wilayah": list(wilayah) if wilayah else [],
        "dirty": dirty,
        "keluarga_rows": k.height,
        "anggota_rows": a.height,
        "expected_import": {
            "households": {
                "read": k.height,
                "accepted": k.height - households_rejected,
                "rejected": households_rejected,
            },
            "members": {
                "read": a.height,
                "accepted": a.height - members_rejected,
                "rejected": members_rejected,
            },
            "rejects": {c: n for c, n in reject_counts.items() if n},
            "flags": {c: n for c, n in flag_counts.items() if n},
        },
        "duplicates": duplicates,
        "lookalikes": lookalikes,
        "lists": list_stats,
        "welfare": {
            "desil_supplied": int(k["desil"].is_not_null().sum()),
            "pengeluaran_supplied": int(k["pengeluaran_per_kapita"].is_not_null().sum()),
            "bank": int(k["bank"].is_not_null().sum()),
        },
        "files": {name: path.name for name, path in sorted(files.items())},
    }
    files["truth"].write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    report(8, _STEPS)
    return SynthResult(
        out_dir=out_dir,
        files=files,
        households=k.height,
        members=a.height,
        dirty=dirty,
        rejects=reject_counts,
        flags=flag_counts,
        duplicates=duplicates,
        lookalikes=lookalikes,
        lists={name: s["rows"] for name, s in list_stats.items()},
    )


def _exchange_frames(
    h: pl.DataFrame, m: pl.DataFrame, plan: _Plan | None, rng: _Rng
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The two exchange files as string frames in their final row order, with the plant columns alongside."""
    k = h.select(
        "_i",
        "ord",
        "no_kk",
        "pendataan",
        kode_wilayah=pl.col("desa"),
        alamat=pl.col("alamat"),
        rt=pl.col("rt"),
        rw=pl.col("rw"),
        luas_lantai_m2=pl.col("luas_lantai_m2").cast(pl.String),
        **{
            c: pl.col(c)
            for c in ("jenis_lantai", "jenis_dinding", "jenis_atap", "sumber_air_minum", "sumber_penerangan")
        },
        daya_listrik_va=pl.col("daya_listrik_va").cast(pl.String),
        bahan_bakar_memasak=pl.col("bahan_bakar_memasak"),
        fasilitas_bab=pl.col("fasilitas_bab"),
        status_rumah=pl.col("status_rumah"),
        **{
            f"aset_{x}": pl.col(f"aset_{x}").cast(pl.String)
            for x in ("kulkas", "motor", "mobil", "ac", "emas", "lahan")
        },
        bank=pl.col("bank"),
        no_rekening=pl.col("no_rekening"),
        desil=pl.col("desil").cast(pl.String),
        pengeluaran_per_kapita=pl.col("pengeluaran_per_kapita").cast(pl.String),
        tanggal_pendataan=_date_str(pl.col("pendataan")),
    )
    a = m.join(
        h.select(hh="_i", no_kk="no_kk", pendataan="pendataan"), on="hh", how="left", maintain_order="left"
    )
    a = a.with_columns(
        ord=rng.uniform("m:order", "_j"),
        jenis_kelamin=pl.when(pl.col("female")).then(pl.lit("P")).otherwise(pl.lit("L")),
        tanggal_lahir=_date_str(pl.col("birth")),
        hamil=pl.col("hamil").cast(pl.String),
    )
    if plan is None:
        k = k.with_columns(
            k_plant=pl.lit(None, dtype=pl.String),
            k_variant=pl.lit(None, dtype=pl.Int32),
            kepala_variant=pl.lit(None, dtype=pl.Int32),
            _extra=pl.lit(False),
        )
        a = a.with_columns(
            m_plant=pl.lit(None, dtype=pl.String),
            m_variant=pl.lit(None, dtype=pl.Int32),
            _extra=pl.lit(False),
        )
    else:
        k = k.join(plan.kk_plants, on="_i", how="left", maintain_order="left").join(
            plan.kepala_flags, on="_i", how="left", maintain_order="left"
        )
        kk_ganda = k.filter(pl.col("k_plant") == "KK_GANDA").with_columns(
            ord=pl.col("ord") + (1.0 - pl.col("ord")) * rng.uniform("rej:kk-ganda-order", "_i"),
            _extra=pl.lit(True),
        )
        k = pl.concat(
            [
                k.with_columns(
                    k_plant=pl.when(pl.col("k_plant") == "KK_GANDA").then(None).otherwise(pl.col("k_plant")),
                    _extra=pl.lit(False),
                ),
                kk_ganda,
            ]
        )
        # only planted rows change: corrupt that small part, leave the rest as it is
        planted_k = k.filter(pl.col("k_plant").is_not_null()).with_columns(_no_kk_clean=pl.col("no_kk"))
        k = pl.concat(
            [k.filter(pl.col("k_plant").is_null()), _apply_kk_rejects(planted_k, rng).drop("_no_kk_clean")]
        )
        broken = plan.kk_plants.filter(pl.col("k_plant").is_in(_BREAKING_KK_CODES))["_i"]
        dropped = plan.kk_plants.filter(pl.col("k_plant") == "FORMAT_KK")["_i"]
        a = (
            a.filter(~pl.col("hh").is_in(dropped.implode()))
            .join(plan.member_plants, on="_j", how="left", maintain_order="left")
            .with_columns(
                m_plant=pl.when(pl.col("hh").is_in(broken.implode()))
                .then(pl.lit("KK_DITOLAK"))
                .otherwise(pl.col("m_plant"))
            )
        )
        nik_ganda = a.filter(pl.col("m_plant") == "NIK_GANDA").with_columns(
            ord=pl.col("ord") + (1.0 - pl.col("ord")) * rng.uniform("rej:nik-ganda-order", "_j"),
            _extra=pl.lit(True),
        )
        a = pl.concat(
            [
                a.with_columns(
                    m_plant=pl.when(pl.col("m_plant") == "NIK_GANDA").then(None).otherwise(pl.col("m_plant")),
                    _extra=pl.lit(False),
                ),
                nik_ganda,
            ]
        )
        planted_a = a.filter(pl.col("m_plant").is_not_null()).with_columns(_nik_clean=pl.col("nik"))
        a = pl.concat(
            [a.filter(pl.col("m_plant").is_null()), _apply_member_rejects(planted_a, rng).drop("_nik_clean")]
        )
    k = k.sort("ord", "_extra", "_i").with_row_index("baris", offset=1)
    a = a.sort("ord", "_extra", "_j").with_row_index("baris", offset=1)
    return k, a
