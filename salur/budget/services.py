"""Writes of the budget: allocations (DIPA) per program and year, and the lock approvals take on them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Sum

from salur.budget.models import Allocation
from salur.core.access import require
from salur.core.audit import audit_record
from salur.core.errors import SalurError
from salur.programs.models import Program


def allocation_set(*, actor: Any, program: str, year: int, amount: int) -> Allocation:
    """Set (or change) a program's allocation for a year. Refused below what approved cycles already commit."""
    require(actor, "budget.manage")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise SalurError("Pagu harus bilangan bulat rupiah >= 0")
    if not 2000 <= year <= 2100:
        raise SalurError(f"Tahun {year} tidak masuk akal")
    prog = Program.objects.filter(code=program.strip().upper()).first()
    if prog is None:
        raise SalurError(f"Program {program!r} tidak dikenal")
    with transaction.atomic():
        allocation = Allocation.objects.select_for_update().filter(program=prog, year=year).first()
        committed = committed_amount(prog, year)
        if amount < committed:
            raise SalurError(
                f"Pagu Rp{amount:,} lebih kecil dari yang sudah terikat siklus disetujui (Rp{committed:,})".replace(
                    ",", "."
                )
            )
        before = {"amount": allocation.amount} if allocation else None
        if allocation is None:
            allocation = Allocation.objects.create(program=prog, year=year, amount=amount, set_by=actor)
        else:
            allocation.amount = amount
            allocation.set_by = actor
            allocation.save(update_fields=["amount", "set_by"])
        audit_record(
            actor=actor,
            action="budget.set",
            object_type="budget.allocation",
            object_id=f"{prog.code}-{year}",
            before=before,
            after={"amount": amount},
        )
    return allocation


def committed_amount(program: Program, year: int) -> int:
    from salur.cycles.models import COMMITTED_STATUSES, Cycle

    total = Cycle.objects.filter(program=program, year=year, status__in=COMMITTED_STATUSES).aggregate(
        s=Sum("total")
    )["s"]
    return int(total or 0)


def budget_lock_remaining(*, program: Program, year: int) -> int | None:
    """What remains of the allocation, with the allocation row locked until the caller's transaction ends (two
    approvals at once cannot both take the last rupiah).

    None when no allocation is set for the program and year: there is nothing to check against (like approval
    tiers, the budget check applies where an administrator has set it). With SALUR_REQUIRE_BUDGET on (production
    setting) a missing allocation counts as nothing remaining."""
    from django.conf import settings

    allocation = Allocation.objects.select_for_update().filter(program=program, year=year).first()
    if allocation is None:
        return 0 if getattr(settings, "SALUR_REQUIRE_BUDGET", False) else None
    return allocation.amount - committed_amount(program, year)
