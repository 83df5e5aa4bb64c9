"""The Kemendagri region tree (wilayah), codes stored without dots."""

from __future__ import annotations

from django.db import models


class Level(models.IntegerChoices):
    PROVINSI = 1, "Provinsi"
    KABUPATEN_KOTA = 2, "Kabupaten/Kota"
    KECAMATAN = 3, "Kecamatan"
    DESA_KELURAHAN = 4, "Desa/Kelurahan"


class Region(models.Model):
    """One node of the 2025 tree. `kode` is 2, 4, 6 or 10 digits (PP, PPKK, PPKKCC, PPKKCCDDDD).

    The ancestors' codes are denormalised so that "all desa of a kabupaten" is one indexed equality query.
    """

    kode = models.CharField(max_length=10, primary_key=True)
    nama = models.CharField(max_length=120, db_index=True)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    induk = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="anak")
    kode_prov = models.CharField(max_length=2, db_index=True)
    kode_kab = models.CharField(max_length=4, blank=True, db_index=True)
    kode_kec = models.CharField(max_length=6, blank=True, db_index=True)

    class Meta:
        ordering = ["kode"]
        indexes = [models.Index(fields=["level", "kode_kab"], name="region_level_kab")]

    def __str__(self) -> str:
        return f"{self.kode} {self.nama}"

    @property
    def kode_bertitik(self) -> str:
        """The dotted form used by Kemendagri (33.25.01.2001)."""
        return dotted(self.kode)


class HistoricalKecamatan(models.Model):
    """Kecamatan codes of 2016-2023 absent from the 2025 list: a NIK may still start with one (domain 4)."""

    kode = models.CharField(max_length=6, primary_key=True)
    nama = models.CharField(max_length=120)
    ada_sejak = models.PositiveSmallIntegerField()
    ada_hingga = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["kode"]

    def __str__(self) -> str:
        return f"{self.kode} {self.nama} ({self.ada_sejak}-{self.ada_hingga})"


def undotted(code: str) -> str:
    return code.strip().replace(".", "")


def dotted(code: str) -> str:
    c = undotted(code)
    parts = [c[0:2], c[2:4], c[4:6], c[6:10]]
    return ".".join(p for p in parts if p)
