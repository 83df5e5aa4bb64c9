"""Cycles (tahap or month of a program) and the entitlements computed for them (contract: programs-and-payments.md).

An `Entitlement` is the decision for one household in one cycle: eligible or not (with every reason), the amount,
the channel and the recipient. The database refuses a second entitlement for the same program, period and household
(`entitlement_once_per_program_period`), so no race can create a second cycle that pays anyone twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class CycleStatus(models.TextChoices):
    DIHITUNG = "dihitung", "Dihitung (menunggu persetujuan)"
    DISETUJUI = "disetujui", "Disetujui"
    DIEKSPOR = "diekspor", "Berkas pembayaran diekspor"
    DIBATALKAN = "dibatalkan", "Dibatalkan"


# Statuses whose total is committed against the program's yearly allocation (budget).
COMMITTED_STATUSES = (CycleStatus.DISETUJUI, CycleStatus.DIEKSPOR)


class Cycle(models.Model):
    code = models.CharField("Kode siklus", max_length=40, unique=True)  # e.g. PKH-2024-T2
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="cycles")
    period = models.CharField("Periode", max_length=10)  # 2024-T2 or 2024-05
    program_version = models.ForeignKey(
        "programs.ProgramVersion", on_delete=models.PROTECT, related_name="cycles"
    )
    status = models.CharField(max_length=12, choices=CycleStatus.choices, default=CycleStatus.DIHITUNG)
    year = models.PositiveSmallIntegerField(
        "Tahun anggaran", default=0
    )  # set from the period by cycle_create
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())
    eligible = models.PositiveIntegerField("Jumlah KPM layak", default=0)
    total = models.BigIntegerField("Total (rupiah)", default=0)
    not_eligible = models.JSONField(default=dict)  # {REASON: households}
    # sha256 of the inputs the cycle was computed from (registry, reference lists, program config).
    snapshot_sha256 = models.CharField(max_length=64)
    snapshot_path = models.CharField(max_length=500, blank=True, default="")  # Parquet files of the inputs
    approved_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "code"]
        constraints = [
            models.UniqueConstraint(fields=["program", "period"], name="cycle_one_per_program_period"),
        ]

    def __str__(self) -> str:
        return self.code


class Entitlement(models.Model):
    # Checked set-based by triggers (core/setfk.py, migration 0003), not row by row.
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="entitlements", db_constraint=False
    )
    household = models.ForeignKey(  # indexed by the uniqueness below, which starts with it
        "registry.Household", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    # Copies of the cycle's program code and period: the database's uniqueness needs them on this table.
    program_code = models.CharField(max_length=20)
    period = models.CharField(max_length=10)
    eligible = models.BooleanField()
    reasons = models.CharField(max_length=200, blank=True, default="")  # comma-separated decision reasons
    nominal = models.BigIntegerField()  # rupiah; 0 when not eligible
    channel = models.CharField(max_length=10)  # BRI, BNI, MANDIRI, BSI, BTN or POS
    bank = models.CharField(max_length=10, blank=True, default="")
    no_rekening = models.CharField(max_length=16, blank=True, default="")
    nik_penerima = models.CharField(max_length=16, blank=True, default="")
    nama_penerima = models.CharField(max_length=100, blank=True, default="")
    kode_wilayah = models.CharField(max_length=10)

    class Meta:
        ordering = ["cycle", "household"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "program_code", "period"], name="entitlement_once_per_program_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_code}-{self.period}:{self.household_id}"

    @property
    def reason_list(self) -> list[str]:
        return [r for r in self.reasons.split(",") if r]


class EntitlementComponent(models.Model):
    """A PKH component taken for a member of an eligible household (contract: PKH step 3)."""

    # Checked set-based (core/setfk.py): on PostgreSQL entitlements are partitioned by cycle (core/partitions.py) and
    # their primary key is (id, cycle_id), which no real foreign key on `id` alone can reference.
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.CASCADE, related_name="components", db_constraint=False
    )
    nik = models.CharField(max_length=16)
    component = models.CharField(max_length=40)
    amount = models.BigIntegerField()  # rupiah per period

    class Meta:
        ordering = ["entitlement", "id"]

    def __str__(self) -> str:
        return f"{self.entitlement_id}:{self.nik}:{self.component}"


class ApprovalTier(models.Model):
    """A cycle whose total is above `above` rupiah needs, besides its first approval, a second approver of at least
    `level` (accounts.User.approval_level). Set by an administrator (`salur cycle tier`); none by default."""

    program = models.ForeignKey(
        "programs.Program", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # empty: every program
    above = models.BigIntegerField("Di atas total (rupiah)")
    level = models.PositiveSmallIntegerField("Tingkat penyetuju kedua")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["above", "id"]

    def __str__(self) -> str:
        return f"> Rp{self.above}: tingkat {self.level}"
