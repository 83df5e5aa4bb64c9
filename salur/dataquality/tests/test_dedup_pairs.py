"""The duplicate finder on hand-made pairs set among the worked example's persons (no database).

True variants (old spelling, titles, bin/binti, Muhammad, a typo, a day off, another household and region) must
be paired; look-alikes (twins, one common name born the same day in two places, siblings) must not.
"""

from __future__ import annotations

import polars as pl
import pytest

from salur.dataquality.batch.dedup import find_duplicates, precision_recall
from salur.dataquality.tests.conftest import frame, person

BASE = 900_000
HH = 900_000

# (name A, name B, birth A, birth B, mother): B is the same person registered again in another household
VARIANTS = [
    ("Djoko Soesanto", "Joko Susanto", "1961-03-14", "1961-03-14", "Sumiati"),
    ("H. Ahmad Fauzi Harahap", "Ahmad Fauzi Harahap, S.Pd", "1970-08-02", "1970-08-02", ""),
    ("Mohammad Rizki Ramadhan", "M. Rizki Ramadhan", "1988-01-20", "1988-01-21", "Nurhayati"),
    ("Siti Aminah Lubis binti Hasan", "Siti Aminah Lubis", "1975-11-09", "1975-11-09", "Rukiah"),
    ("Njoman Sutjipto", "Nyoman Sucipto", "1966-05-30", "1966-05-30", ""),
    ("Rachmat Hidajat Nasution", "Rahmat Hidayat Nasution", "1959-12-01", "1959-12-02", "Maimunah"),
    ("Kartini Wulandari", "Kartni Wulandari", "1982-07-17", "1982-07-17", "Suparmi"),
    ("Hj. Chadijah Tanjung", "Khadijah Tanjung", "1950-02-28", "1950-03-01", "Saodah"),
]


def _variant_rows() -> tuple[list[dict], list[tuple[str, str]]]:
    rows, truth = [], []
    for i, (a, b, ta, tb, ibu) in enumerate(VARIANTS):
        female = any(w in a for w in ("Siti", "Kartini", "Chadijah"))
        jk = "P" if female else "L"
        plus = 40 if female else 0
        nik_a = f"320101{int(ta[8:10]) + plus:02d}{ta[5:7]}{ta[2:4]}{1001 + i:04d}"
        nik_b = f"{'320101' if i % 2 else '327301'}{int(tb[8:10]) + plus:02d}{tb[5:7]}{tb[2:4]}{2001 + i:04d}"
        rows.append(person(BASE + 2 * i, nik_a, HH + 2 * i, "3201012001", a, jk, ta, ibu, "Bogor"))
        rows.append(person(BASE + 2 * i + 1, nik_b, HH + 2 * i + 1, "3201052003", b, jk, tb, ibu, "Bogor"))
        truth.append((nik_a, nik_b))
    return rows, truth


LOOKALIKES = [
    # twins in one household: same birth date, mother and surname, names a letter apart
    person(BASE + 100, "3201015503100001", HH + 100, "3201012001", "Rina Lestari", "P", "2010-03-15", "Yati"),
    person(BASE + 101, "3201015503100002", HH + 100, "3201012001", "Rini Lestari", "P", "2010-03-15", "Yati"),
    person(
        BASE + 102, "3201011203100003", HH + 100, "3201012001", "Hasan Lestari", "L", "2010-03-12", "Yati"
    ),
    person(
        BASE + 103, "3201011203100004", HH + 100, "3201012001", "Husein Lestari", "L", "2010-03-12", "Yati"
    ),
    # twins whose names differ in a final letter that the phonetic key drops (Diah -> "dia")
    person(BASE + 104, "3201016806120005", HH + 104, "3201012001", "Dian Hakim", "P", "2012-06-28", "Wulan"),
    person(BASE + 105, "3201016806120006", HH + 104, "3201012001", "Diah Hakim", "P", "2012-06-28", "Wulan"),
    # one common name, one birth date, two provinces, two mothers
    person(BASE + 110, "3201010404800001", HH + 110, "3201012001", "Budi Santoso", "L", "1980-04-04", "Sri"),
    person(BASE + 111, "3578010404800002", HH + 111, "3578011001", "Budi Santoso", "L", "1980-04-04", "Tuti"),
    # siblings given the same name, years apart
    person(BASE + 120, "3201011506900001", HH + 120, "3201012001", "Agus Salim", "L", "1990-06-15", "Ani"),
    person(BASE + 121, "3201012009950002", HH + 120, "3201012001", "Agus Salim", "L", "1995-09-20", "Ani"),
]


