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
