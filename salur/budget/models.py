"""Yearly allocations (DIPA) per program; commitments and realisation are derived from cycles and payments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class Allocation(models.Model):
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="allocations")
    year = models.PositiveSmallIntegerField("Tahun")
    amount = models.BigIntegerField("Pagu (rupiah)")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["year", "program"]
        constraints = [
            models.UniqueConstraint(fields=["program", "year"], name="allocation_one_per_program_year"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="allocation_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.year}: Rp{self.amount}"