@pytest.fixture(scope="module")
def result(golden_persons):
    rows, truth = _variant_rows()
    persons = pl.concat([golden_persons, frame(rows + LOOKALIKES)])
    return persons, find_duplicates(persons), truth


def _found_niks(persons: pl.DataFrame, pairs: pl.DataFrame) -> set[frozenset[str]]:
    ids = persons.select("id", "nik")
    named = pairs.join(ids.rename({"id": "id_a", "nik": "nik_a"}), on="id_a").join(
        ids.rename({"id": "id_b", "nik": "nik_b"}), on="id_b"
    )
    return {frozenset(p) for p in named.select("nik_a", "nik_b").iter_rows()}


def test_every_true_variant_is_paired_with_a_reason(result):
    persons, res, truth = result
    found = _found_niks(persons, res.person_pairs)
    missing = [t for t in truth if frozenset(t) not in found]
    assert missing == []
    assert res.person_pairs.filter(pl.col("alasan") == "").height == 0


def test_no_look_alike_is_paired(result):
    persons, res, _ = result
    found = _found_niks(persons, res.person_pairs)
    look = {r["nik"] for r in LOOKALIKES}
    assert [p for p in found if p <= look] == []


def test_a_pair_reads_as_a_reason_in_indonesian(result):
    persons, res, truth = result
    ids = dict(persons.select("nik", "id").iter_rows())
    a, b = sorted((ids[truth[2][0]], ids[truth[2][1]]))
    row = res.person_pairs.filter((pl.col("id_a") == a) & (pl.col("id_b") == b)).row(0, named=True)
    assert "tanggal lahir selisih 1 hari" in row["alasan"]
    assert "nama ibu sama" in row["alasan"]
    assert 0.9 <= row["skor"] <= 1.0


def test_the_worked_example_meets_the_accuracy_targets(golden_persons):
    from salur.conftest import GOLDEN

    res = find_duplicates(golden_persons)
    ids = golden_persons.select("id", "nik")
    found = (
        res.person_pairs.join(ids.rename({"id": "id_a", "nik": "nik_a"}), on="id_a")
        .join(ids.rename({"id": "id_b", "nik": "nik_b"}), on="id_b")
        .select("nik_a", "nik_b")
    )
    scores = precision_recall(found, pl.read_csv(GOLDEN / "truth_duplicates.csv", infer_schema=False))
    assert scores["truth"] == 60
    assert scores["precision"] >= 0.98, scores
    assert scores["recall"] >= 0.95, scores


def test_two_families_sharing_their_people_are_a_household_pair():
    from salur.dataquality.batch.dedup import household_pairs
    from salur.dataquality.tests.conftest import person as p

    persons = frame(
        [
            p(1, "3201010101800001", 10, "3201012001", "A", "L", "1980-01-01"),
            p(2, "3201010101800002", 10, "3201012001", "B", "P", "1980-01-01"),
            p(3, "3201010101800003", 11, "3201012001", "A", "L", "1980-01-01"),
            p(4, "3201010101800004", 11, "3201012001", "B", "P", "1980-01-01"),
            p(5, "3201010101800005", 11, "3201012001", "C", "P", "2001-01-01"),
            p(6, "3201010101800006", 12, "3201012001", "D", "P", "2001-01-01"),
            p(7, "3201010101800007", 12, "3201012001", "E", "P", "2001-01-01"),
            p(8, "3201010101800008", 13, "3201012001", "D", "P", "2001-01-01"),
        ]
    )
    pairs = pl.DataFrame(
        {
            "id_a": [1, 2, 6],
            "id_b": [3, 4, 8],
            "skor": [0.99, 0.97, 0.95],
            "alasan": ["x"] * 3,
            "metode": ["s"] * 3,
        }
    )
    hh = household_pairs(pairs, persons)
    assert hh.select("household_a", "household_b", "shared").rows() == [(10, 11, 2)]
    assert hh["alasan"][0] == "2 orang sama di kedua KK (KK pertama 2 orang, KK kedua 3 orang)"


