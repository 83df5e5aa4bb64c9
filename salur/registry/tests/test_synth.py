"""The synthetic registry generator (`salur synth`): pure tests, no database.

The output is checked against the exchange contract (registry-exchange.md) by a small checker written
here, independently of the generator: clean output must obey every rule, and dirty output must hold exactly
the planted problems listed in its truth files.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from salur.registry.batch.synth import SynthResult, synth_registry

DATA = Path(__file__).resolve().parents[2] / "regions" / "data"
TODAY = dt.date(2026, 11, 23)

# contract: registry-exchange.md, column tables
KELUARGA_HEADER = (
    "no_kk,kode_wilayah,alamat,rt,rw,luas_lantai_m2,jenis_lantai,jenis_dinding,jenis_atap,sumber_air_minum,"
    "sumber_penerangan,daya_listrik_va,bahan_bakar_memasak,fasilitas_bab,status_rumah,aset_kulkas,aset_motor,"
    "aset_mobil,aset_ac,aset_emas,aset_lahan,bank,no_rekening,desil,pengeluaran_per_kapita,tanggal_pendataan"
)
ANGGOTA_HEADER = (
    "nik,no_kk,nama,jenis_kelamin,tempat_lahir,tanggal_lahir,hubungan,status_kawin,pendidikan,sekolah,"
    "pekerjaan,disabilitas,hamil,nama_ibu"
)
K_ENUMS = {
    "jenis_lantai": ["keramik", "ubin", "kayu", "semen", "bambu", "tanah"],
    "jenis_dinding": ["tembok", "kayu", "bambu", "lainnya"],
    "jenis_atap": ["beton", "genteng", "seng", "asbes", "ijuk", "lainnya"],
    "sumber_air_minum": [
        "kemasan",
        "ledeng",
        "sumur_terlindung",
        "sumur_tak_terlindung",
        "mata_air",
        "sungai",
        "hujan",
    ],
    "sumber_penerangan": ["pln_meteran", "pln_tanpa_meteran", "non_pln", "tidak_ada"],
    "daya_listrik_va": ["0", "450", "900", "1300", "2200", "3500"],
    "bahan_bakar_memasak": [
        "listrik",
        "gas",
        "gas_3kg",
        "minyak_tanah",
        "kayu_bakar",
        "arang",
        "tidak_memasak",
    ],
    "fasilitas_bab": ["sendiri", "bersama", "umum", "tidak_ada"],
    "status_rumah": ["milik_sendiri", "sewa", "bebas_sewa", "dinas", "lainnya"],
    **{f"aset_{a}": ["0", "1"] for a in ("kulkas", "motor", "mobil", "ac", "emas", "lahan")},
    "bank": ["BRI", "BNI", "MANDIRI", "BSI", "BTN"],
}
K_REQUIRED = [
    "no_kk",
    "kode_wilayah",
    "luas_lantai_m2",
    *[c for c in K_ENUMS if c != "bank"],
    "tanggal_pendataan",
]
A_ENUMS = {
    "jenis_kelamin": ["L", "P"],
    "hubungan": [
        "kepala_keluarga",
        "pasangan",
        "anak",
        "menantu",
        "cucu",
        "orang_tua",
        "mertua",
        "famili_lain",
        "lainnya",
    ],
    "status_kawin": ["belum_kawin", "kawin", "cerai_hidup", "cerai_mati"],
    "pendidikan": ["tidak_sekolah", "sd", "smp", "sma", "diploma", "sarjana"],
    "sekolah": ["paud", "sd", "smp", "sma", "pt"],
    "pekerjaan": [
        "tidak_bekerja",
        "pelajar",
        "ibu_rumah_tangga",
        "petani",
        "nelayan",
        "buruh",
        "pedagang",
        "wiraswasta",
        "karyawan_swasta",
        "asn",
        "tni",
        "polri",
        "pensiunan",
        "lainnya",
    ],
    "disabilitas": ["tidak", "ringan", "sedang", "berat"],
    "hamil": ["0", "1"],
}
A_REQUIRED = [
    "nik",
    "no_kk",
    "nama",
    "jenis_kelamin",
    "tanggal_lahir",
    "hubungan",
    "status_kawin",
    "pendidikan",
    "pekerjaan",
    "disabilitas",
    "hamil",
]
REJECT_CODES = [
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
]
FLAG_CODES = ["NIK_WILAYAH", "NIK_TGL_LAHIR", "NIK_JENIS_KELAMIN", "KEPALA_KELUARGA", "HAMIL_TIDAK_WAJAR"]


# ------------------------------------------------------------------------------------------------------------
# An independent checker of the contract
# ------------------------------------------------------------------------------------------------------------


def _codes(level: int) -> set[str]:
    tree = pl.read_csv(DATA / "wilayah_2025.csv", infer_schema=False)
    return set(
        tree.filter(pl.col("level") == str(level))["kode"].str.replace_all(".", "", literal=True).to_list()
    )


DESA = _codes(4)
KECAMATAN = _codes(3) | set(
    pl.read_csv(DATA / "kecamatan_historis.csv", infer_schema=False)["kode"].str.replace_all(
        ".", "", literal=True
    )
)


def _read(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False)
    return frame.with_columns(pl.all().str.strip_chars().replace("", None)).with_row_index("baris", 1)


def _date(col: str) -> pl.Expr:
    return pl.col(col).str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def check_contract(keluarga: Path, anggota: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Problems (berkas, baris, kunci, kode) and flags (berkas, kunci, kode) that the contract defines."""
    k = _read(keluarga)
    a = _read(anggota)
    problems: list[pl.DataFrame] = []

    def problem(frame: pl.DataFrame, berkas: str, key: str, cond: pl.Expr, kode: str) -> None:
        problems.append(
            frame.filter(cond).select(
                berkas=pl.lit(berkas),
                baris=pl.col("baris").cast(pl.Int64),
                kunci=pl.col(key),
                kode=pl.lit(kode),
            )
        )

    def real_date(col: str) -> pl.Expr:
        return pl.col(col).str.contains(r"^\d{4}-\d{2}-\d{2}$") & _date(col).is_not_null()

    for col in K_REQUIRED:
        problem(k, "keluarga", "no_kk", pl.col(col).is_null(), "KOLOM_WAJIB")
    problem(
        k,
        "keluarga",
        "no_kk",
        pl.col("no_kk").is_not_null() & ~pl.col("no_kk").str.contains(r"^\d{16}$"),
        "FORMAT_KK",
    )
    problem(
        k,
        "keluarga",
        "no_kk",
        pl.col("kode_wilayah").is_not_null() & ~pl.col("kode_wilayah").is_in(DESA),
        "WILAYAH_TIDAK_DIKENAL",
    )
    for col, values in K_ENUMS.items():
        problem(
            k,
            "keluarga",
            "no_kk",
            pl.col(col).is_not_null() & ~pl.col(col).is_in(values),
            "NILAI_TIDAK_DIKENAL",
        )
    luas = pl.col("luas_lantai_m2").cast(pl.Float64, strict=False)
    problem(
        k,
        "keluarga",
        "no_kk",
        pl.col("luas_lantai_m2").is_not_null() & (luas.is_null() | (luas < 0)),
        "ANGKA_TIDAK_SAH",
    )
    for col in ("rt", "rw"):
        problem(
            k,
            "keluarga",
            "no_kk",
            pl.col(col).is_not_null() & ~pl.col(col).str.contains(r"^\d{1,3}$"),
            "ANGKA_TIDAK_SAH",
        )
    desil = pl.col("desil").cast(pl.Int64, strict=False)
    problem(
        k,
        "keluarga",
        "no_kk",
        pl.col("desil").is_not_null() & ~desil.is_between(1, 10).fill_null(False),
        "ANGKA_TIDAK_SAH",
    )
    spend = pl.col("pengeluaran_per_kapita").cast(pl.Int64, strict=False)
    problem(
        k,
        "keluarga",
        "no_kk",
        pl.col("pengeluaran_per_kapita").is_not_null() & ~(spend >= 0).fill_null(False),
        "ANGKA_TIDAK_SAH",
    )
    problem(
        k,
        "keluarga",
        "no_kk",
        (pl.col("bank").is_not_null() & pl.col("no_rekening").is_null())
        | (pl.col("bank").is_null() & pl.col("no_rekening").is_not_null())
        | (pl.col("no_rekening").is_not_null() & ~pl.col("no_rekening").str.contains(r"^\d{10,16}$")),
        "REKENING_TIDAK_SAH",
    )
    visit = _date("tanggal_pendataan")
    problem(
        k,
        "keluarga",
        "no_kk",
        pl.col("tanggal_pendataan").is_not_null()
        & ~(real_date("tanggal_pendataan") & (visit <= TODAY) & (visit >= dt.date(1900, 1, 1))).fill_null(
            False
        ),
        "TANGGAL_TIDAK_SAH",
    )
    problem(
        k,
        "keluarga",
        "no_kk",
        pl.col("no_kk").is_not_null() & (pl.col("baris") != pl.col("baris").min().over("no_kk")),
        "KK_GANDA",
    )
    k_problems = pl.concat(problems)
    rejected_rows = k_problems["baris"].unique()
    k = k.with_columns(rejected=pl.col("baris").cast(pl.Int64).is_in(rejected_rows.implode()), visit=visit)
    accepted = k.filter(~pl.col("rejected")).unique("no_kk", keep="first", maintain_order=True)
    all_kk = k["no_kk"].drop_nulls()

    problems = []
    a = a.join(accepted.select("no_kk", "visit"), on="no_kk", how="left", maintain_order="left")
    for col in A_REQUIRED:
        problem(a, "anggota", "nik", pl.col(col).is_null(), "KOLOM_WAJIB")
    problem(a, "anggota", "nik", pl.col("nama").str.len_chars() > 100, "KOLOM_WAJIB")
    problem(
        a,
        "anggota",
        "nik",
        pl.col("nik").is_not_null() & ~pl.col("nik").str.contains(r"^\d{16}$"),
        "FORMAT_NIK",
    )
    problem(
        a,
        "anggota",
        "nik",
        pl.col("no_kk").is_not_null() & ~pl.col("no_kk").str.contains(r"^\d{16}$"),
        "FORMAT_KK",
    )
    for col, values in A_ENUMS.items():
        problem(
            a, "anggota", "nik", pl.col(col).is_not_null() & ~pl.col(col).is_in(values), "NILAI_TIDAK_DIKENAL"
        )
    born = _date("tanggal_lahir")
    problem(
        a,
        "anggota",
        "nik",
        pl.col("tanggal_lahir").is_not_null()
        & ~(
            real_date("tanggal_lahir")
            & (born <= TODAY)
            & (born >= dt.date(1900, 1, 1))
            & (pl.col("visit").is_null() | (born <= pl.col("visit")))
        ).fill_null(False),
        "TANGGAL_TIDAK_SAH",
    )
    problem(
        a,
        "anggota",
        "nik",
        pl.col("nik").is_not_null() & (pl.col("baris") != pl.col("baris").min().over("nik")),
        "NIK_GANDA",
    )
    well_formed = pl.col("no_kk").str.contains(r"^\d{16}$")
    problem(a, "anggota", "nik", well_formed & ~pl.col("no_kk").is_in(all_kk.implode()), "KK_TIDAK_DIKENAL")
    problem(
        a,
        "anggota",
        "nik",
        well_formed & pl.col("no_kk").is_in(all_kk.implode()) & pl.col("visit").is_null(),
        "KK_DITOLAK",
    )
    a_problems = pl.concat(problems)
    members = a.filter(~pl.col("baris").cast(pl.Int64).is_in(a_problems["baris"].unique().implode()))

    dd = pl.col("nik").str.slice(6, 2).cast(pl.Int32)
    members = members.with_columns(
        born=born,
        female_nik=dd > 40,
        day=pl.when(dd > 40).then(dd - 40).otherwise(dd),
        month=pl.col("nik").str.slice(8, 2).cast(pl.Int32),
        yy=pl.col("nik").str.slice(10, 2).cast(pl.Int32),
    )
    # a leap year with the same last two digits, so that 29 February is a real date when it can be
    nik_date = pl.date(2000 + pl.col("yy") - pl.col("yy") % 4, pl.col("month").clip(1, 12), 1)
    nik_real = (
        pl.col("month").is_between(1, 12)
        & (pl.col("day") >= 1)
        & (pl.col("day") <= nik_date.dt.month_end().dt.day().cast(pl.Int32))
    )
    age = (
        pl.col("visit").dt.year().cast(pl.Int32)
        - pl.col("born").dt.year().cast(pl.Int32)
        - (
            (pl.col("visit").dt.month().cast(pl.Int32) * 100 + pl.col("visit").dt.day().cast(pl.Int32))
            < (pl.col("born").dt.month().cast(pl.Int32) * 100 + pl.col("born").dt.day().cast(pl.Int32))
        ).cast(pl.Int32)
    )
    impossible_leap_day = (pl.col("yy") % 4 != 0) & (pl.col("month") == 2) & (pl.col("day") == 29)
    flag_rules = {
        "NIK_WILAYAH": ~pl.col("nik").str.slice(0, 6).is_in(KECAMATAN),
        "NIK_TGL_LAHIR": ~nik_real
        | impossible_leap_day
        | (pl.col("day") != pl.col("born").dt.day())
        | (pl.col("month") != pl.col("born").dt.month())
        | (pl.col("yy") != pl.col("born").dt.year() % 100),
        "NIK_JENIS_KELAMIN": pl.col("female_nik") != (pl.col("jenis_kelamin") == "P"),
        "HAMIL_TIDAK_WAJAR": (pl.col("hamil") == "1")
        & ((pl.col("jenis_kelamin") == "L") | (age < 10) | (age > 55)),
    }
    flags = [
        members.filter(rule).select(berkas=pl.lit("anggota"), kunci=pl.col("nik"), kode=pl.lit(code))
        for code, rule in flag_rules.items()
    ]
    heads = members.group_by("no_kk").agg(heads=(pl.col("hubungan") == "kepala_keluarga").sum())
    flags.append(
        accepted.join(heads, on="no_kk", how="left")
        .filter(pl.col("heads").fill_null(0) != 1)
        .select(berkas=pl.lit("keluarga"), kunci=pl.col("no_kk"), kode=pl.lit("KEPALA_KELUARGA"))
    )
    return pl.concat([k_problems, a_problems]), pl.concat(flags)


