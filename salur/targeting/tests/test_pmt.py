"""The PMT's pure parts on hand-made frames, and calibration on synthetic data (no database)."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salur.targeting import pmt

D = dt.date


def household(hid: int, **over) -> dict:
    row = {
        "household_id": hid,
        "kode_wilayah": "3325012001",  # Kab. Batang, a desa
        "luas_lantai_m2": 36.0,
        "jenis_lantai": "semen",
        "jenis_dinding": "tembok",
        "jenis_atap": "genteng",
        "sumber_air_minum": "sumur_terlindung",
        "sumber_penerangan": "pln_meteran",
        "bahan_bakar_memasak": "gas_3kg",
        "fasilitas_bab": "sendiri",
        "status_rumah": "milik_sendiri",
        "daya_listrik_va": 900,
        "aset_kulkas": 1,
        "aset_motor": 1,
        "aset_mobil": 0,
        "aset_ac": 0,
        "aset_emas": 0,
        "aset_lahan": 0,
        "tanggal_pendataan": D(2024, 6, 1),
        "pengeluaran_per_kapita": None,
    }
    row.update(over)
    return row


def member(hid: int, born: dt.date, hubungan: str = "anak", **over) -> dict:
    row = {
        "household_id": hid,
        "tanggal_lahir": born,
        "jenis_kelamin": "L",
        "hubungan": hubungan,
        "pendidikan": "sd",
        "pekerjaan": "pelajar",
        "disabilitas": "tidak",
    }
    row.update(over)
    return row


HH_SCHEMA = {
    "household_id": pl.Int64,
    "kode_wilayah": pl.Utf8,
    "luas_lantai_m2": pl.Float64,
    **{c: pl.Utf8 for c in pmt.CATEGORICAL if c not in ("kepala_pendidikan", "daya_listrik_va")},
    "daya_listrik_va": pl.Int64,
    **{c: pl.Int8 for c in pmt.NUMERIC if c.startswith("aset_")},
    "tanggal_pendataan": pl.Date,
    "pengeluaran_per_kapita": pl.Int64,
}
M_SCHEMA = {
    "household_id": pl.Int64,
    "tanggal_lahir": pl.Date,
    "jenis_kelamin": pl.Utf8,
    "hubungan": pl.Utf8,
    "pendidikan": pl.Utf8,
    "pekerjaan": pl.Utf8,
    "disabilitas": pl.Utf8,
}


def frames(households: list[dict], members: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    return pl.DataFrame(households, schema=HH_SCHEMA), pl.DataFrame(members, schema=M_SCHEMA)


def test_features_of_a_hand_made_family():
    hh, m = frames(
        [household(1), household(2, kode_wilayah="3372011001", luas_lantai_m2=0.0, daya_listrik_va=0)],
        [
            # the head: a woman, SMA, a trader; the age at the visit (2024-06-01) counts, not today's
            member(
                1, D(1980, 6, 2), "kepala_keluarga", jenis_kelamin="P", pendidikan="sma", pekerjaan="pedagang"
            ),
            member(1, D(2010, 1, 1)),  # 14 at the visit: a child
            member(1, D(1964, 6, 1), "orang_tua", pekerjaan="pensiunan", disabilitas="berat"),  # 60 that day
            # a second head listed later does not count as the head
            member(1, D(1990, 1, 1), "kepala_keluarga", pendidikan="sarjana", pekerjaan="asn"),
        ],
    )
    base = pmt.household_base(hh, m).sort("household_id")
    one = base.row(0, named=True)
    assert one["ln_anggota"] == pytest.approx(math.log(4))
    assert one["porsi_anak"] == pytest.approx(0.25)
    assert one["porsi_lansia"] == pytest.approx(0.25)
    assert one["porsi_bekerja"] == pytest.approx(0.75)  # trader, pensioner, civil servant
    assert one["ada_pekerja_formal"] == 1.0
    assert one["ada_disabilitas"] == 1.0
    assert one["kepala_perempuan"] == 1.0
    assert one["kepala_pendidikan"] == "sma"
    assert one["ln_luas_lantai_per_kapita"] == pytest.approx(math.log(36 / 4))
    assert (one["kota"], one["kelurahan"], one["provinsi"], one["daya_listrik_va"]) == (0.0, 0.0, "33", "900")
    # no members: one person, no head; a floor of 0 m2 counts as 1 m2; Kota Semarang (33.74), a kelurahan
    two = base.row(1, named=True)
    assert two["ln_anggota"] == 0.0
    assert (two["porsi_anak"], two["kepala_perempuan"], two["kepala_pendidikan"]) == (0.0, 0.0, "")
    assert two["ln_luas_lantai_per_kapita"] == 0.0
    assert (two["kota"], two["kelurahan"], two["daya_listrik_va"]) == (1.0, 1.0, "0")


def test_the_score_is_the_intercept_plus_the_weights_of_what_the_household_has():
    hh, m = frames([household(1)], [member(1, D(1980, 1, 1), "kepala_keluarga", pendidikan="smp")])
    base = pmt.household_base(hh, m)
    w = pmt.DEFAULT_WEIGHTS.weights
    expected = (
        pmt.DEFAULT_WEIGHTS.intercept
        + w["ln_luas_lantai_per_kapita"] * math.log(36)
        + w["porsi_bekerja"] * 0.0  # pelajar does not count as working
        + w["aset_kulkas"]
        + w["aset_motor"]
        + w["jenis_lantai=semen"]
        + w["jenis_dinding=tembok"]
        + w["jenis_atap=genteng"]
        + w["sumber_air_minum=sumur_terlindung"]
        + w["sumber_penerangan=pln_meteran"]
        + w["daya_listrik_va=900"]
        + w["bahan_bakar_memasak=gas_3kg"]
        + w["fasilitas_bab=sendiri"]
        + w["kepala_pendidikan=smp"]
    )
    assert pmt.predict(base, pmt.DEFAULT_WEIGHTS).to_list() == [round(expected, 6)]
    # the design matrix gives the same number as the lookup expression
    names = list(w)
    x = pmt.design(base, names).row(0, named=True)
    assert pmt.DEFAULT_WEIGHTS.intercept + sum(w[n] * x[n] for n in names) == pytest.approx(expected)


def test_ols_recovers_exact_coefficients_and_gives_a_constant_feature_weight_zero():
    x = pl.DataFrame(
        {
            "a": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 1.5, 2.5],
            "b": [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0],
            "c": [1.0] * 8,  # never varies
        }
    )
    y = 1.5 + 2.0 * x["a"] - 3.0 * x["b"]
    fitted = pmt.fit_ols(x, y, ridge=0.0)
    assert fitted.intercept == pytest.approx(1.5)
    assert fitted.weights == pytest.approx({"a": 2.0, "b": -3.0, "c": 0.0})


def test_the_ridge_term_shrinks_weights_toward_zero():
    x = pl.DataFrame({"a": [0.0, 1.0, 0.0, 1.0]})
    y = pl.Series([0.0, 1.0, 0.0, 1.0])
    # sum of squares of centred a is 1: the slope is 1 / (1 + ridge)
    assert pmt.fit_ols(x, y, ridge=1.0).weights["a"] == pytest.approx(0.5)


def test_national_desil_cuts_twenty_values_into_ten_pairs_and_ties_share_the_lower_desil():
    values = pl.Series([float(v) for v in range(20, 0, -1)])
    assert pmt.national_desil(values).to_list() == [d for d in range(10, 0, -1) for _ in range(2)]
    tied = pl.Series([1.0, 2.0, 2.0, 2.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    assert pmt.national_desil(tied).to_list() == [1, 2, 2, 2, 5, 6, 7, 8, 9, 10]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-50, 50, allow_nan=False), min_size=10, max_size=300, unique=True))
def test_distinct_values_fill_every_desil_with_a_tenth_in_value_order(values):
    desil = pmt.national_desil(pl.Series(values))
    n = len(values)
    counts = desil.value_counts().sort("desil")
    assert counts["desil"].to_list() == list(range(1, 11))
    assert all(n // 10 <= c <= n // 10 + 1 for c in counts["count"].to_list())
    pairs = sorted(zip(values, desil.to_list(), strict=True))
    assert [d for _, d in pairs] == sorted(d for _, d in pairs)


def test_inclusion_and_exclusion_errors_on_ten_households():
    # measured consumption 1..10: the bottom 40% are the households measuring 1, 2, 3, 4
    measured = pl.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    # the PMT puts households 1, 2, 5 and 9 in desil <= 4: 5 and 9 wrongly in, 3 and 4 missed
    pmt_desil = pl.Series([1, 2, 6, 7, 3, 8, 9, 10, 4, 5])
    errors = pmt.targeting_errors(pmt_desil, measured)
    assert errors.as_dict() == {
        "households": 10,
        "poor": 4,
        "selected": 4,
        "included_wrongly": 2,
        "excluded_wrongly": 2,
        "inclusion_error": 0.5,
        "exclusion_error": 0.5,
    }
    # a PMT that selects six: one more wrongly included, none more missed
    wider = pmt.targeting_errors(pl.Series([1, 2, 6, 7, 3, 4, 9, 10, 4, 4]), measured)
    assert (wider.selected, wider.included_wrongly, wider.excluded_wrongly) == (6, 4, 2)
    assert wider.inclusion_error == pytest.approx(4 / 6)


def test_stored_weights_are_checked_and_hashed_canonically():
    data = pmt.DEFAULT_WEIGHTS.as_dict()
    again = pmt.PmtWeights.from_dict(data)
    assert again == pmt.DEFAULT_WEIGHTS
    assert again.sha256() == pmt.DEFAULT_WEIGHTS.sha256()
    assert pmt.PmtWeights.from_dict({"intercept": 1, "weights": {"provinsi=33": 0.1}}).weights == {
        "provinsi=33": 0.1
    }
    with pytest.raises(ValueError, match="tidak dikenal: warna_pintu"):
        pmt.PmtWeights.from_dict({"intercept": 1, "weights": {"warna_pintu": 0.1}})
    with pytest.raises(ValueError, match="bukan angka"):
        pmt.PmtWeights.from_dict({"intercept": 1, "weights": {"aset_ac": "banyak"}})
    with pytest.raises(ValueError, match="intercept"):
        pmt.PmtWeights.from_dict({"weights": {}})


def test_every_default_weight_is_a_known_feature_with_a_meaning():
    names = set(pmt.fixed_feature_names())
    assert set(pmt.DEFAULT_WEIGHTS.weights) == names
    assert all(pmt.feature_label(n) != n for n in names)


def test_calibration_refuses_a_sample_too_small():
    hh, m = frames([household(i, pengeluaran_per_kapita=900_000 + i) for i in range(1, 60)], [])
    with pytest.raises(
        pmt.CalibrationError, match="pengeluaran_per_kapita untuk kalibrasi: 59; perlu paling sedikit 100"
    ):
        pmt.calibrate(pmt.household_base(hh, m), current=pmt.DEFAULT_WEIGHTS)
    with pytest.raises(pmt.CalibrationError, match="lipatan"):
        pmt.calibrate(pmt.household_base(hh, m), current=pmt.DEFAULT_WEIGHTS, folds=1)


def test_calibration_on_synthetic_data_misses_fewer_poor_and_includes_fewer_well_off(synth_national):
    households, members = synth_national
    base = pmt.household_base(households, members)
    result = pmt.calibrate(base, current=pmt.DEFAULT_WEIGHTS, folds=5)
    before, after = result.before, result.after
    assert result.sample == households["pengeluaran_per_kapita"].is_not_null().sum()
    assert before.errors.households == after.errors.households == result.sample
    # the same measured bottom 40% is the yardstick of both
    assert before.errors.poor == after.errors.poor
    assert 0.39 * result.sample <= before.errors.poor <= 0.41 * result.sample
    # cross-validated: each household judged by a model fitted without it
    assert after.quality.r2 > before.quality.r2 + 0.05
    assert (
        after.errors.included_wrongly + after.errors.excluded_wrongly
        < before.errors.included_wrongly + before.errors.excluded_wrongly
    )
    assert after.errors.inclusion_error + after.errors.exclusion_error < (
        before.errors.inclusion_error + before.errors.exclusion_error
    )
    # the stored model is the one judged in sample: it scores exactly like its rounded JSON
    assert result.weights == pmt.rounded_weights(result.weights)
