"""Set-based foreign keys for the tables that batch paths fill a million rows at a time.

PostgreSQL checks an ordinary foreign key once per inserted row, and each check takes a `FOR KEY SHARE` lock on the
referenced row: inserting 1,000,000 payments with a key to `registry_household` costs about 8 s in those checks
alone (docs/benchmarks.md, "Cycles and money"), ten times the cost of the same check as one anti-join. For such
columns the model declares the relation with `db_constraint=False` and a migration installs a `ForeignKeyGuard`:

- insert (and update, for a column that may change): a statement-level trigger over the statement's transition
  table runs one anti-join against the referenced table and refuses the whole statement when a row refers to nothing
  (a hash join for a big statement, index probes for a small one);
- a column that never changes after insert (`immutable`): a row-level trigger refuses any change (cheap: a `WHEN`
  test, no query);
- delete of a referenced row: a statement-level trigger refuses it while rows still refer to it (the models say
  `on_delete=PROTECT` as well, which Django checks before it deletes).

SQLite has no statement-level triggers or transition tables; there the insert and update rules are row-level
triggers (an index probe in-process, cheap), and deletes of referenced rows are guarded by Django's PROTECT only
(a trigger on the referenced table would name this table, which SQLite's table rebuilds during migrations
refuse). Django rebuilds a SQLite table for many schema changes and drops its triggers with it, so on SQLite the
triggers are (re)installed after every `migrate` (post_migrate, core/apps.py), idempotently. The error is
SQLSTATE 23503 (`foreign_key_violation`) on PostgreSQL and an abort with "FOREIGN KEY constraint failed" on
SQLite: Django raises `IntegrityError` for both.

Concurrency: unlike a real foreign key, the check takes no lock on the referenced row, so a delete of a household
racing a payment insert for it would both succeed. Referenced rows here (households, cycles, batches, status imports)
are never deleted by Salur (PROTECT everywhere, no delete path), so the race cannot arise from the application.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import migrations

BIG_STATEMENT = 10_000  # rows above which the anti-join is planned as a hash join


@dataclass(frozen=True)
class ForeignKeyGuard:
    table: str
    column: str
    ref_table: str
    ref_column: str = "id"
    immutable: bool = True
    # For a column that may change (immutable=False): "statement" checks every UPDATE over its transition table
    # (right when most updates change the column, as a status import does); "row" checks only the rows whose
    # value changed, with a row trigger behind a WHEN test (right when updates seldom touch the column, as for a
    # household's region: targeting and flag updates then pay nothing). PostgreSQL does not allow a column list
    # together with transition tables, so the statement form cannot be limited to updates of this column.
    update_check: str = "statement"

    @property
    def name(self) -> str:
        # PostgreSQL names are at most 63 bytes: keep them short and stable.
        return f"salur_fk_{self.table}_{self.column}"[:55]

    def _message(self) -> str:
        return (
            f"FOREIGN KEY constraint failed: {self.table}.{self.column} -> {self.ref_table}.{self.ref_column}"
        )

    def message(self) -> str:
        return self._message()

    def violations_sql(self, source: str) -> str:
        """A query that returns a row when a row of `source` (the guarded table, or a partition of it being loaded
        on its own: core/partitions.py) refers to nothing: the insert check, run once over a whole table."""
        c, rt, rc = self.column, self.ref_table, self.ref_column
        return (
            f"SELECT 1 FROM {source} n LEFT JOIN {rt} r ON r.{rc} = n.{c}"
            f" WHERE n.{c} IS NOT NULL AND r.{rc} IS NULL LIMIT 1"
        )

    # PostgreSQL ---------------------------------------------------------------------------------------------------
    def postgresql_install(self) -> list[str]:
        t, c, rt, rc, n = self.table, self.column, self.ref_table, self.ref_column, self.name
        check = f"""
CREATE OR REPLACE FUNCTION {n}_chk() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  rows_in bigint;
  nestloop text := current_setting('enable_nestloop');
BEGIN
  SELECT count(*) INTO rows_in FROM new_rows;
  IF rows_in = 0 THEN RETURN NULL; END IF;
  IF rows_in > {BIG_STATEMENT} THEN PERFORM set_config('enable_nestloop', 'off', true); END IF;
  PERFORM 1 FROM new_rows n LEFT JOIN {rt} r ON r.{rc} = n.{c}
   WHERE n.{c} IS NOT NULL AND r.{rc} IS NULL LIMIT 1;
  IF FOUND THEN
    PERFORM set_config('enable_nestloop', nestloop, true);
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', MESSAGE = '{self._message()}';
  END IF;
  PERFORM set_config('enable_nestloop', nestloop, true);
  RETURN NULL;
END $fn$"""
        ref = f"""
CREATE OR REPLACE FUNCTION {n}_ref() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM 1 FROM old_rows o JOIN {t} x ON x.{c} = o.{rc} LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', MESSAGE = '{self._message()} (still referenced)';
  END IF;
  RETURN NULL;
END $fn$"""
        sql = [
            check,
            f"CREATE TRIGGER {n}_i AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {n}_chk()",
            ref,
            f"CREATE TRIGGER {n}_d AFTER DELETE ON {rt} REFERENCING OLD TABLE AS old_rows"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {n}_ref()",
        ]
        if self.immutable:
            sql += [
                f"""
