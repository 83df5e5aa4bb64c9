from __future__ import annotations

import datetime as dt

import pytest

from salur.distribution.tests.factories import person, sentra_user


@pytest.fixture
def handayani(make_user):
    return sentra_user(make_user, "petugas_handayani", "sentra-handayani", ["18.72"], "18.72")


@pytest.fixture
def lansia(db):
    return person(11, born=dt.date(1948, 6, 1), nama="Mbah Sarinah")
