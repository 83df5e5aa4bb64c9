"""The import's fast write paths (runs on SQLite and PostgreSQL).

New rows go straight into the registry tables (COPY from a worker thread on PostgreSQL); a load that is large
relative to the registry drops and rebuilds the secondary indexes (on PostgreSQL also the unique constraints and
the member -> household foreign key). Each test runs with the rebuild forced on and off.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction

from salur.registry.batch import importer
from salur.registry.models import Household, Member, RegistryChange
from salur.registry.tests.test_import import _rewrite, _throwaway_database

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["always", "never"])
def rebuild_mode(request, monkeypatch):
    monkeypatch.setenv("SALUR_IMPORT_REBUILD_INDEXES", request.param)
    return request.param


def table_schema(table: str) -> list[str]:
    """Every index and constraint of a table, as the database defines them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexrelid::regclass::text || ' ' || pg_get_indexdef(indexrelid) FROM pg_index"
                " WHERE indrelid = %s::regclass",
                [table],
            )
            rows = [r[0] for r in cursor.fetchall()]
            cursor.execute(
                "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass",
                [table],
            )
            rows += [r[0] for r in cursor.fetchall()]
        else:
            cursor.execute(
                "SELECT name || ' ' || COALESCE(sql, '') FROM sqlite_master WHERE tbl_name = %s", [table]
            )
            rows = [r[0] for r in cursor.fetchall()]
    return sorted(rows)


def test_the_worked_example_gives_the_contract_summary_with_and_without_an_index_rebuild(
    golden_dir, run_import, rebuild_mode
):
    expected = json.loads((golden_dir / "expected_import_summary.json").read_text())
    got = run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    for part in ("households", "members"):
        for key, value in expected[part].items():
            assert got[part][key] == value, (part, key)
    assert got["rejects"] == expected["rejects"]
    assert got["flags"] == expected["flags"]
    assert (Household.objects.count(), Member.objects.count()) == (372, 1377)
    assert Household.objects.filter(flags="KEPALA_KELUARGA").count() == 8
    # Every member sits in the household its row names, and carries its row number and the creating job.
    with (golden_dir / "anggota.csv").open(encoding="utf-8") as fh:
        rows: dict[str, tuple[int, str]] = {}
        for number, r in enumerate(csv.DictReader(fh), start=1):
            rows.setdefault(r["nik"], (number, r["no_kk"]))  # a NIK listed twice: the first row is kept
    stored = Member.objects.values_list(
        "nik", "urutan", "household__no_kk", "created_job_id", "household__created_job_id"
    )
    for nik, urutan, no_kk, job, household_job in stored:
        assert (urutan, no_kk) == rows[nik]
        assert job is not None
        assert job == household_job


def test_an_index_rebuild_leaves_the_same_indexes_and_constraints(golden_dir, run_import, rebuild_mode):
    before = {t: table_schema(t) for t in ("registry_household", "registry_member")}
    run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    assert {t: table_schema(t) for t in ("registry_household", "registry_member")} == before
    a, b = Member.objects.order_by("nik")[:2]
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=b.pk).update(nik=a.nik)
    h1, h2 = Household.objects.order_by("no_kk")[:2]
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=h2.pk).update(no_kk=h1.no_kk)


def test_the_rebuild_is_chosen_for_loads_of_at_least_twice_the_registry(monkeypatch):
    monkeypatch.delenv("SALUR_IMPORT_REBUILD_INDEXES", raising=False)
    assert importer.rebuild_indexes_for(1, 0) is True
    assert importer.rebuild_indexes_for(200, 100) is True
    assert importer.rebuild_indexes_for(199, 100) is False
    monkeypatch.setenv("SALUR_IMPORT_REBUILD_INDEXES", "never")
    assert importer.rebuild_indexes_for(1, 0) is False
    monkeypatch.setenv("SALUR_IMPORT_REBUILD_INDEXES", "always")
    assert importer.rebuild_indexes_for(1, 10**9) is True


