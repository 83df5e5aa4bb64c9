from __future__ import annotations

import datetime as dt

import pytest

from salur.distribution.tests.factories import DESA_BATANG, add_member, person, unit_user


@pytest.fixture
def programs(db):
    from salur.programs.services import catalogue_load_defaults

    catalogue_load_defaults()


@pytest.fixture
def batang(make_user):
    return unit_user(
        make_user, "dinsos_batang", "operator_dinsos_kab", "dinsos-batang", "dinsos_kab", "33.25"
    )


@pytest.fixture
def jateng(make_user):
    return unit_user(make_user, "dinsos_jateng", "operator_dinsos_prov", "dinsos-jateng", "dinsos_prov", "33")


@pytest.fixture
def family(db):
    """A Batang household: the victim (head) and two children; the first child has the bank account."""
    head = person(
        31,
        desa=DESA_BATANG,
        born=dt.date(1960, 1, 1),
        bank="BRI",
        no_rekening="123456789012345",
        nama="Korban Satu",
    )
    a = add_member(head, 32, born=dt.date(1990, 2, 2), nama="Anak Pertama")
    b = add_member(head, 33, born=dt.date(1993, 3, 3), nama="Anak Kedua")
    return head, a, b
