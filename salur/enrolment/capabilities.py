"""Capabilities of salur.enrolment per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"enrolment.view", "enrolment.propose", "enrolment.decide"},
    "operator_dinsos_prov": {"enrolment.view", "enrolment.propose", "enrolment.verify"},
    "operator_dinsos_kab": {"enrolment.view", "enrolment.propose", "enrolment.verify"},
    "operator_desa": {"enrolment.view", "enrolment.propose"},
    "pendamping": {"enrolment.view"},
    "verifikator": {"enrolment.view", "enrolment.decide"},
    "auditor": {"enrolment.view"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "enrolment.view": "melihat kepesertaan",
    "enrolment.propose": "mengusulkan calon penerima",
    "enrolment.verify": "mencatat hasil verifikasi",
    "enrolment.decide": "menetapkan penerima (SK)",
}
