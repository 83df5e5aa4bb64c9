"""Properties of the PKH selection not covered in test_entitlements.py: the order of the input rows does not change
any decision, amount or component; the one-household walk of the explanations equals the batch selection."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salur.programs.batch import entitlements as e
from salur.programs.tests.test_entitlements import (
    HH_SCHEMA,
    MEMBER_SCHEMA,
    _compute,
    check_invariants,
    configs,
    registries,
)


def _outcome(result: e.Entitlements) -> tuple[list, list]:
    decisions = sorted(result.decisions.select("household_id", "eligible", "reasons", "nominal").rows())
    components = sorted(result.components.select("household_id", "nik", "component", "per_period").rows())
    return decisions, components


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=registries(max_households=6, max_members=9), config=configs(), seed=st.randoms(use_true_random=False)
)
def test_the_order_of_households_and_members_changes_no_decision_amount_or_component(data, config, seed):
    at, households, members, lists = data
    first = _compute(at, households, members, lists, config)
    shuffled_h = list(households)
    shuffled_m = list(members)
    seed.shuffle(shuffled_h)
    seed.shuffle(shuffled_m)
    second = _compute(at, shuffled_h, shuffled_m, lists, config)
    assert _outcome(first) == _outcome(second)
    check_invariants(second, config)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=registries(max_households=3, max_members=10, walk=True), config=configs())
def test_the_explanations_walk_takes_exactly_the_batch_selection(data, config):
    at, households, members, lists = data
    batch = _compute(at, households, members, lists, config)
    refs = e.ReferenceLists.of(
        asn=sorted(lists["asn"]), tni_polri=sorted(lists["tni"]), kematian=sorted(lists["dead"])
    )
    period = f"{at.year}-T{(at.month - 1) // 3 + 1}"
    for h in households:
        hh = pl.DataFrame([h], schema=HH_SCHEMA, orient="row")
        mm = pl.DataFrame(
            [{k: m[k] for k in MEMBER_SCHEMA} for m in members if m["household_id"] == h["household_id"]],
            schema=MEMBER_SCHEMA,
            orient="row",
        )
        walk = e.explain_walk(hh, mm, config=config, period=period, lists=refs)
        taken = sorted((w["nik"], w["component"], w["per_period"]) for w in walk if w["status"] == e.TAKEN)
        decision = batch.decisions.filter(pl.col("household_id") == h["household_id"]).row(0, named=True)
        want = sorted(
            batch.components.filter(pl.col("household_id") == h["household_id"])
            .select("nik", "component", "per_period")
            .rows()
        )
        if decision["eligible"]:
            assert taken == want
        else:
            assert want == []
        # Every pair not taken has exactly one reason, and only the statuses of the contract's step 3.
        assert {w["status"] for w in walk} <= {e.TAKEN, e.MEMBER_COUNTED, e.CAP_REACHED, e.FAMILY_CAP}
        assert len({w["nik"] for w in walk if w["status"] == e.TAKEN}) <= config.max_members
