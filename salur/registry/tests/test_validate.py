"""Pure rule tests of the exchange-format validator: no database (contract: registry-exchange.md)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salur.registry import schema
from salur.registry.batch import validate as v

REF = v.Reference(
    desa_codes=pl.Series(["3325012001", "1872011001"]),
    kecamatan_codes=pl.Series(["332501", "187201", "910101"]),
    today=dt.date(2026, 11, 23),
)

GOOD_KK = {
    "no_kk": "3325010101240001",
    "kode_wilayah": "3325012001",
    "alamat": "Jl. Melati No. 1",
    "rt": "001",
    "rw": "002",
    "luas_lantai_m2": "36",
    "jenis_lantai": "semen",
    "jenis_dinding": "tembok",
    "jenis_atap": "genteng",
    "sumber_air_minum": "sumur_terlindung",
    "sumber_penerangan": "pln_meteran",
    "bahan_bakar_memasak": "gas_3kg",
    "fasilitas_bab": "sendiri",
    "status_rumah": "milik_sendiri",
    "daya_listrik_va": "450",
    "aset_kulkas": "0",
    "aset_motor": "1",
    "aset_mobil": "0",
    "aset_ac": "0",
    "aset_emas": "0",
    "aset_lahan": "0",
    "bank": "BRI",
    "no_rekening": "123456789012345",
    "desil": "2",
    "pengeluaran_per_kapita": "",
    "tanggal_pendataan": "2024-01-15",
}
GOOD_MEMBER = {
    "nik": "3325015505900001",  # born 15-05-1990, female (55 = 15 + 40)
    "no_kk": "3325010101240001",
    "nama": "Siti Aminah",
    "jenis_kelamin": "P",
    "tempat_lahir": "Batang",
    "tanggal_lahir": "1990-05-15",
    "hubungan": "kepala_keluarga",
    "status_kawin": "kawin",
    "pendidikan": "sd",
    "sekolah": "",
    "pekerjaan": "petani",
    "disabilitas": "tidak",
    "hamil": "0",
    "nama_ibu": "Sarinah",
}


def frame(rows: list[dict[str, str]], names: tuple[str, ...]) -> pl.DataFrame:
    data = {n: [r.get(n, "") for r in rows] for n in names}
    f = pl.DataFrame(data, schema=dict.fromkeys(names, pl.Utf8)).with_columns(
        pl.int_range(1, len(rows) + 1, dtype=pl.Int64).alias(v.ROW)
    )
    return v.normalise(f, names)


def kk(**changes: str) -> dict[str, str]:
    return {**GOOD_KK, **changes}


def member(**changes: str) -> dict[str, str]:
    return {**GOOD_MEMBER, **changes}


def codes_of(res: v.ChunkResult) -> list[str]:
    return res.problems["kode"].to_list()


def check_kk(*rows: dict[str, str], state: v.ImportState | None = None) -> v.ChunkResult:
    return v.validate_keluarga(
        frame(list(rows), schema.KELUARGA_NAMES), ref=REF, state=state or v.ImportState()
    )


def check_members(
    *rows: dict[str, str], state: v.ImportState | None = None, registry: pl.DataFrame | None = None
) -> v.ChunkResult:
    if state is None:
        state = v.ImportState()
        check_kk(GOOD_KK, state=state)
        v.finish_households(state)
    reg = (
        registry
        if registry is not None
        else pl.DataFrame(schema={"no_kk_int": pl.Int64, "tanggal_pendataan": pl.Date})
    )
    return v.validate_anggota(
        frame(list(rows), schema.ANGGOTA_NAMES), ref=REF, state=state, registry_households=reg
    )


def test_a_good_household_and_member_pass_without_problems_or_flags():
    res = check_kk(GOOD_KK)
    assert (res.read, res.rejected, codes_of(res)) == (1, 0, [])
    m = check_members(GOOD_MEMBER)
    assert (m.rejected, codes_of(m), m.accepted["flags"].to_list()) == (0, [], [""])


@pytest.mark.parametrize(
    ("changes", "code", "column"),
    [
        ({"jenis_dinding": ""}, "KOLOM_WAJIB", "jenis_dinding"),
        ({"tanggal_pendataan": "  "}, "KOLOM_WAJIB", "tanggal_pendataan"),
        ({"no_kk": "33250101012400"}, "FORMAT_KK", "no_kk"),
        ({"no_kk": "33250101012400AB"}, "FORMAT_KK", "no_kk"),
        ({"tanggal_pendataan": "2024-02-30"}, "TANGGAL_TIDAK_SAH", "tanggal_pendataan"),
        ({"tanggal_pendataan": "15-01-2024"}, "TANGGAL_TIDAK_SAH", "tanggal_pendataan"),
        ({"tanggal_pendataan": "2027-01-01"}, "TANGGAL_TIDAK_SAH", "tanggal_pendataan"),
        ({"tanggal_pendataan": "1899-12-31"}, "TANGGAL_TIDAK_SAH", "tanggal_pendataan"),
        ({"jenis_lantai": "marmer"}, "NILAI_TIDAK_DIKENAL", "jenis_lantai"),
        ({"aset_motor": "2"}, "NILAI_TIDAK_DIKENAL", "aset_motor"),
        ({"bank": "BCA"}, "NILAI_TIDAK_DIKENAL", "bank"),
        ({"daya_listrik_va": "1000"}, "NILAI_TIDAK_DIKENAL", "daya_listrik_va"),
        ({"alamat": "x" * 201}, "NILAI_TIDAK_DIKENAL", "alamat"),
        ({"luas_lantai_m2": "-7"}, "ANGKA_TIDAK_SAH", "luas_lantai_m2"),
        ({"luas_lantai_m2": "dua puluh"}, "ANGKA_TIDAK_SAH", "luas_lantai_m2"),
        ({"desil": "11"}, "ANGKA_TIDAK_SAH", "desil"),
        ({"desil": "0"}, "ANGKA_TIDAK_SAH", "desil"),
        ({"pengeluaran_per_kapita": "-1"}, "ANGKA_TIDAK_SAH", "pengeluaran_per_kapita"),
        ({"pengeluaran_per_kapita": "1.5"}, "ANGKA_TIDAK_SAH", "pengeluaran_per_kapita"),
        ({"rt": "0001"}, "ANGKA_TIDAK_SAH", "rt"),
        ({"daya_listrik_va": "besar"}, "ANGKA_TIDAK_SAH", "daya_listrik_va"),
        ({"kode_wilayah": "3325012999"}, "WILAYAH_TIDAK_DIKENAL", "kode_wilayah"),
        ({"kode_wilayah": "33.25.01.2001"}, "WILAYAH_TIDAK_DIKENAL", "kode_wilayah"),
        ({"kode_wilayah": "332501"}, "WILAYAH_TIDAK_DIKENAL", "kode_wilayah"),
        ({"no_rekening": ""}, "REKENING_TIDAK_SAH", "no_rekening"),
        ({"bank": ""}, "REKENING_TIDAK_SAH", "no_rekening"),
        ({"no_rekening": "123456789"}, "REKENING_TIDAK_SAH", "no_rekening"),
        ({"no_rekening": "12345678901234567"}, "REKENING_TIDAK_SAH", "no_rekening"),
    ],
)
def test_each_household_reject_code_is_reported_once_for_its_column(changes, code, column):
    res = check_kk(kk(**changes))
    assert res.rejected == 1
    assert res.accepted.height == 0
    assert res.problems.select("kode", "kolom").rows() == [(code, column)]
    assert res.problems["pesan"][0]  # a message for the clerk


def test_a_row_with_several_problems_lists_every_one():
    res = check_kk(kk(jenis_lantai="marmer", luas_lantai_m2="-1", bank=""))
    assert sorted(codes_of(res)) == ["ANGKA_TIDAK_SAH", "NILAI_TIDAK_DIKENAL", "REKENING_TIDAK_SAH"]
    assert res.rejected == 1


def test_a_repeated_no_kk_keeps_the_first_row_and_rejects_later_ones_across_chunks():
    state = v.ImportState()
    first = check_kk(kk(), kk(alamat="dua"), state=state)
    second = check_kk(kk(alamat="tiga"), state=state)
    assert first.problems.select("baris", "kode").rows() == [(2, "KK_GANDA")]
    assert "baris 1" in first.problems["pesan"][0]
    assert codes_of(second) == ["KK_GANDA"]
    assert first.accepted["alamat"].to_list() == ["Jl. Melati No. 1"]


def test_surrounding_spaces_are_trimmed_and_bom_free_values_accepted():
    res = check_kk(kk(jenis_lantai="  semen ", no_kk=" 3325010101240001"))
    assert codes_of(res) == []
    assert res.accepted["no_kk"][0] == "3325010101240001"


def test_desil_source_is_supplied_only_when_given():
    res = check_kk(kk(), kk(no_kk="3325010101240002", desil=""))
    assert res.accepted.select("desil", "desil_sumber").rows() == [(2, "supplied"), (None, "")]


@pytest.mark.parametrize(
    ("changes", "code", "column"),
    [
        ({"nama": ""}, "KOLOM_WAJIB", "nama"),
        ({"nik": "12345"}, "FORMAT_NIK", "nik"),
        ({"no_kk": "123"}, "FORMAT_KK", "no_kk"),
        ({"tanggal_lahir": "1990-13-01"}, "TANGGAL_TIDAK_SAH", "tanggal_lahir"),
        ({"tanggal_lahir": "2024-01-16"}, "TANGGAL_TIDAK_SAH", "tanggal_lahir"),  # after tanggal_pendataan
        ({"tanggal_lahir": "1899-05-15"}, "TANGGAL_TIDAK_SAH", "tanggal_lahir"),
        ({"jenis_kelamin": "X"}, "NILAI_TIDAK_DIKENAL", "jenis_kelamin"),
        ({"hamil": "ya"}, "NILAI_TIDAK_DIKENAL", "hamil"),
        ({"sekolah": "sd_kelas_3"}, "NILAI_TIDAK_DIKENAL", "sekolah"),
        ({"no_kk": "3325010101249999"}, "KK_TIDAK_DIKENAL", "no_kk"),
    ],
)
def test_each_member_reject_code_is_reported(changes, code, column):
    res = check_members(member(**changes))
    assert res.problems.select("kode", "kolom").rows() == [(code, column)]
    assert res.rejected == 1


def test_member_of_a_rejected_household_is_rejected_with_kk_ditolak():
    state = v.ImportState()
    check_kk(kk(jenis_lantai="marmer"), state=state)
    v.finish_households(state)
    res = check_members(member(), state=state)
    assert codes_of(res) == ["KK_DITOLAK"]


def test_member_of_a_rejected_household_that_the_registry_holds_is_accepted():
    state = v.ImportState()
    check_kk(kk(jenis_lantai="marmer"), state=state)
    v.finish_households(state)
    registry = pl.DataFrame(
        {"no_kk_int": [3325010101240001], "tanggal_pendataan": [dt.date(2023, 1, 1)]},
        schema={"no_kk_int": pl.Int64, "tanggal_pendataan": pl.Date},
    )
    res = check_members(member(), state=state, registry=registry)
    assert codes_of(res) == []


def test_kk_ganda_later_row_does_not_reject_the_members_of_the_first():
    state = v.ImportState()
    check_kk(kk(), kk(alamat="dua"), state=state)
    v.finish_households(state)
    assert codes_of(check_members(member(), state=state)) == []


def test_a_repeated_nik_is_rejected_after_the_first():
    res = check_members(member(), member(nama="Siti Aminah 2"))
    assert res.problems.select("baris", "kode").rows() == [(2, "NIK_GANDA")]


@pytest.mark.parametrize(
    ("changes", "flags"),
    [
        ({"nik": "9999015505900001"}, "NIK_WILAYAH"),
        ({"nik": "9101015505900001"}, ""),  # historical kecamatan code: a valid prefix
        ({"nik": "3325015605900001"}, "NIK_TGL_LAHIR"),
        ({"nik": "3325015513900001"}, "NIK_TGL_LAHIR"),  # month 13 is not a real date
        ({"nik": "3325011505900001"}, "NIK_JENIS_KELAMIN"),  # woman without the +40
        ({"nik": "3325011605900001"}, "NIK_JENIS_KELAMIN,NIK_TGL_LAHIR"),  # independent flags
        ({"hamil": "1"}, ""),  # a 33-year-old woman
        ({"hamil": "1", "tanggal_lahir": "1960-05-15", "nik": "3325015505600001"}, "HAMIL_TIDAK_WAJAR"),
        (
            {"hamil": "1", "jenis_kelamin": "L", "nik": "3325011505900001"},
            "HAMIL_TIDAK_WAJAR",
        ),
    ],
)
def test_member_flags_follow_the_nik_decoding_rules(changes, flags):
    res = check_members(member(**changes))
    assert codes_of(res) == []
    assert res.accepted["flags"].to_list() == [flags]


def test_flag_counts_count_rows():
    res = check_members(member(nik="9999015505900001"), member(nik="9999015505900002", hubungan="anak"))
    assert res.flags["NIK_WILAYAH"] == 2


# --- properties -------------------------------------------------------------------------------------------


@st.composite
def births(draw):
    day = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 1, 15)))
    sex = draw(st.sampled_from(["L", "P"]))
    return day, sex


def nik_for(day: dt.date, sex: str, serial: int = 1) -> str:
    dd = day.day + (40 if sex == "P" else 0)
    return f"332501{dd:02d}{day.month:02d}{day.year % 100:02d}{serial:04d}"


@settings(max_examples=60, deadline=None)
@given(births())
def test_a_nik_built_from_the_birth_date_and_sex_never_raises_a_nik_flag(birth):
    day, sex = birth
    res = check_members(
        member(nik=nik_for(day, sex), tanggal_lahir=day.isoformat(), jenis_kelamin=sex, hamil="0")
    )
    assert codes_of(res) == []
    assert res.accepted["flags"].to_list() == [""]


@settings(max_examples=60, deadline=None)
@given(births(), st.integers(min_value=1, max_value=27))
def test_a_nik_whose_day_differs_raises_nik_tgl_lahir(birth, shift):
    day, sex = birth
    other = day.replace(day=(day.day - 1 + shift) % 28 + 1)
    if other.day == day.day:
        return
    res = check_members(member(nik=nik_for(other, sex), tanggal_lahir=day.isoformat(), jenis_kelamin=sex))
    assert "NIK_TGL_LAHIR" in res.accepted["flags"][0]
    assert "NIK_JENIS_KELAMIN" not in res.accepted["flags"][0]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=20))
def test_any_text_in_a_number_column_is_accepted_or_rejected_never_crashes(text):
    res = check_kk(kk(luas_lantai_m2=text, desil=text))
    assert res.read == 1
    assert res.rejected + res.accepted.height == 1
    if res.accepted.height:
        assert res.accepted["luas_lantai_m2"][0] >= 0


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789-", max_size=12))
def test_dates_are_accepted_only_when_real(text):
    res = check_kk(kk(tanggal_pendataan=text))
    try:
        real = dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        real = None
    ok = real is not None and dt.date(1900, 1, 1) <= real <= REF.today
    assert (res.rejected == 0) == ok
