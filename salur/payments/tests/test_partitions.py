"""Entitlements and payments in partitions of their cycle on PostgreSQL (core/partitions.py): the same guarantees as
one table (one live payment per household, program and period; keys that refer to something), and a migration that
keeps the rows it converts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from salur.core import partitions
from salur.core.bulk import copy_frame
from salur.grievances.tests.factories import DESA_BATANG, make_cycle, make_household
from salur.payments.models import Payment, PaymentBatch

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


def _one(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()


def _payment(
    cycle, batch, household, *, id_pembayaran: str, period: str = "2024-05", status: str = "MENUNGGU"
):
    return Payment(
        id_pembayaran=id_pembayaran,
        batch=batch,
        cycle=cycle,
        household=household,
        program_code="SEMBAKO",
        period=period,
        nominal=200_000,
        channel="POS",
        signature="",
        status=status,
    )


@pytest.fixture
def cycle():
    actor = get_user_model().objects.create_user("part_maker", password="x")
    households = [make_household(DESA_BATANG, ["Siti"]) for _ in range(3)]
    c = make_cycle("SEMBAKO", "2024-05", [(h, 200_000) for h in households], actor)
    return c, households, PaymentBatch.objects.create(cycle=c, number=1, created_by=actor)


def test_a_cycle_export_loads_its_own_partitions_with_the_parents_indexes(
    golden_cycle_inputs, admin_user, make_user, tmp_path: Path
):
    from django.core.management import call_command

    from salur.accounts.models import Role
    from salur.cycles.models import Cycle

    call_command("cycle_create", program="PKH", period="2024-T2", user=admin_user.username)
    call_command("budget_set", program="PKH", year=2024, amount=10**12, user=admin_user.username)
    call_command(
        "cycle_approve", "PKH-2024-T2", user=make_user("part_checker", Role.ADMIN_PUSAT, None).username
    )
    call_command("payments_export", "PKH-2024-T2", out=str(tmp_path), user=admin_user.username)
    cycle = Cycle.objects.get(code="PKH-2024-T2")
    for table, rows in (
        ("cycles_entitlement", cycle.entitlements.count()),
        ("payments_payment", cycle.payments.count()),
    ):
        part = f"{table}_c{cycle.pk}"
        assert _one("SELECT count(*) FROM " + part)[0] == rows > 0
        # Attached, with one index under each index of the parent (built before the attach, adopted by it).
        assert (
            _one(
                "SELECT count(*) FROM pg_inherits WHERE inhrelid = %s::regclass AND inhparent = %s::regclass",
                [part, table],
            )[0]
            == 1
        )
        parent_indexes = _one("SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass", [table])[0]
        adopted = _one(
            "SELECT count(*) FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid"
            " WHERE x.indrelid = %s::regclass",
            [part],
        )[0]
        assert adopted == parent_indexes >= 3
        # The partition holds its cycle's program and period only.
        assert (
            "PKH"
            in _one(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", [f"{part}_cycle"]
            )[0]
        )
    # Payment rows stay updatable in place (the status import): fillfactor 50 on the payments' partition.
    assert (
        _one(
            "SELECT reloptions::text FROM pg_class WHERE oid = %s::regclass",
            [f"payments_payment_c{cycle.pk}"],
        )[0]
        == "{fillfactor=50}"
    )


def test_one_live_payment_per_household_program_and_period_across_the_partition(cycle):
    c, households, batch = cycle
    _payment(c, batch, households[0], id_pembayaran="A-1").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _payment(c, batch, households[0], id_pembayaran="A-2").save()
    # A failed payment is not live: its household may be paid again.
    Payment.objects.filter(id_pembayaran="A-1").update(status="GAGAL")
    _payment(c, batch, households[0], id_pembayaran="A-2").save()
    # The cycle's partition takes its own program and period only (so the unique index, which carries cycle_id,
    # still means one live payment per household, program and period).
    with pytest.raises(IntegrityError, match="check constraint"), transaction.atomic():
        _payment(c, batch, households[1], id_pembayaran="A-3", period="2024-06").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(id_pembayaran="A-2").update(period="2024-06")


def test_a_bulk_partition_with_an_unknown_household_is_refused_and_leaves_no_table(cycle):
    c, households, batch = cycle
    ids = [households[i % 3].pk for i in range(30)] + [987_654_321]
    frame = pl.DataFrame(
        {
            "id_pembayaran": [f"B-{i}" for i in range(len(ids))],
            "batch_id": [batch.pk] * len(ids),
            "cycle_id": [c.pk] * len(ids),
            "household_id": ids,
            "program_code": ["SEMBAKO"] * len(ids),
            "period": ["2024-05"] * len(ids),
            "nominal": [1] * len(ids),
            "channel": ["POS"] * len(ids),
            "signature": [""] * len(ids),
            "status": ["GAGAL"] * len(ids),
            **{c: [""] * len(ids) for c in ("no_kk", "nik_penerima", "nama_penerima", "bank", "no_rekening")},
            "kode_wilayah": [DESA_BATANG] * len(ids),
            "paid_amount": [0] * len(ids),
            "keterangan": [""] * len(ids),
        }
    )
    with connection.cursor() as cursor:  # the factory made the partition; this test loads a fresh one
        cursor.execute(f"DROP TABLE payments_payment_c{c.pk}")
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), transaction.atomic():
        partitions.bulk_load(
            "payments_payment",
            cycle_id=c.pk,
            program_code="SEMBAKO",
            period="2024-05",
            write=lambda target: copy_frame(target, frame),
        )
    assert _one("SELECT to_regclass(%s)", [f"payments_payment_c{c.pk}"])[0] is None
    written = partitions.bulk_load(
        "payments_payment",
        cycle_id=c.pk,
        program_code="SEMBAKO",
        period="2024-05",
        write=lambda target: copy_frame(target, frame.head(30)),
    )
    assert written == 30
    assert Payment.objects.filter(cycle=c).count() == 30


def test_rows_written_one_at_a_time_need_their_cycles_partition(cycle):
    c, households, batch = cycle
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE payments_payment_c{c.pk}")
    with pytest.raises(IntegrityError, match="no partition"), transaction.atomic():
        _payment(c, batch, households[0], id_pembayaran="C-1").save()
    partitions.ensure_partition("payments_payment", c.pk, program_code="SEMBAKO", period="2024-05")
    partitions.ensure_partition(
        "payments_payment", c.pk, program_code="SEMBAKO", period="2024-05"
    )  # idempotent
    _payment(c, batch, households[0], id_pembayaran="C-1").save()
    assert Payment.objects.filter(cycle=c).count() == 1


@pytest.mark.slow
def test_the_migration_to_partitions_keeps_every_row(tmp_path: Path):
    """A database with a cycle, its entitlements and payments in plain tables (migrations before 0005), migrated."""
    from salur.registry.tests.test_import import _throwaway_database

    url, drop = _throwaway_database(tmp_path)
    env = {**__import__("os").environ, "DATABASE_URL": url, "SALUR_VAR_DIR": str(tmp_path / "var")}
    salur = [sys.executable, "-m", "salur.cli"]

    def run(*args: str) -> str:
        done = subprocess.run([*salur, *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    fill = """
