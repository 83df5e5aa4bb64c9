"""The registry exchange format as data (contract: registry-exchange.md).

One source of truth for the import validator, the export writer, the model choices and the web forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["kk", "nik", "wilayah", "text", "digits", "decimal", "int", "enum", "date", "bank", "rekening"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool
    allowed: tuple[str, ...] = ()
    max_len: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    digits: tuple[int, int] | None = None  # (min, max) digits for "digits" columns
    label: str = ""


JENIS_LANTAI = ("keramik", "ubin", "kayu", "semen", "bambu", "tanah")
JENIS_DINDING = ("tembok", "kayu", "bambu", "lainnya")
JENIS_ATAP = ("beton", "genteng", "seng", "asbes", "ijuk", "lainnya")
SUMBER_AIR_MINUM = (
    "kemasan",
    "ledeng",
    "sumur_terlindung",
    "sumur_tak_terlindung",
    "mata_air",
    "sungai",
    "hujan",
)
SUMBER_PENERANGAN = ("pln_meteran", "pln_tanpa_meteran", "non_pln", "tidak_ada")
DAYA_LISTRIK_VA = ("0", "450", "900", "1300", "2200", "3500")
BAHAN_BAKAR_MEMASAK = ("listrik", "gas", "gas_3kg", "minyak_tanah", "kayu_bakar", "arang", "tidak_memasak")
FASILITAS_BAB = ("sendiri", "bersama", "umum", "tidak_ada")
STATUS_RUMAH = ("milik_sendiri", "sewa", "bebas_sewa", "dinas", "lainnya")
BINARY = ("0", "1")
BANKS = ("BRI", "BNI", "MANDIRI", "BSI", "BTN")
ASET = ("aset_kulkas", "aset_motor", "aset_mobil", "aset_ac", "aset_emas", "aset_lahan")

JENIS_KELAMIN = ("L", "P")
HUBUNGAN = (
    "kepala_keluarga",
    "pasangan",
    "anak",
    "menantu",
    "cucu",
    "orang_tua",
    "mertua",
    "famili_lain",
    "lainnya",
)
STATUS_KAWIN = ("belum_kawin", "kawin", "cerai_hidup", "cerai_mati")
PENDIDIKAN = ("tidak_sekolah", "sd", "smp", "sma", "diploma", "sarjana")
SEKOLAH = ("paud", "sd", "smp", "sma", "pt")
PEKERJAAN = (
    "tidak_bekerja",
    "pelajar",
    "ibu_rumah_tangga",
    "petani",
    "nelayan",
    "buruh",
    "pedagang",
    "wiraswasta",
    "karyawan_swasta",
    "asn",
    "tni",
    "polri",
    "pensiunan",
    "lainnya",
)
DISABILITAS = ("tidak", "ringan", "sedang", "berat")

KELUARGA_COLUMNS: tuple[Column, ...] = (
    Column("no_kk", "kk", True, label="Nomor KK"),
    Column("kode_wilayah", "wilayah", True, label="Kode wilayah"),
    Column("alamat", "text", False, max_len=200, label="Alamat"),
    Column("rt", "digits", False, digits=(1, 3), label="RT"),
    Column("rw", "digits", False, digits=(1, 3), label="RW"),
    Column("luas_lantai_m2", "decimal", True, min_value=0, label="Luas lantai (m²)"),
    Column("jenis_lantai", "enum", True, JENIS_LANTAI, label="Jenis lantai"),
    Column("jenis_dinding", "enum", True, JENIS_DINDING, label="Jenis dinding"),
    Column("jenis_atap", "enum", True, JENIS_ATAP, label="Jenis atap"),
    Column("sumber_air_minum", "enum", True, SUMBER_AIR_MINUM, label="Sumber air minum"),
    Column("sumber_penerangan", "enum", True, SUMBER_PENERANGAN, label="Sumber penerangan"),
    Column("bahan_bakar_memasak", "enum", True, BAHAN_BAKAR_MEMASAK, label="Bahan bakar memasak"),
    Column("fasilitas_bab", "enum", True, FASILITAS_BAB, label="Fasilitas BAB"),
    Column("status_rumah", "enum", True, STATUS_RUMAH, label="Status rumah"),
    Column("daya_listrik_va", "enum", True, DAYA_LISTRIK_VA, label="Daya listrik (VA)"),
    *(Column(a, "enum", True, BINARY, label=a.replace("aset_", "Aset ")) for a in ASET),
    Column("bank", "bank", False, BANKS, label="Bank"),
    Column("no_rekening", "rekening", False, digits=(10, 16), label="Nomor rekening"),
    Column("desil", "int", False, min_value=1, max_value=10, label="Desil"),
    Column("pengeluaran_per_kapita", "int", False, min_value=0, label="Pengeluaran per kapita"),
    Column("tanggal_pendataan", "date", True, label="Tanggal pendataan"),
)

ANGGOTA_COLUMNS: tuple[Column, ...] = (
    Column("nik", "nik", True, label="NIK"),
    Column("no_kk", "kk", True, label="Nomor KK"),
    Column("nama", "text", True, max_len=100, label="Nama"),
    Column("jenis_kelamin", "enum", True, JENIS_KELAMIN, label="Jenis kelamin"),
    Column("tempat_lahir", "text", False, max_len=100, label="Tempat lahir"),
    Column("tanggal_lahir", "date", True, label="Tanggal lahir"),
    Column("hubungan", "enum", True, HUBUNGAN, label="Hubungan dengan kepala keluarga"),
    Column("status_kawin", "enum", True, STATUS_KAWIN, label="Status kawin"),
    Column("pendidikan", "enum", True, PENDIDIKAN, label="Pendidikan"),
    Column("sekolah", "enum", False, SEKOLAH, label="Sekolah"),
    Column("pekerjaan", "enum", True, PEKERJAAN, label="Pekerjaan"),
    Column("disabilitas", "enum", True, DISABILITAS, label="Disabilitas"),
    Column("hamil", "enum", True, BINARY, label="Hamil/nifas"),
    Column("nama_ibu", "text", False, max_len=100, label="Nama ibu"),
)

KELUARGA_NAMES = tuple(c.name for c in KELUARGA_COLUMNS)
ANGGOTA_NAMES = tuple(c.name for c in ANGGOTA_COLUMNS)

# Reject codes (row not stored) and flag codes (row stored and flagged), in the contract's order.
REJECT_CODES = (
    "KOLOM_WAJIB",
    "FORMAT_NIK",
    "FORMAT_KK",
    "TANGGAL_TIDAK_SAH",
    "NILAI_TIDAK_DIKENAL",
    "ANGKA_TIDAK_SAH",
    "WILAYAH_TIDAK_DIKENAL",
    "REKENING_TIDAK_SAH",
    "KK_GANDA",
    "NIK_GANDA",
    "KK_TIDAK_DIKENAL",
    "KK_DITOLAK",
    # Beyond the contract: a user with a region scope importing rows of another region (never for national users).
    "DI_LUAR_WILAYAH",
)
FLAG_CODES = ("NIK_WILAYAH", "NIK_TGL_LAHIR", "NIK_JENIS_KELAMIN", "KEPALA_KELUARGA", "HAMIL_TIDAK_WAJAR")
HOUSEHOLD_FLAG_CODES = ("KEPALA_KELUARGA",)
MEMBER_FLAG_CODES = ("NIK_WILAYAH", "NIK_TGL_LAHIR", "NIK_JENIS_KELAMIN", "HAMIL_TIDAK_WAJAR")

FLAG_MESSAGES = {
    "NIK_WILAYAH": "6 digit pertama NIK bukan kode kecamatan yang dikenal (sekarang maupun lama)",
    "NIK_TGL_LAHIR": "tanggal lahir dalam NIK tidak sama dengan tanggal_lahir",
    "NIK_JENIS_KELAMIN": "jenis kelamin dalam NIK tidak sama dengan jenis_kelamin",
    "KEPALA_KELUARGA": "keluarga tidak punya kepala keluarga, atau punya lebih dari satu",
    "HAMIL_TIDAK_WAJAR": "hamil = 1 untuk laki-laki, atau perempuan di bawah 10 / di atas 55 tahun",
}


def choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v.replace("_", " ")) for v in values]
