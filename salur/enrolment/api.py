"""/api/v1/enrolment: list (scoped), propose, verify, decide, and status changes.

Thin: parse, call a selector or a service, shape the answer. Outside the caller's scope an enrolment or a household
does not exist (404); a role, region or maker-checker refusal is 403 (salur/api.py); a step that does not fit the
enrolment's state is 422 with the reason. Nothing changes on a refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from salur.core.access import require
from salur.core.errors import PermissionDenied, SalurError
from salur.enrolment import selectors, services
from salur.enrolment.models import Decision, Enrolment, StatusChange
from salur.programs.models import Program

router = Router(tags=["kepesertaan"])

NOT_FOUND = "Kepesertaan tidak ditemukan di wilayah Anda"
HOUSEHOLD_NOT_FOUND = "Keluarga dengan nomor KK ini tidak ditemukan di wilayah Anda"
PROGRAM_NOT_FOUND = "Program tidak dikenal"

T = TypeVar("T")


class MessageOut(Schema):
    detail: str


class EnrolmentOut(Schema):
    id: int
    no_kk: str = Field(..., alias="household.no_kk")
    kode_wilayah: str = Field(..., alias="household.wilayah_id")
    program: str = Field(..., alias="program.code")
    status: str
    step: str
    exit_reason: str
    status_since: dt.date
    active_since: dt.date | None
    sk_number: str | None = None

    @staticmethod
    def resolve_sk_number(obj: Enrolment) -> str | None:
        return obj.decision.sk_number if obj.decision_id and obj.decision else None


class EnrolmentPageOut(Schema):
    count: int
    items: list[EnrolmentOut]


class ListIn(Schema):
    program: str = ""
    status: str = ""
    step: str = ""
    wilayah: str = ""
    no_kk: str = ""
    limit: int = Field(50, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class ProposeIn(Schema):
    no_kk: str = Field(..., pattern=r"^\d{16}$")
    program: str
    reason: str = Field(..., min_length=1, max_length=300)
    notes: str = ""


class VerifyIn(Schema):
    result: str = Field(..., pattern=r"^(layak|tidak_layak)$")
    visit_date: dt.date
    officer: str = Field(..., min_length=1, max_length=120)
    notes: str = ""


class DecideIn(Schema):
    program: str
    sk_number: str = Field(..., min_length=1, max_length=100)
    sk_date: dt.date
    wilayah: str = ""
    enrolment_ids: list[int] | None = None
    expected_count: int | None = Field(None, ge=1)
    notes: str = ""


class DecisionOut(Schema):
    id: int
    program: str = Field(..., alias="program.code")
    sk_number: str
    sk_date: dt.date
    wilayah: str
    count: int
    decided_by: str = Field(..., alias="decided_by.username")


class StatusChangeIn(Schema):
    kind: str = Field(..., pattern=r"^(tangguhkan|pulihkan|keluar)$")
    exit_reason: str = ""
    note: str = Field(..., min_length=1)


class ResolveIn(Schema):
    note: str = ""


class StatusChangeOut(Schema):
    id: int
    enrolment_id: int
    kind: str
    exit_reason: str
    state: str
    requested_by: str = Field(..., alias="requested_by.username")


WRITE: dict[int, Any] = {403: MessageOut, 404: MessageOut, 422: MessageOut}


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _write(fn: Callable[[], T]) -> T:
    """A service call: role/region refusals go to the 403 handler, other refusals are 422."""
    try:
        return fn()
    except PermissionDenied:
        raise
    except SalurError as exc:
        raise HttpError(422, str(exc)) from exc


def _enrolment_or_404(actor: Any, enrolment_id: int) -> Enrolment:
    enrolment = selectors.enrolment_get(actor=actor, enrolment_id=enrolment_id)
    if enrolment is None:
        raise HttpError(404, NOT_FOUND)
    return enrolment


def _program_or_422(code: str) -> Program:
    program = Program.objects.filter(code=code).first()
    if program is None:
        raise HttpError(422, PROGRAM_NOT_FOUND)
    return program


@router.get("/enrolments", response={200: EnrolmentPageOut, 403: MessageOut}, url_name="enrolment_list")
def enrolment_list(request: HttpRequest, params: Query[ListIn]) -> dict[str, Any]:
    """Daftar kepesertaan di wilayah Anda (filter program, status, tahap, wilayah, nomor KK)."""
    actor = _actor(request)
    require(actor, "enrolment.view")
    qs = selectors.enrolment_list(
        actor=actor,
        filters=selectors.EnrolmentFilters(
            program=params.program,
            status=params.status,
            step=params.step,
            wilayah=params.wilayah,
            no_kk=params.no_kk,
        ),
    )
    return {"count": qs.count(), "items": list(qs[params.offset : params.offset + params.limit])}


@router.get(
    "/enrolments/{enrolment_id}",
    response={200: EnrolmentOut, 403: MessageOut, 404: MessageOut},
    url_name="enrolment_get",
)
def enrolment_detail(request: HttpRequest, enrolment_id: int) -> Enrolment:
    """Satu kepesertaan."""
    actor = _actor(request)
    require(actor, "enrolment.view")
    return _enrolment_or_404(actor, enrolment_id)


@router.post("/proposals", response={201: EnrolmentOut, **WRITE}, url_name="enrolment_propose")
def propose(request: HttpRequest, payload: ProposeIn) -> Status[Any]:
    """Usulkan keluarga (nomor KK) untuk sebuah program."""
    actor = _actor(request)
    require(actor, "enrolment.propose")
    household = selectors.household_for_enrolment(actor=actor, no_kk=payload.no_kk)
    if household is None:
        raise HttpError(404, HOUSEHOLD_NOT_FOUND)
    program = _program_or_422(payload.program)
    enrolment = _write(
        lambda: services.enrolment_propose(
            actor=actor, household=household, program=program, reason=payload.reason, notes=payload.notes
        )
    )
    return Status(201, _enrolment_or_404(actor, enrolment.pk))


@router.post(
    "/enrolments/{enrolment_id}/verification",
    response={200: EnrolmentOut, **WRITE},
    url_name="enrolment_verify",
)
def verify(request: HttpRequest, enrolment_id: int, payload: VerifyIn) -> Status[Any]:
    """Catat hasil kunjungan rumah (layak / tidak_layak) atas usulan yang menunggu verifikasi."""
    actor = _actor(request)
    require(actor, "enrolment.verify")
    enrolment = _enrolment_or_404(actor, enrolment_id)
    _write(
        lambda: services.enrolment_verify(
            actor=actor,
            enrolment=enrolment,
            result=payload.result,
            visit_date=payload.visit_date,
            officer=payload.officer,
            notes=payload.notes,
        )
    )
    return Status(200, _enrolment_or_404(actor, enrolment_id))


@router.post("/decisions", response={201: DecisionOut, **WRITE}, url_name="enrolment_decide")
def decide(request: HttpRequest, payload: DecideIn) -> Status[Any]:
    """Tetapkan semua calon terverifikasi sebuah program (opsional: satu wilayah, atau daftar id) dengan nomor SK."""
    actor = _actor(request)
    require(actor, "enrolment.decide")
    program = _program_or_422(payload.program)
    decision = _write(
        lambda: services.enrolment_decide(
            actor=actor,
            program=program,
            sk_number=payload.sk_number,
            sk_date=payload.sk_date,
            wilayah=payload.wilayah,
            enrolment_ids=payload.enrolment_ids,
            expected_count=payload.expected_count,
            notes=payload.notes,
        )
    )
    return Status(201, Decision.objects.select_related("program", "decided_by").get(pk=decision.pk))


@router.get(
    "/decisions/{decision_id}",
    response={200: DecisionOut, 403: MessageOut, 404: MessageOut},
    url_name="enrolment_decision",
)
def decision_detail(request: HttpRequest, decision_id: int) -> Decision:
    """Satu penetapan (SK)."""
    actor = _actor(request)
    require(actor, "enrolment.view")
    decision = selectors.decision_get(actor=actor, decision_id=decision_id)
    if decision is None:
        raise HttpError(404, "Penetapan tidak ditemukan")
    return decision


@router.post(
    "/enrolments/{enrolment_id}/status-changes",
    response={201: StatusChangeOut, **WRITE},
    url_name="enrolment_status_change",
)
def status_change(request: HttpRequest, enrolment_id: int, payload: StatusChangeIn) -> Status[Any]:
    """Minta penangguhan, pemulihan atau keluar (dengan alasan); berlaku setelah dikonfirmasi pengguna lain."""
    actor = _actor(request)
    if not services.can_request_change(actor):
        raise PermissionDenied("Peran Anda tidak berwenang meminta perubahan status kepesertaan")
    enrolment = _enrolment_or_404(actor, enrolment_id)
    change = _write(
        lambda: services.status_change_request(
            actor=actor,
            enrolment=enrolment,
            kind=payload.kind,
            note=payload.note,
            exit_reason=payload.exit_reason,
        )
    )
    return Status(201, change)


def _change_or_404(actor: Any, change_id: int) -> StatusChange:
    change = selectors.status_change_get(actor=actor, change_id=change_id)
    if change is None:
        raise HttpError(404, "Permintaan perubahan tidak ditemukan")
    return change


@router.post(
    "/status-changes/{change_id}/confirm",
    response={200: EnrolmentOut, **WRITE},
    url_name="enrolment_status_change_confirm",
)
def status_change_confirm(request: HttpRequest, change_id: int, payload: ResolveIn) -> Status[Any]:
    """Konfirmasi permintaan perubahan status (bukan oleh peminta)."""
    actor = _actor(request)
    require(actor, "enrolment.decide")
    change = _change_or_404(actor, change_id)
    enrolment = _write(lambda: services.status_change_confirm(actor=actor, change=change, note=payload.note))
    return Status(200, _enrolment_or_404(actor, enrolment.pk))


@router.post(
    "/status-changes/{change_id}/reject",
    response={200: StatusChangeOut, **WRITE},
    url_name="enrolment_status_change_reject",
)
def status_change_reject(request: HttpRequest, change_id: int, payload: ResolveIn) -> Status[Any]:
    """Tolak permintaan perubahan status (bukan oleh peminta; alasan wajib)."""
    actor = _actor(request)
    require(actor, "enrolment.decide")
    change = _change_or_404(actor, change_id)
    return Status(
        200, _write(lambda: services.status_change_reject(actor=actor, change=change, note=payload.note))
    )
