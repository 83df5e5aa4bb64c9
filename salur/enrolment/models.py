"""Enrolment (kepesertaan): a household's membership of a program and the steps that make and change it.

The workflow (docs/enrolment.md; domain.md 2.3): usulan (a desa or Dinsos proposes a household for a program) ->
verifikasi (Dinsos records the result of a home visit) -> penetapan (a central user fixes a list by a decision
with its SK number). After penetapan a household is `aktif`; it can be suspended (`ditangguhkan`), reinstated, or
leave the program (`keluar`) with an exit reason (alamiah, mandiri, paksa), each by a request of one user confirmed
by another (`StatusChange`).

One `Enrolment` per household and program holds the current state; `Proposal`, `Verification`, `Decision`,
`StatusChange` keep every step, and `EnrolmentEvent` the history of the household page. Invariants live in the
database: one enrolment per household and program, an exit reason exactly when the status is keluar, a status
other than calon only after penetapan, one pending status change per enrolment.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now


class EnrolmentStatus(models.TextChoices):
    CALON = "calon", "Calon"
    AKTIF = "aktif", "Aktif"
    DITANGGUHKAN = "ditangguhkan", "Ditangguhkan"
    KELUAR = "keluar", "Keluar"


class ExitReason(models.TextChoices):
    # domain.md 3 (PKH): graduation
    ALAMIAH = "alamiah", "Alamiah (tidak ada lagi komponen/syarat yang memenuhi)"
    MANDIRI = "mandiri", "Mandiri (keluarga menyatakan diri mampu)"
    PAKSA = "paksa", "Paksa (tidak memenuhi komitmen atau terbukti mampu)"


class EnrolmentStep(models.TextChoices):
    """Where a candidate stands in usulan -> verifikasi -> penetapan."""

    DIUSULKAN = "diusulkan", "Diusulkan, menunggu verifikasi"
    TERVERIFIKASI = "terverifikasi", "Layak, menunggu penetapan"
    TIDAK_LAYAK = "tidak_layak", "Tidak layak (hasil verifikasi)"
    DITETAPKAN = "ditetapkan", "Ditetapkan (SK)"


class ProposalSource(models.TextChoices):
    DESA = "desa", "Desa/kelurahan"
    DINSOS = "dinsos", "Dinas Sosial"
    PUSAT = "pusat", "Kemensos pusat"


class VerificationResult(models.TextChoices):
    LAYAK = "layak", "Layak"
    TIDAK_LAYAK = "tidak_layak", "Tidak layak"


class ChangeKind(models.TextChoices):
    TANGGUHKAN = "tangguhkan", "Tangguhkan"
    PULIHKAN = "pulihkan", "Pulihkan (aktifkan kembali)"
    KELUAR = "keluar", "Keluarkan dari program"


class ChangeState(models.TextChoices):
    MENUNGGU = "menunggu", "Menunggu konfirmasi"
    DIKONFIRMASI = "dikonfirmasi", "Dikonfirmasi"
    DITOLAK = "ditolak", "Ditolak"


class EventKind(models.TextChoices):
    DIUSULKAN = "diusulkan", "Diusulkan"
    DIVERIFIKASI = "diverifikasi", "Diverifikasi"
    DITETAPKAN = "ditetapkan", "Ditetapkan"
    PERUBAHAN_DIMINTA = "perubahan_diminta", "Perubahan status diminta"
    PERUBAHAN_DITOLAK = "perubahan_ditolak", "Permintaan perubahan ditolak"
    DITANGGUHKAN = "ditangguhkan", "Ditangguhkan"
    DIPULIHKAN = "dipulihkan", "Dipulihkan"
    KELUAR = "keluar", "Keluar"


class Enrolment(models.Model):
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="enrolments")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(max_length=12, choices=EnrolmentStatus.choices, default=EnrolmentStatus.CALON)
    step = models.CharField(max_length=13, choices=EnrolmentStep.choices, default=EnrolmentStep.DIUSULKAN)
    exit_reason = models.CharField(max_length=8, choices=ExitReason.choices, blank=True, default="")
    status_since = models.DateField()  # date the current status began
    active_since = models.DateField(null=True, blank=True)  # date of the SK that made it aktif
    # The current round's steps (earlier rounds stay in their tables).
    proposal = models.ForeignKey(
        "enrolment.Proposal", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verification = models.ForeignKey(
        "enrolment.Verification", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.ForeignKey(
        "enrolment.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["program_id", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "program"], name="enrolment_household_program"),
            models.CheckConstraint(
                condition=(Q(status="keluar") & ~Q(exit_reason=""))
                | (~Q(status="keluar") & Q(exit_reason="")),
                name="enrolment_exit_reason_iff_keluar",
            ),
            models.CheckConstraint(
                condition=(Q(status="calon") & ~Q(step="ditetapkan"))
                | (~Q(status="calon") & Q(step="ditetapkan")),
                name="enrolment_status_after_penetapan",
            ),
        ]
        indexes = [models.Index(fields=["program", "status"], name="enrolment_program_status")]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.household_id} {self.status}"


class Proposal(models.Model):
    """Usulan: who proposed the household for the program, when, why."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="proposals")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(db_default=Now())
    source = models.CharField(max_length=6, choices=ProposalSource.choices)
    reason = models.CharField("Alasan", max_length=300)
    notes = models.TextField("Catatan", blank=True, default="")

    class Meta:
        ordering = ["proposed_at", "id"]

    def __str__(self) -> str:
        return f"usulan {self.pk} ({self.enrolment_id})"


