"""`salur demo`: a realistic demo registry in the field reports' places, the organisations of those reports,
and a demo user for every role. Safe to run again: what exists is reused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from salur.core.commands import SalurCommand

# Kab. Batang, Kota Palembang, Kota Metro, Kab. Indramayu, Kab. Temanggung, Kab. and Kota Sukabumi.
DEMO_WILAYAH = ["33.25", "16.71", "18.72", "32.12", "33.23", "32.02", "32.72"]
DEMO_PASSWORD = "Salur-Demo-2026!"

# kode, nama, kind, home region, service area (Sentra)
DEMO_UNITS: list[tuple[str, str, str, str | None, list[str] | None]] = [
    ("kemensos-linjamsos", "Kemensos: Ditjen Perlindungan dan Jaminan Sosial", "kemensos_pusat", None, None),
    ("dinsos-jateng", "Dinas Sosial Provinsi Jawa Tengah", "dinsos_prov", "33", None),
    ("dinsos-batang", "Dinas Sosial Kabupaten Batang", "dinsos_kab", "33.25", None),
    ("dinsos-metro", "Dinas Sosial Kota Metro", "dinsos_kab", "18.72", None),
    ("dinsos-indramayu", "Dinas Sosial Kabupaten Indramayu", "dinsos_kab", "32.12", None),
    ("sentra-handayani", "Sentra Handayani", "sentra", "18.72", ["18.72"]),
    ("sentra-budi-perkasa", "Sentra Budi Perkasa Palembang", "sentra", "16.71", ["16.71"]),
    ("sentra-phalamartha", "Sentra Phalamartha Sukabumi", "sentra", "32.72", ["32.02", "32.72", "32.12"]),
    (
        "sentra-terpadu-kartini",
        "Sentra Terpadu Kartini Temanggung",
        "sentra_terpadu",
        "33.23",
        ["33.23", "33.25"],
    ),
]

# username, role, unit (or None), wilayah when there is no unit, what it shows
DEMO_USERS: list[tuple[str, str, str | None, str | None, str]] = [
    ("demo_admin", "admin_pusat", "kemensos-linjamsos", None, "administrator pusat (nasional)"),
    ("dinsos_jateng", "operator_dinsos_prov", "dinsos-jateng", None, "operator Dinsos Provinsi Jawa Tengah"),
    ("dinsos_batang", "operator_dinsos_kab", "dinsos-batang", None, "operator Dinsos Kab. Batang"),
    ("dinsos_metro", "operator_dinsos_kab", "dinsos-metro", None, "operator Dinsos Kota Metro"),
    ("desa_batang", "operator_desa", "DESA", None, "operator desa (desa pertama Kab. Batang)"),
    ("sentra_handayani", "petugas_sentra", "sentra-handayani", None, "petugas Sentra Handayani (Kota Metro)"),
    ("sentra_kartini", "petugas_sentra", "sentra-terpadu-kartini", None, "petugas Sentra Terpadu Kartini"),
    ("pendamping_indramayu", "pendamping", "dinsos-indramayu", None, "pendamping PKH/TKSK Kab. Indramayu"),
    ("verifikator_pusat", "verifikator", "kemensos-linjamsos", None, "verifikator (pusat)"),
    ("auditor_bpk", "auditor", None, None, "auditor BPK (hanya baca + jejak audit)"),
]


# The chain after the registry: each module's demo step, when the module has one.
DEMO_STEPS = [
    "salur.targeting.demo",
    "salur.dataquality.demo",
    "salur.enrolment.demo",
    "salur.cycles.demo",
    "salur.payments.demo",
    "salur.distribution.demo",
    "salur.atensi.demo",
    "salur.santunan.demo",
    "salur.grievances.demo",
]


class Command(SalurCommand):
    help = "Membuat data demo (sekitar 20.000 keluarga), unit, dan pengguna demo untuk setiap peran; aman diulang."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, **options):
        from salur.registry.models import Household, Source
        from salur.registry.services import import_job_create, import_job_run

        self._units()
        users = self._users()
        admin = users[0]
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
        self._steps(users)
        self.stdout.write("\nPengguna demo (kata sandi semua: " + DEMO_PASSWORD + "):")
        for user, (_, role, _, _, what) in zip(users, DEMO_USERS, strict=True):
            scope = ", ".join(user.scope_prefixes) or "nasional"
            self.stdout.write(f"  {user.username:<22} {role:<22} {scope:<18} {what}")

    def _steps(self, users: list[Any]) -> None:
        """Each module's demo (salur/<app>/demo.py `run(users, log)`), in the order of the chain; each is safe to
        run again (it reuses what exists)."""
        from importlib import import_module

        by_name = {u.username: u for u in users}
        for module in DEMO_STEPS:
            try:
                step = import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
                continue
            step.run(by_name, self.stdout.write)

    def _units(self) -> None:
        from salur.accounts.services import unit_ensure
        from salur.regions.models import Region

        for kode, nama, kind, wilayah, area in DEMO_UNITS:
            unit_ensure(kode=kode, nama=nama, kind=kind, wilayah=wilayah, service_area=area)
        desa = Region.objects.filter(level=4, kode_kab="3325").order_by("kode").first()
        if desa is not None:
            unit_ensure(
                kode="desa-" + desa.kode, nama=f"Pemerintah Desa {desa.nama}", kind="desa", wilayah=desa.kode
            )

    def _users(self) -> list[Any]:
        from salur.accounts.models import Unit
        from salur.accounts.services import user_create

        User = get_user_model()  # noqa: N806
        users = []
        for username, role, unit, wilayah, _ in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                if unit == "DESA":
                    desa_unit = Unit.objects.filter(kind="desa").order_by("kode").first()
                    unit = desa_unit.kode if desa_unit else None
                user = user_create(
                    username=username, role=role, wilayah=wilayah, password=DEMO_PASSWORD, unit=unit
                )
                if role == "admin_pusat":
                    user.is_staff = True
                    user.save(update_fields=["is_staff"])
            users.append(user)
        return users