# ------------------------------------------------------------------------------------------------------------
# Fixtures: one clean and one dirty registry for the whole module
# ------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return synth_registry(households=1500, seed=11, out_dir=tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return synth_registry(households=1500, seed=12, out_dir=tmp_path_factory.mktemp("dirty"), dirty=True)


def _num(value: object) -> float:
    """A Series reduction as a number (for the type checker: Polars types them broadly)."""
    assert isinstance(value, int | float)
    return float(value)


def _csv(result: SynthResult, name: str) -> pl.DataFrame:
    return pl.read_csv(result.files[name], infer_schema=False)


def _members_with_households(result: SynthResult) -> pl.DataFrame:
    k = _csv(result, "keluarga").select("no_kk", "kode_wilayah", visit=_date("tanggal_pendataan"))
    return _csv(result, "anggota").join(k, on="no_kk", how="left").with_columns(born=_date("tanggal_lahir"))


# ------------------------------------------------------------------------------------------------------------
# Determinism and format
# ------------------------------------------------------------------------------------------------------------


def test_the_same_seed_writes_byte_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    first = synth_registry(households=400, seed=5, out_dir=tmp_path / "a", dirty=True)
    second = synth_registry(households=400, seed=5, out_dir=tmp_path / "b", dirty=True)
    other = synth_registry(households=400, seed=6, out_dir=tmp_path / "c", dirty=True)
    assert sorted(first.files) == sorted(second.files)
    for name, path in first.files.items():
        if name == "truth":
            continue  # holds nothing path-dependent, but compare the parsed content for clarity
        assert path.read_bytes() == second.files[name].read_bytes(), name
    assert json.loads(first.files["truth"].read_text()) == json.loads(second.files["truth"].read_text())
    assert first.files["keluarga"].read_bytes() != other.files["keluarga"].read_bytes()
    assert first.files["anggota"].read_bytes() != other.files["anggota"].read_bytes()


