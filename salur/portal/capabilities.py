"""Capabilities of salur.portal per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {}
CAPABILITY_LABELS: dict[str, str] = {}
