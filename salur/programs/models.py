"""The program catalogue: programs and their versioned rules and parameters (contract: programs-and-payments.md).

A program's rules and amounts are data that administrators edit; every edit makes a new `ProgramVersion`, and a
cycle records the version it was computed with, so an old cycle can always be explained.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class BenefitKind(models.TextChoices):
    CASH = "cash", "Uang tunai"
    IN_KIND = "in_kind", "Barang (natura)"
    SERVICE = "service", "Layanan"


class BenefitUnit(models.TextChoices):
    HOUSEHOLD = "household", "Keluarga (KPM)"
    PERSON = "person", "Perorangan"


class Schedule(models.TextChoices):
    MONTHLY = "monthly", "Bulanan"
    QUARTERLY = "quarterly", "Per tahap (triwulan)"


class Program(models.Model):
    code = models.CharField("Kode", max_length=20, unique=True)
    nama = models.CharField(max_length=200)
    benefit_kind = models.CharField(max_length=10, choices=BenefitKind.choices)
    unit = models.CharField(max_length=10, choices=BenefitUnit.choices)
    schedule = models.CharField(max_length=10, choices=Schedule.choices)
    budget_line = models.CharField("Mata anggaran", max_length=200, blank=True, default="")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def current_version(self) -> ProgramVersion | None:
        return self.versions.order_by("-version").first()


class ProgramVersion(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    # Parameters of the computation (programs/catalogue.py `config_to_dict`): amounts, caps, components.
    config = models.JSONField(default=dict)
    eligibility_rule = models.TextField(blank=True, default="")  # rule language (programs/rules.py)
    amount_rule = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["program", "version"]
        constraints = [
            models.UniqueConstraint(fields=["program", "version"], name="programversion_program_version"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} v{self.version}"
