"""Writes of santunan ahli waris: a disaster, its victims and their heirs (registry people only), the claim with
its document checklist and amount, submission and the maker-checker decision (salur/core/approval.py).

The default amount comes from the SANTUNAN program's current version (catalogue: meninggal Rp15,000,000, luka
berat Rp5,000,000). Approved claims are paid as a SANTUNAN cash cycle by the payments module
(selectors.payable_claims); `claims_mark_paid` records the payment reference when it is done.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from salur.core.access import require, require_in_scope
from salur.core.approval import approval_record, require_not_maker
from salur.core.audit import audit_record
from salur.core.errors import SalurError
from salur.santunan.models import (
    DOCUMENTS,
    Claim,
    ClaimStatus,
    Disaster,
    DisasterKind,
    Heir,
    Victim,
    VictimStatus,
)


def default_amount(status: str) -> int:
    """The amount for a victim status from the SANTUNAN program's current version."""
    from salur.programs.models import Program

    program = Program.objects.filter(code="SANTUNAN").first()
    version = program.current_version() if program else None
    if version is None or status not in version.config:
        raise SalurError("Program SANTUNAN belum dikonfigurasi (jalankan salur setup)")
    return int(version.config[status])


def _member(nik: str) -> Any:
    from salur.registry.models import Member

    member = Member.objects.select_related("household").filter(nik=nik).first()
    if member is None:
        raise SalurError(f"NIK {nik[:6]}****** tidak ada di registri")
    return member


def disaster_create(
    *, actor: Any, jenis: str, kode_wilayah: str, tanggal: dt.date, keterangan: str = ""
) -> Disaster:
    from salur.regions.models import Region

    require(actor, "santunan.manage")
    require_in_scope(actor, kode_wilayah)
    if jenis not in DisasterKind.values:
        raise SalurError("Jenis bencana tidak dikenal")
    if not Region.objects.filter(kode=kode_wilayah, level=4).exists():
        raise SalurError("Kode desa/kelurahan tidak dikenal")
    if tanggal > timezone.localdate():
        raise SalurError("Tanggal bencana tidak boleh di masa depan")
    with transaction.atomic():
        d = Disaster.objects.create(
            jenis=jenis, wilayah_id=kode_wilayah, tanggal=tanggal, keterangan=keterangan, created_by=actor
        )
        audit_record(
            actor=actor,
            action="santunan.disaster.create",
            object_type="santunan.disaster",
            object_id=d.pk,
            after={"jenis": jenis, "wilayah": kode_wilayah, "tanggal": tanggal},
        )
    return d


def victim_add(
    *, actor: Any, disaster: Disaster, nik: str, status: str, heirs: list[tuple[str, str]], recipient_nik: str
) -> Claim:
    """A victim with heirs [(nik, hubungan)], one of whom receives the payment; opens the claim (draft) with the
    default amount for the status."""
    require(actor, "santunan.manage")
    require_in_scope(actor, disaster.wilayah_id)
    if status not in VictimStatus.values:
        raise SalurError("Status korban tidak dikenal")
    victim_member = _member(nik)
    if not heirs:
        raise SalurError("Sedikitnya satu ahli waris wajib diisi")
    heir_members = [(_member(h), hub.strip() or "ahli waris") for h, hub in heirs]
    if recipient_nik not in {m.nik for m, _ in heir_members}:
        raise SalurError("Penerima pembayaran harus salah satu ahli waris")
    if status == VictimStatus.MENINGGAL and victim_member.nik in {m.nik for m, _ in heir_members}:
        raise SalurError("Korban meninggal tidak dapat menjadi ahli warisnya sendiri")
    if Victim.objects.filter(disaster=disaster, member=victim_member).exists():
        raise SalurError("Korban ini sudah tercatat pada bencana ini")
    amount = default_amount(status)
    with transaction.atomic():
        victim = Victim.objects.create(disaster=disaster, member=victim_member, status=status)
        Heir.objects.bulk_create(
            [
                Heir(victim=victim, member=m, hubungan=hub[:40], is_recipient=m.nik == recipient_nik)
                for m, hub in heir_members
            ]
        )
        claim = Claim.objects.create(
            victim=victim, nominal=amount, kode_wilayah=disaster.wilayah_id, created_by=actor
        )
        audit_record(
            actor=actor,
            action="santunan.claim.create",
            object_type="santunan.claim",
            object_id=claim.pk,
            after={"disaster": disaster.pk, "status": status, "nominal": amount, "heirs": len(heir_members)},
        )
    return claim


