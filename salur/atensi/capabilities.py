"""Capabilities of salur.atensi per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"case.view"},
    "petugas_sentra": {"case.view", "case.manage"},
    "auditor": {"case.view"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "case.view": "melihat kasus ATENSI",
    "case.manage": "mengelola kasus ATENSI",
}
