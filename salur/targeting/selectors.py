"""Reads of targeting: the active PMT model, model versions and score runs (national data: no region filter;
who may read is checked by the doors with the capability targeting.view)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from salur.targeting import pmt
from salur.targeting.models import PmtModel, ScoreRun


@dataclass(frozen=True)
class ActiveModel:
    """The model `score` uses: the active stored version, or the shipped default (version 0)."""

    weights: pmt.PmtWeights
    version: int
    sha256: str
    row: PmtModel | None

    @property
    def label(self) -> str:
        return f"v{self.version}" if self.row is not None else "bawaan (v0)"

    @property
    def metrics(self) -> dict:
        return dict(self.row.metrics) if self.row is not None else {}


def active_model() -> ActiveModel:
    row = PmtModel.objects.filter(is_active=True).select_related("created_by").first()
    if row is None:
        weights = pmt.DEFAULT_WEIGHTS
        return ActiveModel(weights=weights, version=0, sha256=weights.sha256(), row=None)
    return ActiveModel(
        weights=pmt.PmtWeights.from_dict(row.weights), version=row.version, sha256=row.sha256, row=row
    )


def model_versions() -> QuerySet[PmtModel]:
    return PmtModel.objects.select_related("created_by").order_by("-version")


def score_run_latest() -> ScoreRun | None:
    return ScoreRun.objects.select_related("created_by").order_by("-created_at", "-id").first()


def score_run_for(*, input_sha256: str, model_sha256: str) -> ScoreRun | None:
    """A run that scored exactly this registry state with this model (for idempotent demo steps)."""
    return (
        ScoreRun.objects.filter(input_sha256=input_sha256, model_sha256=model_sha256)
        .order_by("-created_at", "-id")
        .first()
    )