def test_headers_are_the_contract_columns_in_the_contract_order(clean: SynthResult) -> None:
    assert clean.files["keluarga"].read_text(encoding="utf-8").splitlines()[0] == KELUARGA_HEADER
    assert clean.files["anggota"].read_text(encoding="utf-8").splitlines()[0] == ANGGOTA_HEADER
    assert clean.files["asn"].read_text().splitlines()[0] == "nik,nama,tanggal_lahir,instansi"
    assert clean.files["tni_polri"].read_text().splitlines()[0] == "nik,nama,tanggal_lahir,instansi"
    assert clean.files["kematian"].read_text().splitlines()[0] == "nik,nama,tanggal_meninggal"


def test_the_result_counts_match_the_files(clean: SynthResult) -> None:
    assert clean.households == _csv(clean, "keluarga").height == 1500
    assert clean.members == _csv(clean, "anggota").height
    truth = json.loads(clean.files["truth"].read_text())
    assert truth["keluarga_rows"] == 1500
    assert truth["anggota_rows"] == clean.members
    assert truth["expected_import"]["households"] == {"read": 1500, "accepted": 1500, "rejected": 0}
    assert truth["expected_import"]["rejects"] == {}
    assert truth["expected_import"]["flags"] == {}
    assert "truth_rejects" not in clean.files


