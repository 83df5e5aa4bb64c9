"""Capabilities of salur.targeting per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"targeting.run", "targeting.view"},
    # auditors see the model, its errors and the score runs; they run nothing
    "auditor": {"targeting.view"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "targeting.run": "menjalankan penargetan (PMT)",
    "targeting.view": "melihat model penargetan (PMT)",
}
