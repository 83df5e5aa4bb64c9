"""Audit and history tables are append-only: PostgreSQL itself refuses UPDATE, DELETE and TRUNCATE on them.

The only exception is a purge (DELETE/TRUNCATE, never UPDATE) by the tables' owner (the migration role, not the
application's role) with `SET salur.allow_purge = 'on'`; the test suite uses it to empty its throwaway database.
On SQLite the hash chain (core/audit.py) is the protection: whoever holds the file can change anything.
"""

from django.db import migrations

PROTECTED = ["core_auditentry", "registry_registrychange"]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION salur_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'TRUNCATE')
     AND current_setting('salur.allow_purge', true) = 'on'
     AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
    IF TG_LEVEL = 'ROW' THEN RETURN OLD; END IF;
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'salur: % pada % ditolak: tabel ini hanya boleh ditambah (append-only)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(PG_FUNCTION)
        for table in PROTECTED:
            cursor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION salur_append_only()"
            )
            cursor.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION salur_append_only()"
            )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in PROTECTED:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_trail"), ("registry", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
