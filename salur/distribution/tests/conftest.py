from __future__ import annotations

import datetime as dt

import pytest

from salur.distribution.tests.factories import person, sentra_user


@pytest.fixture
def programs(db):
    from salur.programs.services import catalogue_load_defaults

    catalogue_load_defaults()


@pytest.fixture
def catalogue(admin_user):
    from salur.distribution.catalogue import catalogue_load
    from salur.distribution.models import Item

    catalogue_load(actor=admin_user)
    return {i.kode: i for i in Item.objects.all()}


@pytest.fixture
def handayani(make_user):
    """A petugas of Sentra Handayani (service area Kota Metro)."""
    return sentra_user(make_user, "petugas_handayani", "sentra-handayani", ["18.72"], "18.72")


@pytest.fixture
def warehouse(handayani):
    from salur.distribution.services import warehouse_ensure

    return warehouse_ensure(actor=handayani, unit=handayani.unit)


@pytest.fixture
def stocked(warehouse, handayani, catalogue):
    """100 sembako packages and 2 warung packages received at the warehouse."""
    from salur.distribution.services import stock_receive

    stock_receive(
        actor=handayani,
        warehouse=warehouse,
        item=catalogue["paket-sembako"],
        qty=100,
        unit_price=255_000,
        supplier="CV Pangan Metro",
        document_no="SJ-001",
        tanggal=dt.date(2024, 4, 1),
    )
    stock_receive(
        actor=handayani,
        warehouse=warehouse,
        item=catalogue["paket-modal-warung"],
        qty=2,
        unit_price=5_000_000,
        supplier="UD Usaha Mandiri",
        document_no="SJ-002",
        tanggal=dt.date(2024, 4, 2),
    )
    return warehouse


@pytest.fixture
def people(db):
    """Four Kota Metro people: an elderly woman, a disabled man, a child-headed household, an adult."""
    return [
        person(1, born=dt.date(1950, 5, 1)),  # lansia on 2024-04-16
        person(2, born=dt.date(1985, 2, 2), disabilitas="berat"),
        person(3, born=dt.date(2008, 3, 3)),  # 16: anak
        person(4, born=dt.date(1981, 4, 4)),
    ]


@pytest.fixture
def regions_loaded(transactional_db, django_db_blocker) -> None:
    """The region tree again for transactional tests: an earlier live-server test's flush empties it."""
    from salur.regions.services import regions_load

    with django_db_blocker.unblock():
        regions_load()
