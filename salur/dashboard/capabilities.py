"""Capabilities of salur.dashboard per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"dashboard.view"},
    "operator_dinsos_prov": {"dashboard.view"},
    "operator_dinsos_kab": {"dashboard.view"},
    "operator_desa": {"dashboard.view"},
    "petugas_sentra": {"dashboard.view"},
    "pendamping": {"dashboard.view"},
    "verifikator": {"dashboard.view"},
    "auditor": {"dashboard.view"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "dashboard.view": "melihat dasbor",
}
