"""The stock ledger: receipts, issues, adjustments, valuation; stock never below zero."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from salur.core.errors import PermissionDenied
from salur.core.models import AuditEntry
from salur.distribution.models import StockBalance, StockMove
from salur.distribution.selectors import stock_valuation
from salur.distribution.services import InsufficientStock, stock_adjust, stock_issue, stock_receive

pytestmark = pytest.mark.django_db


def balance(warehouse, item) -> int:
    return StockBalance.objects.get(warehouse=warehouse, item=item).qty


def test_a_receipt_adds_to_the_balance_and_writes_one_ledger_row_and_one_audit_entry(
    warehouse, handayani, catalogue
):
    audits = AuditEntry.objects.count()
    move = stock_receive(
        actor=handayani,
        warehouse=warehouse,
        item=catalogue["kursi-roda"],
        qty=5,
        unit_price=2_400_000,
        supplier="PT Alat Bantu",
        document_no="SJ-77",
        tanggal=dt.date(2024, 3, 1),
    )
    assert (move.qty, move.balance_after, move.kind, move.unit_price) == (5, 5, "penerimaan", 2_400_000)
    assert balance(warehouse, catalogue["kursi-roda"]) == 5
    assert AuditEntry.objects.count() == audits + 1


def test_an_issue_beyond_the_stock_is_refused_and_changes_nothing(stocked, handayani, catalogue):
    moves = StockMove.objects.count()
    with pytest.raises(InsufficientStock, match="tersedia 2 paket, diminta 3 paket"):
        stock_issue(
            actor=handayani,
            warehouse=stocked,
            item=catalogue["paket-modal-warung"],
            qty=3,
            tanggal=dt.date(2024, 4, 16),
            event=None,
        )
    assert balance(stocked, catalogue["paket-modal-warung"]) == 2
    assert StockMove.objects.count() == moves


def test_a_negative_adjustment_needs_a_reason_and_cannot_go_below_zero(stocked, handayani, catalogue):
    item = catalogue["paket-sembako"]
    with pytest.raises(Exception, match="Alasan penyesuaian wajib diisi"):
        stock_adjust(
            actor=handayani, warehouse=stocked, item=item, qty=-1, reason=" ", tanggal=dt.date(2024, 4, 3)
        )
    stock_adjust(
        actor=handayani, warehouse=stocked, item=item, qty=-4, reason="rusak", tanggal=dt.date(2024, 4, 3)
    )
    assert balance(stocked, item) == 96
    with pytest.raises(InsufficientStock):
        stock_adjust(
            actor=handayani,
            warehouse=stocked,
            item=item,
            qty=-97,
            reason="hilang",
            tanggal=dt.date(2024, 4, 3),
        )
    assert balance(stocked, item) == 96


def test_the_database_refuses_a_negative_balance_whatever_the_code_does(stocked, catalogue):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(warehouse=stocked, item=catalogue["paket-sembako"]).update(qty=-1)
    assert balance(stocked, catalogue["paket-sembako"]) == 100


def test_valuation_at_a_date_uses_the_stock_and_average_price_up_to_that_date(
    warehouse, handayani, catalogue
):
    item = catalogue["mesin-jahit"]
    stock_receive(
        actor=handayani,
        warehouse=warehouse,
        item=item,
        qty=2,
        unit_price=2_000_000,
        supplier="A",
        document_no="1",
        tanggal=dt.date(2024, 1, 10),
    )
    stock_receive(
        actor=handayani,
        warehouse=warehouse,
        item=item,
        qty=2,
        unit_price=2_400_000,
        supplier="B",
        document_no="2",
        tanggal=dt.date(2024, 2, 10),
    )
    stock_issue(
        actor=handayani, warehouse=warehouse, item=item, qty=3, tanggal=dt.date(2024, 3, 1), event=None
    )

    def row(on):
        return [(r.item_kode, r.qty, r.avg_price, r.value) for r in stock_valuation(warehouse, on)]

    assert row(dt.date(2024, 1, 31)) == [("mesin-jahit", 2, 2_000_000, 4_000_000)]
    assert row(dt.date(2024, 2, 29)) == [("mesin-jahit", 4, 2_200_000, 8_800_000)]
    assert row(dt.date(2024, 3, 31)) == [("mesin-jahit", 1, 2_200_000, 2_200_000)]
    assert row(dt.date(2023, 12, 31)) == []


def test_a_sentra_cannot_move_stock_of_a_warehouse_outside_its_service_area(stocked, make_user, catalogue):
    from salur.distribution.tests.factories import sentra_user

    kartini = sentra_user(make_user, "petugas_kartini", "sentra-kartini", ["33.23", "33.25"], "33.23")
    with pytest.raises(PermissionDenied):
        stock_issue(
            actor=kartini,
            warehouse=stocked,
            item=catalogue["paket-sembako"],
            qty=1,
            tanggal=dt.date(2024, 4, 16),
            event=None,
        )
    assert balance(stocked, catalogue["paket-sembako"]) == 100


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issues_cannot_both_take_the_last_units(regions_loaded, stocked, handayani, catalogue):
    """Two transactions each take 60 of 100 packages at the same moment: exactly one succeeds."""
    item = catalogue["paket-sembako"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def issue() -> None:
        try:
            with transaction.atomic():
                # Both read the balance first (100, enough for each), then both try to take 60.
                assert StockBalance.objects.get(warehouse=stocked, item=item).qty == 100
                barrier.wait(timeout=10)
                stock_issue(
                    actor=handayani,
                    warehouse=stocked,
                    item=item,
                    qty=60,
                    tanggal=dt.date(2024, 4, 16),
                    event=None,
                )
            outcomes.append("ok")
        except InsufficientStock:
            outcomes.append("kurang")
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["kurang", "ok"]
    assert balance(stocked, item) == 40
    assert StockMove.objects.filter(item=item, kind="pengeluaran").count() == 1
