"""Capabilities of salur.programs per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"program.view", "program.edit"},
    "operator_dinsos_prov": {"program.view"},
    "operator_dinsos_kab": {"program.view"},
    "verifikator": {"program.view"},
    "auditor": {"program.view"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "program.view": "melihat katalog program",
    "program.edit": "mengubah aturan program",
}