def test_counted_u_probabilities_equal_a_count_over_every_pair(golden_persons):
    """The u probabilities of date, sex and origin are the shares of all pairs of two records, counted."""
    import duckdb

    from salur.dataquality.batch.dedup import _counted_u, _splink_comparison_sql, person_features

    features = person_features(golden_persons.head(400))
    con = duckdb.connect()
    con.register("orang_arrow", features.to_arrow())
    con.execute("create table orang as select * from orang_arrow")
    counted = _counted_u(con)
    for name, columns in (
        ("tanggal_lahir", ("tanggal_lahir",)),
        ("jenis_kelamin", ("jenis_kelamin",)),
        ("asal", ("kode_wilayah", "kab", "nik_kec", "tempat")),
    ):
        levels = _splink_comparison_sql(name)
        null = next((lv["sql_condition"] for lv in levels if lv.get("is_null_level")), "false")
        cases = " ".join(
            f"when {lv['sql_condition']} then {i}"
            for i, lv in enumerate(lv for lv in levels if not lv.get("is_null_level"))
            if lv["sql_condition"] != "ELSE"
        )
        n_levels = len([lv for lv in levels if not lv.get("is_null_level")])
        cols = ", ".join(f"l.{c} as {c}_l, r.{c} as {c}_r" for c in columns)
        rows = dict(
            con.execute(
                f"select case {cases} else {n_levels - 1} end, count(*) from ("
                f"select {cols} from orang l join orang r on l.id <> r.id) where not ({null}) group by 1"
            ).fetchall()
        )
        total = sum(rows.values())
        brute = [rows.get(i, 0) / total for i in range(n_levels)]
        assert counted[name] == pytest.approx(brute, abs=1e-12), name


def test_the_scores_do_not_depend_on_the_order_of_the_records(golden_persons):
    rows, _ = _variant_rows()
    persons = pl.concat([golden_persons, frame(rows + LOOKALIKES)])
    first = find_duplicates(persons).person_pairs
    second = find_duplicates(persons.sample(fraction=1.0, shuffle=True, seed=5)).person_pairs
    assert first.height > 0
    assert second.equals(first)


def test_a_name_common_in_the_kabupaten_counts_for_less_there():
    """Two namesakes born the same day in one kabupaten: a name that a tenth of the kabupaten bears is weaker
    evidence than a name borne by no one else there, although both are equally rare in the whole registry."""
    import datetime as dt
    import math

    rows = []
    pid = 1
    # kabupaten 3201: "Ujang" is common; kabupaten 5101: "Wayan" is common; each name rare elsewhere
    for kab, common in (("3201", "Ujang"), ("5101", "Wayan")):
        for i in range(1500):
            nama = common if i % 10 == 0 else f"Orang {kab} {i:03d}"
            day = dt.date(1950, 1, 1) + dt.timedelta(days=pid * 37 % 20000)
            rows.append(
                person(pid, f"{kab}01{day:%d%m%y}{pid:04d}", pid, f"{kab}012001", nama, "L", str(day))
            )
            pid += 1
    # the pairs: same name, same birth date, both in kabupaten 3201, NIKs from two kecamatan
    for nama, base in (("Ujang", 5000), ("Wayan", 5100)):
        for k in range(2):
            rows.append(
                person(
                    base + k,
                    f"32010{k + 2}150680{base + k:04d}",
                    base + k,
                    f"32010{k + 2}2001",
                    nama,
                    "L",
                    "1980-06-15",
                )
            )
    persons = frame(rows)
    pairs = find_duplicates(persons, threshold=0.0).person_pairs
    score = {
        nama: pairs.filter((pl.col("id_a") == base) & (pl.col("id_b") == base + 1))["skor"].item()
        for nama, base in (("Ujang", 5000), ("Wayan", 5100))
    }
    # at least one bit of evidence apart (national frequencies alone would give the two pairs one score)
    log_odds = {k: math.log2(v / (1 - v)) for k, v in score.items()}
    assert log_odds["Wayan"] - log_odds["Ujang"] >= 1