# ------------------------------------------------------------------------------------------------------------
# Clean output obeys the contract and is plausible
# ------------------------------------------------------------------------------------------------------------


def test_clean_output_has_no_problem_and_no_flag(clean: SynthResult) -> None:
    problems, flags = check_contract(clean.files["keluarga"], clean.files["anggota"])
    assert problems.height == 0, problems.head(10)
    assert flags.height == 0, flags.head(10)


def test_clean_identity_numbers_follow_the_domain_rules(clean: SynthResult) -> None:
    m = _members_with_households(clean)
    k = _csv(clean, "keluarga")
    assert k["no_kk"].is_unique().all()
    assert m["nik"].is_unique().all()
    # No KK starts with the kecamatan of its household's desa
    assert (k["no_kk"].str.slice(0, 6) == k["kode_wilayah"].str.slice(0, 6)).all()
    # the NIK carries the birth date (+40 on the day for women) and mostly the household's kecamatan
    day = m["tanggal_lahir"].str.slice(8, 2).cast(pl.Int32) + (m["jenis_kelamin"] == "P").cast(pl.Int32) * 40
    encoded = (
        day.cast(pl.String).str.zfill(2)
        + m["tanggal_lahir"].str.slice(5, 2)
        + m["tanggal_lahir"].str.slice(2, 2)
    )
    assert (m["nik"].str.slice(6, 6) == encoded).all()
    assert (m["nik"].str.slice(10, 2) == m["tanggal_lahir"].str.slice(2, 2)).all()
    local = _num((m["nik"].str.slice(0, 6) == m["kode_wilayah"].str.slice(0, 6)).mean())
    assert 0.93 <= local < 1.0  # a few percent moved here from another kecamatan
    assert m["nik"].str.slice(12, 4).cast(pl.Int32).is_between(1, 9990).all()


