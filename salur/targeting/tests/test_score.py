"""`salur targeting score` and `calibrate` against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from salur.accounts.models import Role
from salur.core.audit import audit_verify
from salur.core.errors import PermissionDenied
from salur.core.models import AuditEntry
from salur.registry.models import DesilSource, Household
from salur.targeting import pmt
from salur.targeting.batch import pipeline
from salur.targeting.models import PmtModel, ScoreRun
from salur.targeting.selectors import active_model
from salur.targeting.services import pmt_calibrate, pmt_score

pytestmark = pytest.mark.django_db

OTHER_ROLES = [
    ("u_prov", Role.OPERATOR_DINSOS_PROV, "32"),
    ("u_kab", Role.OPERATOR_DINSOS_KAB, "32.12"),
    ("u_desa", Role.OPERATOR_DESA, "3212092011"),
    ("u_sentra", Role.PETUGAS_SENTRA, "32.12"),
    ("u_pendamping", Role.PENDAMPING, "32.12"),
    ("u_verifikator", Role.VERIFIKATOR, None),
    ("u_auditor", Role.AUDITOR, None),
]


def _drop_desil_of_every_second_household() -> dict[str, int | None]:
    """The worked example supplies every desil: take it away from half, return the supplied ones kept."""
    ids = list(Household.objects.order_by("id").values_list("id", flat=True))
    Household.objects.filter(id__in=ids[::2]).update(desil=None, desil_sumber="")
    return dict(Household.objects.filter(desil__isnull=False).values_list("no_kk", "desil"))


def _state() -> list[tuple]:
    return list(Household.objects.order_by("id").values_list("no_kk", "pmt_skor", "desil", "desil_sumber"))


def test_score_writes_every_score_and_a_desil_only_where_none_was_supplied(golden_registry, admin_user):
    supplied = _drop_desil_of_every_second_household()
    assert len(supplied) == 186  # of the 372 households the worked example's import accepts
    run = pmt_score(actor=admin_user)

    rows = {r[0]: r[1:] for r in _state()}
    assert all(skor is not None for skor, _, _ in rows.values())
    for no_kk, desil in supplied.items():
        assert rows[no_kk][1:] == (desil, DesilSource.SUPPLIED), no_kk
    computed = {k: v for k, v in rows.items() if k not in supplied}
    assert {sumber for _, _, sumber in computed.values()} == {DesilSource.COMPUTED}

    # the desil written is the national rank of every household's score, computed here once more
    inputs = pipeline.read_inputs()
    scores = pmt.score(pmt.household_base(inputs.households, inputs.members), pmt.DEFAULT_WEIGHTS)
    expected = dict(
        inputs.households.select("no_kk", "household_id")
        .join(scores, on="household_id")
        .select("no_kk", "desil_pmt")
        .iter_rows()
    )
    assert {k: d for k, (_, d, _) in computed.items()} == {k: expected[k] for k in computed}
    assert (run.households, run.supplied, run.computed, run.changed) == (372, 186, 186, 372)
    assert (run.model, run.model_version, run.model_sha256) == (None, 0, pmt.DEFAULT_WEIGHTS.sha256())
    # 372 households: every desil holds 37 or 38 of them
    assert sum(run.desil_pmt.values()) == 372
    assert all(n in (37, 38) for n in run.desil_pmt.values()), run.desil_pmt
    assert sum(run.desil_computed.values()) == 186

    entry = AuditEntry.objects.get(action="targeting.score")
    payload = json.loads(entry.payload)
    assert (entry.actor_id, entry.object_id) == (admin_user.pk, str(run.pk))
    assert payload["after"]["state_sha256"] == run.result_sha256
    assert payload["before"]["state_sha256"] == run.before_sha256 != run.result_sha256
    assert payload["detail"]["model_sha256"] == pmt.DEFAULT_WEIGHTS.sha256()
    assert audit_verify().ok


def test_scoring_the_same_registry_again_changes_nothing(golden_registry, admin_user):
    _drop_desil_of_every_second_household()
    first = pmt_score(actor=admin_user)
    state = _state()
    second = pmt_score(actor=admin_user)
    assert _state() == state
    assert second.changed == 0
    assert (second.input_sha256, second.result_sha256) == (first.input_sha256, first.result_sha256)
    assert second.before_sha256 == first.result_sha256


def test_the_update_keeps_a_supplied_desil_whatever_the_stage_table_says(golden_registry):
    target = Household.objects.order_by("id").first()
    assert target.desil_sumber == DesilSource.SUPPLIED
    assert target.desil != 10
    rows = pl.DataFrame(
        {"household_id": [target.pk], "new_skor": [12.5], "new_desil": [10], "new_sumber": ["computed"]}
    )
    assert pipeline.write_scores(rows) == 1
    target_after = Household.objects.get(pk=target.pk)
    assert (target_after.pmt_skor, target_after.desil, target_after.desil_sumber) == (
        12.5,
        target.desil,
        DesilSource.SUPPLIED,
    )


def test_a_desil_salur_computed_is_recomputed_when_the_model_changes(golden_registry, admin_user):
    _drop_desil_of_every_second_household()
    pmt_score(actor=admin_user)
    computed = Household.objects.filter(desil_sumber=DesilSource.COMPUTED).order_by("id").first()
    # a model where only the floor area matters ranks the households differently
    model = pmt.PmtWeights(intercept=10.0, weights={"ln_luas_lantai_per_kapita": 1.0})
    PmtModel.objects.create(
        version=1, weights=model.as_dict(), sha256=model.sha256(), created_by=admin_user, is_active=True
    )
    run = pmt_score(actor=admin_user)
    assert run.model_version == 1
    assert run.changed == 372
    after = Household.objects.get(pk=computed.pk)
    assert after.desil_sumber == DesilSource.COMPUTED
    assert after.pmt_skor != computed.pmt_skor


@pytest.mark.parametrize(("name", "role", "wilayah"), OTHER_ROLES)
def test_only_a_role_that_may_run_targeting_scores_or_calibrates(
    golden_registry, make_user, name, role, wilayah
):
    user = make_user(name, role, wilayah)
    state, audits = _state(), AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        pmt_score(actor=user)
    with pytest.raises(PermissionDenied):
        pmt_calibrate(actor=user, activate=True)
    assert _state() == state
    assert AuditEntry.objects.count() == audits
    assert not ScoreRun.objects.exists()
    assert not PmtModel.objects.exists()


def test_calibrate_reports_before_and_after_and_activates_only_when_asked(synth_small_registry, admin_user):
    audits = AuditEntry.objects.count()
    report = pmt_calibrate(actor=admin_user, folds=4)
    data = report.as_dict()
    assert not PmtModel.objects.exists()
    assert AuditEntry.objects.count() == audits
    assert data["activated"] is False
    assert data["version"] is None
    assert data["sample"] == Household.objects.filter(pengeluaran_per_kapita__gt=0).count()
    assert data["folds"] == 4
    assert data["model_before"] == {"version": 0, "sha256": pmt.DEFAULT_WEIGHTS.sha256()}
    for key in ("before", "after", "after_in_sample"):
        assert data[key]["households"] == data["sample"]
        assert set(data[key]) >= {
            "inclusion_error",
            "exclusion_error",
            "included_wrongly",
            "excluded_wrongly",
        }

    first = pmt_calibrate(actor=admin_user, folds=4, activate=True).activated
    assert first is not None
    assert first.version == 1
    assert first.is_active
    assert first.weights == data["weights"]
    assert first.sha256 == data["sha256"]
    # the second activation is measured against version 1 and replaces it
    second_report = pmt_calibrate(actor=admin_user, folds=4, activate=True)
    assert second_report.as_dict()["model_before"]["version"] == 1
    assert list(PmtModel.objects.order_by("version").values_list("version", "is_active")) == [
        (1, False),
        (2, True),
    ]
    assert active_model().version == 2
    entries = AuditEntry.objects.filter(action="targeting.model.activate").order_by("id")
    assert [json.loads(e.payload)["before"]["version"] for e in entries] == [0, 1]
    assert pmt_score(actor=admin_user).model_version == 2


def test_the_commands_print_json_and_refuse_a_user_without_the_capability(
    golden_registry, admin_user, make_user, capsys
):
    call_command("targeting_score", "--json", "--user", admin_user.username)
    result = json.loads(capsys.readouterr().out)
    assert result["households"] == 372
    assert result["supplied"] == 372
    assert result["computed"] == 0
    assert set(result["desil_computed"].values()) == {0}

    make_user("u_kab", Role.OPERATOR_DINSOS_KAB, "32.12")
    with pytest.raises(CommandError) as refused:
        call_command("targeting_score", "--user", "u_kab")
    assert refused.value.returncode == 2
    # the worked example has too few surveyed households: a clear refusal, exit 2
    with pytest.raises(CommandError, match="Terlalu sedikit") as small:
        call_command("targeting_calibrate", "--user", admin_user.username)
    assert small.value.returncode == 2
