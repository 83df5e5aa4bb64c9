"""The cycle page through the web: create, approve by another user, export, download, status upload, report."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from salur.accounts.models import Role
from salur.cycles.models import Cycle
from salur.payments.models import Payment

pytestmark = pytest.mark.django_db
CODE = "PKH-2024-T2"


def test_the_money_path_through_the_web(golden_cycle_inputs, admin_user, make_user, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    checker = make_user("checker_web", Role.VERIFIKATOR, None)
    maker = Client()
    maker.force_login(admin_user)
    other = Client()
    other.force_login(checker)

    response = maker.post("/siklus/baru/", {"program": "PKH", "period": "2024-T2"})
    assert response.status_code == 302
    call_command("budget_set", program="PKH", year=2024, amount=10**12, user=admin_user.username)
    page = maker.get(f"/siklus/{CODE}/").content.decode()
    assert "PKH tahap II 2024: 125 KPM, Rp123.225.000" in page
    assert 'data-testid="approve"' not in page  # the maker gets no approve button
    assert maker.post(f"/siklus/{CODE}/setujui/").status_code == 403  # maker-checker
    assert Cycle.objects.get(code=CODE).status == "dihitung"
    page = other.get(f"/siklus/{CODE}/").content.decode()
    assert 'data-testid="approve"' in page
    other.post(f"/siklus/{CODE}/setujui/")
    assert Cycle.objects.get(code=CODE).status == "disetujui"

    maker.post(f"/siklus/{CODE}/ekspor/")
    page = maker.get(f"/siklus/{CODE}/").content.decode()
    first = Payment.objects.order_by("id_pembayaran").first()
    name = f"{CODE}_{first.channel}.csv"
    assert name in page
    download = maker.get(f"/siklus/{CODE}/berkas/{name}")
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode()  # type: ignore[attr-defined]
    assert body.startswith("id_pembayaran,kode_siklus,program,no_kk,")
    assert first.id_pembayaran in body

    status = f"id_pembayaran,status,tanggal,nominal_dibayar,keterangan\n{first.id_pembayaran},DIBAYAR,2024-05-02,{first.nominal},\n"
    maker.post(f"/siklus/{CODE}/status/", {"berkas": SimpleUploadedFile("status.csv", status.encode())})
    assert Payment.objects.get(pk=first.pk).status == "DIBAYAR"
    page = maker.get(f"/siklus/{CODE}/").content.decode()
    assert 'data-testid="recon"' in page

    xlsx = maker.get(f"/siklus/{CODE}/laporan.xlsx?tingkat=provinsi")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "PKH tahap II 2024: 125 KPM, Rp123.225.000"
    assert rows[-1][3:] == (125, 123_225_000)
    budget = maker.get("/anggaran/?tahun=2024").content.decode()
    assert 'data-testid="absorption"' in budget
