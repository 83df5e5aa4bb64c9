"""/api/v1/atensi: cases visible to the caller (its Sentra, its region), one case, opening a case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from salur.atensi import selectors, services
from salur.core.access import nik_for, require
from salur.core.errors import PermissionDenied, SalurError

router = Router(tags=["atensi"])


class CaseOut(Schema):
    id: int
    nomor: str
    nik: str
    nama: str
    cluster: str
    stage: str
    worker: str
    opened_on: dt.date
    closed_on: dt.date | None


class CaseIn(Schema):
    nik: str
    cluster: str
    referral_source: str
    referral_note: str = ""
    opened_on: dt.date


class Message(Schema):
    detail: str


def _out(actor: Any, c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "nomor": c.nomor,
        "nik": nik_for(actor, c.member.nik),
        "nama": c.member.nama,
        "cluster": c.cluster,
        "stage": c.stage,
        "worker": c.worker.username,
        "opened_on": c.opened_on,
        "closed_on": c.closed_on,
    }


@router.get("/cases", response=list[CaseOut])
def cases_list(request: HttpRequest) -> list[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]
    require(actor, "case.view")
    return [_out(actor, c) for c in selectors.cases_visible(actor)[:500]]


@router.get("/cases/{case_id}", response={200: CaseOut, 404: Message})
def case_detail(request: HttpRequest, case_id: int) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    require(actor, "case.view")
    case = selectors.case_get(actor=actor, pk=case_id)
    if case is None:
        return Status(404, {"detail": "Kasus tidak ditemukan"})
    return _out(actor, case)


@router.post("/cases", response={201: CaseOut, 403: Message, 422: Message})
def case_open(request: HttpRequest, payload: CaseIn) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    require(actor, "case.manage")
    try:
        case = services.case_open(
            actor=actor,
            nik=payload.nik,
            cluster=payload.cluster,
            referral_source=payload.referral_source,
            referral_note=payload.referral_note,
            opened_on=payload.opened_on,
        )
    except PermissionDenied:
        raise
    except SalurError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(201, _out(actor, case))
