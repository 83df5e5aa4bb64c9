"""Stored rules take effect: `compute(..., eligibility_rule=, amount_rule=)` follows an administrator's rule.

* the default catalogue's rules give exactly the decisions, reasons and amounts of the config alone (golden example
  and Hypothesis registries);
* a changed rule changes the decisions, with the reason of each failed condition (ATURAN_PROGRAM for the
  administrator's own conditions), and the decision always equals the rule evaluated on its own.
"""

from __future__ import annotations

import json

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings

from salur.programs import rules
from salur.programs.batch import entitlements as e
from salur.programs.catalogue import DEFAULT_CATALOGUE, config_from_dict
from salur.programs.tests.test_entitlements import (
    ADULT,
    GOLDEN,
    HH_SCHEMA,
    MEMBER_SCHEMA,
    frames,
    golden,  # noqa: F401  (fixture)
    household,
    nik,
    one,
    person,
    registries,
)

SPEC = {s.code: s for s in DEFAULT_CATALOGUE}


def run(*households, config=None, period="2024-T2", asn=(), tni=(), dead=(), **rules_):
    h, m = frames(list(households))
    lists = e.ReferenceLists.of(asn=list(asn), tni_polri=list(tni), kematian=list(dead))
    return e.compute(h, m, config=config or e.PKHConfig(), period=period, lists=lists, **rules_)


def _decisions(result: e.Entitlements) -> list[tuple]:
    return sorted(result.decisions.select("no_kk", "eligible", "reasons", "nominal", "nik_penerima").rows())


@pytest.mark.parametrize("code", ["PKH", "SEMBAKO", "BLT"])
@pytest.mark.parametrize("period", ["2024-T2", "2024-05"])
def test_the_default_rules_give_exactly_what_the_config_gives_on_the_golden_example(golden, code, period):  # noqa: F811
    households, members, lists = golden
    spec = SPEC[code]
    config = config_from_dict(spec.config)
    if isinstance(config, e.PKHConfig) and period == "2024-05":
        return
    plain = e.compute(households, members, config=config, period=period, lists=lists)
    ruled = e.compute(
        households,
        members,
        config=config,
        period=period,
        lists=lists,
        eligibility_rule=spec.eligibility_rule,
        amount_rule=spec.amount_rule or None,
    )
    assert _decisions(ruled) == _decisions(plain)
    assert ruled.summary == plain.summary
    assert ruled.components.equals(plain.components)


def test_the_golden_summary_is_unchanged_with_the_stored_rule(golden):  # noqa: F811
    households, members, lists = golden
    spec = SPEC["PKH"]
    result = e.compute(
        households,
        members,
        config=config_from_dict(spec.config),
        period="2024-T2",
        lists=lists,
        eligibility_rule=spec.eligibility_rule,
    )
    assert result.summary == json.loads((GOLDEN / "expected_PKH-2024-T2_summary.json").read_text())


def test_the_default_rule_evaluated_by_the_rule_compiler_gives_the_same_reasons(golden):  # noqa: F811
    """Non-default exclusion settings make compute evaluate the exclusions from the rule's text: with the same
    meaning, the same reasons."""
    households, members, lists = golden
    spec = SPEC["SEMBAKO"]
    config = config_from_dict(spec.config)
    plan = e.RulePlan.of(spec.eligibility_rule, config)
    assert plan.native == {e.ANGGOTA_ASN, e.ANGGOTA_TNI_POLRI}
    assert plan.evaluated == ()
    assert plan.desil_max == 4
    forced = e.RulePlan.of(
        spec.eligibility_rule,
        e.FlatConfig(
            exclusions=e.Exclusions(
                asn_pekerjaan=("asn",), use_asn_list=True, tni_polri_pekerjaan=("polri", "tni")
            )
        ),
    )
    assert forced.native == frozenset()
    assert [r for _, r in forced.evaluated] == [
        e.ANGGOTA_ASN,
        e.ANGGOTA_TNI_POLRI,
    ]
    plain = e.compute(households, members, config=config, period="2024-05", lists=lists)
    ruled = e.compute(
        households,
        members,
        config=e.FlatConfig(exclusions=e.Exclusions(tni_polri_pekerjaan=("polri", "tni"))),
        period="2024-05",
        lists=lists,
        eligibility_rule=spec.eligibility_rule,
    )
    assert _decisions(ruled) == _decisions(plain)


def _compute_with(at, households, members, lists, config, months=3, **rules_):
    h = pl.DataFrame(households, schema=HH_SCHEMA, orient="row")
    m = pl.DataFrame([{k: x[k] for k in MEMBER_SCHEMA} for x in members], schema=MEMBER_SCHEMA, orient="row")
    code = f"{at.year}-T{(at.month - 1) // 3 + 1}" if months == 3 else f"{at.year}-{at.month:02d}"
    refs = e.ReferenceLists.of(
        asn=sorted(lists["asn"]), tni_polri=sorted(lists["tni"]), kematian=sorted(lists["dead"])
    )
    return e.compute(h, m, config=config, period=code, lists=refs, **rules_)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=registries())
