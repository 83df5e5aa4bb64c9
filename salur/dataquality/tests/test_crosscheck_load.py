"""`salur crosscheck load`: reference lists as the contract says (runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.management import call_command

from salur.core.errors import CommandFailed
from salur.core.models import AuditEntry
from salur.dataquality.models import ReferenceEntry, ReferenceList
from salur.dataquality.services import active_list_niks

pytestmark = pytest.mark.django_db


def test_a_list_loads_with_its_sha256_and_reports_the_malformed_row(golden_dir, admin_user, capsys):
    path = golden_dir / "asn.csv"
    with pytest.raises(SystemExit) as exc:
        call_command("crosscheck_load", str(path), kind="asn", json=True)
    assert exc.value.code == 1  # a row was rejected
    out = json.loads(capsys.readouterr().out)
    assert out["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (out["read"], out["loaded"], out["rejected"]) == (4, 3, 1)
    assert out["problems"] == [
        {
            "baris": 4,
            "nik": "12345",
            "kode": "FORMAT_NIK",
            "pesan": "NIK harus tepat 16 angka; baris ini tidak dimuat",
        }
    ]
    ref = ReferenceList.objects.get(kind="asn", active=True)
    assert ref.sha256 == out["sha256"]
    assert sorted(active_list_niks("asn").to_list()) == [
        "1812014408345670",
        "9106195704725707",
        "9111022312611215",
    ]
    entry = ReferenceEntry.objects.get(nik="9111022312611215")
    assert entry.instansi == "Pemda"
    assert str(entry.tanggal_lahir) == "1961-12-23"
    assert AuditEntry.objects.filter(action="dataquality.list.load").count() == 1


def test_a_new_version_replaces_the_old(golden_dir, admin_user, tmp_path):
    call_command("crosscheck_load", str(golden_dir / "kematian.csv"), kind="kematian")
    smaller = tmp_path / "kematian.csv"
    smaller.write_text(
        "nik,nama,tanggal_meninggal\n9111095701454042,Endang Effendy,2023-11-02\n", encoding="utf-8"
    )
    call_command("crosscheck_load", str(smaller), kind="kematian")
    assert ReferenceList.objects.filter(kind="kematian").count() == 2
    active = ReferenceList.objects.get(kind="kematian", active=True)
    assert active.version == 2
    assert active_list_niks("kematian").to_list() == ["9111095701454042"]


def test_unreadable_lists_and_unauthorised_users_change_nothing(golden_dir, tmp_path, make_user):
    make_user("auditor_uji", "auditor")
    with pytest.raises(CommandFailed):
        call_command("crosscheck_load", str(golden_dir / "asn.csv"), kind="asn", user="auditor_uji")
    empty = tmp_path / "kosong.csv"
    empty.write_bytes(b"")
    make_user("admin_daftar", "admin_pusat")
    for bad in (empty, tmp_path / "tidak-ada.csv"):
        with pytest.raises(CommandFailed) as err:
            call_command("crosscheck_load", str(bad), kind="asn", user="admin_daftar")
        assert err.value.returncode == 2
    assert ReferenceList.objects.count() == 0
