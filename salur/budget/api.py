"""/api/v1/budget: allocations and absorption per program and year."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from salur.budget.selectors import absorption
from salur.budget.services import allocation_set
from salur.core.access import require

router = Router(tags=["budget"])


class AllocationIn(Schema):
    program: str
    year: int
    amount: int


@router.get("", summary="Pagu, terikat, dibayar, retur, penyerapan per program")
def budget(request: HttpRequest, year: int) -> list[dict[str, Any]]:
    require(request.user, "budget.view")
    return absorption(request.user, year)


@router.post("", summary="Tetapkan pagu (DIPA)")
def budget_set(request: HttpRequest, body: AllocationIn) -> dict[str, Any]:
    allocation = allocation_set(actor=request.user, program=body.program, year=body.year, amount=body.amount)
    return {"program": allocation.program.code, "year": allocation.year, "amount": allocation.amount}
