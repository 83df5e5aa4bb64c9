"""Aggregates of the dashboard, scoped to the viewer's region: each panel is one GROUP BY in the database.

Panels: households and people by desil; recipients and rupiah per program and tahap; budget absorption (the
budget module's `absorption`, national figures, for national viewers); data-quality flags; grievances by
category, by kabupaten/kota and their time to resolve. Results are cached per scope for `CACHE_SECONDS`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Left
from django.utils import timezone

from salur.core.access import can, is_national, scope_prefixes, scope_q
from salur.cycles.models import Entitlement
from salur.grievances.models import OPEN_STATUSES, Category, Grievance
from salur.regions.models import Region
from salur.registry import schema
from salur.registry.models import Household, Member

CACHE_SECONDS = 300


def _bars(rows: list[dict[str, Any]], value: str) -> list[dict[str, Any]]:
    """Adds `pct` (0-100, of the largest value) for the server-rendered SVG bars."""
    top = max((r[value] or 0 for r in rows), default=0)
    for r in rows:
        r["pct"] = round(100 * (r[value] or 0) / top, 1) if top else 0
    return rows


def by_desil(actor: Any) -> list[dict[str, Any]]:
    households = dict(
        Household.objects.filter(scope_q(actor, "wilayah__kode"))
        .values_list("desil")
        .annotate(n=Count("id"))
        .order_by()
    )
    people = dict(
        Member.objects.filter(scope_q(actor, "household__wilayah__kode"))
        .values_list("household__desil")
        .annotate(n=Count("id"))
        .order_by()
    )
    keys = sorted({*households, *people}, key=lambda d: (d is None, d or 0))
    rows = [
        {
            "desil": d if d is not None else "tanpa desil",
            "label": f"desil {d}" if d is not None else "tanpa desil",
            "households": households.get(d, 0),
            "people": people.get(d, 0),
        }
        for d in keys
    ]
    return _bars(rows, "households")


def recipients(actor: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        dict(r)
        for r in Entitlement.objects.filter(scope_q(actor, "kode_wilayah"), eligible=True)
        .values("program_code", "period")
        .annotate(kpm=Count("id"), rupiah=Sum("nominal"))
        .order_by("program_code", "period")
    ]
    for r in rows:
        r["rupiah"] = int(r["rupiah"] or 0)
        r["label"] = f"{r['program_code']} {r['period']}"
    return _bars(rows, "rupiah")


def budget(actor: Any, year: int) -> list[dict[str, Any]] | None:
    """Budget absorption from salur.budget.selectors.absorption; None when that module is absent.

    Budget lines are national: regional viewers see None (their share is in the recipients panel)."""
    if not is_national(actor):
        return None
    try:
        from salur.budget.selectors import absorption
    except ImportError:
        return None
    rows = [dict(r) for r in absorption(actor, year)]
    for r in rows:
        r["pct"] = min(100.0, float(r.get("absorption_pct") or 0))
        r["label"] = str(r.get("program", ""))
    return rows


def quality_flags(actor: Any) -> list[dict[str, Any]]:
    members = Member.objects.filter(scope_q(actor, "household__wilayah__kode")).aggregate(
        **{code: Count("id", filter=Q(flags__contains=code)) for code in schema.MEMBER_FLAG_CODES}
    )
    households = Household.objects.filter(scope_q(actor, "wilayah__kode")).aggregate(
        **{code: Count("id", filter=Q(flags__contains=code)) for code in schema.HOUSEHOLD_FLAG_CODES},
        TANPA_DESIL=Count("id", filter=Q(desil__isnull=True)),
    )
    rows = [
        {"code": code, "label": schema.FLAG_MESSAGES.get(code, code), "count": n, "of": "anggota"}
        for code, n in members.items()
    ] + [
        {
            "code": code,
            "label": "keluarga belum punya desil"
            if code == "TANPA_DESIL"
            else schema.FLAG_MESSAGES.get(code, code),
            "count": n,
            "of": "keluarga",
        }
        for code, n in households.items()
    ]
    return _bars(rows, "count")


def grievance_stats(actor: Any) -> dict[str, Any]:
    if not can(actor, "grievance.view"):
        return {"by_category": [], "by_region": []}
    now = timezone.now()
    qs = Grievance.objects.filter(scope_q(actor, "wilayah__kode"))
    took = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    labels = dict(Category.choices)
    by_category: list[dict[str, Any]] = [
        dict(r)
        for r in qs.values("category")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
            avg_resolve=Avg(took, filter=Q(resolved_at__isnull=False)),
        )
        .order_by("category")
    ]
    for r in by_category:
        r["label"] = labels.get(r["category"], r["category"])
        r["avg_days"] = _days(r.pop("avg_resolve"))
    by_region: list[dict[str, Any]] = [
        dict(r)
        for r in qs.annotate(kab=Left("wilayah_id", 4))
        .values("kab")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
            avg_resolve=Avg(took, filter=Q(resolved_at__isnull=False)),
        )
        .order_by("kab")
    ]
    names = dict(Region.objects.filter(kode__in=[r["kab"] for r in by_region]).values_list("kode", "nama"))
    for r in by_region:
        r["label"] = names.get(r["kab"], r["kab"])
        r["avg_days"] = _days(r.pop("avg_resolve"))
    return {"by_category": _bars(by_category, "total"), "by_region": _bars(by_region, "total")}


def _days(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds() / 86400, 1)
    return round(float(value) / 86_400_000_000, 1)  # microseconds (SQLite)


def dashboard(actor: Any, *, year: int | None = None, use_cache: bool = True) -> dict[str, Any]:
    year = year or timezone.localdate().year
    key = f"salur:dashboard:{actor.role}:{','.join(scope_prefixes(actor)) or 'nasional'}:{year}"
    if use_cache:
        cached = cache.get(key)
        if cached is not None:
            return dict(cached)
    data: dict[str, Any] = {"year": year, "scope": ", ".join(scope_prefixes(actor)) or "nasional"}
    if can(actor, "registry.view"):
        data["desil"] = by_desil(actor)
        data["quality"] = quality_flags(actor)
    data["recipients"] = recipients(actor)
    data["budget"] = budget(actor, year)
    data["grievances"] = grievance_stats(actor)
    data["generated_at"] = timezone.now()
    if use_cache:
        cache.set(key, data, CACHE_SECONDS)
    return data
