"""Input and output schemas of the registry API (/api/v1/registry).

Inputs use the exchange format's field names (contract: registry-exchange.md) and are built from registry/schema.py,
the one source of truth for the columns. Every input field is optional and takes a string or a typed JSON value:
the row validator shared with the bulk import decides what is missing or wrong and answers in Indonesian, so an API
client gets the same rules and messages as a regional office uploading a file. Unknown fields are refused, so a
misspelt field of a PATCH cannot silently change nothing.

Outputs are typed JSON (numbers, booleans, dates) under the same field names.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ninja import Field, Schema
from pydantic import ConfigDict, create_model

from salur.core.access import account_for, nik_for
from salur.registry import schema

# A value as a CSV cell ("1", "2024-01-15") or as its JSON type (1, true); null means missing.
Scalar = str | int | float | bool | None


class ExchangeInput(Schema):
    model_config = ConfigDict(extra="forbid")


def _describe(column: schema.Column) -> str:
    parts = [column.label or column.name]
    if column.required:
        parts.append("wajib")
    if column.allowed:
        parts.append("pilihan: " + ", ".join(column.allowed))
    return "; ".join(parts)


def _input_model(name: str, columns: tuple[schema.Column, ...], doc: str) -> type[ExchangeInput]:
    fields: dict[str, Any] = {c.name: (Scalar, Field(None, description=_describe(c))) for c in columns}
    model = create_model(name, __base__=ExchangeInput, __doc__=doc, **fields)
    return model


def _without(columns: tuple[schema.Column, ...], *names: str) -> tuple[schema.Column, ...]:
    return tuple(c for c in columns if c.name not in names)


if TYPE_CHECKING:  # the classes are built at run time; to a type checker they are ExchangeInput
    HouseholdCreateIn = ExchangeInput
    HouseholdPatchIn = ExchangeInput
    MemberCreateIn = ExchangeInput
    MemberPatchIn = ExchangeInput
else:
    HouseholdCreateIn = _input_model(
        "HouseholdCreateIn", schema.KELUARGA_COLUMNS, "Keluarga baru, dengan kolom keluarga.csv."
    )
    # The key is not edited: a no_kk identifies the household for its whole history.
    HouseholdPatchIn = _input_model(
        "HouseholdPatchIn",
        _without(schema.KELUARGA_COLUMNS, "no_kk"),
        "Perubahan sebagian: hanya kolom yang dikirim yang diubah; null mengosongkan kolom.",
    )
    # no_kk comes from the path; when the body also carries it, it must name the same household.
    MemberCreateIn = _input_model(
        "MemberCreateIn", schema.ANGGOTA_COLUMNS, "Anggota baru, dengan kolom anggota.csv."
    )
    MemberPatchIn = _input_model(
        "MemberPatchIn",
        _without(schema.ANGGOTA_COLUMNS, "nik", "no_kk"),
        "Perubahan sebagian: hanya kolom yang dikirim yang diubah; null mengosongkan kolom.",
    )


class HouseholdSearchIn(Schema):
    q: str = Field("", description="NIK, nomor KK (atau awalannya), atau nama anggota")
    nik: str = Field("", description="NIK seorang anggota (16 digit)")
    no_kk: str = Field("", description="Nomor KK (16 digit)")
    nama: str = Field("", description="bagian dari nama seorang anggota")
    wilayah: str = Field("", description="awalan kode wilayah (2, 4, 6 atau 10 digit; titik boleh)")
    flag: str = Field("", description="kode tanda, mis. KEPALA_KELUARGA atau NIK_WILAYAH")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


# --- outputs ---------------------------------------------------------------------------------------------


class HouseholdSummaryOut(Schema):
    no_kk: str
    kode_wilayah: str
    nama_wilayah: str
    alamat: str
    desil: int | None
    desil_sumber: str = Field(description="supplied (dari DTSEN), computed (dihitung Salur), atau kosong")
    flags: list[str]
    jumlah_anggota: int

    @staticmethod
    def resolve_kode_wilayah(obj: Any) -> str:
        return str(obj.wilayah_id)

    @staticmethod
    def resolve_nama_wilayah(obj: Any) -> str:
        return str(obj.wilayah.nama)

    @staticmethod
    def resolve_flags(obj: Any) -> list[str]:
        return list(obj.flag_list)


class HouseholdPageOut(Schema):
    count: int
    items: list[HouseholdSummaryOut]


class MemberOut(Schema):
    nik: str
    no_kk: str
    nama: str
    jenis_kelamin: str
    tempat_lahir: str
    tanggal_lahir: dt.date
    hubungan: str
    status_kawin: str
    pendidikan: str
    sekolah: str
    pekerjaan: str
    disabilitas: str
    hamil: bool
    nama_ibu: str
    flags: list[str]

    @staticmethod
    def resolve_no_kk(obj: Any) -> str:
        return str(obj.household.no_kk)

    @staticmethod
    def resolve_nik(obj: Any, context: Any) -> str:
        """Roles that do not need the full NIK see it masked (UU PDP 27/2022)."""
        request = (context or {}).get("request")
        return nik_for(getattr(request, "auth", None), obj.nik)

    @staticmethod
    def resolve_flags(obj: Any) -> list[str]:
        return list(obj.flag_list)


class HouseholdOut(Schema):
    no_kk: str
    kode_wilayah: str
    nama_wilayah: str
    alamat: str
    rt: str
    rw: str
    luas_lantai_m2: float
    jenis_lantai: str
    jenis_dinding: str
    jenis_atap: str
    sumber_air_minum: str
    sumber_penerangan: str
    bahan_bakar_memasak: str
    fasilitas_bab: str
    status_rumah: str
    daya_listrik_va: int
    aset_kulkas: bool
    aset_motor: bool
    aset_mobil: bool
    aset_ac: bool
    aset_emas: bool
    aset_lahan: bool
    bank: str
    no_rekening: str
    desil: int | None = Field(description="desil dari data (DTSEN) atau dihitung Salur; lihat desil_sumber")
    desil_sumber: str = Field(description="supplied (dari DTSEN), computed (dihitung Salur), atau kosong")
    pengeluaran_per_kapita: int | None
    tanggal_pendataan: dt.date
    flags: list[str]
    members: list[MemberOut]

    @staticmethod
    def resolve_kode_wilayah(obj: Any) -> str:
        return str(obj.wilayah_id)

    @staticmethod
    def resolve_nama_wilayah(obj: Any) -> str:
        return str(obj.wilayah.nama)

    @staticmethod
    def resolve_flags(obj: Any) -> list[str]:
        return list(obj.flag_list)

    @staticmethod
    def resolve_members(obj: Any) -> list[Any]:
        return list(obj.members.all())

    @staticmethod
    def resolve_no_rekening(obj: Any, context: Any) -> str:
        """Read-only roles see the last four digits of the account only."""
        request = (context or {}).get("request")
        return account_for(getattr(request, "auth", None), obj.no_rekening)


class ProblemsOut(Schema):
    detail: str = Field(examples=["Data tidak sah"])
    problems: dict[str, list[str]] = Field(description="kolom -> pesan masalah (bahasa Indonesia)")


class MessageOut(Schema):
    detail: str


class ImportStartedOut(Schema):
    id: int
    status: str
    status_url: str
    result_url: str
    rejects_url: str


class ImportJobOut(Schema):
    id: int
    status: str = Field(description="antri, berjalan, selesai, atau gagal")
    progress: int = Field(description="0-100")
    stage: str
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class FileCountsOut(Schema):
    read: int
    accepted: int
    rejected: int
    created: int
    updated: int


class ImportSummaryOut(Schema):
    """The import summary of the contract (registry-exchange.md, "What an import answers")."""

    households: FileCountsOut
    members: FileCountsOut
    rejects: dict[str, int]
    flags: dict[str, int]
    rejects_file: str
    warnings: list[str]
