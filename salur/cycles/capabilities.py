"""Capabilities of salur.cycles per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"cycle.view", "cycle.approve"},
    "operator_dinsos_prov": {"cycle.view"},
    "operator_dinsos_kab": {"cycle.view"},
    "verifikator": {"cycle.view", "cycle.approve"},
    "auditor": {"cycle.view"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "cycle.view": "melihat siklus penyaluran",
    "cycle.approve": "menyetujui siklus penyaluran",
}
