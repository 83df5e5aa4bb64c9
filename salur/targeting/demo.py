"""Demo step of targeting (`salur demo`): calibrate the PMT on the demo registry's surveyed households once, then
score the registry unless a score run of this very registry state and model exists. Safe to run again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from salur.core.errors import SalurError
from salur.targeting import pmt
from salur.targeting.batch import pipeline
from salur.targeting.models import PmtModel
from salur.targeting.selectors import active_model, score_run_for
from salur.targeting.services import pmt_calibrate, pmt_score


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%".replace(".", ",")


def run(users: dict[str, Any], log: Callable[[str], None]) -> None:
    actor = users["demo_admin"]
    if not PmtModel.objects.exists():
        try:
            report = pmt_calibrate(actor=actor, folds=5, activate=True)
        except SalurError as exc:
            log(f"Penargetan: kalibrasi PMT dilewati ({exc}); skor memakai bobot bawaan.")
        else:
            m = report.as_dict()
            b, a = m["before"], m["after"]
            log(
                f"Penargetan: model PMT v{m['version']} dikalibrasi pada {m['sample']} keluarga survei; "
                f"galat inklusi {_pct(b['inclusion_error'])} -> {_pct(a['inclusion_error'])}, "
                f"galat eksklusi {_pct(b['exclusion_error'])} -> {_pct(a['exclusion_error'])} (validasi silang)."
            )
    model = active_model()
    inputs = pipeline.read_inputs()
    digest = pipeline.input_sha256(pmt.household_base(inputs.households, inputs.members), inputs.households)
    if score_run_for(input_sha256=digest, model_sha256=model.sha256) is not None:
        log(f"Penargetan: registri sudah dinilai dengan model {model.label}; dipakai ulang.")
        return
    result = pmt_score(actor=actor)
    log(
        f"Penargetan: skor PMT {result.households} keluarga (model v{result.model_version}); "
        f"{result.computed} mendapat desil hitungan, {result.supplied} tetap dengan desil dari data."
    )
