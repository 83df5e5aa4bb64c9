"""Reads of ATENSI cases. A case is visible to its own Sentra's staff within their service area, and to national
roles with case.view (Kemensos pusat, auditors); to everyone else it does not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from salur.accounts.models import UnitKind
from salur.atensi.models import Case
from salur.core.access import can, is_national, scope_q


def case_visible_q(actor: Any) -> Q:
    if not can(actor, "case.view"):
        return Q(pk__in=[])
    q = scope_q(actor, "kode_wilayah")
    unit = getattr(actor, "unit", None)
    if unit is not None and unit.kind in (UnitKind.SENTRA, UnitKind.SENTRA_TERPADU):
        return q & Q(unit_id=unit.pk)
    if is_national(actor):
        return q
    return Q(pk__in=[])  # a regional user outside a Sentra does not see case files


def cases_visible(actor: Any) -> QuerySet[Case]:
    return Case.objects.filter(case_visible_q(actor)).select_related("member", "unit", "worker")


def case_get(*, actor: Any, pk: int) -> Case | None:
    return (
        cases_visible(actor)
        .prefetch_related("steps__actor", "assessments", "plan_items", "services", "monitoring_notes")
        .filter(pk=pk)
        .first()
    )


def caseloads(actor: Any) -> list[dict[str, Any]]:
    """Open cases per responsible social worker, by stage."""
    rows = (
        cases_visible(actor)
        .exclude(stage="terminasi")
        .values("worker__username")
        .annotate(
            open=Count("id"),
            intake=Count("id", filter=Q(stage="intake")),
            asesmen=Count("id", filter=Q(stage="asesmen")),
            rencana=Count("id", filter=Q(stage="rencana")),
            pelaksanaan=Count("id", filter=Q(stage="pelaksanaan")),
            monitoring=Count("id", filter=Q(stage="monitoring")),
        )
        .order_by("-open", "worker__username")
    )
    return [dict(r) for r in rows]
