"""Capabilities of salur.dataquality per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"quality.view", "dedup.run", "dedup.review", "crosscheck.load"},
    "operator_dinsos_prov": {"quality.view", "dedup.review"},
    "operator_dinsos_kab": {"quality.view", "dedup.review"},
    "verifikator": {"quality.view", "dedup.review"},
    "auditor": {"quality.view"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "quality.view": "melihat laporan kualitas data",
    "dedup.run": "menjalankan deteksi duplikat",
    "dedup.review": "memutuskan pasangan duplikat",
    "crosscheck.load": "memuat daftar pemadanan",
}
