"""The visit report (field report 001, Palembang): for a region and a period, everything handed over, by program,
with counts and rupiah and the grand total: cash cycles (eligible entitlements of cycles in the period), in-kind
events (goods received), santunan (approved or paid claims decided in the period)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, Sum

from salur.core.access import scope_q


@dataclass
class VisitRow:
    program: str
    source: str
    recipients: int
    value: int


@dataclass
class VisitReport:
    rows: list[VisitRow]
    recipients: int
    value: int


def _period_range(period: str) -> tuple[dt.date, dt.date] | None:
    """2024-05 -> May 2024; 2024-T2 -> April to June 2024 (tahap = quarter)."""
    try:
        year, part = period.split("-")
        y = int(year)
        if part.upper().startswith("T"):
            q = int(part[1:])
            first, last = 3 * q - 2, 3 * q
        else:
            first = last = int(part)
        end = dt.date(y + (last == 12), last % 12 + 1, 1) - dt.timedelta(days=1)
        return dt.date(y, first, 1), end
    except (ValueError, IndexError):
        return None


def visit_report(*, actor: Any, start: dt.date, end: dt.date, kode_wilayah: str = "") -> VisitReport:
    from salur.cycles.models import Cycle, Entitlement
    from salur.distribution.models import EventItem
    from salur.santunan.models import Claim

    rows: list[VisitRow] = []
    cycles = [
        c
        for c in Cycle.objects.select_related("program").order_by("program__code", "period")
        if (rng := _period_range(c.period)) and rng[0] <= end and rng[1] >= start
    ]
    region = Q(kode_wilayah__startswith=kode_wilayah) if kode_wilayah else Q()
    for cycle in cycles:
        agg = (
            Entitlement.objects.filter(cycle=cycle, eligible=True)
            .filter(scope_q(actor, "kode_wilayah"), region)
            .aggregate(n=Count("id"), v=Sum("nominal"))
        )
        if agg["n"]:
            rows.append(
                VisitRow(f"{cycle.program.code} {cycle.period}", "siklus tunai", agg["n"], int(agg["v"] or 0))
            )
    items = EventItem.objects.filter(
        recipient__event__tanggal__gte=start,
        recipient__event__tanggal__lte=end,
        recipient__handover__received=True,
    ).filter(scope_q(actor, "recipient__event__wilayah__kode"))
    if kode_wilayah:
        items = items.filter(recipient__event__wilayah__kode__startswith=kode_wilayah)
    by_event = (
        items.values("recipient__event_id")
        .annotate(n=Count("recipient_id", distinct=True), v=Sum(F("qty") * F("unit_price")))
        .order_by("recipient__event_id")
    )
    from salur.distribution.models import DistributionEvent

    labels = {
        e.pk: "+".join(sorted(p.code for p in e.programs.all()))
        for e in DistributionEvent.objects.filter(
            pk__in=[r["recipient__event_id"] for r in by_event]
        ).prefetch_related("programs")
    }
    grouped: dict[str, list[int]] = {}
    for r in by_event:
        g = grouped.setdefault(labels[r["recipient__event_id"]], [0, 0])
        g[0] += r["n"]
        g[1] += int(r["v"] or 0)
    rows += [VisitRow(k, "penyaluran barang", n, v) for k, (n, v) in sorted(grouped.items())]
    claims = Claim.objects.filter(
        status__in=["disetujui", "dibayar"], decided_at__date__gte=start, decided_at__date__lte=end
    ).filter(scope_q(actor, "kode_wilayah"), region)
    agg = claims.aggregate(n=Count("id"), v=Sum("nominal"))
    if agg["n"]:
        rows.append(VisitRow("SANTUNAN", "santunan ahli waris", agg["n"], int(agg["v"] or 0)))
    return VisitReport(rows, sum(r.recipients for r in rows), sum(r.value for r in rows))