def claim_documents(*, actor: Any, claim: Claim, documents: dict[str, bool]) -> Claim:
    require(actor, "santunan.manage")
    require_in_scope(actor, claim.kode_wilayah)
    if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED):
        raise SalurError("Berkas klaim yang sudah diputuskan tidak dapat diubah")
    unknown = set(documents) - set(DOCUMENTS)
    if unknown:
        raise SalurError(f"Dokumen tidak dikenal: {', '.join(sorted(unknown))}")
    before = {d: getattr(claim, d) for d in DOCUMENTS}
    with transaction.atomic():
        for d, v in documents.items():
            setattr(claim, d, bool(v))
        claim.save(update_fields=list(documents))
        audit_record(
            actor=actor,
            action="santunan.claim.documents",
            object_type="santunan.claim",
            object_id=claim.pk,
            before=before,
            after={d: getattr(claim, d) for d in DOCUMENTS},
        )
    return claim


def claim_submit(*, actor: Any, claim: Claim) -> Claim:
    require(actor, "santunan.manage")
    require_in_scope(actor, claim.kode_wilayah)
    if claim.status != ClaimStatus.DRAFT:
        raise SalurError("Hanya klaim draf yang dapat diajukan")
    missing = claim.missing_documents(claim.victim.status)
    if missing:
        raise SalurError("Berkas belum lengkap: " + ", ".join(DOCUMENTS[d] for d in missing))
    with transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.SUBMITTED, submitted_by=actor)
        audit_record(
            actor=actor,
            action="santunan.claim.submit",
            object_type="santunan.claim",
            object_id=claim.pk,
            before={"status": ClaimStatus.DRAFT},
            after={"status": ClaimStatus.SUBMITTED},
        )
    claim.refresh_from_db()
    return claim


def claim_decide(*, actor: Any, claim: Claim, approve: bool, note: str = "") -> Claim:
    """The checker's decision: never the person who created or submitted the claim."""
    require(actor, "santunan.approve")
    require_in_scope(actor, claim.kode_wilayah)
    if claim.status != ClaimStatus.SUBMITTED:
        raise SalurError("Hanya klaim yang diajukan yang dapat diputuskan")
    require_not_maker(actor=actor, maker=claim.created_by_id)
    require_not_maker(actor=actor, maker=claim.submitted_by_id)
    if not approve and not note.strip():
        raise SalurError("Alasan penolakan wajib diisi")
    status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
    with transaction.atomic():
        if approve:
            approval_record(
                actor=actor, obj=claim, maker=claim.created_by_id, step="santunan.claim", note=note
            )
        Claim.objects.filter(pk=claim.pk).update(
            status=status, decided_by=actor, decided_at=timezone.now(), decision_note=note.strip()[:300]
        )
        audit_record(
            actor=actor,
            action="santunan.claim.decide",
            object_type="santunan.claim",
            object_id=claim.pk,
            before={"status": ClaimStatus.SUBMITTED},
            after={"status": status, "note": note.strip()},
        )
    claim.refresh_from_db()
    return claim


def claims_mark_paid(*, actor: Any, claim_ids: list[int], payment_ref: str) -> int:
    """Called by the payments module when a SANTUNAN cycle has paid these claims (set-based)."""
    require(actor, "santunan.manage")
    with transaction.atomic():
        n = Claim.objects.filter(pk__in=claim_ids, status=ClaimStatus.APPROVED).update(
            status=ClaimStatus.PAID, paid_at=timezone.now(), payment_ref=payment_ref[:100]
        )
        audit_record(
            actor=actor,
            action="santunan.claim.paid",
            object_type="santunan.claim",
            object_id=payment_ref,
            after={"claims": sorted(claim_ids), "paid": n},
        )
    return n
