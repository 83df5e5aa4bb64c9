"""Per-cycle partitions of the two tables that a cycle fills a million rows at a time (PostgreSQL).

A cycle writes one entitlement per household when it is created and one payment per paid household when it is first
exported. Written into a table that already has its indexes, every row is an insertion into each index, WAL-logged
one at a time: 1,000,000 payments cost 5.7 s in their five indexes and 2.2 s in the set-based key checks on the
project's 2-core machine, against 2.7 s for the rows themselves (docs/benchmarks.md). Written into a table of their
own, the same indexes are built once each by sorting (2.3 s together) and every key is checked with one anti-join;
the table then becomes the cycle's partition (ATTACH PARTITION moves no row and rebuilds no index).

Layout on PostgreSQL (SQLite keeps plain tables with the same columns and the models' constraints as they are):

- `cycles_entitlement` and `payments_payment` are partitioned BY LIST (cycle_id), one partition `<table>_c<cycle id>`
  per cycle, made by the cycle's first write (`bulk_load`) or by `ensure_partition` before rows are written one at a
  time through the parent. There is no default partition: attaching a partition then locks and scans nothing but the
  new table (with a default one, every attach would lock it, and with it every reader of the whole table);
- the primary key is (id, cycle_id) (PostgreSQL requires the partition key in it); `id` comes from a sequence, so it
  stays unique on its own, and Django keeps using it as the primary key;
- a unique index carries cycle_id as its last column, for the same reason. It still means what the models say (one
  entitlement, and one live payment, per household, program and period): every partition holds one cycle and a
  CHECK constraint fixes its program and period, and a program has one cycle per period (cycles_cycle's unique
  constraint);
- foreign keys are the set-based guards of core/setfk.py on the parent, which fire for rows written through it; for
  a partition loaded on its own the same anti-joins run once, before it is attached. Row triggers of the parent
  (the guards' update checks) are cloned onto a partition when it is attached; statement triggers stay on the
  parent;
- making, indexing and attaching a partition is DDL, which needs the tables' owner: three SECURITY DEFINER functions
  (migration core.0005: `salur_cycle_partition_create`, `_attach`, `_ensure`) do it for the application's role,
  which owns nothing (docs/operations.md). They take a table of a fixed list, a cycle id and two literals.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection

log = logging.getLogger("salur.core.partitions")

KEY = "cycle_id"


@dataclass(frozen=True)
class Partitioned:
    """A table partitioned by cycle. Its partitions' storage (fillfactor 50 for payments, room for in-place status
    updates) and CHECK constraint are made by the functions of migration core.0005, the one place that knows them."""

    table: str

    def partition(self, cycle_id: int) -> str:
        return f"{self.table}_c{int(cycle_id)}"


TABLES = {
    "cycles_entitlement": Partitioned("cycles_entitlement"),
    "payments_payment": Partitioned("payments_payment"),
}


def is_partitioned(table: str) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def bulk_load(
    table: str,
    *,
    cycle_id: int,
    program_code: str,
    period: str,
    write: Callable[[str], int],
) -> int:
    """Write one cycle's rows: `write(target)` appends them to the table named `target` and returns how many.

    On PostgreSQL, with `table` partitioned and no partition of this cycle yet, `target` is a new table of the
    cycle's own; then its keys are checked, its indexes built, its program and period fixed by a CHECK constraint,
    and it is attached as the cycle's partition, all in the caller's transaction. Otherwise (SQLite, or the cycle has
    its partition already) `target` is `table` itself and every row goes through its indexes and triggers.

    The steps that need the table's owner run in SECURITY DEFINER functions (migration core.0005), so the
    application's own role needs no DDL rights (docs/operations.md).
    """
    spec = TABLES.get(table)
    if spec is None or not is_partitioned(table):
        return write(table)
    if _exists(spec.partition(cycle_id)):
        return write(table)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 2)
        clock = now

    with connection.cursor() as cursor:
        cursor.execute("SELECT salur_cycle_partition_create(%s, %s)", [table, int(cycle_id)])
        part = cursor.fetchone()[0]
        written = write(part)
        lap("write")
        _check_keys(table, part)
        lap("keys")
        cursor.execute(
            "SELECT salur_cycle_partition_attach(%s, %s, %s, %s)",
            [table, int(cycle_id), program_code, period],
        )
        lap("indexes_attach")
    log.info("partition %s: %d rows, timings (s): %s", part, written, timings)
    return written


def ensure_partition(table: str, cycle_id: int, *, program_code: str, period: str) -> None:
    """The cycle's (empty) partition, when it has none: before rows are written one at a time through the parent."""
    spec = TABLES.get(table)
    if spec is None or not is_partitioned(table) or _exists(spec.partition(cycle_id)):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT salur_cycle_partition_ensure(%s, %s, %s, %s)",
            [table, int(cycle_id), program_code, period],
        )


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return bool(cursor.fetchone()[0])


