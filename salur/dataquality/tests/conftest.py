"""Fixtures of dataquality tests."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from salur.conftest import GOLDEN
from salur.dataquality.batch.dedup import PERSON_COLUMNS
from salur.dataquality.batch.exchange import persons_from_exchange


@pytest.fixture(scope="session")
def golden_persons() -> pl.DataFrame:
    return persons_from_exchange(GOLDEN)


def person(
    pid: int, nik: str, hh: int, wil: str, nama: str, jk: str, tgl: str, ibu: str = "", tempat: str = ""
):
    return {
        "id": pid,
        "nik": nik,
        "household_id": hh,
        "kode_wilayah": wil,
        "nama": nama,
        "jenis_kelamin": jk,
        "tanggal_lahir": dt.date.fromisoformat(tgl),
        "nama_ibu": ibu,
        "tempat_lahir": tempat,
    }


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=PERSON_COLUMNS)