def test_clean_households_are_plausible(clean: SynthResult) -> None:
    k = _csv(clean, "keluarga")
    m = _members_with_households(clean)
    sizes = m.group_by("no_kk").len()["len"]
    assert 3.0 <= _num(sizes.mean()) <= 4.7
    assert _num(sizes.min()) >= 1
    assert _num(sizes.max()) <= 9
    heads = m.filter(pl.col("hubungan") == "kepala_keluarga").group_by("no_kk").len()
    assert heads.height == k.height
    assert (heads["len"] == 1).all()
    assert 0.5 <= _num(k["bank"].is_not_null().mean()) <= 0.7
    assert (k["bank"].is_not_null() == k["no_rekening"].is_not_null()).all()
    assert 0.8 <= _num(k["desil"].is_not_null().mean()) <= 0.9
    assert sorted(k["desil"].drop_nulls().unique().cast(pl.Int32).to_list()) == list(range(1, 11))
    survey = k["pengeluaran_per_kapita"].drop_nulls().cast(pl.Int64)
    assert 0.02 <= survey.len() / k.height <= 0.09
    assert 150_000 <= _num(survey.median()) <= 3_000_000
    visits = k["tanggal_pendataan"].str.to_date()
    assert min(visits.to_list()) >= dt.date(2024, 1, 1)
    assert max(visits.to_list()) <= dt.date(2025, 12, 31)
    assert (k["rt"].str.len_chars() == 3).all()
    assert (k["rw"].str.len_chars() == 3).all()
    no_meter = k.filter(pl.col("sumber_penerangan") != "pln_meteran")
    assert (no_meter["daya_listrik_va"] == "0").all()
    metered = k.filter(pl.col("sumber_penerangan") == "pln_meteran")
    assert (metered["daya_listrik_va"] != "0").all()


def test_clean_people_are_consistent_with_their_age_and_family(clean: SynthResult) -> None:
    m = _members_with_households(clean).with_columns(
        age=((pl.col("visit") - pl.col("born")).dt.total_days() / 365.2425).floor().cast(pl.Int32)
    )
    women = m.filter((pl.col("jenis_kelamin") == "P") & pl.col("age").is_between(17, 45))
    pregnant = m.filter(pl.col("hamil") == "1")
    assert (pregnant["jenis_kelamin"] == "P").all()
    assert pregnant["age"].is_between(17, 45).all()
    assert 0.01 <= pregnant.height / women.height <= 0.06
    # children are 17-45 years younger than the head (their parent)
    heads = m.filter(pl.col("hubungan") == "kepala_keluarga").select("no_kk", head_born="born")
    children = m.filter(pl.col("hubungan") == "anak").join(heads, on="no_kk")
    gap = (children["born"] - children["head_born"]).dt.total_days() / 365.2425
    assert _num(gap.min()) >= 16.9
    assert _num(gap.max()) <= 45.1
    # schooling follows age
    school_age = {"paud": (4, 6), "sd": (7, 12), "smp": (13, 15), "sma": (16, 18), "pt": (19, 22)}
    for level, (low, high) in school_age.items():
        assert m.filter(pl.col("sekolah") == level)["age"].is_between(low, high).all(), level
    assert (m.filter(pl.col("age") < 12)["pendidikan"] == "tidak_sekolah").all()
    assert (m.filter(pl.col("age") < 16)["status_kawin"] == "belum_kawin").all()
    assert (m.filter(pl.col("sekolah").is_in(["sd", "smp", "sma", "pt"]))["pekerjaan"] == "pelajar").all()
    assert m.filter(pl.col("pekerjaan").is_in(["asn", "tni", "polri"]))["age"].is_between(18, 58).all()
    severe = _num((m["disabilitas"] == "berat").mean())
    assert 0.002 <= severe <= 0.025
    assert _num((m["disabilitas"] != "tidak").mean()) <= 0.08
    assert _num(m["nama_ibu"].is_not_null().mean()) >= 0.4
    assert _num(m["tempat_lahir"].is_not_null().mean()) >= 0.6
    assert _num(m["nama"].str.contains(" ").mean()) >= 0.3


