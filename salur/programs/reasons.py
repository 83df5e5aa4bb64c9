"""Plain Indonesian text of the decision reasons (contract: programs-and-payments.md, plus ATURAN_PROGRAM) and of
what the PKH walk did with each (member, component) pair, for explanations to a clerk or a citizen."""

from __future__ import annotations

from salur.programs.batch import entitlements as e

REASON_TEXT: dict[str, str] = {
    e.DESIL_DI_ATAS_BATAS: "Desil keluarga di atas batas program",
    e.ANGGOTA_ASN: "Ada anggota keluarga yang ASN (menurut daftar ASN atau pekerjaan yang dinyatakan)",
    e.ANGGOTA_TNI_POLRI: "Ada anggota keluarga yang TNI/Polri (menurut daftar atau pekerjaan yang dinyatakan)",
    e.TANPA_ANGGOTA_HIDUP: "Semua anggota keluarga tercatat meninggal (atau keluarga tanpa anggota)",
    e.TANPA_KOMPONEN: "Tidak ada anggota keluarga yang memenuhi komponen PKH",
    e.TANPA_DESIL: "Desil keluarga belum ada",
    e.ATURAN_PROGRAM: "Keluarga tidak memenuhi syarat lain dalam aturan program",
}

WALK_TEXT: dict[str, str] = {
    e.TAKEN: "diambil",
    e.MEMBER_COUNTED: "tidak diambil: anggota ini sudah dihitung untuk komponen yang lebih tinggi",
    e.CAP_REACHED: "tidak diambil: batas komponen ini per keluarga sudah tercapai",
    e.FAMILY_CAP: "tidak diambil: sudah 4 anggota keluarga dihitung",
}

RECIPIENT_TEXT: dict[str, str] = {
    e.PASANGAN_PEREMPUAN: "pasangan perempuan kepala keluarga",
    e.KEPALA_KELUARGA: "kepala keluarga",
    e.TERTUA: "anggota hidup tertua",
}

COMPONENT_LABEL: dict[str, str] = {
    "ibu_hamil": "Ibu hamil",
    "anak_usia_dini": "Anak usia dini (0-6 tahun)",
    "sekolah_sd": "Anak sekolah SD",
    "sekolah_smp": "Anak sekolah SMP",
    "sekolah_sma": "Anak sekolah SMA",
    "disabilitas_berat": "Penyandang disabilitas berat",
    "lansia": "Lanjut usia (70 tahun ke atas)",
}


def reason_text(code: str) -> str:
    return REASON_TEXT.get(code, code)
