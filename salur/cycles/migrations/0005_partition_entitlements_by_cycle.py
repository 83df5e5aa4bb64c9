# Entitlements partitioned by cycle on PostgreSQL (core/partitions.py): a cycle's rows are loaded into a table of
# their own, indexed once and attached. SQLite keeps the plain table.

import django.db.models.deletion
from django.db import migrations, models

from salur.core.partitions import TABLES, convert
from salur.core.setfk import ForeignKeyGuard

GUARDS = (
    ForeignKeyGuard("cycles_entitlement", "household_id", "registry_household"),
    ForeignKeyGuard("cycles_entitlement", "cycle_id", "cycles_cycle"),
    ForeignKeyGuard("cycles_entitlementcomponent", "entitlement_id", "cycles_entitlement"),
)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: the guards' triggers are installed after migrate (core/setfk.py sqlite_sync)
    convert(
        schema_editor,
        TABLES["cycles_entitlement"],
        unique_with_key={"entitlement_once_per_program_period": "household_id, program_code, period"},
        guards=GUARDS,
    )


def irreversible(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        raise RuntimeError("cycles_entitlement stays partitioned by cycle: this migration cannot be reversed")


class Migration(migrations.Migration):
    dependencies = [
        ("cycles", "0004_entitlement_household_first"),
        ("core", "0005_cycle_partition_functions"),
        ("programs", "0001_initial"),
        ("registry", "0004_set_based_region_key_and_single_key_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="entitlementcomponent",
            name="entitlement",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="components",
                to="cycles.entitlement",
            ),
        ),
        migrations.RunPython(partition, irreversible),
    ]
