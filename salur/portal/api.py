"""/api/v1/portal: the public lookup and tracking, without login; the same rules as the pages (specific queries,
capped results, masked names, no NIK in answers) and the same per-client rate limits (429 with Retry-After)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from salur.grievances.selectors import public_track
from salur.portal import selectors
from salur.portal.ratelimit import TOO_MANY, allow

router = Router(tags=["portal"])


class LookupIn(Schema):
    nik: str = ""
    kode_desa: str = ""
    nama: str = ""


class ProgramOut(Schema):
    program: str
    status: str
    last_period: str
    last_paid: str


class PersonOut(Schema):
    masked_name: str
    desa: str
    programs: list[ProgramOut]
    sanggah_token: str


class LookupOut(Schema):
    too_many: bool
    results: list[PersonOut]


class MessageOut(Schema):
    detail: str


class TrackOut(Schema):
    kind: str
    tracking_no: str
    category: str
    status: str
    status_label: str
    unit: str
    created_at: Any
    due_at: Any = None
    escalated: bool
    closed_at: Any = None
    outcome: str


def limited(request: HttpRequest, bucket: str) -> Status[dict[str, str]] | None:
    ok, retry = allow(request, bucket)
    if ok:
        return None
    return Status(429, {"detail": TOO_MANY.format(s=retry)})


@router.post(
    "/lookup",
    auth=None,
    response={200: LookupOut, 422: MessageOut, 429: MessageOut},
    url_name="portal_lookup",
)
def lookup(request: HttpRequest, payload: LookupIn) -> Any:
    """Cek bansos: NIK, atau kode desa dan nama (paling sedikit 3 huruf); paling banyak 10 orang, nama tersamar."""
    refused = limited(request, "lookup")
    if refused:
        return refused
    try:
        if payload.nik:
            result = selectors.lookup_by_nik(nik=payload.nik)
        else:
            result = selectors.lookup_by_name(kode_desa=payload.kode_desa, nama=payload.nama)
    except selectors.LookupRefused as exc:
        return Status(422, {"detail": str(exc)})
    return {
        "too_many": result.too_many,
        "results": [
            {
                "masked_name": r.masked_name,
                "desa": r.desa,
                "programs": [p.__dict__ for p in r.programs],
                "sanggah_token": r.sanggah_token,
            }
            for r in result.rows
        ],
    }


@router.get(
    "/track/{tracking_no}",
    auth=None,
    response={200: TrackOut, 404: MessageOut, 429: MessageOut},
    url_name="portal_track",
)
def track(request: HttpRequest, tracking_no: str) -> Any:
    """Status usul, sanggah atau pengaduan menurut nomor lacak."""
    refused = limited(request, "track")
    if refused:
        return refused
    item = public_track(tracking_no=tracking_no)
    if item is None:
        return Status(404, {"detail": "Nomor lacak tidak ditemukan"})
    return item