def _check_keys(parent: str, part: str) -> None:
    """The set-based foreign keys of `parent` (core/setfk.py), checked over a partition loaded on its own: one scan
    of the partition with a hash anti-join per key (a scan per key cost 1.6 s for 1,000,000 payments), then, only
    if something is missing, one query per key to name it."""
    from salur.core.setfk import GUARDS

    guards = [g for g in GUARDS if g.table == parent]
    if not guards:
        return
    joins = " ".join(
        f"LEFT JOIN {g.ref_table} r{i} ON r{i}.{g.ref_column} = n.{g.column}" for i, g in enumerate(guards)
    )
    missing = " OR ".join(
        f"(n.{g.column} IS NOT NULL AND r{i}.{g.ref_column} IS NULL)" for i, g in enumerate(guards)
    )
    with connection.cursor() as cursor:
        # Hash joins (the new partition has no statistics yet): nested loops off for these queries only.
        cursor.execute(
            "SELECT current_setting('enable_nestloop'), set_config('enable_nestloop', 'off', true)"
        )
        previous = cursor.fetchone()[0]
        try:
            cursor.execute(f"SELECT 1 FROM {part} n {joins} WHERE {missing} LIMIT 1")
            if cursor.fetchone() is None:
                return
            for guard in guards:
                cursor.execute(guard.violations_sql(part))
                if cursor.fetchone() is not None:
                    raise IntegrityError(guard.message())
        finally:
            cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [previous])


# --- conversion of an existing plain table (migrations) ---------------------------------------------------------


def convert(
    schema_editor: Any, spec: Partitioned, *, unique_with_key: dict[str, str], guards: tuple[Any, ...]
) -> None:
    """Turn the plain table `spec.table` into one partitioned BY LIST (cycle_id), keeping its rows, columns,
    defaults, CHECK constraints and index names; one partition per cycle present.

    `unique_with_key`: name -> column list of each unique index or constraint (other than the primary key), which
    becomes a unique index with cycle_id appended. Other indexes are recreated as they were. `guards`: the set-based
    foreign keys (core/setfk.py) from or to this table, removed before and installed again after (their triggers
    belong to the old table).
    """
    t = spec.table
    run = schema_editor.execute
    run(f"LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid), x.indisprimary FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass ORDER BY i.relname",
            [t],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'", [t]
        )
        unique_constraints = [r[0] for r in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}")
        max_id = int(cursor.fetchone()[0])
    old = f"{t}_unpartitioned"
    # Free the names: the old table's guards, unique constraints, secondary indexes and identity sequence go.
    for guard in guards:
        for statement in guard.postgresql_remove():
            run(statement)
    for name in unique_constraints:
        run(f"ALTER TABLE {t} DROP CONSTRAINT {name}")
    for name, _, primary in indexes:
        if not primary and name not in unique_constraints:
            run(f"DROP INDEX {name}")
    run(f"ALTER TABLE {t} RENAME TO {old}")
    run(f"ALTER TABLE {old} RENAME CONSTRAINT {t}_pkey TO {old}_pkey")
    run(f"ALTER TABLE {old} ALTER COLUMN id DROP IDENTITY IF EXISTS")
    run(
        f"CREATE TABLE {t} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED)"
        f" PARTITION BY LIST ({KEY})"
    )
    run(f"CREATE SEQUENCE {t}_id_seq OWNED BY {t}.id")
    run(f"ALTER TABLE {t} ALTER COLUMN id SET DEFAULT nextval('{t}_id_seq')")
    if max_id:
        run(f"SELECT setval('{t}_id_seq', {max_id})")
    run(f"ALTER TABLE {t} ADD CONSTRAINT {t}_pkey PRIMARY KEY (id, {KEY})")
    for name, definition, primary in indexes:
        if primary:
            continue
        if name in unique_with_key:
            run(f"CREATE UNIQUE INDEX {name} ON {t} ({unique_with_key[name]}, {KEY})" + _where(definition))
        else:
            run(re.sub(r" ON (ONLY )?\S+ ", f" ON {t} ", definition, count=1))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT o.{KEY}, p.code, c.period FROM {old} o JOIN cycles_cycle c ON c.id = o.{KEY}"
            f" JOIN programs_program p ON p.id = c.program_id ORDER BY o.{KEY}"
        )
        cycles = cursor.fetchall()
    for cycle_id, code, period in cycles:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT salur_cycle_partition_ensure(%s, %s, %s, %s)", [t, int(cycle_id), code, period]
            )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
            " AND attgenerated = '' ORDER BY attnum",
            [old],
        )
        columns = ", ".join(r[0] for r in cursor.fetchall())
    run(f"INSERT INTO {t} ({columns}) SELECT {columns} FROM {old}")
    run(f"DROP TABLE {old}")
    for guard in guards:
        for statement in guard.postgresql_install():
            run(statement)


def _where(indexdef: str) -> str:
    """The predicate of a partial index definition (' WHERE ...'), or ''."""
    match = re.search(r" WHERE (.*)$", indexdef)
    return f" WHERE {match.group(1)}" if match else ""
