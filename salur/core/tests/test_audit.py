"""The audit chain: append-only, hash-chained, and every kind of tampering detected (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import json
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from salur.core.audit import audit_record, audit_verify
from salur.core.models import AuditEntry, AuditHead

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(admin_user):
    entries = [
        audit_record(
            actor=admin_user,
            action="uji.ubah",
            object_type="uji",
            object_id=i,
            before={"n": i},
            after={"n": i + 1},
        )
        for i in range(5)
    ]
    return entries


def raw(sql: str, params: list | None = None) -> None:
    """Write behind Salur's back, as someone with direct database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch triggers off for its session: the chain must still catch what it does.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_an_untouched_chain_verifies(chain):
    result = audit_verify()
    assert result.ok
    assert (
        result.checked
        == AuditEntry.objects.count()
        == 5 + AuditEntry.objects.exclude(action="uji.ubah").count()
    )
    assert result.head_hash == chain[-1].hash
    assert AuditEntry.objects.order_by("id").first().prev_hash == "0" * 64  # the genesis link
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))


def test_a_modified_entry_is_named(chain):
    raw(
        "UPDATE core_auditentry SET payload = %s WHERE id = %s",
        [json.dumps({"after": {"n": 999}}), chain[2].pk],
    )
    result = audit_verify()
    assert (result.ok, result.broken_at) == (False, chain[2].pk)
    assert "diubah" in result.reason


def test_a_modified_actor_is_detected(chain, make_user):
    other = make_user("orang_lain")
    raw(
        "UPDATE core_auditentry SET actor_id = %s, actor_name = %s WHERE id = %s",
        [other.pk, "orang_lain", chain[1].pk],
    )
    assert audit_verify().broken_at == chain[1].pk


def test_a_deleted_entry_breaks_the_next_link(chain):
    raw("DELETE FROM core_auditentry WHERE id = %s", [chain[2].pk])
    result = audit_verify()
    assert (result.ok, result.broken_at) == (False, chain[3].pk)
    assert "putus" in result.reason


def test_a_deleted_last_entry_is_detected_by_the_head(chain):
    raw("DELETE FROM core_auditentry WHERE id = %s", [chain[-1].pk])
    result = audit_verify()
    assert result.ok is False
    assert "kepala" in result.reason


def test_an_inserted_entry_is_detected(chain):
    e = chain[2]
    raw(
        "INSERT INTO core_auditentry (at, actor_id, actor_name, source, action, object_type, object_id, request_id,"
        " payload, prev_hash, hash) VALUES (%s, NULL, '', 'cli', 'palsu', 'uji', 'x', '', '{}', %s, %s)",
        [e.at, e.hash, uuid.uuid4().hex * 2],
    )
    forged = AuditEntry.objects.get(action="palsu")
    assert audit_verify().broken_at == forged.pk


def test_reordered_entries_are_detected(chain):
    a, b = chain[1], chain[3]
    raw("UPDATE core_auditentry SET id = -1 WHERE id = %s", [a.pk])
    raw("UPDATE core_auditentry SET id = %s WHERE id = %s", [a.pk, b.pk])
    raw("UPDATE core_auditentry SET id = %s WHERE id = -1", [b.pk])
    result = audit_verify()
    assert result.ok is False
    assert result.broken_at == a.pk


def test_a_rolled_back_change_leaves_no_entry_and_the_chain_stays_whole(admin_user, chain):
    before = AuditHead.objects.get().count
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=admin_user, action="uji.batal", object_type="uji")
        raise RuntimeError
    assert not AuditEntry.objects.filter(action="uji.batal").exists()
    assert audit_verify().ok
    assert AuditHead.objects.get().count == before


def test_the_cli_reports_a_broken_chain_with_exit_1(chain, capsys):
    call_command("audit_verify", json=True)
    assert json.loads(capsys.readouterr().out)["ok"] is True
    raw("UPDATE core_auditentry SET object_id = 'lain' WHERE id = %s", [chain[0].pk])
    with pytest.raises(SystemExit) as exc:
        call_command("audit_verify", json=True)
    assert exc.value.code == 1
    assert json.loads(capsys.readouterr().out)["broken_at"] == chain[0].pk


def test_an_import_is_one_entry_that_protects_its_history_rows(golden_dir, run_import):
    run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    # A second import that changes one address writes one history row with its before and after.
    path = golden_dir / "keluarga.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Jl. Saputra No. 163", "Jl. Saputra No. 164")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    first, second = AuditEntry.objects.filter(action="registry.import").order_by("id")
    detail = json.loads(second.payload)["detail"]
    assert len(detail["keluarga"]["sha256"]) == 64
    assert detail["digest"]
    assert json.loads(first.payload)["after"]["households"]["accepted"] == 372
    assert json.loads(second.payload)["after"]["households"]["updated"] == 1
    assert audit_verify().ok
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE registry_registrychange SET after = before WHERE action = 'update'")
    result = audit_verify()
    assert (result.ok, result.broken_at) == (False, second.pk)
    assert "riwayat" in result.reason


