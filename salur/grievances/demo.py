"""Demo step (`salur demo`): a few grievances in the demo regions, one overdue and escalated, an usul and a
sanggah. Idempotent: items are recognised by their `source_ref` ("demo:...") and reused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from salur.grievances.models import Grievance, Submission
from salur.grievances.services import (
    grievance_create,
    grievance_resolve,
    grievances_escalate,
    submission_create,
)
from salur.registry.models import Household

GRIEVANCES = [
    # source_ref, kabupaten, category, channel, text
    (
        "demo:kartu-batang",
        "3325",
        "kartu",
        "slrt",
        "Kartu KKS terblokir setelah salah PIN tiga kali; KPM datang ke loket SLRT.",
    ),
    (
        "demo:saldo-metro",
        "1872",
        "saldo_kosong",
        "telepon",
        "Saldo KKS kosong padahal jadwal penyaluran Sembako sudah lewat.",
    ),
    (
        "demo:pungli-indramayu",
        "3212",
        "pungli",
        "web",
        "Pencairan PKH dipotong Rp50.000 oleh oknum yang mengaku pendamping.",
    ),
    (
        "demo:kualitas-batang",
        "3325",
        "kualitas_barang",
        "pendamping",
        "Beras dalam paket berkutu dan beratnya kurang dari 10 kg.",
    ),
]


def run(users: dict[str, Any], log: Callable[[str], Any]) -> None:
    if Grievance.objects.filter(source_ref__startswith="demo:").exists():
        log(
            f"Pengaduan demo sudah ada ({Grievance.objects.filter(source_ref__startswith='demo:').count()}); dipakai ulang."
        )
        return
    made: dict[str, Grievance] = {}
    for ref, kab, category, channel, text in GRIEVANCES:
        household = Household.objects.filter(wilayah__kode__startswith=kab).order_by("id").first()
        if household is None:
            continue
        made[ref] = grievance_create(
            category=category,
            channel=channel,
            kode_wilayah=household.wilayah_id,
            text=text,
            household=household,
            reporter_name="Warga demo",
            about_worker=category == "pungli",
            source_ref=ref,
        )
    # one overdue: the Batang card complaint was filed 9 days ago (SLA 5 days) and climbs to the provinsi
    late = made.get("demo:kartu-batang")
    if late is not None:
        Grievance.objects.filter(pk=late.pk).update(
            created_at=timezone.now() - dt.timedelta(days=9), due_at=timezone.now() - dt.timedelta(days=4)
        )
        grievances_escalate()
    resolved = made.get("demo:saldo-metro")
    if resolved is not None and "dinsos_metro" in users:
        resolved.refresh_from_db()
        grievance_resolve(
            actor=users["dinsos_metro"],
            grievance=resolved,
            status="selesai",
            resolution="Dana tahap ini baru dikreditkan bank pada hari berikutnya; saldo sudah masuk.",
        )
    batang_desa = (
        Household.objects.filter(wilayah__kode__startswith="3325")
        .order_by("id")
        .values_list("wilayah_id", flat=True)
        .first()
    )
    if batang_desa:
        submission_create(
            kind="usul",
            kode_wilayah=batang_desa,
            relation="orang_lain",
            nama_kepala="Darmo",
            alamat="RT 002 RW 001",
            jumlah_anggota=4,
            text="Tetangga kami janda dengan tiga anak, rumah berlantai tanah, belum pernah menerima bantuan.",
            reporter_name="Warga demo",
        )
    target = Household.objects.filter(wilayah__kode__startswith="3325", desil__gte=8).order_by("id").first()
    if target is not None:
        submission_create(
            kind="sanggah",
            kode_wilayah=target.wilayah_id,
            household=target,
            reason="mampu",
            text="Keluarga ini memiliki mobil dan toko bangunan di pinggir jalan raya.",
            reporter_name="Warga demo",
        )
    log(
        f"Pengaduan demo: {len(made)} (1 lewat batas dan dinaikkan ke provinsi, 1 selesai); "
        f"usul dan sanggah: {Submission.objects.count()}."
    )
