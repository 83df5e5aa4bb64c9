# The three steps of a cycle's partition that need the tables' owner (core/partitions.py), as functions that run
# with the owner's rights (SECURITY DEFINER): the application connects as a role that may read and write rows but
# owns no table (docs/operations.md), and creating, indexing and attaching a partition is DDL. The functions take
# only a table of a fixed list and numbers or literals, never SQL text, so they grant nothing beyond these steps.

from django.db import migrations

ALLOWED = "ARRAY['cycles_entitlement', 'payments_payment']"

FUNCTIONS = [
    f"""
CREATE OR REPLACE FUNCTION salur_cycle_partition_name(parent text, cycle_id bigint) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
  IF NOT parent = ANY ({ALLOWED}) THEN
    RAISE EXCEPTION 'not a table partitioned by cycle: %', parent;
  END IF;
  RETURN parent || '_c' || cycle_id::text;
END $fn$""",
    """
CREATE OR REPLACE FUNCTION salur_cycle_partition_storage(parent text) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
  -- payments: room for the in-place (HOT) status updates
  SELECT CASE WHEN parent = 'payments_payment' THEN ' WITH (fillfactor = 50)' ELSE '' END
$fn$""",
    """
CREATE OR REPLACE FUNCTION salur_cycle_partition_check(part text, cycle_id bigint, program_code text, period text)
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (cycle_id = %s AND program_code = %L AND period = %L)',
                 part, part || '_cycle', cycle_id, program_code, period);
END $fn$""",
    # A new, unindexed table for a cycle's rows, writable by the calling role (which then COPYs into it).
    """
CREATE OR REPLACE FUNCTION salur_cycle_partition_create(parent text, cycle_id bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
DECLARE
  part text := salur_cycle_partition_name(parent, cycle_id);
BEGIN
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED)%s',
                 part, parent, salur_cycle_partition_storage(parent));
  IF NOT pg_has_role(session_user, current_user, 'USAGE') THEN  -- the application's role, not the owner
    EXECUTE format('GRANT SELECT, INSERT ON %I TO %I', part, session_user);
  END IF;
  RETURN part;
END $fn$""",
    # Indexes like the parent's (built once each by sorting), the cycle's CHECK constraint, then the attach.
    """
CREATE OR REPLACE FUNCTION salur_cycle_partition_attach(parent text, cycle_id bigint, program_code text, period text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
DECLARE
  part text := salur_cycle_partition_name(parent, cycle_id);
  ix record;
  n int := 0;
BEGIN
  IF to_regclass(part) IS NULL OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = part::regclass) THEN
    RAISE EXCEPTION 'no unattached partition % to attach', part;
  END IF;
  PERFORM set_config('maintenance_work_mem', '512MB', true);
  FOR ix IN
    SELECT pg_get_indexdef(x.indexrelid) AS indexdef, c.contype, pg_get_constraintdef(c.oid) AS condef
    FROM pg_index x LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
    WHERE x.indrelid = parent::regclass ORDER BY x.indexrelid
  LOOP
    IF ix.contype IN ('p', 'u') THEN
      EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', part, part || '_i' || n, ix.condef);
    ELSE
      EXECUTE regexp_replace(ix.indexdef, '^CREATE (UNIQUE )?INDEX \\S+ ON (ONLY )?\\S+ ',
                             'CREATE \\1INDEX ' || quote_ident(part || '_i' || n) || ' ON ' || quote_ident(part) || ' ');
    END IF;
    n := n + 1;
  END LOOP;
  PERFORM salur_cycle_partition_check(part, cycle_id, program_code, period);
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%s)', parent, part, cycle_id);
  IF NOT pg_has_role(session_user, current_user, 'USAGE') THEN  -- rows go through the parent from now on
    EXECUTE format('REVOKE INSERT ON %I FROM %I', part, session_user);
  END IF;
END $fn$""",
    # An empty partition, attached at once (rows written one at a time through the parent).
    """
CREATE OR REPLACE FUNCTION salur_cycle_partition_ensure(parent text, cycle_id bigint, program_code text, period text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
DECLARE
  part text := salur_cycle_partition_name(parent, cycle_id);
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%s)%s',
                 part, parent, cycle_id, salur_cycle_partition_storage(parent));
  PERFORM salur_cycle_partition_check(part, cycle_id, program_code, period);
END $fn$""",
]

NAMES = [
    "salur_cycle_partition_ensure(text, bigint, text, text)",
    "salur_cycle_partition_attach(text, bigint, text, text)",
    "salur_cycle_partition_create(text, bigint)",
    "salur_cycle_partition_check(text, bigint, text, text)",
    "salur_cycle_partition_storage(text)",
    "salur_cycle_partition_name(text, bigint)",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in FUNCTIONS:
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in NAMES:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_approvals")]

    operations = [migrations.RunPython(install, remove)]
