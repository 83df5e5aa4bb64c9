"""The registry import and export on the real database (runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from salur.core.errors import CommandFailed, UnreadableFile
from salur.registry.batch import importer
from salur.registry.batch.exporter import export_registry
from salur.registry.models import Household, ImportJob, Member, RegistryChange

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return Household.objects.count(), Member.objects.count(), RegistryChange.objects.count()


def test_the_worked_example_gives_exactly_the_contract_summary(golden_dir, run_import):
    expected = json.loads((golden_dir / "expected_import_summary.json").read_text())
    got = run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    for part in ("households", "members"):
        for key, value in expected[part].items():
            assert got[part][key] == value, (part, key)
    assert got["rejects"] == expected["rejects"]
    assert got["flags"] == expected["flags"]
    assert got["households"]["created"] == 372
    assert got["members"]["created"] == 1377
    assert Household.objects.count() == 372
    assert Member.objects.count() == 1377


def test_nothing_is_lost_every_rejected_row_is_in_the_rejects_file(golden_dir, run_import, tmp_path):
    rejects = tmp_path / "tolak.csv"
    got = run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv", rejects=rejects)
    with rejects.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["berkas", "baris", "kunci", "kolom", "kode", "nilai", "pesan"]
    for berkas, part in (("keluarga", "households"), ("anggota", "members")):
        rejected_lines = {int(r["baris"]) for r in rows if r["berkas"] == berkas}
        assert len(rejected_lines) == got[part]["rejected"]
        assert got[part]["read"] == got[part]["accepted"] + got[part]["rejected"]
    by_code: dict[str, int] = {}
    for r in rows:
        by_code[r["kode"]] = by_code.get(r["kode"], 0) + 1
        assert r["pesan"]
    assert by_code == got["rejects"]
    # A rejected household's members are rejected with KK_DITOLAK and its own key is reported.
    stored = set(Household.objects.values_list("no_kk", flat=True))
    for r in rows:
        if r["berkas"] == "keluarga" and r["kode"] != "KK_GANDA":
            assert r["kunci"] not in stored


def test_stored_rows_carry_their_flags(golden_registry):
    assert Member.objects.filter(flags__contains="NIK_WILAYAH").count() == 8
    assert Household.objects.filter(flags="KEPALA_KELUARGA").count() == 8
    m = Member.objects.filter(flags__contains="NIK_JENIS_KELAMIN").first()
    assert m is not None
    female_digits = int(m.nik[6:8]) > 40
    assert (m.jenis_kelamin == "P") != female_digits


def test_importing_the_same_files_twice_changes_nothing(golden_dir, run_import, golden_registry):
    before = counts()
    snapshot = list(Household.objects.order_by("no_kk").values_list("no_kk", "updated_at", "flags"))
    again = run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    assert again["households"]["created"] == again["households"]["updated"] == 0
    assert again["members"]["created"] == again["members"]["updated"] == 0
    assert counts() == before
    assert list(Household.objects.order_by("no_kk").values_list("no_kk", "updated_at", "flags")) == snapshot


def _rewrite(path: Path, key: str, value: str, column: str, new: str) -> None:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
        fields = list(rows[0])
    for r in rows:
        if r[key] == value:
            r[column] = new
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def test_reimport_is_an_upsert_that_keeps_history(golden_dir, run_import, golden_registry, admin_user):
    h = Household.objects.order_by("no_kk").first()
    m = Member.objects.filter(household=h).order_by("nik").first()
    assert h is not None
    assert m is not None
    _rewrite(golden_dir / "keluarga.csv", "no_kk", h.no_kk, "luas_lantai_m2", "77.5")
    _rewrite(golden_dir / "anggota.csv", "nik", m.nik, "nama", "Nama Baru Sekali")
    n_before = counts()[:2]
    got = run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    assert (got["households"]["created"], got["households"]["updated"]) == (0, 1)
    assert (got["members"]["created"], got["members"]["updated"]) == (0, 1)
    assert counts()[:2] == n_before
    h.refresh_from_db()
    m.refresh_from_db()
    assert h.luas_lantai_m2 == 77.5
    assert m.nama == "Nama Baru Sekali"
    change = RegistryChange.objects.get(entity="member", key=m.nik, action="update")
    assert change.actor_id == admin_user.pk
    assert change.source == "cli"
    assert change.after["nama"] == "Nama Baru Sekali"
    assert change.before["nama"] != "Nama Baru Sekali"
    hchange = RegistryChange.objects.get(entity="household", key=h.no_kk, action="update")
    assert float(hchange.after["luas_lantai_m2"]) == 77.5


def test_a_member_moving_to_another_household_is_updated_not_duplicated(
    golden_dir, run_import, golden_registry
):
    a, b = Household.objects.order_by("no_kk")[:2]
    mover = (
        Member.objects.filter(household=a).exclude(hubungan="kepala_keluarga").first() or a.members.first()
    )
    _rewrite(golden_dir / "anggota.csv", "nik", mover.nik, "no_kk", b.no_kk)
    got = run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    assert got["members"]["updated"] == 1
    mover.refresh_from_db()
    assert mover.household_id == b.pk
    assert Member.objects.filter(nik=mover.nik).count() == 1


def test_members_may_join_a_household_already_in_the_registry(golden_registry, tmp_path, run_import):
    h = Household.objects.filter(flags="").order_by("no_kk").first()
    kel = tmp_path / "k.csv"
    kel.write_text("no_kk,kode_wilayah\n", encoding="utf-8")  # required columns missing -> refused
    ang = tmp_path / "a.csv"
    ang.write_text(
        "nik,no_kk,nama,jenis_kelamin,tanggal_lahir,hubungan,status_kawin,pendidikan,pekerjaan,disabilitas,hamil\n"
        f"{h.wilayah_id[:6]}0101200009,{h.no_kk},Bayi Baru,L,2020-01-01,anak,belum_kawin,tidak_sekolah,"
        "tidak_bekerja,tidak,0\n",
        encoding="utf-8",
    )
    with pytest.raises(UnreadableFile):
        run_import(kel, ang)
    header = (golden_registry and None) or (
        Path(__file__).parent / "data" / "golden" / "keluarga.csv"
    ).read_text(encoding="utf-8").splitlines()[0]
    kel.write_text(header + "\n", encoding="utf-8")
    got = run_import(kel, ang)
    assert got["households"]["read"] == 0
    assert got["members"]["created"] == 1
    assert Member.objects.get(nik=f"{h.wilayah_id[:6]}0101200009").household_id == h.pk


def test_export_then_import_gives_the_same_registry(golden_registry, tmp_path, run_import):
    first = tmp_path / "satu"
    export_registry(out_dir=first)
    got = run_import(first / "keluarga.csv", first / "anggota.csv")
    assert got["households"]["rejected"] == got["members"]["rejected"] == 0
    assert got["households"]["updated"] == got["members"]["updated"] == 0
    # Into an empty registry: the same rows come back.
    Member.objects.all().delete()
    Household.objects.all().delete()
    got = run_import(first / "keluarga.csv", first / "anggota.csv")
    assert (got["households"]["created"], got["members"]["created"]) == (372, 1377)
    second = tmp_path / "dua"
    export_registry(out_dir=second)
    for name in ("keluarga.csv", "anggota.csv"):
        assert sorted((first / name).read_text().splitlines()) == sorted(
            (second / name).read_text().splitlines()
        )


def test_export_is_limited_to_a_region_scope(golden_registry, tmp_path):
    _, _, n_h, _ = export_registry(out_dir=tmp_path, scope_prefixes=("3212",))
    assert n_h == Household.objects.filter(wilayah__kode__startswith="3212").count() > 0


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("missing", None, "tidak ditemukan"),
        ("empty", b"", "kosong"),
        ("latin1", "no_kk,alamat\n1,Jl. Pem\xe9da\n".encode("latin-1"), "UTF-8"),
        ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "biner"),
        ("json", b'{"no_kk": "1"}\n', "bukan CSV"),
        ("nocolumn", b"no_kk,kode_wilayah\n3325010101240001,3325012001\n", "kolom wajib tidak ada"),
    ],
)
def test_an_unreadable_keluarga_file_stores_nothing_and_exits_2(
    golden_dir, tmp_path, name, content, fragment, admin_user
):
    path = tmp_path / f"{name}.csv"
    if content is not None:
        path.write_bytes(content)
    before = counts()
    with pytest.raises(CommandFailed) as err:
        call_command("import_registry", keluarga=path, anggota=golden_dir / "anggota.csv")
    assert err.value.returncode == 2
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)
    assert counts() == before
    assert ImportJob.objects.get().status == "gagal"


def test_the_cli_exits_1_when_rows_were_rejected_and_prints_only_json(golden_dir, admin_user, capsys):
    with pytest.raises(SystemExit) as exc:
        call_command(
            "import_registry",
            keluarga=golden_dir / "keluarga.csv",
            anggota=golden_dir / "anggota.csv",
            json=True,
        )
    assert exc.value.code == 1
    out = capsys.readouterr().out
    payload = json.loads(out)
    assert set(payload) == {"households", "members", "rejects", "flags", "rejects_file", "warnings"}


def test_extra_columns_are_ignored_and_named_in_warnings(golden_dir, tmp_path, run_import):
    src = (golden_dir / "keluarga.csv").read_text(encoding="utf-8").splitlines()
    extra = tmp_path / "keluarga.csv"
    extra.write_text(
        "\n".join([src[0] + ",catatan"] + [line + ",x" for line in src[1:]]) + "\n", encoding="utf-8"
    )
    got = run_import(extra, golden_dir / "anggota.csv")
    assert got["households"]["accepted"] == 372
    assert got["warnings"] == ["Kolom tambahan di keluarga.csv diabaikan: catatan"]


def test_a_bom_and_columns_in_another_order_are_accepted(golden_dir, tmp_path, run_import):
    with (golden_dir / "anggota.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    order = list(reversed(range(len(rows[0]))))
    shuffled = tmp_path / "anggota.csv"
    with shuffled.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        for r in rows:
            w.writerow([r[i] for i in order])
    got = run_import(golden_dir / "keluarga.csv", shuffled)
    assert got["members"]["accepted"] == 1377


def test_an_import_failing_midway_leaves_the_registry_as_it_was(
    golden_dir, run_import, golden_registry, monkeypatch
):
    _rewrite(
        golden_dir / "keluarga.csv",
        "no_kk",
        Household.objects.order_by("no_kk").first().no_kk,
        "alamat",
        "Baru",
    )
    before = counts()

    def boom(*args, **kwargs):
        raise RuntimeError("disk penuh")

    monkeypatch.setattr(importer, "merge_members", boom)
    with pytest.raises(RuntimeError):
        run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    assert counts() == before
    assert not Household.objects.filter(alamat="Baru").exists()


def _throwaway_database(tmp_path: Path) -> tuple[str, object]:
    """A database of the backend under test that a child process can reach."""
    if connection.vendor == "postgresql":
        import psycopg

        settings_dict = connection.settings_dict
        name = f"salur_kill_{uuid.uuid4().hex[:8]}"
        dsn = f"host={settings_dict['HOST'] or '127.0.0.1'} port={settings_dict['PORT'] or 5432} user={settings_dict['USER']} dbname=postgres"
        if settings_dict.get("PASSWORD"):
            dsn += f" password={settings_dict['PASSWORD']}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        user = settings_dict["USER"]
        auth = f"{user}:{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else user
        url = (
            f"postgres://{auth}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/{name}"
        )
        return url, drop
    return f"sqlite:///{tmp_path / 'kill.sqlite3'}", lambda: None


@pytest.mark.slow
def test_an_import_killed_in_the_middle_leaves_the_registry_as_it_was(golden_dir, tmp_path):
    url, drop = _throwaway_database(tmp_path)
    env = {**os.environ, "DATABASE_URL": url, "SALUR_VAR_DIR": str(tmp_path / "var")}
    salur = [sys.executable, "-m", "salur.cli"]
    try:
        subprocess.run([*salur, "setup"], env=env, check=True, capture_output=True)
        first = subprocess.run(
            [
                *salur,
                "import",
                "registry",
                "--keluarga",
                str(golden_dir / "keluarga.csv"),
                "--anggota",
                str(golden_dir / "anggota.csv"),
                "--json",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        assert first.returncode == 1, first.stderr
        export_before = tmp_path / "before"
        subprocess.run(
            [*salur, "export", "registry", "--out", str(export_before)],
            env=env,
            check=True,
            capture_output=True,
        )
        _rewrite(golden_dir / "anggota.csv", "nik", "5108051809975689", "nama", "Diubah Lalu Mati")
        killed = subprocess.run(
            [
                *salur,
                "import",
                "registry",
                "--keluarga",
                str(golden_dir / "keluarga.csv"),
                "--anggota",
                str(golden_dir / "anggota.csv"),
            ],
            env={**env, "SALUR_CRASH_AT": "after_merge_members"},
            capture_output=True,
            text=True,
        )
        assert killed.returncode == -9, killed.stderr  # SIGKILL: no cleanup code ran
        export_after = tmp_path / "after"
        subprocess.run(
            [*salur, "export", "registry", "--out", str(export_after)],
            env=env,
            check=True,
            capture_output=True,
        )
        for name in ("keluarga.csv", "anggota.csv"):
            assert (export_before / name).read_bytes() == (export_after / name).read_bytes()
    finally:
        drop()  # type: ignore[operator]


def test_a_scoped_operator_imports_only_rows_of_its_own_region(golden_dir, run_import, make_user):
    indramayu = make_user("dinsos_indramayu", "operator_dinsos_kab", wilayah="32.12")
    got = run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv", actor=indramayu)
    stored = set(Household.objects.values_list("wilayah_id", flat=True))
    assert stored
    assert all(code.startswith("3212") for code in stored)
    assert got["rejects"]["DI_LUAR_WILAYAH"] > 0
    assert got["households"]["read"] == got["households"]["accepted"] + got["households"]["rejected"]


def test_a_scoped_operator_cannot_move_another_regions_household_into_its_own(
    golden_dir, run_import, golden_registry, make_user
):
    outside = Household.objects.exclude(wilayah__kode__startswith="3212").order_by("no_kk").first()
    _rewrite(golden_dir / "keluarga.csv", "no_kk", outside.no_kk, "kode_wilayah", "3212012001")
    operator = make_user("dinsos_indramayu", "operator_dinsos_kab", wilayah="32.12")
    rejects = golden_dir / "tolak.csv"
    run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv", actor=operator, rejects=rejects)
    outside.refresh_from_db()
    assert not outside.wilayah_id.startswith("3212")
    assert f"{outside.no_kk},no_kk,DI_LUAR_WILAYAH" in rejects.read_text(encoding="utf-8")


def test_roles_without_the_import_right_are_refused_before_anything_happens(golden_dir, make_user):
    auditor = make_user("auditor_uji", "auditor")
    with pytest.raises(CommandFailed) as err:
        call_command(
            "import_registry",
            keluarga=golden_dir / "keluarga.csv",
            anggota=golden_dir / "anggota.csv",
            user="auditor_uji",
        )
    assert err.value.returncode == 2
    assert ImportJob.objects.count() == 0
    assert auditor.pk


def test_a_dirty_synthetic_registry_imports_with_exactly_its_planted_problems(tmp_path, run_import):
    from salur.registry.batch.synth import synth_registry

    result = synth_registry(households=1500, seed=11, out_dir=tmp_path / "syn", dirty=True)
    truth = json.loads((tmp_path / "syn" / "truth.json").read_text())["expected_import"]
    rejects = tmp_path / "tolak.csv"
    got = run_import(result.files["keluarga"], result.files["anggota"], rejects=rejects)
    for part in ("households", "members"):
        for key, value in truth[part].items():
            assert got[part][key] == value, (part, key)
    assert got["rejects"] == truth["rejects"]
    assert got["flags"] == truth["flags"]
    with rejects.open(encoding="utf-8") as fh:
        found = {(r["berkas"], int(r["baris"]), r["kode"]) for r in csv.DictReader(fh)}
    with (tmp_path / "syn" / "truth_rejects.csv").open(encoding="utf-8") as fh:
        planted = {(r["berkas"], int(r["baris"]), r["kode"]) for r in csv.DictReader(fh)}
    assert found == planted


@pytest.mark.django_db
def test_each_import_records_the_quality_trend(golden_registry):
    from salur.dataquality.models import QualitySnapshot
    from salur.registry.models import ImportJob

    job = ImportJob.objects.get()
    regions = set(QualitySnapshot.objects.filter(job=job).values_list("kode_wilayah", flat=True))
    assert len(regions) > 1  # one row of figures per kabupaten/kota of the registry
