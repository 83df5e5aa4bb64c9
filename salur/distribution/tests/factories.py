"""Small registries and organisations with known answers, shared by the distribution, atensi and santunan tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salur.registry.models import Household, Member

DESA_METRO = "1872011004"  # Hadimulyo Barat, Kota Metro
DESA_METRO_2 = "1872011002"  # Hadimulyo Timur
DESA_BATANG = "3325012001"

HOUSEHOLD_DEFAULTS: dict[str, Any] = {
    "alamat": "Jl. Uji 1",
    "luas_lantai_m2": 30.0,
    "jenis_lantai": "semen",
    "jenis_dinding": "tembok",
    "jenis_atap": "genteng",
    "sumber_air_minum": "ledeng",
    "sumber_penerangan": "pln_meteran",
    "bahan_bakar_memasak": "gas_3kg",
    "fasilitas_bab": "sendiri",
    "status_rumah": "milik_sendiri",
    "daya_listrik_va": 900,
    "aset_kulkas": False,
    "aset_motor": False,
    "aset_mobil": False,
    "aset_ac": False,
    "aset_emas": False,
    "aset_lahan": False,
    "desil": 2,
    "tanggal_pendataan": dt.date(2024, 1, 15),
}


def person(
    n: int,
    *,
    desa: str = DESA_METRO,
    born: dt.date = dt.date(1980, 1, 1),
    disabilitas: str = "tidak",
    bank: str = "",
    no_rekening: str = "",
    nama: str | None = None,
) -> Member:
    """Household n with one head; NIK and KK built from the desa's kecamatan and n."""
    kk = f"{desa[:6]}{n:010d}"
    household = Household.objects.create(
        no_kk=kk, wilayah_id=desa, bank=bank, no_rekening=no_rekening, **HOUSEHOLD_DEFAULTS
    )
    return Member.objects.create(
        nik=f"{desa[:6]}{born:%d%m%y}{n % 10000:04d}",
        household=household,
        nama=nama or f"Penerima {n}",
        jenis_kelamin="L",
        tanggal_lahir=born,
        hubungan="kepala_keluarga",
        status_kawin="kawin",
        pendidikan="sd",
        pekerjaan="buruh",
        disabilitas=disabilitas,
        hamil=False,
    )


def add_member(head: Member, n: int, *, born: dt.date, nama: str) -> Member:
    return Member.objects.create(
        nik=f"{head.nik[:6]}{born:%d%m%y}{n % 10000:04d}",
        household=head.household,
        nama=nama,
        jenis_kelamin="P",
        tanggal_lahir=born,
        hubungan="anak",
        status_kawin="belum_kawin",
        pendidikan="sd",
        pekerjaan="tidak_bekerja",
        disabilitas="tidak",
        hamil=False,
    )


def sentra_user(make_user: Any, username: str, unit_kode: str, area: list[str], wilayah: str) -> Any:
    from salur.accounts.services import unit_ensure

    unit_ensure(
        kode=unit_kode,
        nama=unit_kode.replace("-", " ").title(),
        kind="sentra",
        wilayah=wilayah,
        service_area=area,
    )
    user = make_user(username, "petugas_sentra")
    from salur.accounts.models import Unit

    user.unit = Unit.objects.get(kode=unit_kode)
    user.save()
    user.__dict__.pop("_scope_prefixes", None)
    return user


def unit_user(
    make_user: Any, username: str, role: str, unit_kode: str, kind: str, wilayah: str | None
) -> Any:
    from salur.accounts.models import Unit
    from salur.accounts.services import unit_ensure

    unit_ensure(kode=unit_kode, nama=unit_kode.replace("-", " ").title(), kind=kind, wilayah=wilayah)
    user = make_user(username, role)
    user.unit = Unit.objects.get(kode=unit_kode)
    user.save()
    user.__dict__.pop("_scope_prefixes", None)
    return user
