"""Capabilities of salur.targeting per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"targeting.run"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "targeting.run": "menjalankan penargetan (PMT)",
}
