"""The social registry: households (KK) and their members (NIK).

Fields mirror the exchange format (contract: registry-exchange.md) so that export -> import reproduces the
registry. Flags are stored as a sorted, comma-separated list of the contract's flag codes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from salur.registry import schema


class DesilSource(models.TextChoices):
    SUPPLIED = "supplied", "Dari data (DTSEN)"
    COMPUTED = "computed", "Dihitung Salur (PMT)"


class Household(models.Model):
    no_kk = models.CharField("Nomor KK", max_length=16, unique=True)
    wilayah = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        db_column="kode_wilayah",
        related_name="households",
        # Checked set-based (core/setfk.py, installed by migration 0004): a foreign key would check every imported
        # household one by one (about 1.8 s per 250,000). One index serves both equality and prefix (LIKE '3325%')
        # lookups: Meta.indexes.
        db_constraint=False,
        db_index=False,
    )
    alamat = models.CharField(max_length=200, blank=True, default="")
    rt = models.CharField(max_length=3, blank=True, default="")
    rw = models.CharField(max_length=3, blank=True, default="")
    luas_lantai_m2 = models.FloatField()
    jenis_lantai = models.CharField(max_length=20, choices=schema.choices(schema.JENIS_LANTAI))
    jenis_dinding = models.CharField(max_length=20, choices=schema.choices(schema.JENIS_DINDING))
    jenis_atap = models.CharField(max_length=20, choices=schema.choices(schema.JENIS_ATAP))
    sumber_air_minum = models.CharField(max_length=24, choices=schema.choices(schema.SUMBER_AIR_MINUM))
    sumber_penerangan = models.CharField(max_length=24, choices=schema.choices(schema.SUMBER_PENERANGAN))
    bahan_bakar_memasak = models.CharField(max_length=20, choices=schema.choices(schema.BAHAN_BAKAR_MEMASAK))
    fasilitas_bab = models.CharField(max_length=20, choices=schema.choices(schema.FASILITAS_BAB))
    status_rumah = models.CharField(max_length=20, choices=schema.choices(schema.STATUS_RUMAH))
    daya_listrik_va = models.PositiveIntegerField()
    aset_kulkas = models.BooleanField()
    aset_motor = models.BooleanField()
    aset_mobil = models.BooleanField()
    aset_ac = models.BooleanField()
    aset_emas = models.BooleanField()
    aset_lahan = models.BooleanField()
    bank = models.CharField(max_length=10, blank=True, default="", choices=schema.choices(schema.BANKS))
    no_rekening = models.CharField(max_length=16, blank=True, default="")
    desil = models.PositiveSmallIntegerField(null=True, blank=True)
    desil_sumber = models.CharField(max_length=10, blank=True, default="", choices=DesilSource.choices)
    pmt_skor = models.FloatField(null=True, blank=True)
    pengeluaran_per_kapita = models.BigIntegerField(null=True, blank=True)
    tanggal_pendataan = models.DateField()
    flags = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())
    # The import that created the row (its creation record: who, when, from which files); None when created
    # in the web or the API, whose creation is a RegistryChange row.
    created_job = models.ForeignKey(
        "registry.ImportJob",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        # A soft reference: the job row is written before the import starts and never deleted; a database
        # constraint here would cost one deferred check per imported row at commit.
        db_constraint=False,
    )

    class Meta:
        ordering = ["no_kk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(desil__isnull=True) | models.Q(desil__gte=1, desil__lte=10),
                name="household_desil_1_10",
            ),
            models.CheckConstraint(condition=models.Q(luas_lantai_m2__gte=0), name="household_luas_gte_0"),
        ]
        # varchar_pattern_ops compares bytes: it serves `=` and the region-prefix scoping (LIKE '3325%') alike, where
        # Django's default would build two indexes (a plain one and a `_like` one) for the same column.
        indexes = [
            models.Index(fields=["wilayah"], name="household_wilayah", opclasses=["varchar_pattern_ops"])
        ]

    def __str__(self) -> str:
        return self.no_kk

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]


class Member(models.Model):
    # Unique through Meta.constraints: one index for equality, uniqueness and prefix search.
    nik = models.CharField("NIK", max_length=16)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    nama = models.CharField(max_length=100)
    jenis_kelamin = models.CharField(max_length=1, choices=schema.choices(schema.JENIS_KELAMIN))
    tempat_lahir = models.CharField(max_length=100, blank=True, default="")
    tanggal_lahir = models.DateField()
    hubungan = models.CharField(max_length=20, choices=schema.choices(schema.HUBUNGAN))
    status_kawin = models.CharField(max_length=20, choices=schema.choices(schema.STATUS_KAWIN))
    pendidikan = models.CharField(max_length=20, choices=schema.choices(schema.PENDIDIKAN))
    sekolah = models.CharField(max_length=10, blank=True, default="", choices=schema.choices(schema.SEKOLAH))
    pekerjaan = models.CharField(max_length=20, choices=schema.choices(schema.PEKERJAAN))
    disabilitas = models.CharField(max_length=10, choices=schema.choices(schema.DISABILITAS))
    hamil = models.BooleanField()
    nama_ibu = models.CharField(max_length=100, blank=True, default="")
    # Row number of this person in the anggota.csv it was last imported from: the order of the family as the
    # file lists it (the contract's "first listed" tie-break, e.g. two heads). Empty for people added in the web.
    urutan = models.PositiveIntegerField(null=True, blank=True)
    flags = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())
    created_job = models.ForeignKey(
        "registry.ImportJob",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        # A soft reference: the job row is written before the import starts and never deleted; a database
        # constraint here would cost one deferred check per imported row at commit.
        db_constraint=False,
    )

    class Meta:
        ordering = ["household_id", "id"]
        constraints = [
            # One unique index in byte order (varchar_pattern_ops) instead of Django's two for a unique text column
            # (a unique constraint in the database's collation plus a `_like` index for LIKE): it serves lookups by
            # NIK, NIK prefixes (LIKE '3325%') and the uniqueness, and a national import builds it in a third less
            # time (no locale-aware comparisons). Nothing orders members by NIK in the database.
            models.UniqueConstraint(
                fields=["nik"], name="member_nik_unique", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.nik

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]


class Source(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    CLI = "cli", "CLI"
    TASK = "task", "Tugas latar"


class RegistryChange(models.Model):
    """History of every change to a household or member: who, when, what, before and after.

    A row created by a bulk import carries its creation on itself (`created_job`, `created_at`: who, when and
    from which files; the row as created is the `before` of its first update, or the current row), so an
    import of a million rows does not write a million history rows; every update is a row here with its full
    before and after.
    """

    ENTITY_CHOICES = [("household", "Keluarga"), ("member", "Anggota")]
    ACTION_CHOICES = [("create", "dibuat"), ("update", "diubah"), ("delete", "dihapus")]

    at = models.DateTimeField(db_default=Now())
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    job = models.ForeignKey("registry.ImportJob", null=True, on_delete=models.PROTECT, related_name="+")
    entity = models.CharField(max_length=10, choices=ENTITY_CHOICES)
    key = models.CharField(max_length=16)  # indexed with entity below
    action = models.CharField(max_length=8, choices=ACTION_CHOICES)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["entity", "key"], name="regchange_entity_key")]

    def __str__(self) -> str:
        return f"{self.entity} {self.key} {self.action}"


class ImportJob(models.Model):
    """A registry import, run by the CLI in the foreground or by the web as a background task."""

    class Status(models.TextChoices):
        QUEUED = "antri", "Menunggu"
        RUNNING = "berjalan", "Berjalan"
        DONE = "selesai", "Selesai"
        FAILED = "gagal", "Gagal"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())
    finished_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=100, blank=True, default="")
    progress = models.PositiveSmallIntegerField(default=0)
    keluarga_path = models.CharField(max_length=500)
    anggota_path = models.CharField(max_length=500)
    keluarga_name = models.CharField(max_length=200, blank=True, default="")
    anggota_name = models.CharField(max_length=200, blank=True, default="")
    rejects_path = models.CharField(max_length=500, blank=True, default="")
    summary = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"impor #{self.pk} ({self.status})"