class Verification(models.Model):
    """Verifikasi: the result of a home visit recorded by Dinsos."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="verifications")
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="verifications")
    result = models.CharField(max_length=11, choices=VerificationResult.choices)
    visit_date = models.DateField("Tanggal kunjungan")
    officer = models.CharField("Petugas kunjungan", max_length=120)
    notes = models.TextField("Catatan", blank=True, default="")
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["verified_at", "id"]
        constraints = [
            # one verification per proposal: a second opinion needs a new usulan
            models.UniqueConstraint(fields=["proposal"], name="verification_once_per_proposal"),
        ]

    def __str__(self) -> str:
        return f"verifikasi {self.pk} ({self.result})"


class Decision(models.Model):
    """Penetapan: one SK fixing a list of enrolments of one program."""

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    sk_number = models.CharField("Nomor SK", max_length=100, unique=True)
    sk_date = models.DateField("Tanggal SK")
    wilayah = models.CharField(max_length=10, blank=True, default="")  # the region filter of the list, if any
    notes = models.TextField(blank=True, default="")
    count = models.PositiveIntegerField(default=0)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(db_default=Now())
    enrolments = models.ManyToManyField(Enrolment, through="DecisionItem", related_name="decisions")

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return self.sk_number


class DecisionItem(models.Model):
    """One enrolment fixed by a decision (written set-based: INSERT ... SELECT)."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="items")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["decision_id", "enrolment_id"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "enrolment"], name="decisionitem_decision_enrolment"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id}:{self.enrolment_id}"


class StatusChange(models.Model):
    """A suspension, reinstatement or exit: requested by one user, confirmed (or refused) by another."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="status_changes")
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    exit_reason = models.CharField(max_length=8, choices=ExitReason.choices, blank=True, default="")
    note = models.TextField("Alasan/catatan")
    state = models.CharField(max_length=12, choices=ChangeState.choices, default=ChangeState.MENUNGGU)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(db_default=Now())
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"], condition=Q(state="menunggu"), name="statuschange_one_pending"
            ),
            models.CheckConstraint(
                condition=(Q(kind="keluar") & ~Q(exit_reason="")) | (~Q(kind="keluar") & Q(exit_reason="")),
                name="statuschange_exit_reason_iff_keluar",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.enrolment_id} ({self.state})"


class EnrolmentEvent(models.Model):
    """The history of an enrolment for the household page (the audit trail holds the same, hash-chained)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(db_default=Now())
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    status_before = models.CharField(max_length=12, blank=True, default="")
    status_after = models.CharField(max_length=12, blank=True, default="")
    exit_reason = models.CharField(max_length=8, blank=True, default="")
    note = models.TextField(blank=True, default="")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["enrolment_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.enrolment_id}"
