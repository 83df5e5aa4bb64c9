"""Reading the region tree: by code, by name, and whole subtrees in one query."""

from __future__ import annotations

from django.db.models import QuerySet

from salur.regions.models import Level, Region, undotted


def region_get(*, kode: str) -> Region | None:
    return Region.objects.filter(kode=undotted(kode)).first()


def region_search(
    *, nama: str, level: int | None = None, within: str = "", limit: int = 50
) -> QuerySet[Region]:
    qs = Region.objects.filter(nama__icontains=nama.strip())
    if level:
        qs = qs.filter(level=level)
    if within:
        qs = qs.filter(kode__startswith=undotted(within))
    return qs.order_by("level", "kode")[:limit]


def desa_of_kabupaten(*, kode_kab: str) -> QuerySet[Region]:
    """All desa/kelurahan of a kabupaten/kota: one indexed query."""
    return Region.objects.filter(level=Level.DESA_KELURAHAN, kode_kab=undotted(kode_kab))


def region_children(*, kode: str | None) -> QuerySet[Region]:
    if not kode:
        return Region.objects.filter(level=Level.PROVINSI)
    return Region.objects.filter(induk_id=undotted(kode))


def region_path(*, kode: str) -> list[Region]:
    """Provinsi -> ... -> the region itself."""
    c = undotted(kode)
    prefixes = [c[:n] for n in (2, 4, 6, 10) if len(c) >= n]
    return list(Region.objects.filter(kode__in=prefixes).order_by("level"))