CREATE OR REPLACE FUNCTION {n}_imm() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', MESSAGE = '{t}.{c} cannot change';
END $fn$""",
                f"CREATE TRIGGER {n}_u BEFORE UPDATE ON {t} FOR EACH ROW"
                f" WHEN (OLD.{c} IS DISTINCT FROM NEW.{c}) EXECUTE FUNCTION {n}_imm()",
            ]
        elif self.update_check == "row":
            sql += [
                f"""
CREATE OR REPLACE FUNCTION {n}_row() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM 1 FROM {rt} r WHERE r.{rc} = NEW.{c};
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', MESSAGE = '{self._message()}';
  END IF;
  RETURN NULL;
END $fn$""",
                f"CREATE TRIGGER {n}_u AFTER UPDATE OF {c} ON {t} FOR EACH ROW"
                f" WHEN (NEW.{c} IS NOT NULL AND OLD.{c} IS DISTINCT FROM NEW.{c}) EXECUTE FUNCTION {n}_row()",
            ]
        else:
            sql.append(
                f"CREATE TRIGGER {n}_u AFTER UPDATE ON {t} REFERENCING NEW TABLE AS new_rows"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {n}_chk()"
            )
        return sql

    def postgresql_remove(self) -> list[str]:
        n = self.name
        return [
            f"DROP TRIGGER IF EXISTS {n}_i ON {self.table}",
            f"DROP TRIGGER IF EXISTS {n}_u ON {self.table}",
            f"DROP TRIGGER IF EXISTS {n}_d ON {self.ref_table}",
            f"DROP FUNCTION IF EXISTS {n}_chk()",
            f"DROP FUNCTION IF EXISTS {n}_ref()",
            f"DROP FUNCTION IF EXISTS {n}_imm()",
            f"DROP FUNCTION IF EXISTS {n}_row()",
        ]

    # SQLite -------------------------------------------------------------------------------------------------------
    def sqlite_install(self) -> list[str]:
        t, c, rt, rc, n = self.table, self.column, self.ref_table, self.ref_column, self.name
        missing = f"NEW.{c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {rt} WHERE {rc} = NEW.{c})"
        sql = [
            *self.sqlite_remove(),
            f"CREATE TRIGGER {n}_i BEFORE INSERT ON {t} WHEN {missing}"
            f" BEGIN SELECT RAISE(ABORT, '{self._message()}'); END",
        ]
        if self.immutable:
            sql.append(
                f"CREATE TRIGGER {n}_u BEFORE UPDATE OF {c} ON {t} WHEN OLD.{c} IS NOT NEW.{c}"
                f" BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {t}.{c} cannot change'); END"
            )
        else:
            sql.append(
                f"CREATE TRIGGER {n}_u BEFORE UPDATE OF {c} ON {t} WHEN {missing}"
                f" BEGIN SELECT RAISE(ABORT, '{self._message()}'); END"
            )
        return sql

    def sqlite_remove(self) -> list[str]:
        n = self.name
        return [f"DROP TRIGGER IF EXISTS {n}_{s}" for s in ("i", "u")]


# Every guard of the project (the migrations that install them on PostgreSQL name the same ones).
GUARDS = (
    ForeignKeyGuard("cycles_entitlement", "household_id", "registry_household"),
    ForeignKeyGuard("cycles_entitlement", "cycle_id", "cycles_cycle"),
    ForeignKeyGuard("payments_payment", "household_id", "registry_household"),
    ForeignKeyGuard("payments_payment", "cycle_id", "cycles_cycle"),
    ForeignKeyGuard("payments_payment", "batch_id", "payments_paymentbatch"),
    ForeignKeyGuard("payments_payment", "status_import_id", "payments_statusimport", immutable=False),
    ForeignKeyGuard(
        "registry_household", "kode_wilayah", "regions_region", "kode", immutable=False, update_check="row"
    ),
    # Rows of the tables partitioned by cycle on PostgreSQL (core/partitions.py), which no real foreign key can
    # reference there: their primary key is (id, cycle_id).
    ForeignKeyGuard("cycles_entitlementcomponent", "entitlement_id", "cycles_entitlement"),
    ForeignKeyGuard("payments_verificationitem", "payment_id", "payments_payment"),
)


def sqlite_sync(connection: Any) -> None:
    """(Re)install the SQLite triggers of every guard whose table exists (post_migrate)."""
    if connection.vendor != "sqlite":
        return
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for guard in GUARDS:
            if guard.table in tables and guard.ref_table in tables:
                for sql in guard.sqlite_install():
                    cursor.execute(sql)


def _run(statements_for: str, guards: tuple[ForeignKeyGuard, ...]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            return  # installed after the whole migrate run (sqlite_sync), as SQLite rebuilds tables
        for guard in guards:
            for sql in getattr(guard, f"{vendor}_{statements_for}")():
                schema_editor.execute(sql, params=None)

    return run


def install(*guards: ForeignKeyGuard) -> migrations.RunPython:
    """A migration operation that installs the guards (and removes them when migrated backwards)."""
    return migrations.RunPython(_run("install", guards), _run("remove", guards))
