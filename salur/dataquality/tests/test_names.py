"""Indonesian name normalisation (pure, no database)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salur.dataquality.batch.names import name_keys


def keys(*names: str) -> list[str]:
    frame = name_keys(pl.Series(list(names)))
    lookup = dict(zip(frame["nama"], frame["nama_fon"], strict=True))
    return [lookup[n] for n in names]


def norm(name: str) -> str:
    frame = name_keys(pl.Series([name]))
    return frame["nama_norm"][0]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Soekarno", "Sukarno"),
        ("Djoko", "Joko"),
        ("Tjahjo", "Cahjo"),
        ("Njoman", "Nyoman"),
        ("Sjarif", "Syarif"),
        ("Chairul", "Khairul"),
        ("Pandjaitan", "Panjaitan"),
    ],
)
def test_old_spellings_meet_the_new_ones(old, new):
    assert norm(old) == norm(new)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("H. Ahmad Fauzi", "ahmad fauzi"),
        ("Hj. Siti Aminah", "siti aminah"),
        ("Drs. Bambang Suharto", "bambang suharto"),
        ("Dr. Ir. Hadi Susanto", "hadi susanto"),
        ("Siti Aminah, S.Pd", "siti aminah"),
        ("Budi Santoso, S.E.", "budi santoso"),
        ("Budi Santoso S.H.", "budi santoso"),
        ("Ahmad bin Yusuf", "ahmad"),
        ("Siti Rahma binti Hasan", "siti rahma"),
        ("Moh. Rizki", "muhamad rizki"),
        ("M. Rizki", "muhamad rizki"),
        ("Mohammad Rizki", "muhamad rizki"),
        ("Muhamad Rizki", "muhamad rizki"),
        ("Muhammad Rizki", "muhamad rizki"),
        ("Sri. Lubis", "sri lubis"),
        ("", ""),
    ],
)
def test_titles_bin_binti_and_muhammad_are_normalised(raw, expected):
    assert norm(raw) == expected


def test_phonetic_key_joins_y_i_kh_h_and_double_letters_but_keeps_twins_apart():
    a, b, c, d, e, f = keys("Kartyni", "Kartini", "Rachmat", "Rahmat", "Rina", "Rini")
    assert a == b
    assert c == d
    assert e != f


@given(st.text(max_size=40))
def test_normalising_never_fails_and_is_idempotent(text):
    once = norm(text)
    assert norm(once) == once or norm(norm(once)) == norm(once)