from django.contrib.auth import get_user_model
from salur.regions.services import regions_load
from salur.grievances.tests.factories import DESA_BATANG, make_cycle, make_household
from salur.payments.models import Payment, PaymentBatch
regions_load()
actor = get_user_model().objects.create_user("m", password="x")
hs = [make_household(DESA_BATANG, ["Siti"]) for _ in range(4)]
for period in ("2024-05", "2024-06"):
    c = make_cycle("SEMBAKO", period, [(h, 200_000) for h in hs], actor)
    b = PaymentBatch.objects.create(cycle=c, number=1, created_by=actor)
    for i, h in enumerate(hs):
        Payment.objects.create(id_pembayaran=f"{c.code}-1-{i}", batch=b, cycle=c, household=h, program_code="SEMBAKO",
                               period=period, nominal=200_000, channel="POS", signature="s", status="MENUNGGU")
"""
    try:
        run("migrate", "payments", "0004_payment_cycle_batch_index")
        run("migrate", "cycles", "0004_entitlement_household_first")
        for app in ("core", "accounts", "regions", "programs", "grievances"):  # the factories' tables
            run("migrate", app)
        run("shell", "-c", fill)
        run("migrate")
        check = """
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT relkind FROM pg_class WHERE relname IN ('cycles_entitlement', 'payments_payment') ORDER BY relname")
    print([r[0] for r in c.fetchall()])
    c.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'payments_payment'::regclass")
    print(c.fetchone()[0])
    c.execute("SELECT count(*), count(DISTINCT id), max(id) FROM payments_payment")
    print(list(c.fetchone()))
    c.execute("SELECT count(*) FROM cycles_entitlement")
    print(c.fetchone()[0])
    c.execute("SELECT nextval('payments_payment_id_seq')")
    print(c.fetchone()[0])
"""
        out = [
            line
            for line in run("shell", "-c", check).splitlines()
            if line and not line.endswith("for details).")
        ]
        assert out[0] == "['p', 'p']"  # both partitioned
        assert out[1] == "2"  # one partition per cycle
        assert out[2] == "[8, 8, 8]"  # every payment kept, ids unchanged
        assert out[3] == "8"
        assert out[4] == "9"  # new ids continue after the old ones
    finally:
        drop()  # type: ignore[operator]
