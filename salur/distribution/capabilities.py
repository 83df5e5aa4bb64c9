"""Capabilities of salur.distribution per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"distribution.view", "distribution.manage", "stock.manage"},
    "operator_dinsos_prov": {"distribution.view", "distribution.manage", "stock.manage"},
    "operator_dinsos_kab": {
        "distribution.view",
        "distribution.manage",
        "stock.manage",
        "distribution.handover",
    },
    "petugas_sentra": {"distribution.view", "distribution.manage", "stock.manage", "distribution.handover"},
    "pendamping": {"distribution.view", "distribution.handover"},
    "verifikator": {"distribution.view"},
    "auditor": {"distribution.view"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "distribution.view": "melihat penyaluran barang",
    "distribution.manage": "mengelola kegiatan penyaluran",
    "stock.manage": "mengelola stok gudang",
    "distribution.handover": "mencatat serah terima",
}
