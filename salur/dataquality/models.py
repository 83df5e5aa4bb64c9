"""Reference lists for cross-checks: ASN, TNI/Polri and the death register (contract: programs-and-payments.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class ListKind(models.TextChoices):
    ASN = "asn", "ASN (aparatur sipil negara)"
    TNI_POLRI = "tni_polri", "TNI/Polri"
    KEMATIAN = "kematian", "Kematian"


class ReferenceList(models.Model):
    """One loaded version of a list. Loading a list again makes a new version and retires the old one."""

    kind = models.CharField(max_length=12, choices=ListKind.choices)
    version = models.PositiveIntegerField()
    active = models.BooleanField(default=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows_read = models.PositiveIntegerField()
    rows_loaded = models.PositiveIntegerField()
    rows_rejected = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(db_default=Now())
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="reflist_kind_version"),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(active=True), name="reflist_one_active_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} ({self.sha256[:12]})"


class ReferenceEntry(models.Model):
    reference_list = models.ForeignKey(ReferenceList, on_delete=models.CASCADE, related_name="entries")
    nik = models.CharField(max_length=16)
    nama = models.CharField(max_length=100, blank=True, default="")
    tanggal_lahir = models.DateField(null=True, blank=True)
    instansi = models.CharField(max_length=200, blank=True, default="")
    tanggal_meninggal = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["nik", "reference_list"], name="refentry_nik_list")]

    def __str__(self) -> str:
        return f"{self.reference_list_id}:{self.nik}"