def test_a_reimport_after_a_rebuilt_load_updates_and_keeps_history(golden_dir, run_import, rebuild_mode):
    run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    m = Member.objects.order_by("nik").first()
    assert m is not None
    _rewrite(golden_dir / "anggota.csv", "nik", m.nik, "nama", "Nama Baru Sekali")
    got = run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    assert (got["members"]["created"], got["members"]["updated"]) == (0, 1)
    assert (got["households"]["created"], got["households"]["updated"]) == (0, 0)
    assert Member.objects.count() == 1377
    m.refresh_from_db()
    assert m.nama == "Nama Baru Sekali"
    assert RegistryChange.objects.get(entity="member", key=m.nik).after["nama"] == "Nama Baru Sekali"


def test_a_write_refused_by_the_database_midway_changes_nothing(
    golden_dir, run_import, golden_registry, monkeypatch, rebuild_mode
):
    # The importer is made to believe that every member is new: the database refuses the duplicate NIKs (row by
    # row in the COPY, or when the unique constraint is rebuilt) and the whole import is undone.
    h = Household.objects.order_by("no_kk").first()
    assert h is not None
    _rewrite(golden_dir / "keluarga.csv", "no_kk", h.no_kk, "alamat", "Baru")
    before = (Household.objects.count(), Member.objects.count(), RegistryChange.objects.count())
    schema_before = table_schema("registry_member")
    real = importer.existing_keys

    def members_all_new(table: str, key: str, keys: pl.Series) -> pl.Series:
        return pl.Series("k", [], dtype=pl.Utf8) if table == importer.MEMBER_TABLE else real(table, key, keys)

    monkeypatch.setattr(importer, "existing_keys", members_all_new)
    with pytest.raises(IntegrityError):
        run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    assert (Household.objects.count(), Member.objects.count(), RegistryChange.objects.count()) == before
    assert not Household.objects.filter(alamat="Baru").exists()
    assert table_schema("registry_member") == schema_before


def test_a_second_head_joining_a_registry_household_flags_it(
    golden_registry, tmp_path, run_import, rebuild_mode
):
    h = Household.objects.filter(flags="").order_by("no_kk").first()
    assert h is not None
    header = (
        (Path(__file__).parent / "data" / "golden" / "keluarga.csv")
        .read_text(encoding="utf-8")
        .splitlines()[0]
    )
    kel = tmp_path / "k.csv"
    kel.write_text(header + "\n", encoding="utf-8")
    ang = tmp_path / "a.csv"
    ang.write_text(
        "nik,no_kk,nama,jenis_kelamin,tanggal_lahir,hubungan,status_kawin,pendidikan,pekerjaan,disabilitas,hamil\n"
        f"{h.wilayah_id[:6]}0101800009,{h.no_kk},Kepala Kedua,L,1980-01-01,kepala_keluarga,kawin,sd,petani,tidak,0\n",
        encoding="utf-8",
    )
    got = run_import(kel, ang)
    assert got["members"]["created"] == 1
    assert got["flags"].get("KEPALA_KELUARGA") == 1
    h.refresh_from_db()
    assert h.flags == "KEPALA_KELUARGA"


def _index_names(url: str, tmp_path: Path) -> set[str]:
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            rows = conn.execute(
                "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid IN"
                " ('registry_member'::regclass, 'registry_household'::regclass)"
            ).fetchall()
    else:
        with sqlite3.connect(tmp_path / "kill.sqlite3") as conn:
            rows = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
                " AND tbl_name IN ('registry_member', 'registry_household')"
            ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.slow
