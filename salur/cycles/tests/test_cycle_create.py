"""`salur cycle create` on the golden example (contract: programs-and-payments.md, cli.md); SQLite and PostgreSQL."""

from __future__ import annotations

import json

import polars as pl
import pytest
from django.core.management import call_command
from django.db import connection

from salur.core.audit import audit_verify
from salur.core.errors import CommandFailed
from salur.cycles.batch import pipeline
from salur.cycles.models import Cycle, Entitlement, EntitlementComponent
from salur.programs.models import Program
from salur.programs.services import catalogue_load_defaults

TWO_HEADS = "5208030902057676"  # two kepala_keluarga; the younger, listed first in anggota.csv, receives


def _state() -> tuple[int, int, int]:
    return Cycle.objects.count(), Entitlement.objects.count(), EntitlementComponent.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize(("program", "period"), [("PKH", "2024-T2"), ("SEMBAKO", "2024-05")])
def test_golden_cycle_gives_exactly_the_expected_summary_and_payments(
    golden_cycle_inputs, capsys, program, period
):
    golden = golden_cycle_inputs
    code = f"{program}-{period}"
    capsys.readouterr()

    call_command("cycle_create", program=program, period=period, json=True)

    out = json.loads(capsys.readouterr().out)
    expected = json.loads((golden / f"expected_{code}_summary.json").read_text())
    assert out == {"cycle": code, **expected}
    assert list(out) == ["cycle", "eligible", "total", "not_eligible"]
    got = sorted(
        (e.household.no_kk, str(e.nominal), e.nik_penerima, e.channel)
        for e in Entitlement.objects.filter(cycle__code=code, eligible=True).select_related("household")
    )
    payments = sorted(pl.read_csv(golden / f"expected_{code}_payments.csv", infer_schema=False).rows())
    assert got == payments

    cycle = Cycle.objects.get(code=code)
    households = pl.read_csv(golden / "keluarga.csv", infer_schema=False).height
    assert cycle.entitlements.count() <= households
    assert cycle.entitlements.count() == Entitlement.objects.count()
    assert (cycle.eligible, cycle.total, cycle.not_eligible) == (
        expected["eligible"],
        expected["total"],
        expected["not_eligible"],
    )
    assert len(cycle.snapshot_sha256) == 64
    assert cycle.program_version.version == 1
    assert cycle.created_by.username == "admin_uji"
    components = EntitlementComponent.objects.filter(entitlement__cycle=cycle)
    if program == "PKH":
        per_household: dict[int, int] = {}
        for c in components.select_related("entitlement"):
            per_household[c.entitlement_id] = per_household.get(c.entitlement_id, 0) + c.amount
        eligible = {e.pk: e.nominal for e in cycle.entitlements.filter(eligible=True)}
        assert per_household == eligible
    else:
        assert components.count() == 0
    # Not eligible households keep every reason, and no amount.
    reasons: dict[str, int] = {}
    for e in cycle.entitlements.filter(eligible=False):
        assert e.nominal == 0
        for r in e.reason_list:
            reasons[r] = reasons.get(r, 0) + 1
    assert reasons == expected["not_eligible"]


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["PKH-2024-T2", "SEMBAKO-2024-05"])
def test_two_heads_the_recipient_is_the_one_listed_first_in_the_file(golden_cycle_inputs, code):
    program, period = code.split("-", 1)
    call_command("cycle_create", program=program, period=period, json=True)

    e = Entitlement.objects.get(cycle__code=code, household__no_kk=TWO_HEADS)
    expected = pl.read_csv(golden_cycle_inputs / f"expected_{code}_payments.csv", infer_schema=False)
    assert e.nik_penerima == expected.filter(pl.col("no_kk") == TWO_HEADS)["nik_penerima"].item()


@pytest.mark.django_db
def test_the_cycle_is_audited_with_its_snapshot_digest_and_version(golden_cycle_inputs):
    from salur.core.models import AuditEntry

    call_command("cycle_create", program="PKH", period="2024-T2", json=True)

    cycle = Cycle.objects.get(code="PKH-2024-T2")
    entry = AuditEntry.objects.get(action="cycle.create")
    detail = json.loads(entry.payload)["detail"]
    assert (entry.object_id, entry.actor_name) == ("PKH-2024-T2", "admin_uji")
    assert detail["snapshot_sha256"] == cycle.snapshot_sha256
    assert detail["program_version"] == 1
    assert detail["period"] == "2024-T2"
    assert detail["entitlements"] == cycle.entitlements.count()
    assert audit_verify().ok


