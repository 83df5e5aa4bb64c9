"""Writes of cycles: `cycle_create` decides eligibility and computes the entitlements of one program period."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from salur.core.access import require
from salur.core.audit import audit_record
from salur.core.errors import SalurError
from salur.cycles.batch import pipeline
from salur.cycles.models import Cycle, CycleStatus
from salur.programs.batch import entitlements as e
from salur.programs.catalogue import config_from_dict
from salur.programs.models import Program


# TODO(access): move to salur/core/access.py as the capability "cycle.create" of ROLE_CAPABILITIES.
class CycleExists(SalurError):
    """A cycle of this program and period exists already."""


def cycle_create(*, actor: Any, program: str, period: str) -> Cycle:
    """Create the cycle `<PROGRAM>-<period>`: every household of the registry decided, in one transaction.

    Raises PermissionDenied, CycleExists (a cycle of this program and period exists, even one created by a
    concurrent call: the database's uniqueness decides) and SalurError (unknown program or bad period).
    """
    require(actor, "cycle.create")
    try:
        parsed = e.parse_period(period)
    except ValueError as exc:
        raise SalurError(str(exc)) from exc
    prog = Program.objects.filter(code=program.strip().upper()).first()
    if prog is None:
        raise SalurError(f"Program {program!r} tidak dikenal; jalankan `salur setup` untuk program bawaan")
    version = prog.current_version()
    if version is None:
        raise SalurError(f"Program {prog.code} belum punya versi aturan")
    try:
        config = config_from_dict(version.config)
    except (TypeError, ValueError) as exc:
        raise SalurError(str(exc)) from exc
    code = f"{prog.code}-{parsed.code}"
    refused = CycleExists(f"Siklus {code} sudah ada; satu program hanya punya satu siklus per periode")
    if Cycle.objects.filter(code=code).exists():
        raise refused
    try:
        with transaction.atomic():
            return _create(
                actor=actor, program=prog, version=version, config=config, period=parsed, code=code
            )
    except IntegrityError as exc:
        # A concurrent call created the same cycle (or entitlements of the same period) first.
        raise refused from exc


def _create(
    *, actor: Any, program: Program, version: Any, config: e.ProgramConfig, period: e.Period, code: str
) -> Cycle:
    inputs = pipeline.read_inputs()
    digest = pipeline.snapshot_sha256(inputs, version.config)
    try:
        result = e.compute(
            inputs.households,
            inputs.members,
            config=config,
            period=period,
            lists=inputs.reference_lists(),
        )
    except ValueError as exc:  # e.g. a monthly period for a program paid per tahap
        raise SalurError(str(exc)) from exc
    summary = result.summary
    cycle = Cycle.objects.create(
        code=code,
        program=program,
        period=period.code,
        program_version=version,
        status=CycleStatus.DIHITUNG,
        created_by=actor,
        eligible=summary["eligible"],
        total=summary["total"],
        not_eligible=summary["not_eligible"],
        snapshot_sha256=digest,
    )
    rows = pipeline.entitlement_rows(
        result.decisions, cycle_id=cycle.pk, program_code=program.code, period=period.code
    )
    written = pipeline.write_entitlements(rows)
    components = pipeline.write_components(result.components, cycle_id=cycle.pk)
    audit_record(
        actor=actor,
        action="cycle.create",
        object_type="cycles.cycle",
        object_id=code,
        after={
            "eligible": summary["eligible"],
            "total": summary["total"],
            "not_eligible": summary["not_eligible"],
        },
        detail={
            "snapshot_sha256": digest,
            "program": program.code,
            "program_version": version.version,
            "period": period.code,
            "households": int(inputs.households.height),
            "members": int(inputs.members.height),
            "entitlements": written,
            "components": components,
        },
    )
    return cycle


def cycle_summary(cycle: Cycle) -> dict[str, Any]:
    """The contract's JSON of `salur cycle create` (cli.md)."""
    return {
        "cycle": cycle.code,
        "eligible": cycle.eligible,
        "total": cycle.total,
        "not_eligible": dict(cycle.not_eligible),
    }
