"""`salur demo`: a realistic demo registry in the field reports' places, and a demo user for every role."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from salur.core.commands import SalurCommand

# Kab. Batang, Kota Palembang, Kota Metro, Kab. Indramayu, Kab. Temanggung, Kab. and Kota Sukabumi.
DEMO_WILAYAH = ["33.25", "16.71", "18.72", "32.12", "33.23", "32.02", "32.72"]
DEMO_PASSWORD = "Salur-Demo-2026!"
DEMO_USERS = [
    # username, role, wilayah scope, what it shows
    ("demo_admin", "admin_pusat", None, "administrator pusat (nasional)"),
    ("dinsos_jateng", "operator_dinsos_prov", "33", "operator Dinsos Provinsi Jawa Tengah"),
    ("dinsos_batang", "operator_dinsos_kab", "33.25", "operator Dinsos Kab. Batang"),
    ("dinsos_metro", "operator_dinsos_kab", "18.72", "operator Dinsos Kota Metro"),
    ("desa_batang", "operator_desa", "DESA:33.25", "operator desa pertama Kab. Batang"),
    ("sentra_handayani", "petugas_sentra", "18.72", "petugas Sentra Handayani (Kota Metro)"),
    ("pendamping_indramayu", "pendamping", "32.12", "pendamping PKH/TKSK Kab. Indramayu"),
    ("verifikator_pusat", "verifikator", None, "verifikator (pusat)"),
    ("auditor_bpk", "auditor", None, "auditor (hanya baca + jejak audit)"),
]


class Command(SalurCommand):
    help = "Membuat data demo (sekitar 20.000 keluarga) dan pengguna demo untuk setiap peran; aman diulang."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--households", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from salur.registry.models import Household, Source
        from salur.registry.services import import_job_create, import_job_run

        admin = self._users()[0]
        if Household.objects.exists():
            self.stdout.write(
                f"Registri demo sudah ada ({Household.objects.count()} keluarga); dipakai ulang."
            )
        else:
            from salur.registry.batch.synth import synth_registry

            out = Path(settings.VAR_DIR) / "demo"
            self.stdout.write(
                f"Membuat registri demo {options['households']} keluarga di {', '.join(DEMO_WILAYAH)} ..."
            )
            synth_registry(
                households=options["households"], seed=options["seed"], out_dir=out, wilayah=DEMO_WILAYAH
            )
            job = import_job_create(
                actor=admin,
                keluarga_path=out / "keluarga.csv",
                anggota_path=out / "anggota.csv",
                source=Source.CLI,
            )
            summary = import_job_run(job=job).as_dict()
            self.stdout.write(
                f"Diimpor: {summary['households']['accepted']} keluarga, {summary['members']['accepted']} anggota."
            )
        self.stdout.write("\nPengguna demo (kata sandi semua: " + DEMO_PASSWORD + "):")
        for username, role, wilayah, what in DEMO_USERS:
            self.stdout.write(f"  {username:<22} {role:<22} {wilayah or 'nasional':<12} {what}")

    def _users(self) -> list:  # type: ignore[type-arg]
        from salur.accounts.services import user_create
        from salur.regions.models import Region

        User = get_user_model()  # noqa: N806
        users = []
        for username, role, wilayah, _ in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                if wilayah and wilayah.startswith("DESA:"):
                    kab = wilayah.removeprefix("DESA:").replace(".", "")
                    desa = Region.objects.filter(level=4, kode_kab=kab).order_by("kode").first()
                    wilayah = desa.kode if desa else None
                user = user_create(username=username, role=role, wilayah=wilayah, password=DEMO_PASSWORD)
                if role == "admin_pusat":
                    user.is_staff = True
                    user.save(update_fields=["is_staff"])
            users.append(user)
        return users