def test_default_rules_equal_the_config_on_any_registry(data):
    at, households, members, lists = data
    for code, months in (("PKH", 3), ("SEMBAKO", 1), ("SEMBAKO", 3)):
        spec = SPEC[code]
        config = config_from_dict(spec.config)
        plain = _compute_with(at, households, members, lists, config, months)
        ruled = _compute_with(
            at,
            households,
            members,
            lists,
            config,
            months,
            eligibility_rule=spec.eligibility_rule,
            amount_rule=spec.amount_rule or None,
        )
        assert _decisions(ruled) == _decisions(plain)
        assert ruled.components.equals(plain.components)


# --- a changed rule changes the decisions ----------------------------------------------------------------------

FLAT = e.FlatConfig(code="BLT", per_month=200_000)


def test_a_lower_desil_limit_in_the_rule_wins_over_the_config():
    h = household(1, desil=4, members=[person(1, 45, **ADULT)])
    assert one(run(h, config=FLAT, period="2024-05"))["eligible"] is True
    r = one(
        run(h, config=FLAT, period="2024-05", eligibility_rule=rules.with_default_exclusion("desil <= 3"))
    )
    assert (r["eligible"], r["reasons"], r["nominal"]) == (False, [e.DESIL_DI_ATAS_BATAS], 0)
    r = one(run(h, config=FLAT, period="2024-05", eligibility_rule="desil < 5"))
    assert (r["eligible"], r["reasons"], r["nominal"]) == (True, [], 200_000)


def test_an_administrators_own_condition_gives_aturan_program_beside_the_contract_reasons():
    rule = rules.with_default_exclusion("desil <= 4 and any_member(umur >= 60)")
    young = household(1, desil=5, members=[person(1, 45, **ADULT)])
    old = household(2, desil=2, members=[person(2, 65, **ADULT)])
    asn_young = household(3, desil=2, members=[person(3, 45, hubungan="kepala_keluarga", pekerjaan="asn")])
    result = run(young, old, asn_young, config=FLAT, period="2024-05", eligibility_rule=rule)
    rows = {r["household_id"]: r for r in result.decisions.iter_rows(named=True)}
    assert rows[1]["reasons"] == [e.DESIL_DI_ATAS_BATAS, e.ATURAN_PROGRAM]
    assert (rows[2]["eligible"], rows[2]["nominal"]) == (True, 200_000)
    assert rows[3]["reasons"] == [e.ANGGOTA_ASN, e.ATURAN_PROGRAM]
    assert result.summary["not_eligible"] == {"ANGGOTA_ASN": 1, "ATURAN_PROGRAM": 2, "DESIL_DI_ATAS_BATAS": 1}


def test_a_rule_without_the_exclusions_does_not_exclude_but_a_household_without_living_members_never_pays():
    asn = household(1, members=[person(1, 45, hubungan="kepala_keluarga", pekerjaan="asn")])
    dead = household(2, members=[person(2, 45, **ADULT)])
    result = run(asn, dead, config=FLAT, period="2024-05", dead=(nik(2),), eligibility_rule="desil <= 4")
    rows = {r["household_id"]: r for r in result.decisions.iter_rows(named=True)}
    assert (rows[1]["eligible"], rows[1]["reasons"]) == (True, [])
    assert rows[2]["reasons"] == [e.TANPA_ANGGOTA_HIDUP]


def test_a_rule_without_a_desil_condition_needs_no_desil():
    h = household(1, desil=None, members=[person(1, 45, **ADULT)])
    assert one(run(h, config=FLAT, period="2024-05"))["reasons"] == [e.TANPA_DESIL]
    r = one(run(h, config=FLAT, period="2024-05", eligibility_rule="any_member(umur >= 18)"))
    assert (r["eligible"], r["reasons"]) == (True, [])


def test_a_disjunction_is_one_condition():
    rule = 'desil <= 2 or any_member(disabilitas == "berat")'
    a = household(1, desil=3, members=[person(1, 45, **ADULT)])
    b = household(2, desil=3, members=[person(2, 45, disabilitas="berat", **ADULT)])
    result = run(a, b, config=FLAT, period="2024-05", eligibility_rule=rule)
    assert result.decisions.select("eligible", "reasons").rows() == [(False, [e.ATURAN_PROGRAM]), (True, [])]