def test_the_proxies_predict_measured_consumption(tmp_path: Path) -> None:
    """A PMT regression of log consumption on a few proxies finds real but imperfect signal."""
    result = synth_registry(households=12_000, seed=3, out_dir=tmp_path)
    k = _csv(result, "keluarga").filter(pl.col("pengeluaran_per_kapita").is_not_null())
    order = {
        "jenis_lantai": K_ENUMS["jenis_lantai"][::-1],
        "jenis_dinding": ["bambu", "lainnya", "kayu", "tembok"],
        "sumber_air_minum": [
            "sungai",
            "mata_air",
            "sumur_tak_terlindung",
            "hujan",
            "sumur_terlindung",
            "ledeng",
            "kemasan",
        ],
        "fasilitas_bab": ["tidak_ada", "umum", "bersama", "sendiri"],
        "bahan_bakar_memasak": [
            "kayu_bakar",
            "arang",
            "minyak_tanah",
            "tidak_memasak",
            "gas_3kg",
            "gas",
            "listrik",
        ],
    }
    features = k.select(
        pl.col("luas_lantai_m2").cast(pl.Float64).log(),
        pl.col("daya_listrik_va").cast(pl.Float64) / 1000,
        *[pl.col(c).replace_strict({v: float(i) for i, v in enumerate(vals)}) for c, vals in order.items()],
        *[pl.col(f"aset_{a}").cast(pl.Float64) for a in ("kulkas", "motor", "mobil", "ac", "emas", "lahan")],
    )
    y = k["pengeluaran_per_kapita"].cast(pl.Float64).log().to_list()
    r2 = _ols_r2([(1.0, *row) for row in features.rows()], y)
    assert 0.3 <= r2 <= 0.7


def _ols_r2(rows: list[tuple[float, ...]], y: list[float]) -> float:
    p = len(rows[0])
    xtx = [[sum(r[i] * r[j] for r in rows) for j in range(p)] for i in range(p)]
    xty = [sum(r[i] * v for r, v in zip(rows, y, strict=True)) for i in range(p)]
    aug = [[*xtx[i], xty[i]] for i in range(p)]
    for c in range(p):
        pivot = max(range(c, p), key=lambda r: abs(aug[r][c]))
        aug[c], aug[pivot] = aug[pivot], aug[c]
        for r in range(p):
            if r != c:
                f = aug[r][c] / aug[c][c]
                aug[r] = [x - f * z for x, z in zip(aug[r], aug[c], strict=True)]
    beta = [aug[i][p] / aug[i][i] for i in range(p)]
    fitted = [sum(b * x for b, x in zip(beta, r, strict=True)) for r in rows]
    mean = sum(y) / len(y)
    ss_res = sum((v - f) ** 2 for v, f in zip(y, fitted, strict=True))
    ss_tot = sum((v - mean) ** 2 for v in y)
    return 1 - ss_res / ss_tot


# ------------------------------------------------------------------------------------------------------------
# Regions
# ------------------------------------------------------------------------------------------------------------


def test_wilayah_restricts_households_to_the_given_kabupaten_and_provinces(tmp_path: Path) -> None:
    result = synth_registry(households=800, seed=2, out_dir=tmp_path, wilayah=["33.25", "51"])
    k = _csv(result, "keluarga")
    kab = k["kode_wilayah"].str.slice(0, 4)
    assert ((kab == "3325") | kab.str.starts_with("51")).all()
    assert (kab == "3325").any()
    # a provinsi code means all its kabupaten/kota, weighted by population (Bali has several)
    assert kab.filter(kab.str.starts_with("51")).n_unique() >= 5
    assert k["kode_wilayah"].is_in(DESA).all()


def test_kabupaten_are_chosen_in_proportion_to_population(tmp_path: Path) -> None:
    result = synth_registry(households=4000, seed=4, out_dir=tmp_path, wilayah=["3171", "3101"])
    kab = _csv(result, "keluarga")["kode_wilayah"].str.slice(0, 4)
    # Jakarta Selatan (about 2.3 million people) against Kepulauan Seribu (about 29 thousand)
    assert _num((kab == "3101").mean()) < 0.05
    assert _num((kab == "3171").mean()) > 0.95


@pytest.mark.parametrize("code", ["99", "3399", "33.25.01", "abc", ""])
def test_an_unknown_wilayah_code_is_refused(tmp_path: Path, code: str) -> None:
    with pytest.raises(ValueError, match="tidak dikenal"):
        synth_registry(households=10, seed=1, out_dir=tmp_path, wilayah=[code])


def test_fewer_than_one_household_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="paling sedikit 1"):
        synth_registry(households=0, seed=1, out_dir=tmp_path)


# ------------------------------------------------------------------------------------------------------------
# Dirty output: exact plants
# ------------------------------------------------------------------------------------------------------------


