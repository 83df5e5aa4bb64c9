"""Who counts as enrolled in a program, for distribution: an active enrolment (salur.enrolment) or an eligible
entitlement in a cycle of the program (salur.cycles). Both are read as household-id subqueries, never loaded."""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.db import connection
from django.db.models import Q, QuerySet

_tables: set[str] | None = None


def _has_table(name: str) -> bool:
    global _tables
    if _tables is None or name not in _tables:
        _tables = set(connection.introspection.table_names())
    return name in _tables


def enrolled_household_q(program_codes: Iterable[str], field: str = "household_id") -> Q:
    """A filter on a household-id field: the household is enrolled (active) in one of the programs."""
    codes = sorted(set(program_codes))
    if not codes:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    subqueries: list[QuerySet] = []
    try:
        enrolment = apps.get_model("enrolment", "Enrolment")
    except LookupError:
        enrolment = None
    if enrolment is not None and _has_table(enrolment._meta.db_table):
        subqueries.append(
            enrolment.objects.filter(program__code__in=codes, status="aktif").values("household_id")
        )
    entitlement = apps.get_model("cycles", "Entitlement")
    subqueries.append(
        entitlement.objects.filter(program_code__in=codes, eligible=True).values("household_id")
    )
    for sub in subqueries:
        q |= Q(**{f"{field}__in": sub})
    return q