@pytest.mark.django_db
def test_the_snapshot_digest_depends_only_on_the_inputs(golden_cycle_inputs):
    config = Program.objects.get(code="SEMBAKO").current_version().config
    first = pipeline.snapshot_sha256(pipeline.read_inputs(), config)
    assert pipeline.snapshot_sha256(pipeline.read_inputs(), config) == first
    assert pipeline.snapshot_sha256(pipeline.read_inputs(), {**config, "per_month": 1}) != first


@pytest.mark.django_db
def test_a_second_cycle_of_the_same_program_and_period_is_refused_and_changes_nothing(golden_cycle_inputs):
    from salur.core.models import AuditEntry

    call_command("cycle_create", program="PKH", period="2024-T2", json=True)
    before = (*_state(), AuditEntry.objects.count())

    with pytest.raises(CommandFailed) as exc:
        call_command("cycle_create", program="pkh", period="2024-T2", json=True)

    assert exc.value.returncode == 2
    assert "PKH-2024-T2 sudah ada" in str(exc.value)
    assert "\n" not in str(exc.value)
    assert (*_state(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_the_database_refuses_a_second_entitlement_for_the_same_program_period_and_household(
    golden_cycle_inputs,
):
    from django.db import IntegrityError, transaction

    from salur.core.partitions import ensure_partition

    call_command("cycle_create", program="SEMBAKO", period="2024-05", json=True)
    e = Entitlement.objects.first()
    other = Cycle.objects.get()
    other.pk, other.code, other.period = None, "SEMBAKO-X", "2024-06"
    other.save()
    # On PostgreSQL the other cycle's partition takes its own period only (core/partitions.py); on SQLite the
    # unique constraint refuses the row.
    ensure_partition("cycles_entitlement", other.pk, program_code="SEMBAKO", period="2024-06")
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.create(
            cycle=other,
            household=e.household,
            program_code=e.program_code,
            period=e.period,
            eligible=True,
            nominal=1,
            channel="POS",
            kode_wilayah=e.kode_wilayah,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["operator_dinsos_prov", "verifikator", "auditor"])
def test_a_user_who_is_not_admin_pusat_is_refused_and_nothing_changes(golden_cycle_inputs, make_user, role):
    from salur.core.models import AuditEntry

    make_user("bukan_admin", role)
    before = (*_state(), AuditEntry.objects.count())

    with pytest.raises(CommandFailed) as exc:
        call_command("cycle_create", program="PKH", period="2024-T2", json=True, user="bukan_admin")

    assert exc.value.returncode == 2
    assert (*_state(), AuditEntry.objects.count()) == before


def _partitions() -> int:
    """Tables of the entitlements' partitions (core/partitions.py; none on SQLite)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'cycles\\_entitlement\\_c%%'"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
def test_a_crash_while_writing_leaves_no_cycle_and_no_entitlement(
    golden_cycle_inputs, monkeypatch, settings, tmp_path
):
    from salur.core.models import AuditEntry

    settings.VAR_DIR = tmp_path / "var"

    audit_before = AuditEntry.objects.count()
    partitions_before = _partitions()

    def crash(*args, **kwargs):
        raise RuntimeError("mati di tengah jalan")

    # Entitlements are written, then the components step dies.
    monkeypatch.setattr(pipeline, "write_components", crash)
    with pytest.raises(RuntimeError):
        call_command("cycle_create", program="PKH", period="2024-T2", json=True)

    assert _state() == (0, 0, 0)
    assert AuditEntry.objects.count() == audit_before
    assert _partitions() == partitions_before  # the cycle's partition (PostgreSQL) went with the transaction
    snapshots = tmp_path / "var" / "snapshots"
    assert not snapshots.exists() or not any(snapshots.iterdir())  # no frozen inputs of a cycle that is not
    monkeypatch.undo()
    call_command("cycle_create", program="PKH", period="2024-T2", json=True)
    assert Cycle.objects.filter(code="PKH-2024-T2").count() == 1
    assert _partitions() == partitions_before + (connection.vendor == "postgresql")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("program", "period", "message"),
    [
        ("PKH", "2024-05", "tidak cocok"),
        ("PKH", "2024-T5", "tahap harus 1 sampai 4"),
        ("ZAKAT", "2024-05", "tidak dikenal"),
        ("BERAS", "2024-05", "belum dapat dihitung"),
    ],
)
def test_bad_programs_and_periods_are_refused_with_one_line(admin_user, program, period, message):
    catalogue_load_defaults()
    with pytest.raises(CommandFailed) as exc:
        call_command("cycle_create", program=program, period=period)
    assert exc.value.returncode == 2
    assert message in str(exc.value)
    assert _state() == (0, 0, 0)


@pytest.mark.django_db
def test_the_default_catalogue_loads_once_with_version_1_of_every_program():
    assert catalogue_load_defaults() == ["PKH", "SEMBAKO", "BLT", "BERAS", "ATENSI", "SANTUNAN"]
    assert catalogue_load_defaults() == []
    assert sorted(Program.objects.values_list("code", flat=True)) == [
        "ATENSI",
        "BERAS",
        "BLT",
        "PKH",
        "SANTUNAN",
        "SEMBAKO",
    ]
    pkh = Program.objects.get(code="PKH")
    assert (pkh.benefit_kind, pkh.unit, pkh.schedule) == ("cash", "household", "quarterly")
    assert [v.version for v in pkh.versions.all()] == [1]


def test_stored_configs_give_back_the_default_computation():
    from salur.programs.batch import entitlements as e
    from salur.programs.catalogue import config_from_dict, config_to_dict

    for config in (e.pkh_default(), e.sembako_default()):
        data = json.loads(json.dumps(config_to_dict(config)))
        assert config_from_dict(data) == config


def test_the_default_rules_compile():
    from salur.programs.catalogue import DEFAULT_CATALOGUE
    from salur.programs.rules import compile_rule

    for spec in DEFAULT_CATALOGUE:
        if spec.eligibility_rule:
            compile_rule(spec.eligibility_rule, "eligibility")
        if spec.amount_rule:
            compile_rule(spec.amount_rule, "amount")


@pytest.mark.django_db
def test_a_confirmed_name_match_and_a_merged_duplicate_count_in_the_next_cycle(
    golden_cycle_inputs, monkeypatch
):
    """A reviewer-confirmed ASN name match excludes the household; a household merged away as a duplicate is
    not decided at all (salur/dataquality)."""
    from salur.dataquality.models import CrosscheckFlag, ReferenceList
    from salur.registry.models import Member

    call_command("cycle_create", program="SEMBAKO", period="2024-05")
    eligible = list(
        Entitlement.objects.filter(cycle__code="SEMBAKO-2024-05", eligible=True).order_by("household_id")[:1]
    )
    target = eligible[0].household_id
    member = Member.objects.filter(household_id=target).order_by("id")[0]
    CrosscheckFlag.objects.create(
        member=member,
        kind="ASN",
        reference_list=ReferenceList.objects.get(kind="asn", active=True),
        by_nik=False,
    )
    call_command("cycle_create", program="SEMBAKO", period="2024-06")
    decision = Entitlement.objects.get(cycle__code="SEMBAKO-2024-06", household_id=target)
    assert not decision.eligible
    assert "ANGGOTA_ASN" in decision.reason_list
    # A household that a confirmed merge marked duplicate is left out of the next cycle altogether.
    other = eligible_other = Entitlement.objects.filter(
        cycle__code="SEMBAKO-2024-05", eligible=True
    ).order_by("-household_id")[0]
    monkeypatch.setattr(pipeline, "cycle_exclusions", lambda: ([], [other.household_id]))
    call_command("cycle_create", program="SEMBAKO", period="2024-07")
    assert not Entitlement.objects.filter(
        cycle__code="SEMBAKO-2024-07", household_id=eligible_other.household_id
    ).exists()
    assert (
        Entitlement.objects.filter(cycle__code="SEMBAKO-2024-07").count()
        == Entitlement.objects.filter(cycle__code="SEMBAKO-2024-05").count() - 1
    )
