"""Capabilities of salur.programs per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

# Explaining a household's decision (to the household itself, when it asks why) is for every role that sees the
# registry: limited, like the registry, to the role's region.
ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"program.view", "program.edit", "program.explain"},
    "operator_dinsos_prov": {"program.view", "program.explain"},
    "operator_dinsos_kab": {"program.view", "program.explain"},
    "operator_desa": {"program.explain"},
    "petugas_sentra": {"program.explain"},
    "pendamping": {"program.explain"},
    "verifikator": {"program.view", "program.explain"},
    "auditor": {"program.view", "program.explain"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "program.view": "melihat katalog program",
    "program.edit": "mengubah aturan program",
    "program.explain": "melihat penjelasan keputusan kelayakan",
}
