"""/api/v1/cycles: cycles, approval, export, reconciliation, report; the same services as the web and the CLI."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from salur.core.access import require
from salur.cycles import reports
from salur.cycles.models import Cycle
from salur.cycles.services import approval_state, cycle_approve, cycle_create, cycle_for, cycle_summary
from salur.payments.selectors import reconciliation

router = Router(tags=["cycles"])


class CycleIn(Schema):
    program: str
    period: str


class ApproveIn(Schema):
    note: str = ""


def _out(cycle: Cycle) -> dict[str, Any]:
    return {
        **cycle_summary(cycle),
        "status": cycle.status,
        "program": cycle.program.code,
        "period": cycle.period,
        "program_version": cycle.program_version.version,
        "snapshot_sha256": cycle.snapshot_sha256,
        "created_by": cycle.created_by.username,
        "approval": approval_state(cycle),
    }


@router.get("", summary="Daftar siklus")
def cycle_list(request: HttpRequest) -> list[dict[str, Any]]:
    require(request.user, "cycle.view")
    cycles = Cycle.objects.select_related("program", "created_by").order_by("-created_at")[:200]
    return [
        {
            "cycle": c.code,
            "status": c.status,
            "eligible": c.eligible,
            "total": c.total,
            "created_by": c.created_by.username,
        }
        for c in cycles
    ]


@router.post("", response={201: dict}, summary="Buat siklus (kelayakan dan hak)")
def cycle_new(request: HttpRequest, body: CycleIn):
    cycle = cycle_create(actor=request.user, program=body.program, period=body.period)
    return Status(201, cycle_summary(cycle))


@router.get("/{code}", summary="Satu siklus: total, alasan, persetujuan")
def cycle_get(request: HttpRequest, code: str) -> dict[str, Any]:
    return _out(cycle_for(request.user, code))


@router.post("/{code}/approve", summary="Setujui siklus (bukan oleh pembuatnya)")
def cycle_approve_api(request: HttpRequest, code: str, body: ApproveIn) -> dict[str, Any]:
    cycle_for(request.user, code)
    return _out(cycle_approve(actor=request.user, code=code, note=body.note))


@router.get("/{code}/reconciliation", summary="Rekonsiliasi (format kontrak)")
def cycle_reconciliation(request: HttpRequest, code: str) -> dict[str, Any]:
    return reconciliation(cycle_for(request.user, code), actor=request.user)


@router.get("/{code}/report", summary="KPM dan rupiah per wilayah dan saluran")
def cycle_report(request: HttpRequest, code: str, level: str = "kabupaten") -> dict[str, Any]:
    cycle = cycle_for(request.user, code)
    frame = reports.cycle_report(
        cycle, actor=request.user, level="provinsi" if level == "provinsi" else "kabupaten"
    )
    return {
        "cycle": cycle.code,
        "headline": reports.headline(cycle, actor=request.user),
        "rows": frame.to_dicts(),
    }
