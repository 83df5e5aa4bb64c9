"""Santunan ahli waris: compensation for disaster victims, paid to their heirs.

A disaster (type, place, date) has victims (registry members, deceased or seriously injured); each victim has
heirs (registry members, never free text), one of whom receives the payment; a claim per victim carries the
document checklist, the amount (defaults from the SANTUNAN program's current version) and its maker-checker
approval. Approved claims are paid as a SANTUNAN cash cycle by the payments module (selectors.payable_claims).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class DisasterKind(models.TextChoices):
    KEBAKARAN = "kebakaran", "Kebakaran"
    BANJIR = "banjir", "Banjir"
    LONGSOR = "longsor", "Tanah longsor"
    GEMPA = "gempa", "Gempa bumi"
    ANGIN = "angin", "Angin puting beliung"
    LAINNYA = "lainnya", "Bencana lainnya"


class Disaster(models.Model):
    jenis = models.CharField(max_length=12, choices=DisasterKind.choices)
    wilayah = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")  # desa
    tanggal = models.DateField()
    keterangan = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-tanggal", "-id"]

    def __str__(self) -> str:
        return f"{self.get_jenis_display()} {self.tanggal:%d-%m-%Y}"


class VictimStatus(models.TextChoices):
    MENINGGAL = "meninggal", "Meninggal dunia"
    LUKA_BERAT = "luka_berat", "Luka berat"


class Victim(models.Model):
    disaster = models.ForeignKey(Disaster, on_delete=models.PROTECT, related_name="victims")
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=VictimStatus.choices)

    class Meta:
        ordering = ["disaster", "id"]
        constraints = [
            models.UniqueConstraint(fields=["disaster", "member"], name="victim_once_per_disaster")
        ]

    def __str__(self) -> str:
        return f"{self.disaster_id}:{self.member_id}:{self.status}"


class Heir(models.Model):
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="heirs")
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+")
    hubungan = models.CharField("Hubungan dengan korban", max_length=40)
    is_recipient = models.BooleanField("Penerima pembayaran", default=False)

    class Meta:
        ordering = ["victim", "id"]
        constraints = [
            models.UniqueConstraint(fields=["victim", "member"], name="heir_once_per_victim"),
            models.UniqueConstraint(
                fields=["victim"], condition=models.Q(is_recipient=True), name="heir_one_recipient_per_victim"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.victim_id}:{self.member_id}"


class ClaimStatus(models.TextChoices):
    DRAFT = "draf", "Draf (berkas belum lengkap)"
    SUBMITTED = "diajukan", "Diajukan"
    APPROVED = "disetujui", "Disetujui"
    REJECTED = "ditolak", "Ditolak"
    PAID = "dibayar", "Dibayar"


# The document checklist (domain.md: Dinsos verifies these before the SK).
DOCUMENTS: dict[str, str] = {
    "akta_kematian": "Akta kematian / surat keterangan kematian",
    "kk": "Kartu Keluarga",
    "ktp": "KTP ahli waris",
    "surat_ahli_waris": "Surat keterangan ahli waris",
}
# A seriously injured victim has no death certificate; the heir letter is replaced by a doctor's statement.
REQUIRED_DOCUMENTS: dict[str, tuple[str, ...]] = {
    VictimStatus.MENINGGAL: ("akta_kematian", "kk", "ktp", "surat_ahli_waris"),
    VictimStatus.LUKA_BERAT: ("kk", "ktp"),
}


class Claim(models.Model):
    victim = models.OneToOneField(Victim, on_delete=models.PROTECT, related_name="claim")
    nominal = models.BigIntegerField()
    akta_kematian = models.BooleanField(default=False)
    kk = models.BooleanField(default=False)
    ktp = models.BooleanField(default=False)
    surat_ahli_waris = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    kode_wilayah = models.CharField(max_length=10)  # the disaster's desa: scope of the claim
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True, default="")
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_ref = models.CharField(max_length=100, blank=True, default="")  # the cycle / payment file

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(nominal__gt=0), name="claim_nominal_gt_0"),
            models.CheckConstraint(
                condition=~models.Q(status="dibayar") | models.Q(paid_at__isnull=False),
                name="claim_paid_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"SAN-{self.pk:06d}" if self.pk else "SAN-baru"

    def missing_documents(self, status: str) -> list[str]:
        return [d for d in REQUIRED_DOCUMENTS[status] if not getattr(self, d)]
