"""Users, their role and their region scope (contract: cli.md role codes)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN_PUSAT = "admin_pusat", "Administrator pusat"
    OPERATOR_DINSOS_PROV = "operator_dinsos_prov", "Operator Dinsos provinsi"
    OPERATOR_DINSOS_KAB = "operator_dinsos_kab", "Operator Dinsos kabupaten/kota"
    OPERATOR_DESA = "operator_desa", "Operator desa/kelurahan"
    PETUGAS_SENTRA = "petugas_sentra", "Petugas Sentra"
    PENDAMPING = "pendamping", "Pendamping/TKSK"
    VERIFIKATOR = "verifikator", "Verifikator"
    AUDITOR = "auditor", "Auditor"


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.ADMIN_PUSAT)
    # Region scope: a code prefix of the wilayah tree (2, 4, 6 or 10 digits); empty = national.
    wilayah = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return self.username

    @property
    def scope_prefix(self) -> str:
        return self.wilayah_id or ""


class ApiToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user_id}:{self.name}"
