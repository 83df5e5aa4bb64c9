"""Santunan ahli waris paid as a cash cycle: approved claims -> SANTUNAN cycle -> approval -> file -> status."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from salur.accounts.models import Role
from salur.core.errors import CommandFailed
from salur.payments.models import Payment
from salur.santunan.models import Claim
from salur.santunan.selectors import payable_claims
from salur.santunan.services import claim_decide, claim_documents, claim_submit
from salur.santunan.tests.test_claims import ALL_DOCS, claim_for

pytestmark = pytest.mark.django_db


def test_an_approved_santunan_is_paid_through_a_cycle_once(
    programs, batang, jateng, family, admin_user, make_user, capsys, tmp_path
):
    claim = claim_for(batang, family)
    claim_documents(actor=batang, claim=claim, documents=ALL_DOCS)
    claim_submit(actor=batang, claim=claim)
    claim_decide(actor=jateng, claim=claim, approve=True)
    checker = make_user("checker_santunan", Role.VERIFIKATOR, None)

    capsys.readouterr()
    call_command("cycle_create", program="SANTUNAN", period="2024-08", json=True, user=admin_user.username)
    out = json.loads(capsys.readouterr().out)
    assert out == {"cycle": "SANTUNAN-2024-08", "eligible": 1, "total": 15_000_000, "not_eligible": {}}
    assert payable_claims().height == 0  # taken by this cycle: no later cycle pays it again
    assert Claim.objects.get(pk=claim.pk).payment_ref == "SANTUNAN-2024-08"
    with pytest.raises(CommandFailed, match="Tidak ada klaim"):
        call_command("cycle_create", program="SANTUNAN", period="2024-09", user=admin_user.username)

    call_command("budget_set", program="SANTUNAN", year=2024, amount=100_000_000, user=admin_user.username)
    call_command("cycle_approve", "SANTUNAN-2024-08", user=checker.username)
    capsys.readouterr()
    call_command(
        "payments_export", "SANTUNAN-2024-08", out=str(tmp_path), json=True, user=admin_user.username
    )
    files = json.loads(capsys.readouterr().out)["files"]
    assert [(f["file"], f["jumlah_baris"], f["total_nominal"]) for f in files] == [
        ("SANTUNAN-2024-08_BRI.csv", 1, 15_000_000)
    ]
    _, heir, _ = family
    payment = Payment.objects.get()
    assert (payment.nik_penerima, payment.no_rekening, payment.nominal) == (
        heir.nik,
        "123456789012345",
        15_000_000,
    )
    status = tmp_path / "status.csv"
    status.write_text(
        f"id_pembayaran,status,tanggal,nominal_dibayar,keterangan\n{payment.id_pembayaran},DIBAYAR,2024-08-20,15000000,\n"
    )
    call_command("payments_import_status", str(status), user=admin_user.username)
    capsys.readouterr()
    call_command("payments_reconcile", "SANTUNAN-2024-08", json=True, user=admin_user.username)
    rec = json.loads(capsys.readouterr().out)
    assert rec["by_status"]["DIBAYAR"] == {"count": 1, "amount": 15_000_000}
