"""`salur demo` step: PKH enrolment in the demo desa of Kab. Batang, through every step and by the right people.

desa_batang proposes six households of its desa (the admin fills up from the kabupaten when the desa has
fewer); dinsos_batang verifies five (four layak, one tidak layak) and leaves one
waiting; verifikator_pusat fixes the four by an SK; one household leaves the program (mandiri: requested by
dinsos_batang, confirmed by demo_admin) and a suspension of another waits for confirmation. Safe to run again:
when the demo SK exists nothing is done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

SK_NUMBER = "DEMO/SK-PKH/33.25/1"
REASONS = [
    "Ibu hamil; suami buruh harian lepas",
    "Dua anak usia sekolah; penghasilan tidak tetap",
    "Lansia 72 tahun dalam keluarga; hasil musdes",
    "Anak usia dini; rumah berlantai tanah",
    "Diusulkan musdes; kepala keluarga sakit menahun",
    "Keluarga baru pindah; perlu dicek",
]


def run(users: dict[str, Any], log: Callable[[str], Any]) -> None:
    from salur.enrolment import services
    from salur.enrolment.models import Decision
    from salur.programs.models import Program
    from salur.programs.services import catalogue_load_defaults
    from salur.registry.models import Household

    if Decision.objects.filter(sk_number=SK_NUMBER).exists():
        log(f"Kepesertaan demo (SK {SK_NUMBER}) sudah ada; dipakai ulang.")
        return
    names = ("desa_batang", "dinsos_batang", "verifikator_pusat", "demo_admin")
    if any(users.get(name) is None for name in names) or not users["desa_batang"].scope_prefix:
        log(
            "Kepesertaan demo dilewati: pengguna demo desa_batang/dinsos_batang/verifikator_pusat tidak lengkap."
        )
        return
    desa_op, dinsos, pusat, admin = (users[name] for name in names)
    catalogue_load_defaults()
    pkh = Program.objects.get(code="PKH")
    desa = desa_op.scope_prefix
    kab = desa[:4]
    # The desa operator proposes households of its desa; when the desa has fewer than six, the central admin
    # proposes others of the same kabupaten (the synthetic registry spreads households evenly over its desa).
    own = list(Household.objects.filter(wilayah_id=desa).order_by("no_kk")[: len(REASONS)])
    others = list(
        Household.objects.filter(wilayah__kode__startswith=kab)
        .exclude(wilayah_id=desa)
        .order_by("no_kk")[: len(REASONS) - len(own)]
    )
    proposals = [(desa_op, h) for h in own] + [(admin, h) for h in others]
    if len(proposals) < len(REASONS):
        log(f"Kepesertaan demo dilewati: kabupaten {kab} hanya punya {len(proposals)} keluarga.")
        return
    today = timezone.localdate()
    with transaction.atomic():
        enrolments = [
            services.enrolment_propose(actor=proposer, household=h, program=pkh, reason=reason)
            for (proposer, h), reason in zip(proposals, REASONS, strict=True)
        ]
        for i, enrolment in enumerate(enrolments[:5]):
            services.enrolment_verify(
                actor=dinsos,
                enrolment=enrolment,
                result="tidak_layak" if i == 4 else "layak",
                visit_date=today - dt.timedelta(days=3),
                officer="TKSK Kecamatan (demo)",
                notes="Memiliki sepeda motor dan usaha toko" if i == 4 else "Kondisi sesuai usulan",
            )
        decision = services.enrolment_decide(
            actor=pusat, program=pkh, sk_number=SK_NUMBER, sk_date=today, wilayah=kab, expected_count=4
        )
        leaving = services.enrolment_exit(
            actor=dinsos,
            enrolment=enrolments[0],
            reason="mandiri",
            note="Keluarga menyatakan diri mampu (surat pernyataan graduasi mandiri)",
        )
        services.status_change_confirm(actor=admin, change=leaving, note="Surat pernyataan diperiksa")
        services.enrolment_suspend(
            actor=dinsos,
            enrolment=enrolments[1],
            note="Tidak hadir pertemuan kelompok tiga bulan berturut-turut",
        )
    log(
        f"Kepesertaan demo PKH di Kab. {kab} (desa {desa}: {len(own)} usulan desa): 6 usulan, 5 verifikasi, SK {decision.sk_number} "
        f"({decision.count} keluarga), 1 keluar (mandiri), 1 penangguhan menunggu konfirmasi."
    )
