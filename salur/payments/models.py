"""Payments of approved cycles, their export files, the banks' status files and payment verification
(contract: programs-and-payments.md, "Payment file", "Status file").

A `Payment` is one transfer to one household for one program and period. The database allows at most one *live*
payment (MENUNGGU or DIBAYAR) per program, period and household (`payment_once_per_program_period`): a follow-up
batch can re-issue a failed or unclaimed payment, but nobody is ever paid twice. Each row carries an HMAC over its
essential fields (`signature`, key SALUR_PAYMENT_KEY), so a row altered after export, in the database or in a file,
is detected (payments/signing.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class PaymentStatus(models.TextChoices):
    MENUNGGU = "MENUNGGU", "Menunggu"
    DIBAYAR = "DIBAYAR", "Dibayar"
    GAGAL = "GAGAL", "Gagal"
    TIDAK_DIAMBIL = "TIDAK_DIAMBIL", "Tidak diambil"


LIVE_STATUSES = (PaymentStatus.MENUNGGU, PaymentStatus.DIBAYAR)
FAILED_STATUSES = (PaymentStatus.GAGAL, PaymentStatus.TIDAK_DIAMBIL)


class PaymentBatch(models.Model):
    """Batch 1 holds a cycle's payments; batches 2.. re-issue failed and unclaimed ones (susulan)."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="batches")
    number = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())
    approved_at = models.DateTimeField(null=True, blank=True)  # batch 1: approved with its cycle
    exported_at = models.DateTimeField(null=True, blank=True)
    payments = models.PositiveIntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "number"]
        constraints = [models.UniqueConstraint(fields=["cycle", "number"], name="batch_number_per_cycle")]

    def __str__(self) -> str:
        return f"{self.cycle_id} #{self.number}"

    @property
    def suffix(self) -> str:
        """'' for the first batch, '_susulan2' for the second, ... (file names)."""
        return "" if self.number == 1 else f"_susulan{self.number}"


class Payment(models.Model):
    id_pembayaran = models.CharField(max_length=40)
    # The relations below are checked set-based by triggers (core/setfk.py, migration 0002), not row by row.
    # One index (cycle, batch) serves both relations: queries by batch name its cycle as well.
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    cycle = models.ForeignKey(
        "cycles.Cycle", on_delete=models.PROTECT, related_name="payments", db_constraint=False, db_index=False
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    program_code = models.CharField(max_length=20)
    period = models.CharField(max_length=10)
    no_kk = models.CharField(max_length=16)
    nik_penerima = models.CharField(max_length=16)
    nama_penerima = models.CharField(max_length=100)
    kode_wilayah = models.CharField(max_length=10)
    channel = models.CharField(max_length=10)
    bank = models.CharField(max_length=10, blank=True, default="")
    no_rekening = models.CharField(max_length=16, blank=True, default="")
    nominal = models.BigIntegerField()
    signature = models.CharField(max_length=64)
    status = models.CharField(max_length=14, choices=PaymentStatus.choices, default=PaymentStatus.MENUNGGU)
    status_date = models.DateField(null=True, blank=True)
    paid_amount = models.BigIntegerField(default=0)
    keterangan = models.CharField(max_length=200, blank=True, default="")
    # MENUNGGU or DIBAYAR, kept by the database. The uniqueness of live payments reads this column instead of
    # `status`, so that the common change MENUNGGU -> DIBAYAR leaves every indexed column as it was and PostgreSQL
    # can update the row in place (a HOT update, with the table's fillfactor leaving room: migration 0003).
    live = models.GeneratedField(
        expression=models.Q(status__in=["MENUNGGU", "DIBAYAR"]),  # type: ignore[arg-type]
        output_field=models.BooleanField(),
        db_persist=True,
    )
    status_import = models.ForeignKey(
        "payments.StatusImport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        ordering = ["id_pembayaran"]
        constraints = [
            models.UniqueConstraint(
                fields=["program_code", "period", "household"],
                condition=models.Q(live=True),
                name="payment_once_per_program_period",
            ),
            # Also unique per batch and household: the id is "<cycle>-<batch>-<household>".
            models.UniqueConstraint(fields=["id_pembayaran"], name="payment_id_pembayaran_unique"),
            models.CheckConstraint(condition=models.Q(nominal__gt=0), name="payment_nominal_gt_0"),
        ]
        indexes = [models.Index(fields=["cycle", "batch"], name="payment_cycle_batch")]

    def __str__(self) -> str:
        return self.id_pembayaran


class ExportFile(models.Model):
    """A payment file as written: what `verify-file` and a re-export compare against."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="files")
    channel = models.CharField(max_length=10)
    file_name = models.CharField(max_length=200)
    rows = models.PositiveIntegerField()
    total = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["batch", "channel"]
        constraints = [models.UniqueConstraint(fields=["batch", "channel"], name="exportfile_batch_channel")]

    def __str__(self) -> str:
        return self.file_name


class StatusImport(models.Model):
    """One status file applied (a file is recognised by its sha256: importing it again changes nothing)."""

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(db_default=Now())
    rows_read = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=dict)  # {CODE: rows}

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return self.file_name


class StatusProblem(models.Model):
    """A status-file row that was not applied, with its reason (never lost)."""

    status_import = models.ForeignKey(StatusImport, on_delete=models.CASCADE, related_name="problem_rows")
    cycle = models.ForeignKey(
        "cycles.Cycle", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    line = models.PositiveIntegerField()
    id_pembayaran = models.CharField(max_length=100, blank=True, default="")
    code = models.CharField(max_length=30)
    detail = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["status_import", "line"]
        indexes = [models.Index(fields=["cycle", "code"], name="statusproblem_cycle_code")]

    def __str__(self) -> str:
        return f"{self.line}:{self.code}"


class VerificationSample(models.Model):
    """Post-distribution monitoring: a random sample of a cycle's paid recipients."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.PROTECT, related_name="samples")
    confidence = models.FloatField()  # e.g. 0.95
    margin = models.FloatField()  # e.g. 0.05
    proportion = models.FloatField(default=0.5)
    stratify = models.CharField(max_length=10, blank=True, default="")  # "", "provinsi", "kabupaten"
    population = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.cycle_id} n={self.size}"


class VerificationAnswer(models.TextChoices):
    DITERIMA = "diterima", "Diterima penuh"
    TIDAK_DITERIMA = "tidak_diterima", "Tidak diterima"
    KURANG = "kurang", "Diterima kurang"


class VerificationItem(models.Model):
    sample = models.ForeignKey(VerificationSample, on_delete=models.PROTECT, related_name="items")
    # Checked set-based (core/setfk.py): payments are partitioned by cycle on PostgreSQL (core/partitions.py).
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    stratum = models.CharField(max_length=10, blank=True, default="")
    answer = models.CharField(max_length=16, blank=True, default="", choices=VerificationAnswer.choices)
    amount_received = models.BigIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    follow_up = models.CharField(max_length=40, blank=True, default="")  # grievance tracking number

    class Meta:
        ordering = ["sample", "id"]
        constraints = [models.UniqueConstraint(fields=["sample", "payment"], name="verification_once")]

    def __str__(self) -> str:
        return f"{self.sample_id}:{self.payment_id}"
