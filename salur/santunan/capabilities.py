"""Capabilities of salur.santunan per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"santunan.view", "santunan.manage", "santunan.approve"},
    "operator_dinsos_prov": {"santunan.view", "santunan.manage", "santunan.approve"},
    "operator_dinsos_kab": {"santunan.view", "santunan.manage"},
    "verifikator": {"santunan.view", "santunan.approve"},
    "auditor": {"santunan.view"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "santunan.view": "melihat santunan",
    "santunan.manage": "mengelola santunan",
    "santunan.approve": "menyetujui santunan",
}
