"""Demo step of santunan ahli waris (`salur demo`): a house fire in Kab. Batang, one victim who died and one seriously
injured, heirs from the registry with their documents, a claim made by Dinsos Batang and approved by Dinsos Jawa
Tengah, then paid as a SANTUNAN cash cycle (made by demo_admin, approved by verifikator_pusat, payment files).
Skipped when a disaster is already recorded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

DOCUMENTS = {"akta_kematian": True, "kk": True, "ktp": True, "surat_ahli_waris": True}


def run(users: dict[str, Any], log: Callable[[str], None]) -> None:
    from salur.cycles.services import cycle_approve, cycle_create
    from salur.payments.services import payments_export
    from salur.registry.models import Member
    from salur.santunan.models import Disaster
    from salur.santunan.services import (
        claim_decide,
        claim_documents,
        claim_submit,
        disaster_create,
        victim_add,
    )

    maker, approver = users.get("dinsos_batang"), users.get("dinsos_jateng")
    if maker is None or approver is None or Disaster.objects.exists():
        return
    # Two households of Kab. Batang with at least three members: the victim is the head, the heirs the others.
    heads = (
        Member.objects.filter(household__wilayah__kode__startswith="3325", hubungan="kepala_keluarga")
        .select_related("household")
        .order_by("household__no_kk")
    )
    chosen = []
    for head in heads[:200]:
        others = list(
            Member.objects.filter(household_id=head.household_id).exclude(pk=head.pk).order_by("nik")[:2]
        )
        if len(others) == 2:
            chosen.append((head, others))
        if len(chosen) == 2:
            break
    if len(chosen) < 2:
        log("Santunan: registri demo Kab. Batang terlalu kecil; dilewati.")
        return
    today = timezone.localdate()
    disaster = disaster_create(
        actor=maker,
        jenis="kebakaran",
        kode_wilayah=chosen[0][0].household.wilayah_id,
        tanggal=today.replace(day=1),
        keterangan="Kebakaran permukiman (demo)",
    )
    for (head, heirs), status in zip(chosen, ("meninggal", "luka_berat"), strict=True):
        claim = victim_add(
            actor=maker,
            disaster=disaster,
            nik=head.nik,
            status=status,
            heirs=[(h.nik, "ahli waris") for h in heirs],
            recipient_nik=heirs[0].nik,
        )
        claim_documents(actor=maker, claim=claim, documents=DOCUMENTS)
        claim_submit(actor=maker, claim=claim)
        claim_decide(actor=approver, claim=claim, approve=True)
    period = f"{today.year}-{today.month:02d}"
    cycle = cycle_create(actor=users["demo_admin"], program="SANTUNAN", period=period)
    cycle_approve(actor=users["verifikator_pusat"], code=cycle.code, note="demo")
    payments_export(
        actor=users["demo_admin"], code=cycle.code, out_dir=Path(settings.VAR_DIR) / "exports" / cycle.code
    )
    total = f"{cycle.total:,}".replace(",", ".")
    log(
        f"Santunan: 2 korban kebakaran di Kab. Batang, klaim disetujui; siklus {cycle.code} Rp{total} diekspor."
    )
