"""Capabilities of salur.payments per role, merged into salur.core.access.ROLE_CAPABILITIES.

Import nothing from salur here (salur.core.access imports this module)."""

ROLE_CAPABILITIES: dict[str, set[str]] = {
    "admin_pusat": {"payments.export", "payments.status", "payments.verify"},
    "operator_dinsos_prov": {"payments.verify"},
    "operator_dinsos_kab": {"payments.verify"},
    "pendamping": {"payments.verify"},
}
CAPABILITY_LABELS: dict[str, str] = {
    "payments.export": "mengekspor berkas pembayaran",
    "payments.status": "mengimpor status pembayaran",
    "payments.verify": "mencatat verifikasi penerimaan",
}
