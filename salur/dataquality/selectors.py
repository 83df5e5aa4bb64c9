"""Reads of dataquality, always for an actor and limited to its region scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from salur.core.access import require, scope_q
from salur.core.errors import NotFound
from salur.dataquality.models import DuplicatePair, ListRowCandidate, MergeRecord, QualitySnapshot


def cycle_exclusions() -> tuple[list[int], list[int]]:
    """(member ids, household ids) that a confirmed merge marked duplicate: future cycles leave them out.

    A person merge excludes the duplicate member; a household merge excludes the duplicate household and with it
    all of its members.
    """
    from salur.registry.models import Member

    merges = MergeRecord.objects.all()
    households = sorted(h for h in merges.exclude(household=None).values_list("household_id", flat=True))
    members = set(merges.exclude(member=None).values_list("member_id", flat=True))
    if households:
        members |= set(Member.objects.filter(household_id__in=households).values_list("id", flat=True))
    return sorted(members), households


def _both_in_scope(actor: Any) -> Q:
    return scope_q(actor, "wilayah_a") & scope_q(actor, "wilayah_b")


def pair_list(*, actor: Any, status: str = "baru", kind: str = "") -> QuerySet[DuplicatePair]:
    """Pairs whose two records both lie in the actor's scope (a pair across regions is for national roles)."""
    require(actor, "quality.view")
    qs = DuplicatePair.objects.filter(_both_in_scope(actor)).select_related(
        "member_a", "member_b", "household_a", "household_b"
    )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def pair_get(*, actor: Any, pair_id: int) -> DuplicatePair:
    require(actor, "quality.view")
    pair = (
        DuplicatePair.objects.filter(_both_in_scope(actor), pk=pair_id)
        .select_related("member_a", "member_b", "household_a", "household_b", "decided_by")
        .first()
    )
    if pair is None:
        raise NotFound("Pasangan tidak ditemukan")
    return pair


def list_candidates(*, actor: Any, status: str = "baru") -> QuerySet[ListRowCandidate]:
    require(actor, "quality.view")
    qs = ListRowCandidate.objects.filter(scope_q(actor, "kode_wilayah_member")).select_related(
        "member", "reference_list"
    )
    return qs.filter(status=status) if status else qs


def merged_into(*, actor: Any, member_id: int) -> list[MergeRecord]:
    """Records merged into this member (directly, or through its household): their history belongs here."""
    require(actor, "quality.view")
    from salur.registry.models import Member

    member = Member.objects.filter(scope_q(actor, "household__wilayah__kode"), pk=member_id).first()
    if member is None:
        raise NotFound("Anggota tidak ditemukan")
    return list(
        MergeRecord.objects.filter(
            Q(merged_into_member=member) | Q(merged_into_household_id=member.household_id)
        )
        .select_related("member", "household", "by")
        .order_by("at")
    )


def quality_report(*, actor: Any) -> list[dict[str, Any]]:
    """Current figures per kabupaten/kota in the actor's scope (computed live, set-based)."""
    from salur.core.access import scope_prefixes
    from salur.dataquality.services import quality_figures

    require(actor, "quality.view")
    prefixes = scope_prefixes(actor)
    rows = quality_figures(prefixes).to_dicts()
    if prefixes:
        rows = [
            r for r in rows if any(r["kab"].startswith(p[:4]) or p.startswith(r["kab"]) for p in prefixes)
        ]
    return rows


def quality_trend(*, actor: Any) -> list[dict[str, Any]]:
    """Snapshots in the actor's scope, summed per moment (oldest first)."""
    from salur.core.access import scope_prefixes

    require(actor, "quality.view")
    prefixes = scope_prefixes(actor)
    by_time: dict[Any, dict[str, Any]] = {}
    for snap in QualitySnapshot.objects.order_by("taken_at", "id"):
        if prefixes and not any(
            snap.kode_wilayah.startswith(p[:4]) or p.startswith(snap.kode_wilayah) for p in prefixes
        ):
            continue
        key = (snap.job_id, snap.taken_at.replace(microsecond=0))
        entry = by_time.setdefault(key, {"taken_at": snap.taken_at, "job": snap.job_id, "figures": {}})
        for k, v in snap.figures.items():
            entry["figures"][k] = entry["figures"].get(k, 0) + int(v)
    return list(by_time.values())


def pairs_export_frame(*, actor: Any, status: str = "baru") -> Any:
    """Person pairs as the contract's CSV columns: nik_a, nik_b, skor, alasan (full NIK: needs registry.full_nik).

    A role without full NIK gets masked NIKs, as everywhere else.
    """
    import polars as pl

    from salur.core.access import nik_for

    rows = [
        (
            nik_for(actor, p.member_a.nik if p.member_a else ""),
            nik_for(actor, p.member_b.nik if p.member_b else ""),
            p.skor,
            p.alasan,
        )
        for p in pair_list(actor=actor, status=status, kind="orang")
        .order_by("-skor", "id")
        .iterator(chunk_size=5000)
    ]
    return pl.DataFrame(
        rows,
        schema={"nik_a": pl.String, "nik_b": pl.String, "skor": pl.Float64, "alasan": pl.String},
        orient="row",
    )


def crosscheck_member_ids(kind: str) -> list[int]:
    """Member ids flagged on the active list of `kind` (asn, tni_polri, kematian): by NIK, or by a reviewer who
    confirmed a name match of a list row without a usable NIK. `services.active_list_niks` gives the NIKs only."""
    from salur.dataquality.models import LIST_FLAG, CrosscheckFlag, ListKind

    flag = LIST_FLAG[ListKind(kind)]
    return sorted(CrosscheckFlag.objects.filter(kind=flag).values_list("member_id", flat=True))
