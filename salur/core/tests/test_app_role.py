"""Production on PostgreSQL: the application connects as a role that reads and writes rows but owns no table
(docs/operations.md, "Database roles"). The money path and a national-size import must work for it: a cycle's
partitions are made by SECURITY DEFINER functions (migration core.0005), and an import that may not rebuild the
registry's indexes keeps them."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from salur.accounts.models import Role
from salur.cycles.models import Cycle

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def app_role():
    """A role granted as docs/operations.md says, and its DATABASE_URL."""
    import psycopg

    role = f"salur_app_{uuid.uuid4().hex[:6]}"
    s = connection.settings_dict
    base = f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} dbname={s['NAME']}"
    grants = [
        f"CREATE ROLE {role} LOGIN",
        f'GRANT CONNECT, TEMPORARY ON DATABASE "{s["NAME"]}" TO {role}',
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON core_auditentry, registry_registrychange FROM {role}",
    ]
    with psycopg.connect(f"{base} user={s['USER']}", autocommit=True) as admin:
        for sql in grants:
            admin.execute(sql)
        try:
            yield role, f"postgres://{role}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        finally:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")


def test_the_apps_role_imports_creates_approves_exports_and_reconciles(
    app_role, golden_dir: Path, make_user, tmp_path: Path
):
    from salur.programs.services import catalogue_load_defaults
    from salur.regions.services import regions_load

    regions_load()
    catalogue_load_defaults()
    make_user("role_maker", Role.ADMIN_PUSAT, None)
    make_user("role_checker", Role.ADMIN_PUSAT, None)
    role, url = app_role
    env = {**os.environ, "DATABASE_URL": url, "SALUR_VAR_DIR": str(tmp_path / "var")}
    env.pop(
        "SALUR_IMPORT_REBUILD_INDEXES", None
    )  # auto: an initial load would rebuild, were the role the owner

    def salur(*args: str, user: str = "role_maker") -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "salur.cli", *args, "--json"],
            env={**env, "SALUR_USER": user},
            capture_output=True,
            text=True,
        )
        assert done.returncode in (0, 1), done.stderr[-3000:]
        return json.loads(done.stdout)

    summary = salur(
        "import",
        "registry",
        "--keluarga",
        str(golden_dir / "keluarga.csv"),
        "--anggota",
        str(golden_dir / "anggota.csv"),
    )
    assert summary["households"]["created"] == 372
    created = salur("cycle", "create", "--program", "SEMBAKO", "--period", "2024-05")
    assert created["eligible"] > 0
    salur("cycle", "approve", "SEMBAKO-2024-05", user="role_checker")
    exported = salur("payments", "export", "SEMBAKO-2024-05", "--out", str(tmp_path / "files"))
    assert sum(f["jumlah_baris"] for f in exported["files"]) == created["eligible"]
    status = tmp_path / "status.csv"
    lines = ["id_pembayaran,status,tanggal,nominal_dibayar,keterangan"]
    for f in exported["files"]:
        with (tmp_path / "files" / f["file"]).open(encoding="utf-8", newline="") as fh:
            for cells in csv.DictReader(fh):
                lines.append(f"{cells['id_pembayaran']},DIBAYAR,2024-05-20,{cells['nominal']},")
    status.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = salur("payments", "import-status", str(status))
    assert result["applied"] == created["eligible"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent IN ('cycles_entitlement'::regclass, 'payments_payment'::regclass)"
            " AND c.relname LIKE %s",
            [f"%\\_c{Cycle.objects.get(code='SEMBAKO-2024-05').pk}"],
        )
        partitions = cursor.fetchall()
    # Both partitions of the cycle exist, made by the functions under the tables' owner, not by the app's role.
    assert len(partitions) == 2
    assert all(owner != role for _, owner in partitions)
