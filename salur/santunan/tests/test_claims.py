"""Santunan ahli waris: victims and heirs from the registry, documents, default amounts, maker-checker,
payable claims for the payments module."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from salur.core.approval import MakerCheckerViolation
from salur.core.errors import PermissionDenied, SalurError
from salur.santunan.models import Claim
from salur.santunan.selectors import claims_visible, payable_claims
from salur.santunan.services import (
    claim_decide,
    claim_documents,
    claim_submit,
    claims_mark_paid,
    disaster_create,
    victim_add,
)

pytestmark = pytest.mark.django_db
ALL_DOCS = {"akta_kematian": True, "kk": True, "ktp": True, "surat_ahli_waris": True}


def fire(actor):
    return disaster_create(
        actor=actor, jenis="kebakaran", kode_wilayah="3325012001", tanggal=dt.date(2024, 8, 1)
    )


def claim_for(actor, family, status="meninggal"):
    head, a, b = family
    return victim_add(
        actor=actor,
        disaster=fire(actor),
        nik=head.nik,
        status=status,
        heirs=[(a.nik, "anak"), (b.nik, "anak")],
        recipient_nik=a.nik,
    )


def test_default_amounts_come_from_the_santunan_program(programs, batang, family):
    assert claim_for(batang, family).nominal == 15_000_000
    _, a, _ = family
    injured = victim_add(
        actor=batang,
        disaster=fire(batang),
        nik=a.nik,
        status="luka_berat",
        heirs=[(a.nik, "diri sendiri")],
        recipient_nik=a.nik,
    )
    assert injured.nominal == 5_000_000


def test_heirs_must_be_registry_people_and_the_recipient_one_of_them(programs, batang, family):
    head, a, b = family
    with pytest.raises(SalurError, match="tidak ada di registri"):
        victim_add(
            actor=batang,
            disaster=fire(batang),
            nik=head.nik,
            status="meninggal",
            heirs=[("3325019999990001", "anak")],
            recipient_nik="3325019999990001",
        )
    with pytest.raises(SalurError, match="salah satu ahli waris"):
        victim_add(
            actor=batang,
            disaster=fire(batang),
            nik=head.nik,
            status="meninggal",
            heirs=[(a.nik, "anak")],
            recipient_nik=b.nik,
        )
    assert Claim.objects.count() == 0


def test_a_claim_is_submitted_only_with_its_documents_and_approved_by_someone_else(
    programs, batang, jateng, family
):
    claim = claim_for(batang, family)
    with pytest.raises(SalurError, match="Akta kematian"):
        claim_submit(actor=batang, claim=claim)
    claim_documents(actor=batang, claim=claim, documents=ALL_DOCS)
    claim = claim_submit(actor=batang, claim=claim)
    with pytest.raises(PermissionDenied):  # a kabupaten operator has no santunan.approve
        claim_decide(actor=batang, claim=claim, approve=True)
    assert payable_claims().height == 0
    claim = claim_decide(actor=jateng, claim=claim, approve=True, note="SK Bupati 12/2024")
    assert (claim.status, claim.decided_by) == ("disetujui", jateng)


def test_nobody_approves_a_claim_they_made(programs, jateng, family):
    claim = claim_for(jateng, family)
    claim_documents(actor=jateng, claim=claim, documents=ALL_DOCS)
    claim_submit(actor=jateng, claim=claim)
    with pytest.raises(MakerCheckerViolation):
        claim_decide(actor=jateng, claim=claim, approve=True)
    claim.refresh_from_db()
    assert claim.status == "diajukan"


def test_payable_claims_lists_approved_unpaid_claims_for_the_payments_module(
    programs, batang, jateng, family, make_user
):
    claim = claim_for(batang, family)
    claim_documents(actor=batang, claim=claim, documents=ALL_DOCS)
    claim_submit(actor=batang, claim=claim)
    claim_decide(actor=jateng, claim=claim, approve=True)
    head, a, _ = family
    frame = payable_claims()
    assert frame.schema == pl.Schema(
        {
            "household_id": pl.Int64,
            "nik_penerima": pl.Utf8,
            "nama_penerima": pl.Utf8,
            "kode_wilayah": pl.Utf8,
            "bank": pl.Utf8,
            "no_rekening": pl.Utf8,
            "nominal": pl.Int64,
            "claim_id": pl.Int64,
        }
    )
    assert frame.rows() == [
        (
            head.household_id,
            a.nik,
            "Anak Pertama",
            "3325012001",
            "BRI",
            "123456789012345",
            15_000_000,
            claim.pk,
        )
    ]
    assert payable_claims(event_id=claim.victim.disaster_id).height == 1
    assert payable_claims(event_id=claim.victim.disaster_id + 1000).height == 0
    assert claims_mark_paid(actor=batang, claim_ids=[claim.pk], payment_ref="SANTUNAN-2024-08") == 1
    assert payable_claims().height == 0


def test_claims_are_visible_only_in_their_region(programs, batang, family, make_user):
    from salur.distribution.tests.factories import unit_user

    claim_for(batang, family)
    metro = unit_user(make_user, "dinsos_metro", "operator_dinsos_kab", "dinsos-metro", "dinsos_kab", "18.72")
    assert claims_visible(batang).count() == 1
    assert claims_visible(metro).count() == 0
    with pytest.raises(PermissionDenied):
        fire(metro)
