"""/api/v1/payments: status files, export of files (to the server's export folder), verification answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from salur.core.access import require
from salur.core.errors import SalurError
from salur.cycles.services import cycle_for
from salur.payments.models import VerificationSample
from salur.payments.services import payments_export, status_import
from salur.payments.verification import answer_record, estimate, sample_draw

router = Router(tags=["payments"])


class SampleIn(Schema):
    cycle: str
    confidence: float = 0.95
    margin: float = 0.05
    stratify: str = ""
    seed: int | None = None


class AnswerIn(Schema):
    answer: str
    amount_received: int | None = None
    notes: str = ""


@router.post("/export/{code}", summary="Tulis berkas pembayaran siklus yang disetujui (folder ekspor server)")
def export(request: HttpRequest, code: str) -> dict[str, Any]:
    require(request.user, "payments.export")
    cycle = cycle_for(request.user, code)
    files = payments_export(
        actor=request.user, code=cycle.code, out_dir=Path(settings.VAR_DIR) / "exports" / cycle.code
    )
    return {"cycle": cycle.code, "files": files}


@router.post("/status", summary="Terapkan berkas status bank/PT Pos")
def status(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    require(request.user, "payments.status")
    if not (file.name or "").lower().endswith(".csv"):
        raise SalurError("Berkas status harus berformat .csv")
    folder = Path(settings.VAR_DIR) / "status"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dt.datetime.now():%Y%m%d%H%M%S%f}-{request.user.pk}.csv"
    with path.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    return status_import(actor=request.user, path=path, file_name=(file.name or "status.csv")[:200]).as_dict()


@router.post("/samples", response={201: dict}, summary="Tarik sampel verifikasi penerimaan")
def sample_new(request: HttpRequest, body: SampleIn):
    sample = sample_draw(
        actor=request.user,
        code=body.cycle,
        confidence=body.confidence,
        margin=body.margin,
        stratify=body.stratify,
        seed=body.seed,
    )
    return Status(
        201,
        {
            "sample": sample.pk,
            "size": sample.size,
            "population": sample.population,
            "seed": sample.seed,
        },
    )


@router.get("/samples/{sample_id}", summary="Perkiraan hasil verifikasi")
def sample_get(request: HttpRequest, sample_id: int) -> dict[str, Any]:
    require(request.user, "cycle.view")
    sample = VerificationSample.objects.select_related("cycle").filter(pk=sample_id).first()
    if sample is None:
        from salur.core.errors import NotFound

        raise NotFound("Sampel tidak ditemukan")
    return estimate(sample)


@router.post("/samples/items/{item_id}/answer", summary="Catat jawaban penerima sampel")
def answer(request: HttpRequest, item_id: int, body: AnswerIn) -> dict[str, Any]:
    item = answer_record(
        actor=request.user,
        item_id=item_id,
        answer=body.answer,
        amount_received=body.amount_received,
        notes=body.notes,
    )
    return {
        "item": item.pk,
        "answer": item.answer,
        "amount_received": item.amount_received,
        "follow_up": item.follow_up,
    }
