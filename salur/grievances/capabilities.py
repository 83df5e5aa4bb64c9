"""Capabilities of salur.grievances per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"grievance.view", "grievance.handle"},
    "operator_dinsos_prov": {"grievance.view", "grievance.handle"},
    "operator_dinsos_kab": {"grievance.view", "grievance.handle"},
    "operator_desa": {"grievance.view", "grievance.handle"},
    "petugas_sentra": {"grievance.view", "grievance.handle"},
    "pendamping": {"grievance.view", "grievance.handle"},
    "verifikator": {"grievance.view"},
    "auditor": {"grievance.view"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "grievance.view": "melihat usul, sanggah dan pengaduan",
    "grievance.handle": "menangani usul, sanggah dan pengaduan",
}