def test_pkh_with_a_rule_still_needs_a_component():
    rule = rules.with_default_exclusion("desil <= 4 and jumlah_anggota <= 3")
    small = household(1, members=[person(1, 45, **ADULT), person(2, 3)])
    bare = household(2, members=[person(3, 45, **ADULT)])
    big = household(3, members=[person(4, 45, **ADULT), person(5, 3), person(6, 4), person(7, 5)])
    result = run(small, bare, big, eligibility_rule=rule)
    got = result.decisions.select("household_id", "eligible", "reasons", "nominal").rows()
    assert got == [
        (1, True, [], 750_000),
        (2, False, [e.TANPA_KOMPONEN], 0),
        (3, False, [e.ATURAN_PROGRAM], 0),
    ]
    assert result.components["household_id"].to_list() == [1]


def test_an_amount_rule_gives_the_flat_amount_and_a_missing_amount_is_a_reason():
    a = household(1, desil=1, members=[person(1, 45, **ADULT), person(2, 10)])
    b = household(2, desil=None, members=[person(3, 45, **ADULT)])
    rule = "jumlah_anggota >= 1"
    result = run(
        a,
        b,
        config=FLAT,
        period="2024-T2",
        eligibility_rule=rule,
        amount_rule="100000 * bulan * jumlah_anggota",
    )
    assert result.decisions.select("eligible", "nominal").rows() == [(True, 600_000), (True, 300_000)]
    result = run(a, b, config=FLAT, period="2024-05", eligibility_rule=rule, amount_rule="50000 * desil")
    assert result.decisions.select("eligible", "reasons", "nominal").rows() == [
        (True, [], 50_000),
        (False, [e.ATURAN_PROGRAM], 0),
    ]


def test_a_rule_reading_a_column_the_frames_lack_is_refused_and_rule_columns_names_it():
    h = household(1, members=[person(1, 45, **ADULT)])
    rule = 'luas_lantai_m2 < 8 and any_member(pendidikan == "sd")'
    assert e.rule_columns(rule, "100 * bulan") == (["luas_lantai_m2"], ["pendidikan"])
    assert e.rule_columns(rules.with_default_exclusion("desil <= 4"), rules.SEMBAKO_AMOUNT) == ([], [])
    with pytest.raises(ValueError, match="luas_lantai_m2"):
        run(h, config=FLAT, period="2024-05", eligibility_rule=rule)
    hh, mm = frames([h])
    result = e.compute(
        hh.with_columns(pl.lit("7").alias("luas_lantai_m2")),
        mm.with_columns(pl.lit("sd").alias("pendidikan")),
        config=FLAT,
        period="2024-05",
        eligibility_rule=rule,
    )
    assert one(result)["eligible"] is True


def test_a_wrong_rule_is_a_rule_error_and_pkh_refuses_an_amount_formula():
    h = household(1, members=[person(1, 45, **ADULT)])
    with pytest.raises(rules.RuleError):
        run(h, eligibility_rule="desil <=")
    with pytest.raises(ValueError, match="komponen"):
        run(h, eligibility_rule="desil <= 4", amount_rule="100 * bulan")


RULES = [
    "desil <= 3 and any_member(umur >= 60)",
    'desil <= 4 and not any_member(pekerjaan == "asn") and count_members(sekolah != "") >= 1',
    'desil <= 5 or any_member(disabilitas == "berat" and not meninggal)',
    "punya_rekening and jumlah_anggota >= 2",
    rules.with_default_exclusion("desil <= 2 and any_member(hamil)"),
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=registries())
def test_the_decision_is_the_rule_plus_a_living_member(data):
    """For a flat program: eligible exactly when the rule (evaluated on its own by the compiler) holds and some
    member lives; every not-eligible household has at least one reason."""
    at, households, members, lists = data
    for rule in RULES:
        result = _compute_with(at, households, members, lists, FLAT, 1, eligibility_rule=rule)
        h = pl.DataFrame(households, schema=HH_SCHEMA, orient="row")
        m = pl.DataFrame(
            [{k: x[k] for k in MEMBER_SCHEMA} for x in members], schema=MEMBER_SCHEMA, orient="row"
        ).with_columns(
            pl.col("nik").is_in(sorted(lists["dead"])).alias("meninggal"),
            pl.col("nik").is_in(sorted(lists["asn"])).alias("asn_list"),
            pl.col("nik").is_in(sorted(lists["tni"])).alias("tni_polri_list"),
        )
        alone = rules.compile_rule(rule).evaluate(
            h, m, {"tanggal_acuan": at, "bulan": 1, "tahap": 0, "tahun": at.year}
        )
        living = m.filter(~pl.col("meninggal")).group_by("household_id").len()
        want = alone.join(living, on="household_id", how="left").select(
            "household_id", (pl.col("eligible") & pl.col("len").is_not_null()).alias("want")
        )
        got = result.decisions.join(want, on="household_id")
        assert (got["eligible"] == got["want"]).all(), rule
        assert got.filter(~pl.col("eligible"))["reasons"].list.len().min() in (None, 1, 2, 3, 4, 5)
