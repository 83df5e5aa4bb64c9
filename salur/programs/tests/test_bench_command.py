"""`salur bench eligibility` on the golden registry: it reads through the cycle pipeline and computes exactly what
a cycle computes (timings are not asserted; they live in docs/benchmarks.md)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from salur.core.errors import CommandFailed

pytestmark = pytest.mark.django_db


def test_bench_eligibility_reports_the_cycle_figures(golden_cycle_inputs, capsys):
    expected = json.loads((golden_cycle_inputs / "expected_PKH-2024-T2_summary.json").read_text())
    capsys.readouterr()
    call_command("bench_eligibility", households=372, repeat=2, json=True)
    out = json.loads(capsys.readouterr().out)
    assert (out["households"], out["eligible"], out["total"]) == (
        372,
        expected["eligible"],
        expected["total"],
    )
    assert len(out["compute_seconds_all"]) == 2
    assert out["peak_memory_mb"] >= out["peak_memory_mb_after_read"] > 0
    call_command("bench_eligibility", households=10, repeat=1, json=True)
    assert json.loads(capsys.readouterr().out)["households"] == 10
    with pytest.raises(CommandFailed, match="hanya berisi 372"):
        call_command("bench_eligibility", households=373, repeat=1)
