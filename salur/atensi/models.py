"""ATENSI case management (Permensos 7/2021 as amended by 7/2022): intake or referral -> asesmen -> rencana
intervensi -> pelaksanaan -> monitoring -> terminasi, each step dated and done by a responsible social worker.

A case belongs to the Sentra that handles it (`unit`) and to the region of the person's household (`kode_wilayah`):
only that Sentra's staff, within their service area, see it (selectors.case_visible_q). Aid delivered in an
in-kind distribution links back here through `distribution.EventRecipient.case`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class Stage(models.TextChoices):
    INTAKE = "intake", "Intake / rujukan"
    ASESMEN = "asesmen", "Asesmen"
    RENCANA = "rencana", "Rencana intervensi"
    PELAKSANAAN = "pelaksanaan", "Pelaksanaan"
    MONITORING = "monitoring", "Monitoring dan evaluasi"
    TERMINASI = "terminasi", "Terminasi"


STAGE_ORDER = [s.value for s in Stage]


class ReferralSource(models.TextChoices):
    SLRT = "slrt", "SLRT"
    DINSOS = "dinsos", "Dinas Sosial"
    MASYARAKAT = "masyarakat", "Laporan masyarakat"
    SENTRA = "sentra", "Penjangkauan Sentra"


class Cluster(models.TextChoices):
    ANAK = "anak", "Anak"
    DISABILITAS = "disabilitas", "Penyandang disabilitas"
    LANSIA = "lansia", "Lanjut usia"
    TUNA_SOSIAL = "tuna_sosial", "Tuna sosial dan korban perdagangan orang"
    NAPZA = "napza", "Korban penyalahgunaan NAPZA"
    BENCANA = "bencana", "Korban bencana"
    LAINNYA = "lainnya", "PPKS lainnya"


class SupportForm(models.TextChoices):
    """The seven forms of ATENSI support (Permensos 7/2021 art. 7)."""

    HIDUP_LAYAK = "hidup_layak", "1. Pemenuhan hidup layak"
    PERAWATAN = "perawatan", "2. Perawatan sosial / pengasuhan anak"
    DUKUNGAN_KELUARGA = "dukungan_keluarga", "3. Dukungan keluarga"
    TERAPI = "terapi", "4. Terapi fisik, psikososial, mental spiritual"
    VOKASIONAL = "vokasional", "5. Pelatihan vokasional dan pembinaan kewirausahaan"
    BANSOS = "bansos", "6. Bantuan sosial dan asistensi sosial"
    AKSESIBILITAS = "aksesibilitas", "7. Dukungan aksesibilitas"


class Domain(models.TextChoices):
    FISIK = "fisik", "Fisik dan kesehatan"
    PSIKOSOSIAL = "psikososial", "Psikososial"
    EKONOMI = "ekonomi", "Ekonomi dan penghidupan"
    KELUARGA = "keluarga", "Keluarga dan pengasuhan"
    AKSESIBILITAS = "aksesibilitas", "Aksesibilitas dan alat bantu"
    PENDIDIKAN = "pendidikan", "Pendidikan"


class Case(models.Model):
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    kode_wilayah = models.CharField(max_length=10)  # the household's desa when the case was opened
    cluster = models.CharField(max_length=12, choices=Cluster.choices)
    referral_source = models.CharField("Sumber rujukan", max_length=12, choices=ReferralSource.choices)
    referral_note = models.CharField("Keterangan rujukan", max_length=500, blank=True, default="")
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.INTAKE)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="atensi_cases"
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    termination_reason = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(stage="terminasi") | models.Q(closed_on__isnull=False),
                name="case_terminated_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"ATENSI-{self.pk:06d}" if self.pk else "ATENSI-baru"

    @property
    def nomor(self) -> str:
        return str(self)


class CaseStep(models.Model):
    """The case's path through the stages: who moved it to which stage and on which date."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    tanggal = models.DateField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["case", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "stage"], name="casestep_once_per_stage")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.stage}"


class Assessment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    domain = models.CharField(max_length=14, choices=Domain.choices)
    need = models.CharField("Kebutuhan", max_length=500)
    severity = models.PositiveSmallIntegerField("Tingkat (1 ringan - 3 berat)")
    tanggal = models.DateField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=3), name="assessment_sev_1_3"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.domain}"


class PlanItem(models.Model):
    """One line of the intervention plan: a support form and its goal."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plan_items")
    support_form = models.CharField(max_length=20, choices=SupportForm.choices)
    goal = models.CharField("Tujuan", max_length=500)
    target_date = models.DateField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.support_form}"


class ServiceKind(models.TextChoices):
    GOODS = "barang", "Barang (penyaluran)"
    CASH = "tunai", "Bantuan tunai"
    SERVICE = "layanan", "Layanan / terapi"


class ServiceDelivery(models.Model):
    """Pelaksanaan: a service or aid delivered under a plan line. Goods handed over at a distribution event are
    linked through the event recipient; cash carries its amount."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    plan_item = models.ForeignKey(PlanItem, on_delete=models.PROTECT, related_name="services")
    kind = models.CharField(max_length=8, choices=ServiceKind.choices)
    description = models.CharField(max_length=500)
    tanggal = models.DateField()
    nominal = models.BigIntegerField(default=0)  # rupiah, for cash and valued goods
    event_recipient = models.ForeignKey(
        "distribution.EventRecipient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(nominal__gte=0), name="service_nominal_gte_0")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}"


class MonitoringNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="monitoring_notes")
    tanggal = models.DateField()
    progress = models.CharField("Perkembangan", max_length=500)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.tanggal}"
