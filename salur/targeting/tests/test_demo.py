"""The demo step: calibrates once, scores once per registry state, and reuses both when run again."""

from __future__ import annotations

import pytest

from salur.registry.models import Household
from salur.targeting import demo
from salur.targeting.models import PmtModel, ScoreRun

pytestmark = pytest.mark.django_db


def test_the_demo_step_calibrates_and_scores_once_and_then_reuses(synth_small_registry, admin_user):
    lines: list[str] = []
    demo.run({"demo_admin": admin_user}, lines.append)
    assert PmtModel.objects.get().version == 1
    run = ScoreRun.objects.get()
    assert run.model_version == 1
    assert run.households == Household.objects.count()
    assert "dikalibrasi" in lines[0]

    lines.clear()
    demo.run({"demo_admin": admin_user}, lines.append)
    assert (PmtModel.objects.count(), ScoreRun.objects.count()) == (1, 1)
    assert lines == ["Penargetan: registri sudah dinilai dengan model v1; dipakai ulang."]

    # a registry that changed is scored again
    Household.objects.filter(pk=Household.objects.order_by("id").first().pk).update(luas_lantai_m2=500)
    demo.run({"demo_admin": admin_user}, lines.append)
    assert ScoreRun.objects.count() == 2
