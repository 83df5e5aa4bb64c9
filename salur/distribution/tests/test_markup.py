"""Markup control: a package bought above its content's catalogue value (the 2020 case: Rp300,000 paid for about
Rp188,000 of goods) is flagged; within the tolerance it is not."""

from __future__ import annotations

import datetime as dt

import pytest

from salur.distribution.selectors import event_checks, package_content_values, receipt_markup_flags
from salur.distribution.services import (
    EventData,
    RecipientRow,
    event_create,
    item_upsert,
    recipients_add,
    stock_receive,
)
from salur.distribution.tests.factories import DESA_METRO

pytestmark = pytest.mark.django_db


@pytest.fixture
def package_2020(catalogue, admin_user):
    # Content worth Rp188,000 at catalogue prices: 10 kg beras (130,000), 2 l minyak (34,000), 8 mie (24,000).
    return item_upsert(
        actor=admin_user,
        kode="paket-2020",
        nama="Paket sembako 2020",
        satuan="paket",
        harga_satuan=300_000,
        components=[("beras", 10), ("minyak-goreng", 2), ("mie-instan", 8)],
    )


def receive(actor, warehouse, item, price, doc):
    return stock_receive(
        actor=actor,
        warehouse=warehouse,
        item=item,
        qty=10,
        unit_price=price,
        supplier="PT Vendor",
        document_no=doc,
        tanggal=dt.date(2020, 5, 1),
    )


def test_package_content_is_valued_at_catalogue_prices(package_2020, catalogue):
    values = package_content_values()
    assert values[package_2020.pk] == 188_000
    assert values[catalogue["paket-sembako"].pk] == 257_000


def test_a_receipt_paid_300000_for_188000_of_goods_is_flagged(package_2020, warehouse, handayani):
    receive(handayani, warehouse, package_2020, 300_000, "SJ-2020-1")
    receive(handayani, warehouse, package_2020, 206_800, "SJ-2020-2")  # exactly +10%: within the tolerance
    receive(handayani, warehouse, package_2020, 206_801, "SJ-2020-3")  # one rupiah over
    flags = receipt_markup_flags(actor=handayani)
    assert [(f.ref, f.price_paid, f.content_value, f.excess_pct) for f in flags] == [
        ("SJ-2020-1", 300_000, 188_000, 59.6),
        ("SJ-2020-3", 206_801, 188_000, 10.0),
    ]


def test_the_tolerance_is_configurable(package_2020, warehouse, handayani, monkeypatch):
    receive(handayani, warehouse, package_2020, 300_000, "SJ-2020-1")
    monkeypatch.setenv("SALUR_MARKUP_TOLERANCE_PCT", "60")
    assert receipt_markup_flags(actor=handayani) == []
    assert len(receipt_markup_flags(actor=handayani, tolerance_pct=50)) == 1


def test_an_event_valued_above_the_content_is_flagged_in_its_checks(
    programs, package_2020, warehouse, handayani, people
):
    receive(handayani, warehouse, package_2020, 300_000, "SJ-2020-1")
    event = event_create(
        actor=handayani,
        data=EventData(
            judul="Penyaluran 2020",
            organiser=handayani.unit,
            warehouse=warehouse,
            kode_wilayah=DESA_METRO,
            tanggal=dt.date(2020, 5, 10),
            program_codes=["SEMBAKO"],
        ),
    )
    recipients_add(
        actor=handayani, event=event, rows=[RecipientRow(nik=people[0].nik, items={"paket-2020": 1})]
    )
    markup = [c for c in event_checks(event) if c.code == "MARKUP"]
    assert [c.message for c in markup] == [
        "Paket sembako 2020: harga Rp300.000 melebihi nilai isi paket Rp188.000 sebesar 59.6% (toleransi 10%)"
    ]


def test_a_sentra_sees_only_the_flags_of_its_own_warehouses(package_2020, warehouse, handayani, make_user):
    from salur.distribution.tests.factories import sentra_user

    receive(handayani, warehouse, package_2020, 300_000, "SJ-2020-1")
    kartini = sentra_user(make_user, "petugas_kartini", "sentra-kartini", ["33.23", "33.25"], "33.23")
    assert receipt_markup_flags(actor=kartini) == []
