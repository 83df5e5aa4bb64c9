"""/api/v1/dataquality: the quality report, the duplicate queue and decisions (same selectors and services as
the web pages)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from salur.core.access import can, nik_for
from salur.core.errors import NotFound, SalurError
from salur.dataquality import selectors, services

router = Router(tags=["dataquality"])


class RegionFigures(Schema):
    kab: str
    anggota: int
    keluarga: int
    nik_tidak_valid: int
    nik_tgl_lahir: int
    nik_jenis_kelamin: int
    kepala_tidak_satu: int
    duplikat: int
    asn: int
    tni_polri: int
    meninggal: int


class PairOut(Schema):
    id: int
    jenis: str
    status: str
    skor: float
    alasan: str
    nik_a: str | None
    nik_b: str | None
    no_kk_a: str
    no_kk_b: str


class DecisionIn(Schema):
    keputusan: Literal["gabung", "tolak"]
    simpan: Literal["a", "b"] = "a"
    catatan: str = ""


def _forbid(request: HttpRequest, capability: str) -> None:
    if not can(request.user, capability):
        raise HttpError(403, "Peran Anda tidak berwenang")


def _pair_out(request: HttpRequest, p: Any) -> PairOut:
    return PairOut(
        id=p.pk,
        jenis=p.kind,
        status=p.status,
        skor=p.skor,
        alasan=p.alasan,
        nik_a=nik_for(request.user, p.member_a.nik) if p.member_a_id else None,
        nik_b=nik_for(request.user, p.member_b.nik) if p.member_b_id else None,
        no_kk_a=p.household_a.no_kk,
        no_kk_b=p.household_b.no_kk,
    )


@router.get("/report", response=list[RegionFigures])
def report(request: HttpRequest):
    _forbid(request, "quality.view")
    return selectors.quality_report(actor=request.user)


@router.get("/pairs", response=list[PairOut])
def pairs(request: HttpRequest, status: str = "baru", jenis: str = "", limit: int = 100, offset: int = 0):
    _forbid(request, "quality.view")
    qs = selectors.pair_list(actor=request.user, status=status, kind=jenis)[
        offset : offset + min(limit, 1000)
    ]
    return [_pair_out(request, p) for p in qs]


@router.post("/pairs/{pair_id}/decision", response=PairOut)
def decide(request: HttpRequest, pair_id: int, payload: DecisionIn):
    _forbid(request, "dedup.review")
    try:
        services.pair_decide(
            actor=request.user,
            pair_id=pair_id,
            merge=payload.keputusan == "gabung",
            keep=payload.simpan,
            note=payload.catatan,
        )
        return _pair_out(request, selectors.pair_get(actor=request.user, pair_id=pair_id))
    except NotFound as exc:
        raise HttpError(404, str(exc)) from exc
    except SalurError as exc:
        raise HttpError(409, str(exc)) from exc
