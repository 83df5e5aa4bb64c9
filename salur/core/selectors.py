"""Reads of core tables: the audit trail (auditors and central administrators only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from salur.core.access import can
from salur.core.models import AuditEntry


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # user name, exact or beginning
    action: str = ""  # e.g. registry.import, registry.member.update (beginning matches)
    object_type: str = ""
    object_id: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def audit_search(*, actor: Any, filters: AuditFilters) -> QuerySet[AuditEntry]:
    if not can(actor, "audit.view"):
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.all()
    if filters.actor.strip():
        qs = qs.filter(actor_name__istartswith=filters.actor.strip())
    if filters.action.strip():
        qs = qs.filter(action__startswith=filters.action.strip())
    if filters.object_type.strip():
        qs = qs.filter(object_type__startswith=filters.object_type.strip())
    if filters.object_id.strip():
        qs = qs.filter(object_id=filters.object_id.strip())
    tz = timezone.get_current_timezone()
    if filters.since:
        qs = qs.filter(at__gte=dt.datetime.combine(filters.since, dt.time.min, tzinfo=tz))
    if filters.until:
        qs = qs.filter(
            at__lt=dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return qs.order_by("-id")


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by().values_list("action", flat=True).distinct()[:200])


__all__ = ["AuditFilters", "Q", "audit_actions", "audit_search"]
