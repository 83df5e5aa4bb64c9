"""Writes of targeting: calibrate (and activate) a PMT model, score the registry (docs/targeting.md)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.db.models import Max

from salur.core.access import is_national, require
from salur.core.audit import audit_record
from salur.core.errors import PermissionDenied, SalurError
from salur.targeting import pmt
from salur.targeting.batch import pipeline
from salur.targeting.models import PmtModel, ScoreRun
from salur.targeting.selectors import ActiveModel, active_model

log = logging.getLogger("salur.targeting")

CAPABILITY = "targeting.run"
_LOCK_KEY = 0x5A1A_7A36  # one score or activation at a time (PostgreSQL advisory lock)


def _require_runner(actor: Any) -> None:
    require(actor, CAPABILITY)
    # The desil is a national ranking: only a national user may recompute or recalibrate it.
    if not is_national(actor):
        raise PermissionDenied(
            "Penargetan PMT bersifat nasional: hanya pengguna pusat yang boleh menjalankannya"
        )


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


@dataclass(frozen=True)
class CalibrationReport:
    calibration: pmt.Calibration
    current: ActiveModel
    activated: PmtModel | None

    def as_dict(self) -> dict[str, Any]:
        c = self.calibration
        return {
            **c.metrics(),
            "model_before": {"version": self.current.version, "sha256": self.current.sha256},
            "activated": self.activated is not None,
            "version": self.activated.version if self.activated else None,
            "sha256": c.weights.sha256(),
            "weights": c.weights.as_dict(),
        }


def pmt_calibrate(*, actor: Any, folds: int = 5, activate: bool = False) -> CalibrationReport:
    """Fit the PMT on the surveyed households and compare it with the active model at the desil-4 cut.

    Without ``activate`` nothing is written (a report). With it, the fitted weights become a new active version
    (the previous one is deactivated), audited; the stored desil change only when `pmt_score` runs next.
    Raises PermissionDenied and SalurError (too few surveyed households, bad folds)."""
    _require_runner(actor)
    current = active_model()
    inputs = pipeline.read_inputs()
    base = pmt.household_base(inputs.households, inputs.members)
    try:
        calibration = pmt.calibrate(base, current=current.weights, folds=folds)
    except pmt.CalibrationError as exc:
        raise SalurError(str(exc)) from exc
    activated = None
    if activate:
        with transaction.atomic():
            _lock()
            activated = _activate(actor=actor, calibration=calibration)
    return CalibrationReport(calibration=calibration, current=current, activated=activated)


def _activate(*, actor: Any, calibration: pmt.Calibration) -> PmtModel:
    previous = PmtModel.objects.select_for_update().filter(is_active=True).first()
    PmtModel.objects.filter(is_active=True).update(is_active=False)
    version = (PmtModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    weights = calibration.weights
    model = PmtModel.objects.create(
        version=version,
        weights=weights.as_dict(),
        sha256=weights.sha256(),
        metrics=calibration.metrics(),
        created_by=actor,
        is_active=True,
    )
    before = (
        {"version": previous.version, "sha256": previous.sha256}
        if previous
        else {"version": 0, "sha256": pmt.DEFAULT_WEIGHTS.sha256()}
    )
    audit_record(
        actor=actor,
        action="targeting.model.activate",
        object_type="targeting.pmtmodel",
        object_id=version,
        before=before,
        after={"version": version, "sha256": model.sha256},
        detail={"metrics": model.metrics, "weights": model.weights},
    )
    return model


def _counts(series: pl.Series) -> dict[str, int]:
    counts = dict.fromkeys((str(d) for d in range(1, 11)), 0)
    for value, n in series.drop_nulls().value_counts().iter_rows():
        counts[str(int(value))] = int(n)
    return counts


def pmt_score(*, actor: Any) -> ScoreRun:
    """Score every household with the active model and write pmt_skor for all of them, desil and
    desil_sumber = "computed" for those without a supplied desil; one transaction, one audit entry.

    The desil is the national ranking of all households (supplied and computed) by predicted consumption per
    capita (pmt.national_desil). A supplied desil is never overwritten."""
    _require_runner(actor)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    clock = [started]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 2)
        clock[0] = now

    with transaction.atomic():
        _lock()
        model = active_model()
        inputs = pipeline.read_inputs()
        lap("read")
        hh = inputs.households
        base = pmt.household_base(hh, inputs.members)
        scored = pmt.score(base, model.weights)
        final = pipeline.final_desil(hh, scored)
        lap("compute")
        changed = final.filter(pl.col("_changed"))
        updated = pipeline.write_scores(changed)
        lap("write")
        supplied = int(final["_supplied"].sum())
        run = ScoreRun.objects.create(
            model=model.row,
            model_version=model.version,
            model_sha256=model.sha256,
            created_by=actor,
            households=final.height,
            supplied=supplied,
            computed=final.height - supplied,
            changed=updated,
            desil_pmt=_counts(final["desil_pmt"]),
            desil_computed=_counts(final.filter(~pl.col("_supplied"))["new_desil"]),
            input_sha256=pipeline.input_sha256(base, hh),
            before_sha256=pipeline.state_sha256(final, "pmt_skor", "desil", "desil_sumber"),
            result_sha256=pipeline.state_sha256(final, "new_skor", "new_desil", "new_sumber"),
            seconds=0.0,
        )
        audit_record(
            actor=actor,
            action="targeting.score",
            object_type="targeting.scorerun",
            object_id=run.pk,
            before={"state_sha256": run.before_sha256},
            after={
                "state_sha256": run.result_sha256,
                "households": run.households,
                "supplied": run.supplied,
                "computed": run.computed,
                "changed": run.changed,
            },
            detail={
                "model_version": run.model_version,
                "model_sha256": run.model_sha256,
                "input_sha256": run.input_sha256,
                "desil_pmt": run.desil_pmt,
                "desil_computed": run.desil_computed,
            },
        )
        lap("digests_and_audit")
        run.seconds = round(time.perf_counter() - started, 3)
        ScoreRun.objects.filter(pk=run.pk).update(seconds=run.seconds)
    lap("commit")
    log.info("targeting score timings (s): %s", json.dumps(timings))
    return run


def score_run_summary(run: ScoreRun) -> dict[str, Any]:
    """The JSON of `salur targeting score`."""
    return {
        "run": run.pk,
        "model_version": run.model_version,
        "model_sha256": run.model_sha256,
        "households": run.households,
        "supplied": run.supplied,
        "computed": run.computed,
        "changed": run.changed,
        "desil_pmt": run.desil_pmt,
        "desil_computed": run.desil_computed,
        "input_sha256": run.input_sha256,
        "result_sha256": run.result_sha256,
        "seconds": run.seconds,
    }
