"""Capabilities of salur.budget per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"budget.view", "budget.manage"},
    "verifikator": {"budget.view"},
    "auditor": {"budget.view"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "budget.view": "melihat anggaran dan realisasi",
    "budget.manage": "menetapkan pagu anggaran (DIPA)",
}
