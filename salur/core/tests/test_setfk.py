"""The set-based foreign keys (core/setfk.py) refuse what a real foreign key refuses, on both backends."""

from __future__ import annotations

import polars as pl
import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from salur.core.bulk import copy_frame
from salur.cycles.models import Entitlement
from salur.grievances.tests.factories import DESA_BATANG, make_cycle, make_household
from salur.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    actor = get_user_model().objects.create_user("fk_maker", password="x")
    households = [make_household(DESA_BATANG, ["Siti"]) for _ in range(3)]
    return make_cycle("SEMBAKO", "2024-05", [(h, 200_000) for h in households], actor), households


def _rows(cycle_id: int, household_ids: list[int]) -> pl.DataFrame:
    """Entitlement rows of the SEMBAKO-2024-05 cycle (its program and period: the cycle's partition on PostgreSQL
    holds no other)."""
    n = len(household_ids)
    return pl.DataFrame(
        {
            "cycle_id": [cycle_id] * n,
            "household_id": household_ids,
            "program_code": ["SEMBAKO"] * n,
            "period": ["2024-05"] * n,
            "eligible": [True] * n,
            "reasons": [""] * n,
            "nominal": [1] * n,
            "channel": ["POS"] * n,
            "bank": [""] * n,
            "no_rekening": [""] * n,
            "nik_penerima": [""] * n,
            "nama_penerima": [""] * n,
            "kode_wilayah": [DESA_BATANG] * n,
        }
    )


def _payments(c, batch, household_ids: list[int]) -> pl.DataFrame:
    """Failed (so not live, so not unique per household) payments of the cycle, one id each."""
    n = len(household_ids)
    return pl.DataFrame(
        {
            "id_pembayaran": [f"{c.code}-9-{i:010d}" for i in range(n)],
            "batch_id": [batch.pk] * n,
            "cycle_id": [c.pk] * n,
            "household_id": household_ids,
            "program_code": ["SEMBAKO"] * n,
            "period": ["2024-05"] * n,
            "no_kk": [""] * n,
            "nik_penerima": [""] * n,
            "nama_penerima": [""] * n,
            "kode_wilayah": [DESA_BATANG] * n,
            "channel": ["POS"] * n,
            "bank": [""] * n,
            "no_rekening": [""] * n,
            "nominal": [1] * n,
            "signature": [""] * n,
            "status": ["GAGAL"] * n,
            "paid_amount": [0] * n,
            "keterangan": [""] * n,
        }
    )


def test_an_insert_that_refers_to_a_missing_household_is_refused(cycle):
    c, _ = cycle
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), transaction.atomic():
        copy_frame("cycles_entitlement", _rows(c.pk, [987_654_321]))
    # A missing cycle: the guard on SQLite; on PostgreSQL the row finds no partition (one per cycle) even before.
    with pytest.raises(IntegrityError, match=r"FOREIGN KEY|no partition"), transaction.atomic():
        copy_frame("cycles_entitlement", _rows(987_654_321, [c.entitlements.first().household_id]))


def test_a_big_statement_with_one_bad_row_is_refused_whole_and_a_good_one_passes(cycle):
    """Above 10,000 rows PostgreSQL checks with a hash anti-join: the same answer as the index probes."""
    from salur.payments.models import Payment, PaymentBatch

    c, households = cycle
    batch = PaymentBatch.objects.create(cycle=c, number=9, created_by=c.created_by)
    ids = [households[i % 3].pk for i in range(12_000)]
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), transaction.atomic():
        copy_frame("payments_payment", _payments(c, batch, [*ids[:-1], 987_654_321]))
    assert Payment.objects.count() == 0
    assert copy_frame("payments_payment", _payments(c, batch, ids)) == 12_000
    assert Payment.objects.count() == 12_000


