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


class UnitKind(models.TextChoices):
    KEMENSOS_PUSAT = "kemensos_pusat", "Kemensos pusat (direktorat)"
    DINSOS_PROV = "dinsos_prov", "Dinas Sosial provinsi"
    DINSOS_KAB = "dinsos_kab", "Dinas Sosial kabupaten/kota"
    SENTRA = "sentra", "Sentra"
    SENTRA_TERPADU = "sentra_terpadu", "Sentra Terpadu"
    DESA = "desa", "Pemerintah desa/kelurahan"


class Unit(models.Model):
    """An organisation users belong to. Its region scope: the home region, or for a Sentra its service area."""

    kode = models.SlugField(max_length=60, unique=True)
    nama = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=UnitKind.choices)
    wilayah = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    induk = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="anak")
    service_area = models.ManyToManyField("regions.Region", blank=True, related_name="+")

    class Meta:
        ordering = ["kode"]

    def __str__(self) -> str:
        return self.nama

    def scope_prefixes(self) -> tuple[str, ...]:
        """Region code prefixes this unit may act in; () means the whole country."""
        if self.kind == UnitKind.KEMENSOS_PUSAT:
            return ()
        if self.kind in (UnitKind.SENTRA, UnitKind.SENTRA_TERPADU):
            area = tuple(sorted(self.service_area.values_list("kode", flat=True)))
            if area:
                return area
        return (self.wilayah_id,) if self.wilayah_id else ("-",)  # "-" matches nothing: a unit without region


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.ADMIN_PUSAT)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    # A user without a unit may carry a region directly (salur users add --wilayah); empty = national.
    wilayah = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Approval level for tiered approvals (salur/cycles: a cycle above a configured total needs a second approver
    # of at least the tier's level). 1 = ordinary approver.
    approval_level = models.PositiveSmallIntegerField("Tingkat persetujuan", default=1)

    def __str__(self) -> str:
        return self.username

    @property
    def scope_prefixes(self) -> tuple[str, ...]:
        """Region code prefixes of the user's scope, from the unit; () = national. Cached per instance."""
        cached = self.__dict__.get("_scope_prefixes")
        if cached is None:
            if self.unit is not None:
                cached = self.unit.scope_prefixes()
            else:
                cached = (self.wilayah_id,) if self.wilayah_id else ()
            self.__dict__["_scope_prefixes"] = cached
        return cached

    @property
    def scope_prefix(self) -> str:
        """The single prefix of a one-region scope (most users); '' when national."""
        prefixes = self.scope_prefixes
        return prefixes[0] if len(prefixes) == 1 else ""


class ApiToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user_id}:{self.name}"
