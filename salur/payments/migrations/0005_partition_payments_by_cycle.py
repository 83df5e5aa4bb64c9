# Payments partitioned by cycle on PostgreSQL (core/partitions.py): a cycle's first batch is loaded into a table of
# its own, indexed once and attached; follow-up batches go through the parent into the same partition. SQLite keeps
# the plain table.

import django.db.models.deletion
from django.db import migrations, models

from salur.core.partitions import TABLES, convert
from salur.core.setfk import ForeignKeyGuard

GUARDS = (
    ForeignKeyGuard("payments_payment", "household_id", "registry_household"),
    ForeignKeyGuard("payments_payment", "cycle_id", "cycles_cycle"),
    ForeignKeyGuard("payments_payment", "batch_id", "payments_paymentbatch"),
    ForeignKeyGuard("payments_payment", "status_import_id", "payments_statusimport", immutable=False),
    ForeignKeyGuard("payments_verificationitem", "payment_id", "payments_payment"),
)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: the guards' triggers are installed after migrate (core/setfk.py sqlite_sync)
    # The household leads the live-payment uniqueness: within a partition program and period are constant, so the
    # index is built comparing integers, and it serves lookups by household (the public lookup) as well.
    convert(
        schema_editor,
        TABLES["payments_payment"],
        unique_with_key={
            "payment_once_per_program_period": "household_id, program_code, period",
            "payment_id_pembayaran_unique": "id_pembayaran",
        },
        guards=GUARDS,
    )


def irreversible(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        raise RuntimeError("payments_payment stays partitioned by cycle: this migration cannot be reversed")


class Migration(migrations.Migration):
    dependencies = [
        ("cycles", "0005_partition_entitlements_by_cycle"),
        ("payments", "0004_payment_cycle_batch_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="verificationitem",
            name="payment",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="payments.payment",
            ),
        ),
        migrations.RunPython(partition, irreversible),
    ]
