"""The default program catalogue, as data (contract: programs-and-payments.md; reference: domain.md section 3).

`DEFAULT_CATALOGUE` holds what `salur setup` loads as version 1 of each program. `config_to_dict` and
`config_from_dict` turn the computation parameters of `programs/batch/entitlements.py` into the JSON stored on a
`ProgramVersion` and back; a program whose config kind has no computation yet (in kind, services, compensation)
keeps its parameters as plain data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from salur.programs import rules
from salur.programs.batch import entitlements as e

# Config kinds: which computation a program version uses.
KIND_PKH = "pkh"  # components per member (entitlements.PKHConfig)
KIND_FLAT = "flat"  # a flat amount per household per month (entitlements.FlatConfig)
KIND_IN_KIND = "in_kind"  # goods (beras): distribution, no cash entitlement
KIND_SERVICE = "service"  # ATENSI case management
KIND_SANTUNAN = "santunan"  # compensation per victim, case by case
COMPUTABLE_KINDS = (KIND_PKH, KIND_FLAT)


@dataclass(frozen=True)
class ProgramSpec:
    code: str
    nama: str
    benefit_kind: str  # cash, in_kind, service
    unit: str  # household, person
    schedule: str  # monthly, quarterly
    budget_line: str
    eligibility_rule: str
    amount_rule: str
    config: dict[str, Any]


def config_to_dict(config: e.ProgramConfig) -> dict[str, Any]:
    """The JSON form of a computation config: its fields plus `kind`."""
    if isinstance(config, e.PKHConfig):
        kind = KIND_PKH
    elif isinstance(config, e.FlatConfig):
        kind = KIND_FLAT
    else:
        raise TypeError(f"Jenis konfigurasi program tidak dikenal: {type(config).__name__}")
    data = dataclasses.asdict(config)
    return {"kind": kind, **_lists(data)}


def _lists(value: Any) -> Any:
    """Tuples become lists so that the dict equals its JSON round trip."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


def _tuples(data: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}


def config_from_dict(data: dict[str, Any]) -> e.ProgramConfig:
    """The computation config of a stored version; ValueError for a kind that has no computation."""
    kind = data.get("kind")
    fields = {k: v for k, v in data.items() if k != "kind"}
    if "exclusions" in fields:
        fields["exclusions"] = e.Exclusions(**_tuples(fields["exclusions"]))
    if "recipient" in fields:
        fields["recipient"] = tuple(fields["recipient"])
    if kind == KIND_PKH:
        if "components" in fields:
            fields["components"] = tuple(e.Component(**_tuples(c)) for c in fields["components"])
        return e.PKHConfig(**fields)
    if kind == KIND_FLAT:
        return e.FlatConfig(**fields)
    raise ValueError(f"Program dengan jenis konfigurasi {kind!r} belum dapat dihitung per siklus")


def _eligible_unless_excluded(rule: str) -> str:
    return rules.with_default_exclusion(rule)


DEFAULT_CATALOGUE: tuple[ProgramSpec, ...] = (
    ProgramSpec(
        code="PKH",
        nama="Program Keluarga Harapan",
        benefit_kind="cash",
        unit="household",
        schedule="quarterly",
        budget_line="Bantuan sosial PKH",
        # Plus "at least one component" (programs/batch/entitlements.py); the amount is the sum of components.
        eligibility_rule=_eligible_unless_excluded(rules.PKH_ELIGIBILITY_BASE),
        amount_rule="",
        config=config_to_dict(e.pkh_default()),
    ),
    ProgramSpec(
        code="SEMBAKO",
        nama="Program Sembako (BPNT)",
        benefit_kind="cash",
        unit="household",
        schedule="monthly",
        budget_line="Bantuan sosial Program Sembako",
        eligibility_rule=_eligible_unless_excluded(rules.SEMBAKO_ELIGIBILITY),
        amount_rule=rules.SEMBAKO_AMOUNT,  # Rp200,000 per month of the period
        config=config_to_dict(e.sembako_default()),
    ),
    ProgramSpec(
        code="BLT",
        nama="Bantuan Langsung Tunai",
        benefit_kind="cash",
        unit="household",
        schedule="monthly",
        budget_line="Bantuan sosial BLT",
        # domain.md 3: BLT 2023-2024 paid Rp200,000 per month to Sembako-like recipients.
        eligibility_rule=_eligible_unless_excluded("desil <= 4"),
        amount_rule="200000 * bulan",
        config=config_to_dict(e.FlatConfig(code="BLT", per_month=200_000)),
    ),
    ProgramSpec(
        code="BERAS",
        nama="Bantuan Pangan Beras",
        benefit_kind="in_kind",
        unit="household",
        schedule="monthly",
        budget_line="Bantuan pangan beras (Bulog)",
        eligibility_rule=_eligible_unless_excluded("desil <= 4"),
        amount_rule="",
        config={"kind": KIND_IN_KIND, "item": "beras", "kg_per_month": 10},  # domain.md 3: 10 kg per month
    ),
    ProgramSpec(
        code="ATENSI",
        nama="Asistensi Rehabilitasi Sosial",
        benefit_kind="service",
        unit="person",
        schedule="monthly",
        budget_line="Asistensi rehabilitasi sosial (ATENSI)",
        eligibility_rule="",  # decided case by case (Permensos 7/2021)
        amount_rule="",
        config={
            "kind": KIND_SERVICE,
            "permakanan_per_day": 30_000,  # domain.md 3: elderly or disabled living alone
            "yapi_per_month": 200_000,  # orphans
        },
    ),
    ProgramSpec(
        code="SANTUNAN",
        nama="Santunan Ahli Waris Korban Bencana",
        benefit_kind="cash",
        unit="person",
        schedule="monthly",
        budget_line="Santunan korban bencana",
        eligibility_rule="",  # per verified victim (SK of the head of region)
        amount_rule="",
        config={"kind": KIND_SANTUNAN, "meninggal": 15_000_000, "luka_berat": 5_000_000},
    ),
)