def test_an_initial_load_killed_before_its_indexes_are_rebuilt_leaves_the_registry_empty_and_indexed(
    golden_dir, tmp_path
):
    url, drop = _throwaway_database(tmp_path)
    env = {**os.environ, "DATABASE_URL": url, "SALUR_VAR_DIR": str(tmp_path / "var")}
    env.pop("SALUR_IMPORT_REBUILD_INDEXES", None)  # auto: an empty registry is rebuilt on PostgreSQL
    salur = [sys.executable, "-m", "salur.cli"]
    files = ["--keluarga", str(golden_dir / "keluarga.csv"), "--anggota", str(golden_dir / "anggota.csv")]
    try:
        subprocess.run([*salur, "setup"], env=env, check=True, capture_output=True)
        indexes = _index_names(url, tmp_path)
        assert len(indexes) >= 4
        killed = subprocess.run(
            [*salur, "import", "registry", *files],
            env={**env, "SALUR_CRASH_AT": "after_write_members"},
            capture_output=True,
            text=True,
        )
        assert killed.returncode == -9, killed.stderr  # SIGKILL: no cleanup code ran
        assert _index_names(url, tmp_path) == indexes
        out = tmp_path / "after"
        subprocess.run(
            [*salur, "export", "registry", "--out", str(out)], env=env, check=True, capture_output=True
        )
        for name in ("keluarga.csv", "anggota.csv"):
            assert len((out / name).read_text(encoding="utf-8").splitlines()) == 1  # the header alone
        again = subprocess.run(
            [*salur, "import", "registry", *files, "--json"], env=env, capture_output=True, text=True
        )
        assert again.returncode == 1, again.stderr  # the worked example has rejected rows
        summary = json.loads(again.stdout)
        assert (summary["households"]["created"], summary["members"]["created"]) == (372, 1377)
        if url.startswith("postgres"):
            import psycopg

            # Both tables analysed after the commit (the households over a second connection, at the same time).
            with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
                analysed = conn.execute(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
                    " AND relname IN ('registry_household', 'registry_member') ORDER BY relname"
                ).fetchall()
            assert [r[0] for r in analysed] == ["registry_household", "registry_member"]
            with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
                columns = conn.execute(
                    "SELECT tablename || '.' || attname FROM pg_stats"
                    " WHERE tablename IN ('registry_household', 'registry_member')"
                ).fetchall()
            assert {"registry_household.kode_wilayah", "registry_member.nik"} <= {r[0] for r in columns}
    finally:
        drop()  # type: ignore[operator]


def test_a_rebuilt_table_still_refuses_a_household_in_an_unknown_region():
    """SQLite drops the region guard's insert trigger during a rebuild and checks the whole table once when it
    restores; PostgreSQL keeps its statement trigger. Either way the row is refused and nothing changes."""
    from salur.grievances.tests.factories import DESA_BATANG, make_household
    from salur.registry.batch.bulkload import SecondaryIndexes

    home = make_household(DESA_BATANG, ["Siti"])
    copy_sql = (
        "INSERT INTO registry_household (no_kk, kode_wilayah, alamat, rt, rw, luas_lantai_m2, jenis_lantai,"
        " jenis_dinding, jenis_atap, sumber_air_minum, sumber_penerangan, bahan_bakar_memasak, fasilitas_bab,"
        " status_rumah, daya_listrik_va, aset_kulkas, aset_motor, aset_mobil, aset_ac, aset_emas, aset_lahan, bank,"
        " no_rekening, desil_sumber, tanggal_pendataan, flags, created_at, updated_at)"
        " SELECT '9999999999999999', '9999999999', alamat, rt, rw, luas_lantai_m2, jenis_lantai, jenis_dinding,"
        " jenis_atap, sumber_air_minum, sumber_penerangan, bahan_bakar_memasak, fasilitas_bab, status_rumah,"
        " daya_listrik_va, aset_kulkas, aset_motor, aset_mobil, aset_ac, aset_emas, aset_lahan, bank, no_rekening,"
        " desil_sumber, tanggal_pendataan, flags, created_at, updated_at FROM registry_household WHERE id = %s"
    )
    before = table_schema("registry_household")
    indexes = SecondaryIndexes("registry_household")
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), transaction.atomic():
        indexes.drop()
        with connection.cursor() as cursor:
            cursor.execute(copy_sql, [home.pk])
        indexes.restore()
    assert table_schema("registry_household") == before  # the guard's trigger is back (SQLite)
    assert not Household.objects.filter(no_kk="9999999999999999").exists()