def test_dirty_output_writes_every_truth_file(dirty: SynthResult) -> None:
    for name in ("truth", "truth_rejects", "truth_flags", "truth_duplicates", "truth_lookalikes"):
        assert dirty.files[name].exists(), name
    assert _csv(dirty, "truth_rejects").columns == ["berkas", "baris", "kunci", "kode"]
    assert _csv(dirty, "truth_flags").columns == ["berkas", "kunci", "kode"]
    assert _csv(dirty, "truth_duplicates").columns == ["nik_a", "nik_b"]
    assert _csv(dirty, "truth_lookalikes").columns == ["nik_a", "nik_b"]


def test_every_reject_and_flag_code_is_planted_at_least_three_times(dirty: SynthResult) -> None:
    rejects = dict(_csv(dirty, "truth_rejects").group_by("kode").len().iter_rows())
    flags = dict(_csv(dirty, "truth_flags").group_by("kode").len().iter_rows())
    assert {code: rejects.get(code, 0) >= 3 for code in REJECT_CODES} == dict.fromkeys(REJECT_CODES, True)
    assert {code: flags.get(code, 0) >= 3 for code in FLAG_CODES} == dict.fromkeys(FLAG_CODES, True)
    assert dirty.rejects == {code: rejects[code] for code in REJECT_CODES}
    assert dirty.flags == {code: flags[code] for code in FLAG_CODES}


def test_the_truth_files_list_exactly_what_the_contract_finds(dirty: SynthResult) -> None:
    problems, flags = check_contract(dirty.files["keluarga"], dirty.files["anggota"])
    truth_rejects = _csv(dirty, "truth_rejects").with_columns(pl.col("baris").cast(pl.Int64))
    assert set(problems.iter_rows()) == set(truth_rejects.iter_rows())
    assert problems.height == truth_rejects.height  # one problem per planted row
    assert set(flags.iter_rows()) == set(_csv(dirty, "truth_flags").iter_rows())
    assert flags.height == _csv(dirty, "truth_flags").height


def test_the_expected_import_summary_adds_up(dirty: SynthResult) -> None:
    truth = json.loads(dirty.files["truth"].read_text())
    expected = truth["expected_import"]
    rejects = _csv(dirty, "truth_rejects")
    for berkas, key in (("keluarga", "households"), ("anggota", "members")):
        rows = rejects.filter(pl.col("berkas") == berkas)
        assert expected[key]["rejected"] == rows["baris"].n_unique()
        assert expected[key]["read"] == expected[key]["accepted"] + expected[key]["rejected"]
    assert expected["households"]["read"] == _csv(dirty, "keluarga").height
    assert expected["members"]["read"] == _csv(dirty, "anggota").height
    assert expected["rejects"] == dict(sorted(rejects.group_by("kode").len().iter_rows()))
    # rejects are a small share of the rows (at least three of each code even for a small registry)
    assert expected["members"]["rejected"] / expected["members"]["read"] < 0.1


def test_members_of_a_broken_household_are_all_listed_as_kk_ditolak(dirty: SynthResult) -> None:
    rejects = _csv(dirty, "truth_rejects")
    anggota = _csv(dirty, "anggota")
    broken = rejects.filter(
        (pl.col("berkas") == "keluarga") & ~pl.col("kode").is_in(["KK_GANDA", "FORMAT_KK"])
    )["kunci"]
    members_of_broken = anggota.filter(pl.col("no_kk").is_in(broken.implode()))["nik"].sort()
    listed = rejects.filter(pl.col("kode") == "KK_DITOLAK")["kunci"].sort()
    assert members_of_broken.len() > 0
    assert members_of_broken.to_list() == listed.to_list()


def test_duplicate_pairs_are_the_same_person_under_another_nik(dirty: SynthResult) -> None:
    pairs = _csv(dirty, "truth_duplicates")
    anggota = _csv(dirty, "anggota")
    assert 0.005 <= pairs.height / anggota.height <= 0.02
    assert (pairs["nik_a"] != pairs["nik_b"]).all()
    people = anggota.select("nik", "nama", "jenis_kelamin", "tanggal_lahir").unique("nik", keep="first")
    joined = pairs.join(people.rename(lambda c: c + "_a"), on="nik_a").join(
        people.rename(lambda c: c + "_b"), on="nik_b"
    )
    assert joined.height == pairs.height  # both sides are in anggota.csv
    assert (joined["jenis_kelamin_a"] == joined["jenis_kelamin_b"]).all()
    days = (
        (joined["tanggal_lahir_a"].str.to_date() - joined["tanggal_lahir_b"].str.to_date())
        .dt.total_days()
        .abs()
    )
    assert _num(days.max()) <= 1
    # the variants are all used: exact copies, other spellings and one-day-off birth dates
    assert (joined["nama_a"] == joined["nama_b"]).any()
    assert (joined["nama_a"] != joined["nama_b"]).any()
    assert (days == 1).any()
    assert (joined["nik_a"].str.slice(0, 6) != joined["nik_b"].str.slice(0, 6)).any()
    # duplicates are accepted rows: none of them is a planted reject
    planted = _csv(dirty, "truth_rejects").filter(pl.col("berkas") == "anggota")["kunci"]
    assert not pairs["nik_a"].is_in(planted.implode()).any()
    assert not pairs["nik_b"].is_in(planted.implode()).any()


