"""Pengaduan (grievances), usul (proposals) and sanggah (disputes) from the public and from the field.

A grievance is routed to the unit responsible for its region (Dinsos kabupaten/kota, then provinsi, then Kemensos
pusat), never to the worker it names; each category has a service-level agreement (SLA) in days, and a grievance
still open after its due date climbs to the next level (`salur grievances escalate`). Usul and sanggah land in the
verification queue of the responsible Dinsos. Every item carries a tracking number that the citizen uses to follow
it; the number is random (not a sequence), so it cannot be guessed from another one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class Category(models.TextChoices):
    # domain.md section 6: what goes wrong in the field
    KARTU = "kartu", "Kartu KKS rusak, hilang atau terblokir"
    SALDO_KOSONG = "saldo_kosong", "Saldo kosong"
    TIDAK_DITERIMA = "tidak_diterima", "Bantuan tidak diterima"
    NOMINAL_KURANG = "nominal_kurang", "Jumlah bantuan kurang"
    KUALITAS_BARANG = "kualitas_barang", "Kualitas atau kelengkapan barang"
    SALAH_SASARAN = "salah_sasaran", "Salah sasaran"
    PUNGLI = "pungli", "Pungutan atau potongan (pungli)"
    DATA_SALAH = "data_salah", "Data pribadi salah"
    LAINNYA = "lainnya", "Lainnya"


# SLA in days per category. Levies and cuts first (money taken from a KPM, and a worker may be involved), then
# what stops a family from being paid; data corrections and targeting need a home visit (verval).
SLA_DAYS: dict[str, int] = {
    Category.PUNGLI: 3,
    Category.KARTU: 5,
    Category.SALDO_KOSONG: 5,
    Category.TIDAK_DITERIMA: 7,
    Category.NOMINAL_KURANG: 10,
    Category.KUALITAS_BARANG: 7,
    Category.SALAH_SASARAN: 14,
    Category.DATA_SALAH: 14,
    Category.LAINNYA: 14,
}


class Channel(models.TextChoices):
    WEB = "web", "Web (cek bansos)"
    SLRT = "slrt", "Loket SLRT/Puskesos"
    PENDAMPING = "pendamping", "Melalui pendamping"
    TELEPON = "telepon", "Telepon"
    VERIFIKASI = "verifikasi", "Verifikasi pembayaran"
    API = "api", "API"


class Status(models.TextChoices):
    BARU = "baru", "Baru"
    DIPROSES = "diproses", "Sedang diproses"
    SELESAI = "selesai", "Selesai"
    DITOLAK = "ditolak", "Ditolak"


OPEN_STATUSES = (Status.BARU, Status.DIPROSES)


class Tier(models.IntegerChoices):
    """The level of the unit that holds an item; escalation climbs one tier."""

    KAB = 1, "Dinsos kabupaten/kota"
    PROV = 2, "Dinsos provinsi"
    PUSAT = 3, "Kemensos pusat"


class Grievance(models.Model):
    tracking_no = models.CharField("Nomor lacak", max_length=20, unique=True)
    category = models.CharField("Kategori", max_length=20, choices=Category.choices)
    channel = models.CharField("Saluran", max_length=12, choices=Channel.choices)
    wilayah = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, db_column="kode_wilayah", related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("Uraian")
    reporter_name = models.CharField(max_length=100, blank=True, default="")
    reporter_contact = models.CharField(max_length=100, blank=True, default="")
    # The worker the complaint is about: never routed to, never shown the item, never assigned.
    named_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The complainant says the complaint is about a field worker without naming one (public form): the item
    # starts one level up, away from the unit the worker belongs to.
    about_worker = models.BooleanField(default=False)
    source_ref = models.CharField(max_length=100, blank=True, default="")
    attachment = models.FileField(upload_to="grievances/%Y/%m/", blank=True, default="")
    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="grievances"
    )
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.KAB)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BARU)
    due_at = models.DateTimeField("Batas waktu")
    escalations = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField("Catatan penyelesaian", blank=True, default="")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="grievance_status_due"),
            models.Index(fields=["unit", "status"], name="grievance_unit_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(assignee=models.F("named_worker")) | models.Q(assignee__isnull=True),
                name="grievance_not_assigned_to_named_worker",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_no

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class SubmissionKind(models.TextChoices):
    USUL = "usul", "Usul"
    SANGGAH = "sanggah", "Sanggah"


class Relation(models.TextChoices):
    SENDIRI = "sendiri", "Diri sendiri"
    KELUARGA = "keluarga", "Keluarga"
    ORANG_LAIN = "orang_lain", "Orang lain"


class SanggahReason(models.TextChoices):
    MAMPU = "mampu", "Keluarga mampu (tidak layak)"
    ASN = "asn", "Anggota keluarga ASN, TNI atau Polri"
    MENINGGAL = "meninggal", "Penerima sudah meninggal"
    PINDAH = "pindah", "Sudah pindah atau tidak dikenal"
    GANDA = "ganda", "Terdaftar ganda"
    LAINNYA = "lainnya", "Lainnya"


class SubmissionStatus(models.TextChoices):
    DITERIMA = "diterima", "Diterima, menunggu verifikasi"
    VERIFIKASI = "verifikasi", "Sedang diverifikasi"
    DISETUJUI = "disetujui", "Disetujui"
    DITOLAK = "ditolak", "Ditolak"


OPEN_SUBMISSION_STATUSES = (SubmissionStatus.DITERIMA, SubmissionStatus.VERIFIKASI)


class Submission(models.Model):
    """A citizen's usul (propose a household) or sanggah (dispute a named recipient)."""

    tracking_no = models.CharField("Nomor lacak", max_length=20, unique=True)
    kind = models.CharField(max_length=8, choices=SubmissionKind.choices)
    wilayah = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, db_column="kode_wilayah", related_name="+"
    )
    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.WEB)
    reporter_name = models.CharField(max_length=100, blank=True, default="")
    reporter_contact = models.CharField(max_length=100, blank=True, default="")
    # usul: the proposed household as the citizen describes it
    relation = models.CharField(max_length=12, choices=Relation.choices, blank=True, default="")
    no_kk = models.CharField("Nomor KK", max_length=16, blank=True, default="")
    nama_kepala = models.CharField("Nama kepala keluarga", max_length=100, blank=True, default="")
    alamat = models.CharField(max_length=200, blank=True, default="")
    jumlah_anggota = models.PositiveSmallIntegerField(null=True, blank=True)
    # sanggah: the disputed recipient household
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=12, choices=SanggahReason.choices, blank=True, default="")
    text = models.TextField("Uraian")
    # A photo or PDF from the citizen (checked like a grievance's: type by its first bytes, at most 2 MB); staff
    # download it through a scoped, audited view, never from a public media URL.
    attachment = models.FileField(upload_to="submissions/%Y/%m/", blank=True, default="")
    # usul approved: the enrolment proposal (usulan) it became in salur.enrolment
    enrolment = models.ForeignKey(
        "enrolment.Enrolment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=SubmissionStatus.choices, default=SubmissionStatus.DITERIMA
    )
    outcome = models.TextField("Hasil verifikasi", blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["unit", "status"], name="submission_unit_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="usul") | models.Q(household__isnull=False),
                name="sanggah_names_a_household",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_no