@pytest.mark.postgres_only
def test_postgres_refuses_update_and_delete_of_audit_rows(chain):
    from salur.registry.models import RegistryChange

    RegistryChange.objects.create(source="cli", entity="household", key="1", action="create")
    before = AuditEntry.objects.count()
    for sql in (
        "UPDATE core_auditentry SET payload = '{}'",
        "DELETE FROM core_auditentry",
        "TRUNCATE core_auditentry CASCADE",
        "UPDATE registry_registrychange SET action = 'x'",
        "DELETE FROM registry_registrychange",
    ):
        with (
            pytest.raises(Exception, match=r"append-only|permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL salur.allow_purge = 'off'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql)
    assert AuditEntry.objects.count() == before


@pytest.mark.postgres_only
def test_the_apps_database_role_cannot_rewrite_audit_rows():
    """Production: the app connects as a role with SELECT/INSERT only on these tables (docs/operations.md)."""
    import psycopg

    role = f"salur_app_{uuid.uuid4().hex[:6]}"
    s = connection.settings_dict
    base = f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} dbname={s['NAME']}"
    with psycopg.connect(f"{base} user={s['USER']}", autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute(f"GRANT SELECT, INSERT ON core_auditentry, registry_registrychange TO {role}")
        try:
            with psycopg.connect(f"{base} user={role}", autocommit=True, connect_timeout=5) as app:
                assert app.execute("SELECT COUNT(*) FROM core_auditentry").fetchone() is not None
                for sql in (
                    "UPDATE core_auditentry SET payload = '{}'",
                    "DELETE FROM core_auditentry",
                    "TRUNCATE core_auditentry",
                    "UPDATE registry_registrychange SET action = 'x'",
                    "DELETE FROM registry_registrychange",
                    "DROP TRIGGER core_auditentry_append_only ON core_auditentry",
                    "ALTER TABLE core_auditentry DISABLE TRIGGER USER",
                ):
                    with pytest.raises(psycopg.errors.InsufficientPrivilege):
                        app.execute(sql)
        finally:
            admin.execute(f"REVOKE ALL ON core_auditentry, registry_registrychange FROM {role}")
            admin.execute(f"DROP ROLE {role}")


def test_the_auditor_searches_the_trail_by_actor_action_object_and_time(chain, make_user, admin_user):
    from django.test import Client

    auditor = make_user("auditor_bpk", "auditor")
    client = Client()
    client.force_login(auditor)
    page = client.get("/audit/", {"aktor": admin_user.username, "aksi": "uji.", "jenis": "uji", "objek": "3"})
    assert page.status_code == 200
    rows = page.context["entries"]
    assert [r["entry"].object_id for r in rows] == ["3"]
    from django.utils import timezone

    # The filter reads dates in the local time zone (Asia/Jakarta): between 17:00 and 24:00 UTC it is already the
    # next day there.
    today = timezone.localtime(chain[0].at).date().isoformat()
    assert client.get("/audit/", {"dari": today, "sampai": today}).context["page"].paginator.count >= 5
    assert (
        client.get("/audit/", {"dari": "2000-01-01", "sampai": "2000-01-02"}).context["page"].paginator.count
        == 0
    )
    checked = client.get("/audit/", {"periksa": "1"})
    assert checked.context["verify"].ok
    assert "Rantai utuh" in checked.content.decode()


def test_creating_a_user_is_audited(admin_user):
    from salur.accounts.services import user_create

    user_create(username="baru", role="auditor", wilayah=None, password=None, actor=admin_user)
    entry = AuditEntry.objects.get(
        action="accounts.user.create", object_type="accounts.user", payload__contains='"baru"'
    )
    assert (entry.actor_id, json.loads(entry.payload)["after"]["username"]) == (admin_user.pk, "baru")


def test_only_user_managers_create_users(make_user):
    from salur.accounts.services import user_create
    from salur.core.errors import PermissionDenied

    operator = make_user("op_kab", "operator_dinsos_kab", wilayah="33.25")
    with pytest.raises(PermissionDenied):
        user_create(username="titipan", role="admin_pusat", wilayah=None, password=None, actor=operator)
    assert not AuditEntry.objects.filter(action="accounts.user.create", payload__contains="titipan").exists()