def test_the_relation_cannot_be_changed_nor_the_referenced_row_deleted(cycle):
    c, households = cycle
    e = c.entitlements.first()
    other = next(h for h in households if h.pk != e.household_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.filter(pk=e.pk).update(household_id=other.pk)
    # Django refuses the delete on both backends (PROTECT); PostgreSQL refuses it in the database as well.
    with pytest.raises(ProtectedError):
        Household.objects.filter(pk=e.household_id).delete()
    if connection.vendor == "postgresql":
        with (
            pytest.raises(IntegrityError, match="FOREIGN KEY"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute("DELETE FROM registry_member WHERE household_id = %s", [e.household_id])
            cur.execute("DELETE FROM registry_household WHERE id = %s", [e.household_id])
    assert Entitlement.objects.filter(pk=e.pk, household_id=e.household_id).exists()
    # An unreferenced household can still be deleted.
    free = make_household(DESA_BATANG, ["Budi"])
    with connection.cursor() as cur:
        cur.execute("DELETE FROM registry_member WHERE household_id = %s", [free.pk])
        cur.execute("DELETE FROM registry_household WHERE id = %s", [free.pk])


def test_the_sqlite_triggers_come_back_after_migrate():
    """A SQLite table rebuild drops its triggers; post_migrate installs them again (a no-op on PostgreSQL)."""
    from django.core.management import call_command

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cur:
        cur.execute("DROP TRIGGER salur_fk_payments_payment_household_id_i")
    call_command("migrate", verbosity=0)
    names = {
        r[0] for r in connection.cursor().execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    assert "salur_fk_payments_payment_household_id_i" in names
    assert len([n for n in names if n.startswith("salur_fk_")]) == 18


def test_a_changeable_relation_is_checked_on_update(cycle):
    """payments.status_import may change (a status file sets it), but only to a status import that exists."""
    from salur.payments.models import Payment, PaymentBatch, StatusImport

    c, households = cycle
    batch = PaymentBatch.objects.create(cycle=c, number=1, created_by=c.created_by)
    fields = {"program_code": "SEMBAKO", "period": "2024-05", "nominal": 1, "channel": "POS", "signature": ""}
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), transaction.atomic():
        Payment.objects.create(
            id_pembayaran="X-1-0", batch_id=987_654_321, cycle=c, household=households[0], **fields
        )
    p = Payment.objects.create(id_pembayaran="X-1-1", batch=batch, cycle=c, household=households[0], **fields)
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), transaction.atomic():
        Payment.objects.filter(pk=p.pk).update(status_import_id=987_654_321)
    record = StatusImport.objects.create(file_name="s.csv", sha256="0" * 64, imported_by=c.created_by)
    assert Payment.objects.filter(pk=p.pk).update(status_import_id=record.pk) == 1


def test_a_household_must_lie_in_a_known_region_on_insert_and_on_update():
    """registry_household.kode_wilayah -> regions_region.kode: an insert statement is checked whole, an update only
    where the region changes; a region that households use cannot be deleted (PostgreSQL; PROTECT on both)."""
    from salur.regions.models import Region

    home = make_household(DESA_BATANG, ["Siti"])
    columns = ["no_kk", "kode_wilayah", "alamat", "rt", "rw", "luas_lantai_m2", "jenis_lantai", "jenis_dinding",
               "jenis_atap", "sumber_air_minum", "sumber_penerangan", "bahan_bakar_memasak", "fasilitas_bab",
               "status_rumah", "daya_listrik_va", "aset_kulkas", "aset_motor", "aset_mobil", "aset_ac", "aset_emas",
               "aset_lahan", "bank", "no_rekening", "desil_sumber", "tanggal_pendataan", "flags"]  # fmt: skip
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(columns)} FROM registry_household WHERE id = %s", [home.pk])
        row = dict(zip(columns, cur.fetchone(), strict=True))
    rows = pl.DataFrame([{**row, "no_kk": f"33250100000{i:05d}"} for i in range(12_001)])
    bad = rows.with_columns(pl.when(pl.int_range(pl.len()) == 11_000).then(pl.lit("9999999999")).otherwise(
        pl.col("kode_wilayah")).alias("kode_wilayah"))  # fmt: skip
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), transaction.atomic():
        copy_frame("registry_household", bad)
    assert copy_frame("registry_household", rows.head(3)) == 3
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), transaction.atomic():
        Household.objects.filter(pk=home.pk).update(wilayah_id="9999999999")
    other = Region.objects.filter(level=4).exclude(kode=DESA_BATANG).order_by("kode").first()
    assert Household.objects.filter(pk=home.pk).update(wilayah_id=other.kode) == 1
    # Updates that leave the region alone pass untouched (the check is behind a WHEN on the changed column).
    assert Household.objects.filter(wilayah_id=DESA_BATANG).update(desil=3) == 3
    with pytest.raises(ProtectedError):
        Region.objects.filter(kode=other.kode).delete()
    if connection.vendor == "postgresql":
        with (
            pytest.raises(IntegrityError, match="FOREIGN KEY"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute("DELETE FROM regions_region WHERE kode = %s", [other.kode])
    assert Household.objects.get(pk=home.pk).wilayah_id == other.kode
