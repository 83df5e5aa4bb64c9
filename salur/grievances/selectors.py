"""Reads of grievances, usul and sanggah: the staff queues (scoped) and the public view by tracking number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from salur.core.access import can, scope_q
from salur.grievances.models import (
    OPEN_STATUSES,
    Grievance,
    Submission,
)
from salur.grievances.services import normalise_tracking_no


def grievances_visible_to(actor: Any) -> QuerySet[Grievance]:
    """Grievances in the actor's region scope, except those that name the actor (never shown to the accused)."""
    if not can(actor, "grievance.view"):
        return Grievance.objects.none()
    return (
        Grievance.objects.filter(scope_q(actor, "wilayah__kode"))
        .exclude(named_worker_id=actor.pk)
        .select_related("unit", "assignee", "wilayah")
    )


@dataclass(frozen=True)
class GrievanceFilters:
    mine: str = "unit"  # "unit": my unit's queue; "saya": assigned to me; "": everything in my scope
    status: str = "terbuka"  # "terbuka" = baru or diproses; "" = all; or one status
    category: str = ""
    overdue: bool = False
    wilayah: str = ""
    q: str = ""


def grievance_queue(*, actor: Any, filters: GrievanceFilters) -> QuerySet[Grievance]:
    qs = grievances_visible_to(actor)
    if filters.mine == "unit" and getattr(actor, "unit_id", None):
        qs = qs.filter(unit_id=actor.unit_id)
    elif filters.mine == "saya":
        qs = qs.filter(assignee_id=actor.pk)
    if filters.status == "terbuka":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    if filters.wilayah:
        qs = qs.filter(wilayah__kode__startswith=filters.wilayah.replace(".", ""))
    if filters.q:
        qs = qs.filter(tracking_no=normalise_tracking_no(filters.q))
    return qs.order_by("due_at", "id")


def grievance_get(*, actor: Any, tracking_no: str) -> Grievance | None:
    return grievances_visible_to(actor).filter(tracking_no=normalise_tracking_no(tracking_no)).first()


def submissions_visible_to(actor: Any) -> QuerySet[Submission]:
    if not can(actor, "grievance.view"):
        return Submission.objects.none()
    return Submission.objects.filter(scope_q(actor, "wilayah__kode")).select_related(
        "unit", "wilayah", "household"
    )


def submission_queue(
    *, actor: Any, kind: str = "", status: str = "terbuka", mine: str = "unit"
) -> QuerySet[Submission]:
    qs = submissions_visible_to(actor)
    if mine == "unit" and getattr(actor, "unit_id", None):
        qs = qs.filter(unit_id=actor.unit_id)
    if kind:
        qs = qs.filter(kind=kind)
    if status == "terbuka":
        qs = qs.filter(status__in=("diterima", "verifikasi"))
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "id")


def submission_get(*, actor: Any, tracking_no: str) -> Submission | None:
    return submissions_visible_to(actor).filter(tracking_no=normalise_tracking_no(tracking_no)).first()


def public_track(*, tracking_no: str) -> dict[str, Any] | None:
    """What a citizen sees by tracking number: kind, category, status, unit, dates, outcome; no personal data."""
    number = normalise_tracking_no(tracking_no)
    if not number or len(number) > 20:
        return None
    g = Grievance.objects.filter(tracking_no=number).select_related("unit").first()
    if g is not None:
        return {
            "kind": "pengaduan",
            "kind_label": "Pengaduan",
            "tracking_no": g.tracking_no,
            "category": g.get_category_display(),
            "status": g.status,
            "status_label": g.get_status_display(),
            "unit": g.unit.nama if g.unit else "Kemensos pusat",
            "created_at": g.created_at,
            "due_at": g.due_at,
            "escalated": g.escalations > 0,
            "closed_at": g.resolved_at,
            "outcome": g.resolution,
        }
    s = Submission.objects.filter(tracking_no=number).select_related("unit").first()
    if s is not None:
        return {
            "kind": s.kind,
            "kind_label": s.get_kind_display(),
            "tracking_no": s.tracking_no,
            "category": s.get_reason_display() if s.reason else s.get_relation_display(),
            "status": s.status,
            "status_label": s.get_status_display(),
            "unit": s.unit.nama if s.unit else "Kemensos pusat",
            "created_at": s.created_at,
            "due_at": None,
            "escalated": False,
            "closed_at": s.decided_at,
            "outcome": s.outcome,
        }
    return None


def overdue_q() -> Q:
    return Q(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
