"""/api/v1/targeting endpoints: the active PMT model, its metrics and the last score run."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from salur.core.access import require
from salur.targeting import pmt
from salur.targeting.selectors import active_model, score_run_latest

router = Router(tags=["targeting"])


class WeightOut(Schema):
    name: str
    label: str
    weight: float


class ScoreRunOut(Schema):
    id: int
    created_at: str
    created_by: str
    model_version: int
    households: int
    supplied: int
    computed: int
    changed: int
    desil_pmt: dict[str, int]
    desil_computed: dict[str, int]
    input_sha256: str
    result_sha256: str


class ModelOut(Schema):
    version: int
    label: str
    sha256: str
    created_at: str | None
    created_by: str | None
    intercept: float
    weights: list[WeightOut]
    metrics: dict[str, Any]
    last_run: ScoreRunOut | None


class MessageOut(Schema):
    detail: str


@router.get("/model", response={200: ModelOut, 403: MessageOut}, url_name="targeting_model")
def model_get(request: HttpRequest) -> dict[str, Any]:
    """The model `salur targeting score` uses (version 0 = the shipped default weights) and the last run."""
    require(request.auth, "targeting.view")  # type: ignore[attr-defined]
    model = active_model()
    run = score_run_latest()
    row = model.row
    return {
        "version": model.version,
        "label": model.label,
        "sha256": model.sha256,
        "created_at": row.created_at.isoformat() if row else None,
        "created_by": row.created_by.username if row else None,
        "intercept": model.weights.intercept,
        "weights": [{"name": n, "label": label, "weight": w} for n, label, w in pmt.describe(model.weights)],
        "metrics": model.metrics,
        "last_run": None
        if run is None
        else {
            "id": run.pk,
            "created_at": run.created_at.isoformat(),
            "created_by": run.created_by.username,
            "model_version": run.model_version,
            "households": run.households,
            "supplied": run.supplied,
            "computed": run.computed,
            "changed": run.changed,
            "desil_pmt": run.desil_pmt,
            "desil_computed": run.desil_computed,
            "input_sha256": run.input_sha256,
            "result_sha256": run.result_sha256,
        },
    }
