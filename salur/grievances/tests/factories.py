"""Small, exact test data for grievances, the portal and dashboards: households, units, users, cycles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salur.registry.models import Household, Member

# Desa of the demo regions (the 2025 region tree): Kab. Batang (33.25), Kota Metro (18.72), Kab. Temanggung (33.23).
DESA_BATANG = "3325012001"
DESA_METRO = "1872011001"
DESA_TEMANGGUNG = "3323012001"

_counter = {"kk": 0, "nik": 0}


def _next(kind: str) -> str:
    _counter[kind] += 1
    return f"{_counter[kind]:016d}"


def make_household(
    kode_desa: str, names: list[str], *, desil: int | None = 2, no_kk: str = "", flags: str = ""
) -> Household:
    h = Household.objects.create(
        no_kk=no_kk or ("9" + _next("kk")[1:]),
        wilayah_id=kode_desa,
        luas_lantai_m2=20,
        jenis_lantai="semen",
        jenis_dinding="tembok",
        jenis_atap="genteng",
        sumber_air_minum="sumur_terlindung",
        sumber_penerangan="pln_meteran",
        bahan_bakar_memasak="gas",
        fasilitas_bab="sendiri",
        status_rumah="milik_sendiri",
        daya_listrik_va=450,
        aset_kulkas=False,
        aset_motor=False,
        aset_mobil=False,
        aset_ac=False,
        aset_emas=False,
        aset_lahan=False,
        desil=desil,
        tanggal_pendataan=dt.date(2024, 1, 15),
        flags=flags,
    )
    for i, nama in enumerate(names):
        Member.objects.create(
            nik="8" + _next("nik")[1:],
            household=h,
            nama=nama,
            jenis_kelamin="P" if i else "L",
            tanggal_lahir=dt.date(1980, 1, 1),
            hubungan="kepala_keluarga" if i == 0 else "anak",
            status_kawin="kawin" if i == 0 else "belum_kawin",
            pendidikan="sd",
            pekerjaan="tidak_bekerja",
            disabilitas="tidak",
            hamil=False,
            urutan=i + 1,
        )
    return h


def make_units() -> dict[str, Any]:
    from salur.accounts.services import unit_ensure

    return {
        "pusat": unit_ensure(kode="kemensos-uji", nama="Kemensos pusat", kind="kemensos_pusat"),
        "jateng": unit_ensure(
            kode="dinsos-jateng-uji", nama="Dinsos Jawa Tengah", kind="dinsos_prov", wilayah="33"
        ),
        "batang": unit_ensure(
            kode="dinsos-batang-uji", nama="Dinsos Batang", kind="dinsos_kab", wilayah="33.25"
        ),
        "metro": unit_ensure(
            kode="dinsos-metro-uji", nama="Dinsos Metro", kind="dinsos_kab", wilayah="18.72"
        ),
    }


def make_staff(username: str, role: str, unit: Any) -> Any:
    from salur.accounts.services import user_create
    from salur.conftest import DEMO_PASSWORD

    return user_create(username=username, role=role, wilayah=None, password=DEMO_PASSWORD, unit=unit.kode)


def make_cycle(program_code: str, period: str, entitlements: list[tuple[Household, int]], actor: Any) -> Any:
    """A cycle with eligible entitlements (household, nominal), written directly (the computation is not under test)."""
    from salur.core.partitions import ensure_partition
    from salur.cycles.models import Cycle, Entitlement
    from salur.programs.models import Program
    from salur.programs.services import catalogue_load_defaults

    catalogue_load_defaults()
    program = Program.objects.get(code=program_code)
    cycle = Cycle.objects.create(
        code=f"{program_code}-{period}",
        program=program,
        period=period,
        program_version=program.versions.order_by("-version")[0],
        created_by=actor,
        eligible=len(entitlements),
        total=sum(n for _, n in entitlements),
        snapshot_sha256="0" * 64,
    )
    # Rows written one at a time need the cycle's partition on PostgreSQL (core/partitions.py).
    for table in ("cycles_entitlement", "payments_payment"):
        ensure_partition(table, cycle.pk, program_code=program_code, period=period)
    Entitlement.objects.bulk_create(
        Entitlement(
            cycle=cycle,
            household=h,
            program_code=program_code,
            period=period,
            eligible=True,
            nominal=n,
            channel="BRI",
            kode_wilayah=h.wilayah_id,
        )
        for h, n in entitlements
    )
    return cycle
