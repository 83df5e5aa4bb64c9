"""/api/v1/distribution: events (list, detail with recap and checks, create, add recipients) and the handover
sync endpoint of the offline page (idempotent on the client key)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from salur.accounts.models import Unit
from salur.core.access import require
from salur.core.errors import SalurError
from salur.distribution import selectors, services
from salur.distribution.models import EventRecipient

router = Router(tags=["distribution"])

EVENT_NOT_FOUND = "Kegiatan tidak ditemukan di wilayah Anda"


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class EventOut(Schema):
    id: int
    judul: str
    tanggal: dt.date
    organiser: str
    kode_wilayah: str
    status: str
    recipients: int


class EventIn(Schema):
    judul: str
    organiser: str | None = None  # unit kode; default: the actor's unit
    warehouse_id: int
    kode_wilayah: str
    tanggal: dt.date
    tempat: str = ""
    pejabat: list[dict[str, str]] = []
    programs: list[str]
    laporan_jumlah_pm: int | None = None
    laporan_nilai: int | None = None
    laporan_kluster: dict[str, int] = {}


class RecipientIn(Schema):
    nik: str
    items: dict[str, int]
    case_id: int | None = None


class HandoverIn(Schema):
    recipient_id: int
    client_key: uuid.UUID
    received: bool
    mark: str = ""
    photo: str | None = None  # data URL
    signature: str | None = None  # data URL (PNG)
    latitude: float | None = None
    longitude: float | None = None
    note: str = ""
    recorded_at: dt.datetime | None = None


class HandoverOut(Schema):
    id: int
    recipient_id: int
    created: bool
    received: bool


class Message(Schema):
    detail: str


def _event_or_404(actor: Any, pk: int) -> Any:
    event = selectors.event_get(actor=actor, pk=pk)
    if event is None:
        raise HttpError(404, EVENT_NOT_FOUND)
    return event


@router.get("/events", response=list[EventOut])
def events_list(request: HttpRequest) -> list[dict[str, Any]]:
    actor = _actor(request)
    require(actor, "distribution.view")
    return [
        {
            "id": e.pk,
            "judul": e.judul,
            "tanggal": e.tanggal,
            "organiser": e.organiser.kode,
            "kode_wilayah": e.wilayah_id,
            "status": e.status,
            "recipients": e.n_recipients,  # type: ignore[attr-defined]
        }
        for e in selectors.events_visible(actor)[:500]
    ]


@router.get("/events/{event_id}", response={200: dict, 404: Message})
def event_detail(request: HttpRequest, event_id: int) -> dict[str, Any]:
    actor = _actor(request)
    require(actor, "distribution.view")
    event = _event_or_404(actor, event_id)
    recap = selectors.event_recap(event)
    return {
        "id": event.pk,
        "judul": event.judul,
        "status": event.status,
        "recap": {
            "recipients": recap.recipients,
            "received": recap.received,
            "not_received": recap.not_received,
            "pending": recap.pending,
            "value": recap.value,
            "value_received": recap.value_received,
            "by_cluster": recap.by_cluster,
            "by_item": recap.by_item,
        },
        "checks": [
            {"code": c.code, "message": c.message, "count": c.count}
            for c in selectors.event_checks(event, recap)
        ],
    }


@router.post("/events", response={201: EventOut, 403: Message, 422: Message})
def event_create(request: HttpRequest, payload: EventIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    require(actor, "distribution.manage")
    organiser = Unit.objects.filter(kode=payload.organiser).first() if payload.organiser else actor.unit
    warehouse = selectors.warehouse_get(actor=actor, pk=payload.warehouse_id)
    if organiser is None or warehouse is None:
        return Status(422, {"detail": "Unit penyelenggara atau gudang tidak dikenal di wilayah Anda"})
    try:
        event = services.event_create(
            actor=actor,
            data=services.EventData(
                judul=payload.judul,
                organiser=organiser,
                warehouse=warehouse,
                kode_wilayah=payload.kode_wilayah.replace(".", ""),
                tanggal=payload.tanggal,
                tempat=payload.tempat,
                pejabat=payload.pejabat,
                program_codes=payload.programs,
                laporan_jumlah_pm=payload.laporan_jumlah_pm,
                laporan_nilai=payload.laporan_nilai,
                laporan_kluster=payload.laporan_kluster,
            ),
        )
    except SalurError as exc:
        if isinstance(exc, services.PermissionDenied):
            raise
        return Status(422, {"detail": str(exc)})
    return Status(
        201,
        {
            "id": event.pk,
            "judul": event.judul,
            "tanggal": event.tanggal,
            "organiser": organiser.kode,
            "kode_wilayah": event.wilayah_id,
            "status": event.status,
            "recipients": 0,
        },
    )


@router.post("/events/{event_id}/recipients", response={200: dict, 404: Message, 422: Message})
def recipients_add(request: HttpRequest, event_id: int, payload: list[RecipientIn]) -> Any:
    actor = _actor(request)
    require(actor, "distribution.manage")
    event = _event_or_404(actor, event_id)
    try:
        result = services.recipients_add(
            actor=actor,
            event=event,
            rows=[services.RecipientRow(nik=r.nik, items=r.items, case_id=r.case_id) for r in payload],
        )
    except services.PermissionDenied:
        raise
    except SalurError as exc:
        return Status(422, {"detail": str(exc)})
    return {"added": result.added, "rejected": result.rejected}


def _data_url(value: str | None, field: str) -> tuple[bytes, str] | None:
    if not value:
        return None
    try:
        head, b64 = value.split(",", 1)
        kind = head.split(";")[0].split("/")[-1].lower()
        return base64.b64decode(b64, validate=True), kind
    except (ValueError, binascii.Error) as exc:
        raise SalurError(f"{field} bukan data gambar yang sah") from exc


@router.post(
    "/handovers", response={200: HandoverOut, 201: HandoverOut, 404: Message, 409: Message, 422: Message}
)
def handover_sync(request: HttpRequest, payload: HandoverIn) -> Status[dict[str, Any]]:
    """Record one handover; sending the same client key again answers 200 with the first record."""
    actor = _actor(request)
    require(actor, "distribution.handover")
    recipient = (
        EventRecipient.objects.select_related("event")
        .filter(pk=payload.recipient_id, event__in=selectors.events_visible(actor).values("pk"))
        .first()
    )
    if recipient is None:
        return Status(404, {"detail": "Penerima tidak ditemukan di wilayah Anda"})
    try:
        photo = _data_url(payload.photo, "Foto")
        signature = _data_url(payload.signature, "Tanda tangan")
        photo_file = None
        if photo:
            photo_file = io.BytesIO(photo[0])
            photo_file.name = f"foto.{photo[1]}"
        handover, created = services.handover_record(
            actor=actor,
            recipient=recipient,
            data=services.HandoverData(
                client_key=payload.client_key,
                received=payload.received,
                mark=payload.mark,
                signature_png=signature[0] if signature else None,
                photo=photo_file,
                photo_name=photo_file.name if photo_file else "",
                latitude=payload.latitude,
                longitude=payload.longitude,
                note=payload.note,
                recorded_at=payload.recorded_at,
            ),
        )
    except services.HandoverConflict as exc:
        return Status(409, {"detail": str(exc)})
    except services.PermissionDenied:
        raise
    except SalurError as exc:
        return Status(422, {"detail": str(exc)})
    body = {
        "id": handover.pk,
        "recipient_id": recipient.pk,
        "created": created,
        "received": handover.received,
    }
    return Status(201 if created else 200, body)
