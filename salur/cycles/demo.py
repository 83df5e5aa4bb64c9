"""Demo step of cycles and payments (`salur demo`): a PKH tahap and a Sembako month on the demo registry, budget,
approval by a second user, payment files, a simulated status file from the banks, a follow-up batch, and the
reconciliation and absorption. Each step is skipped when it was done before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.utils import timezone

from salur.core.bulk import read_frame


def _period_codes() -> tuple[str, str]:
    today = timezone.localdate()
    return f"{today.year}-T{(today.month - 1) // 3 + 1}", f"{today.year}-{today.month:02d}"


def simulated_status(code: str, seed: str) -> pl.DataFrame:
    """What a bank might send back: about 90% paid, 7% failed, 3% unclaimed (by a hash of the id, reproducible)."""
    frame = read_frame(
        "SELECT p.id_pembayaran, p.nominal FROM payments_payment p JOIN cycles_cycle c ON c.id = p.cycle_id"
        " WHERE c.code = %s AND p.status = 'MENUNGGU'",
        [code],
        all_text=True,
    )
    if frame.height == 0:
        return frame
    bucket = (pl.col("id_pembayaran") + pl.lit(seed)).hash(7) % 100
    status = (
        pl.when(bucket < 90)
        .then(pl.lit("DIBAYAR"))
        .when(bucket < 97)
        .then(pl.lit("GAGAL"))
        .otherwise(pl.lit("TIDAK_DIAMBIL"))
    )
    return frame.select(
        "id_pembayaran",
        status.alias("status"),
        pl.lit(timezone.localdate().isoformat()).alias("tanggal"),
        pl.when(status == "DIBAYAR")
        .then(pl.col("nominal").cast(pl.Int64))
        .otherwise(0)
        .alias("nominal_dibayar"),
        pl.when(status == "GAGAL")
        .then(pl.lit("rekening tidak aktif"))
        .otherwise(pl.lit(""))
        .alias("keterangan"),
    ).sort("id_pembayaran")


def run(users: dict[str, Any], log: Callable[[str], None]) -> None:
    from salur.budget.models import Allocation
    from salur.budget.selectors import absorption
    from salur.budget.services import allocation_set
    from salur.cycles import reports
    from salur.cycles.models import Cycle, CycleStatus
    from salur.cycles.services import cycle_approve, cycle_create
    from salur.payments.models import PaymentBatch
    from salur.payments.selectors import reconciliation
    from salur.payments.services import followup_approve, followup_create, payments_export, status_import

    maker, checker = users["demo_admin"], users["verifikator_pusat"]
    tahap, month = _period_codes()
    year = timezone.localdate().year
    out_root = Path(settings.VAR_DIR) / "exports"
    for program, period, allocation in (("PKH", tahap, 10_000_000_000), ("SEMBAKO", month, 10_000_000_000)):
        code = f"{program}-{period}"
        cycle = Cycle.objects.filter(code=code).first()
        if cycle is None:
            cycle = cycle_create(actor=maker, program=program, period=period)
            log(f"Siklus {code} dihitung oleh {maker.username}: {cycle.eligible} KPM layak.")
        if not Allocation.objects.filter(program__code=program, year=year).exists():
            allocation_set(actor=maker, program=program, year=year, amount=allocation)
        if cycle.status == CycleStatus.DIHITUNG:
            cycle = cycle_approve(actor=checker, code=code, note="demo")
            log(f"Siklus {code} disetujui oleh {checker.username} (pembuatnya tidak boleh menyetujui).")
        if cycle.status == CycleStatus.DISETUJUI:
            payments_export(actor=maker, code=code, out_dir=out_root / code)
            log(f"Berkas pembayaran {code} ditulis di {out_root / code}.")
        cycle.refresh_from_db()
        if not cycle.payments.exclude(status="MENUNGGU").exists():
            frame = simulated_status(code, seed="bank")
            if frame.height:
                path = Path(settings.VAR_DIR) / "status" / f"status_{code}.csv"
                path.parent.mkdir(parents=True, exist_ok=True)
                frame.write_csv(path)
                result = status_import(actor=maker, path=path)
                log(f"Status bank {code}: {result.applied} baris diterapkan.")
        if program == "PKH" and not PaymentBatch.objects.filter(cycle=cycle, number=2).exists():
            batch = followup_create(actor=maker, code=code)
            followup_approve(actor=checker, code=code, number=batch.number)
            payments_export(actor=maker, code=code, out_dir=out_root / code)
            log(f"Batch susulan #{batch.number} {code}: {batch.payments} pembayaran diterbitkan ulang.")
        rec = reconciliation(cycle)
        paid = rec["by_status"]["DIBAYAR"]
        log(
            f"{reports.headline(cycle)}; dibayar {reports.thousands(paid['count'])} KPM "
            f"({reports.rupiah(paid['amount'])}), retur {reports.rupiah(rec['retur_amount'])}."
        )
    for row in (r for r in absorption(None, year) if r["allocation"]):
        log(
            f"Penyerapan {row['program']} {year}: {row['absorption_pct']}% dari pagu Rp{row['allocation']:,}.".replace(
                ",", "."
            )
        )
