"""Reads of the registry. Every read takes the actor and is limited to the actor's region scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from salur.core.access import can, is_national, scope_q
from salur.registry.models import Household, ImportJob, Member, RegistryChange


def households_visible_to(actor: Any) -> QuerySet[Household]:
    if not can(actor, "registry.view"):
        return Household.objects.none()
    return Household.objects.filter(scope_q(actor, "wilayah__kode"))


def members_visible_to(actor: Any) -> QuerySet[Member]:
    if not can(actor, "registry.view"):
        return Member.objects.none()
    return Member.objects.select_related("household").filter(scope_q(actor, "household__wilayah__kode"))


@dataclass(frozen=True)
class HouseholdFilters:
    """Search terms: any combination; `q` matches a NIK, a no_kk or a name."""

    q: str = ""
    nik: str = ""
    no_kk: str = ""
    nama: str = ""
    wilayah: str = ""  # a region code prefix (2, 4, 6 or 10 digits, dots allowed)
    flag: str = ""


def household_list(*, actor: Any, filters: HouseholdFilters) -> QuerySet[Household]:
    qs = households_visible_to(actor).select_related("wilayah")
    q = filters.q.strip()
    if q:
        digits = q.replace(" ", "")
        if digits.isdigit() and len(digits) == 16:
            qs = qs.filter(Q(no_kk=digits) | Q(members__nik=digits))
        elif digits.isdigit():
            qs = qs.filter(Q(no_kk__startswith=digits) | Q(members__nik__startswith=digits))
        else:
            qs = qs.filter(members__nama__icontains=q)
    if filters.nik.strip():
        qs = qs.filter(members__nik=filters.nik.strip())
    if filters.no_kk.strip():
        qs = qs.filter(no_kk=filters.no_kk.strip())
    if filters.nama.strip():
        qs = qs.filter(members__nama__icontains=filters.nama.strip())
    if filters.wilayah.strip():
        qs = qs.filter(wilayah__kode__startswith=filters.wilayah.strip().replace(".", ""))
    if filters.flag.strip():
        qs = qs.filter(
            Q(flags__contains=filters.flag.strip()) | Q(members__flags__contains=filters.flag.strip())
        )
    return qs.distinct().order_by("no_kk")


def household_get(*, actor: Any, no_kk: str) -> Household | None:
    """A household with its members, or None when it does not exist or lies outside the actor's scope."""
    return (
        households_visible_to(actor)
        .select_related("wilayah")
        .prefetch_related(Prefetch("members", queryset=Member.objects.order_by("tanggal_lahir", "nik")))
        .filter(no_kk=no_kk)
        .first()
    )


def member_get(*, actor: Any, nik: str) -> Member | None:
    return members_visible_to(actor).filter(nik=nik).first()


def household_history(*, actor: Any, household: Household, limit: int = 200) -> list[RegistryChange]:
    """Changes of the household and its members, newest first.

    Rows created by an import carry their creation on themselves (`created_job`); they appear here as unsaved
    'create' entries (who and when from the import job) beside the stored RegistryChange rows.
    """
    members = list(household.members.all())
    niks = [m.nik for m in members]
    stored = list(
        RegistryChange.objects.filter(
            Q(entity="household", key=household.no_kk) | Q(entity="member", key__in=niks)
        )
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
    rows: list[Household | Member] = [household, *members]
    job_ids = {r.created_job_id for r in rows if r.created_job_id}
    jobs = {j.pk: j for j in ImportJob.objects.filter(pk__in=job_ids).select_related("created_by")}
    created: list[RegistryChange] = []
    for entity, row, key in [("household", household, household.no_kk)] + [
        ("member", m, m.nik) for m in members
    ]:
        job = jobs.get(row.created_job_id) if row.created_job_id else None
        if job is not None:
            created.append(
                RegistryChange(
                    at=row.created_at,
                    actor=job.created_by,
                    source=job.source,
                    job=job,
                    entity=entity,
                    key=key,
                    action="create",
                )
            )
    merged = sorted(stored + created, key=lambda c: (c.at, c.pk or 0), reverse=True)
    return merged[:limit]


def import_jobs_visible_to(actor: Any) -> QuerySet[ImportJob]:
    """National importers and auditors see every job; everyone else their own."""
    qs = ImportJob.objects.select_related("created_by")
    if is_national(actor) and (can(actor, "registry.import") or can(actor, "audit.view")):
        return qs
    if not can(actor, "registry.import"):
        return qs.none()
    return qs.filter(created_by=actor)


def import_job_get(*, actor: Any, job_id: int) -> ImportJob | None:
    return import_jobs_visible_to(actor).filter(pk=job_id).first()