def test_lookalikes_are_different_people_with_the_same_birth_date(dirty: SynthResult) -> None:
    pairs = _csv(dirty, "truth_lookalikes")
    anggota = _csv(dirty, "anggota").unique("nik", keep="first")
    assert pairs.height >= 6  # twins and common names
    joined = pairs.join(anggota.rename(lambda c: c + "_a"), on="nik_a").join(
        anggota.rename(lambda c: c + "_b"), on="nik_b"
    )
    assert joined.height == pairs.height
    assert (joined["tanggal_lahir_a"] == joined["tanggal_lahir_b"]).all()
    twins = joined.filter(pl.col("no_kk_a") == pl.col("no_kk_b"))
    namesakes = joined.filter(pl.col("no_kk_a") != pl.col("no_kk_b"))
    assert twins.height >= 3
    assert (twins["nama_a"] != twins["nama_b"]).all()
    assert namesakes.height >= 3
    assert (namesakes["nama_a"] == namesakes["nama_b"]).all()
    duplicates = _csv(dirty, "truth_duplicates")
    assert not pairs["nik_a"].is_in(duplicates["nik_a"].implode()).any()
    assert not pairs["nik_b"].is_in(duplicates["nik_b"].implode()).any()


# ------------------------------------------------------------------------------------------------------------
# Reference lists
# ------------------------------------------------------------------------------------------------------------


def test_clean_reference_lists_name_registry_members(clean: SynthResult) -> None:
    anggota = _csv(clean, "anggota")
    for name, share in (("asn", 0.003), ("tni_polri", 0.002), ("kematian", 0.005)):
        rows = _csv(clean, name)
        assert rows["nik"].is_in(anggota["nik"].implode()).all(), name
        assert rows["nik"].is_unique().all(), name
        assert abs(rows.height - share * anggota.height) <= 2, name
    asn = _csv(clean, "asn").join(anggota, on="nik")
    assert (asn["nama"] == asn["nama_right"]).all()
    assert (asn["tanggal_lahir"] == asn["tanggal_lahir_right"]).all()
    dead = (
        _csv(clean, "kematian")
        .join(anggota, on="nik")
        .join(_csv(clean, "keluarga").select("no_kk", "tanggal_pendataan"), on="no_kk")
    )
    assert (dead["tanggal_meninggal"] > dead["tanggal_pendataan"]).all()
    assert (dead["tanggal_meninggal"].str.to_date() <= TODAY).all()


def test_dirty_reference_lists_carry_malformed_and_unknown_rows(dirty: SynthResult) -> None:
    anggota = _csv(dirty, "anggota")
    planted = _csv(dirty, "truth_rejects").filter(pl.col("berkas") == "anggota")["kunci"]
    truth = json.loads(dirty.files["truth"].read_text())
    for name in ("asn", "tni_polri", "kematian"):
        rows = _csv(dirty, name)
        malformed = rows.filter(~pl.col("nik").str.contains(r"^\d{16}$"))
        unknown = rows.filter(
            pl.col("nik").str.contains(r"^\d{16}$") & ~pl.col("nik").is_in(anggota["nik"].implode())
        )
        assert malformed.height == 2, name
        assert unknown.height == 2, name
        assert not rows["nik"].is_in(planted.implode()).any(), name
        assert truth["lists"][name] == {
            "rows": rows.height,
            "in_registry": rows.height - 4,
            "malformed": 2,
            "not_in_registry": 2,
        }


# ------------------------------------------------------------------------------------------------------------
# The command
# ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def django_ready() -> None:
    """The command needs Django configured; pytest-django does it, and without the plugin we do."""
    import os

    import django
    from django.conf import settings

    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salur.settings")
        django.setup()


@pytest.mark.usefixtures("django_ready")
def test_the_command_prints_one_json_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import call_command

    call_command("synth", "--households", "200", "--seed", "3", "--out", str(tmp_path), "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["households"] == 200
    assert data["files"]["keluarga"] == str(tmp_path / "keluarga.csv")
    assert (tmp_path / "anggota.csv").exists()


@pytest.mark.parametrize(
    "args", [["--households", "0"], ["--households", "10", "--wilayah", "3399"]], ids=["zero", "wilayah"]
)
@pytest.mark.usefixtures("django_ready")
def test_the_command_refuses_bad_arguments(tmp_path: Path, args: list[str]) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as excinfo:
        call_command("synth", *args, "--out", str(tmp_path))
    assert excinfo.value.returncode == 2
    assert not (tmp_path / "keluarga.csv").exists()
