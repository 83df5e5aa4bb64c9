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


class CrosscheckKind(models.TextChoices):
    ASN = "ASN", "ASN"
    TNI_POLRI = "TNI_POLRI", "TNI/Polri"
    MENINGGAL = "MENINGGAL", "Meninggal"


LIST_FLAG = {
    ListKind.ASN: CrosscheckKind.ASN,
    ListKind.TNI_POLRI: CrosscheckKind.TNI_POLRI,
    ListKind.KEMATIAN: CrosscheckKind.MENINGGAL,
}


class CrosscheckFlag(models.Model):
    """A member found on an active reference list (by NIK, or by a reviewer confirming a name match).

    Kept here, not in Member.flags, which every registry import rewrites. Rebuilt set-based after each list load
    and import (`crosscheck_flags_refresh`); confirmed name matches are kept across rebuilds of the same version.
    """

    member = models.ForeignKey("registry.Member", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=CrosscheckKind.choices)
    reference_list = models.ForeignKey(ReferenceList, on_delete=models.CASCADE, related_name="+")
    by_nik = models.BooleanField(default=True)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "kind"], name="ccflag_member_kind")]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.kind}"


class ListRowCandidate(models.Model):
    """A list row without a valid NIK (or with a NIK not in the registry) and a member it may be, for review."""

    class Status(models.TextChoices):
        OPEN = "baru", "Menunggu tinjauan"
        CONFIRMED = "dikonfirmasi", "Dikonfirmasi"
        DISMISSED = "ditolak", "Bukan orang yang sama"

    reference_list = models.ForeignKey(ReferenceList, on_delete=models.CASCADE, related_name="candidates")
    baris = models.PositiveIntegerField()
    nik_list = models.CharField(max_length=40, blank=True, default="")
    nama = models.CharField(max_length=100, blank=True, default="")
    tanggal_lahir = models.DateField(null=True, blank=True)
    kode_wilayah = models.CharField(max_length=10, blank=True, default="")
    member = models.ForeignKey("registry.Member", on_delete=models.CASCADE, related_name="+")
    kode_wilayah_member = models.CharField(max_length=10)
    alasan = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reference_list_id", "baris", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["reference_list", "baris", "member"], name="listcand_row_member")
        ]

    def __str__(self) -> str:
        return f"{self.reference_list_id}:{self.baris}->{self.member_id}"


class DedupRun(models.Model):
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(db_default=Now())
    finished_at = models.DateTimeField(null=True, blank=True)
    persons = models.PositiveIntegerField(default=0)
    compared_pairs = models.BigIntegerField(default=0)
    person_pairs = models.PositiveIntegerField(default=0)
    household_pairs = models.PositiveIntegerField(default=0)
    new_pairs = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    threshold = models.FloatField(default=0)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"dedup #{self.pk}"


class PairKind(models.TextChoices):
    PERSON = "orang", "Orang"
    HOUSEHOLD = "keluarga", "Keluarga"


class DuplicatePair(models.Model):
    """A candidate duplicate: two members (kind orang) or two households (kind keluarga), a < b by id.

    `fingerprint` digests the compared fields of both records when the pair was last scored: a dismissed pair is
    reopened by a later run only when it changed (the records were edited), never otherwise.
    """

    class Status(models.TextChoices):
        OPEN = "baru", "Menunggu tinjauan"
        MERGED = "digabung", "Digabung (duplikat)"
        DISMISSED = "ditolak", "Bukan duplikat"

    kind = models.CharField(max_length=8, choices=PairKind.choices)
    member_a = models.ForeignKey("registry.Member", null=True, on_delete=models.CASCADE, related_name="+")
    member_b = models.ForeignKey("registry.Member", null=True, on_delete=models.CASCADE, related_name="+")
    household_a = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    household_b = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    wilayah_a = models.CharField(max_length=10)
    wilayah_b = models.CharField(max_length=10)
    skor = models.FloatField()
    alasan = models.CharField(max_length=400)
    metode = models.CharField(max_length=10, default="splink")
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    first_run = models.ForeignKey(DedupRun, on_delete=models.PROTECT, related_name="+")
    last_run = models.ForeignKey(DedupRun, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-skor", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member_a", "member_b"], condition=models.Q(kind="orang"), name="duppair_members"
            ),
            models.UniqueConstraint(
                fields=["household_a", "household_b"],
                condition=models.Q(kind="keluarga"),
                name="duppair_households",
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="duppair_status_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.status})"


class MergeRecord(models.Model):
    """A record a confirmed merge marked duplicate: left out of future cycles and duplicate runs.

    The registry's history is append-only, so "moving history" is a link: the kept record's page shows the
    history of every record merged into it.
    """

    pair = models.ForeignKey(DuplicatePair, on_delete=models.PROTECT, related_name="merges")
    member = models.OneToOneField(
        "registry.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    household = models.OneToOneField(
        "registry.Household", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    merged_into_member = models.ForeignKey(
        "registry.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    merged_into_household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(db_default=Now())
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"merge {self.pk}"


class QualitySnapshot(models.Model):
    """Quality figures of one kabupaten/kota at one moment (after an import, or on request): the trend."""

    taken_at = models.DateTimeField(db_default=Now())
    job = models.ForeignKey(
        "registry.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kode_wilayah = models.CharField(max_length=10)
    figures = models.JSONField()

    class Meta:
        ordering = ["taken_at", "id"]
        indexes = [models.Index(fields=["kode_wilayah", "taken_at"], name="qsnap_region_time")]

    def __str__(self) -> str:
        return f"{self.kode_wilayah} {self.taken_at}"
