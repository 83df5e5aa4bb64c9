"""Writes of cycles: `cycle_create` decides eligibility and computes the entitlements of one program period."""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from salur.core.access import require
from salur.core.approval import approval_record, approvals_for, require_not_maker
from salur.core.audit import audit_record
from salur.core.errors import NotFound, PermissionDenied, SalurError
from salur.core.timing import Stages
from salur.cycles.batch import pipeline
from salur.cycles.models import ApprovalTier, Cycle, CycleStatus
from salur.programs.batch import entitlements as e
from salur.programs.catalogue import KIND_SANTUNAN, config_from_dict
from salur.programs.models import Program


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
    santunan = version.config.get("kind") == KIND_SANTUNAN
    config: Any = None
    if not santunan:
        try:
            config = config_from_dict(version.config)
        except (TypeError, ValueError) as exc:
            raise SalurError(str(exc)) from exc
    code = f"{prog.code}-{parsed.code}"
    refused = CycleExists(f"Siklus {code} sudah ada; satu program hanya punya satu siklus per periode")
    if Cycle.objects.filter(code=code).exists():
        raise refused
    stages = Stages("cycles.create")
    # Read and decide before the transaction: the registry read is of committed rows anyway (one snapshot on
    # PostgreSQL, core/bulk.py read_committed_frames), and only the writes need to be atomic.
    decided = (
        None
        if santunan
        else _decide(program=prog, version=version, config=config, period=parsed, stages=stages)
    )
    try:
        with transaction.atomic():
            if santunan:
                cycle = _create_santunan(actor=actor, program=prog, version=version, period=parsed, code=code)
            else:
                assert decided is not None
                cycle = _create(
                    actor=actor,
                    program=prog,
                    version=version,
                    period=parsed,
                    code=code,
                    decided=decided,
                    stages=stages,
                )
    except IntegrityError as exc:
        # A concurrent call created the same cycle (or entitlements of the same period) first.
        pipeline.snapshot_discard_pending()
        raise refused from exc
    except BaseException:
        pipeline.snapshot_discard_pending()
        raise
    pipeline.snapshot_forget_pending()  # published by on_commit
    return cycle


@dataclass
class _Decided:
    inputs: pipeline.Inputs
    snapshot: Future[tuple[dict[str, bytes], str]]  # (files' bytes, digest)
    result: Any


def _decide(
    *, program: Program, version: Any, config: e.ProgramConfig, period: e.Period, stages: Stages
) -> _Decided:
    eligibility_rule = version.eligibility_rule or None
    amount_rule = (version.amount_rule or None) if isinstance(config, e.FlatConfig) else None
    try:
        extra_h, extra_m = e.rule_columns(eligibility_rule, amount_rule)
        with stages("read"):
            inputs = pipeline.read_inputs(extra_household=extra_h, extra_member=extra_m)
    except ValueError as exc:  # a stored rule that does not compile (RuleError) or reads an unknown column
        raise SalurError(
            f"Aturan program {program.code} versi {version.version} tidak dapat dipakai: {exc}"
        ) from exc
    try:
        with stages("compute"):
            result = e.compute(
                inputs.households,
                inputs.members,
                config=config,
                period=period,
                lists=inputs.reference_lists(),
                eligibility_rule=eligibility_rule,
                amount_rule=amount_rule,
            )
    except ValueError as exc:  # e.g. a monthly period for a program paid per tahap
        raise SalurError(str(exc)) from exc
    config_record = {
        **version.config,
        "eligibility_rule": eligibility_rule or "",
        "amount_rule": amount_rule or "",
    }
    # The snapshot's Parquet files are encoded in a thread while the entitlements are written (the database works
    # on the other core then, and Polars releases the GIL): _create waits for them before it commits.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshot")
    snapshot = pool.submit(_snapshot, inputs, config_record)
    pool.shutdown(wait=False)
    return _Decided(inputs=inputs, snapshot=snapshot, result=result)


def _snapshot(inputs: pipeline.Inputs, config: dict[str, Any]) -> tuple[dict[str, bytes], str]:
    parts = pipeline.snapshot_parts(inputs)
    return parts, pipeline.snapshot_sha256(inputs, config, parts=parts)


def _create(
    *,
    actor: Any,
    program: Program,
    version: Any,
    period: e.Period,
    code: str,
    decided: _Decided,
    stages: Stages,
) -> Cycle:
    inputs, result = decided.inputs, decided.result
    summary = result.summary
    cycle = Cycle.objects.create(
        code=code,
        program=program,
        period=period.code,
        year=period.year,
        snapshot_path="",  # set below, with the digest
        program_version=version,
        status=CycleStatus.DIHITUNG,
        created_by=actor,
        eligible=summary["eligible"],
        total=summary["total"],
        not_eligible=summary["not_eligible"],
        snapshot_sha256="",  # set below, once the snapshot is encoded
    )
    rows = pipeline.entitlement_rows(
        result.decisions, cycle_id=cycle.pk, program_code=program.code, period=period.code
    )
    with stages("write_entitlements"):
        written = pipeline.write_entitlements(
            rows, cycle_id=cycle.pk, program_code=program.code, period=period.code
        )
    with stages("write_components"):
        components = pipeline.write_components(result.components, cycle_id=cycle.pk)
    with stages("snapshot_wait"):
        parts, digest = decided.snapshot.result()
    with stages("snapshot_files"):
        snapshot_path = pipeline.snapshot_write(parts, code=code)
    cycle.snapshot_sha256, cycle.snapshot_path = digest, str(snapshot_path)
    cycle.save(update_fields=["snapshot_sha256", "snapshot_path"])
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
            "snapshot_path": str(snapshot_path),
            "program": program.code,
            "program_version": version.version,
            "period": period.code,
            "households": int(inputs.households.height),
            "members": int(inputs.members.height),
            "entitlements": written,
            "components": components,
        },
    )
    stages.log()
    return cycle


def _create_santunan(*, actor: Any, program: Program, version: Any, period: e.Period, code: str) -> Cycle:
    """A SANTUNAN cash cycle: the approved, not yet paid claims (salur/santunan), one payment per heir's household
    (claims of one household are added up). The claims are marked as paid through this cycle in the same
    transaction, so no later cycle takes them again."""
    from salur.santunan.selectors import payable_claims
    from salur.santunan.services import claims_mark_paid

    claims = payable_claims()
    if claims.height == 0:
        raise SalurError("Tidak ada klaim santunan yang disetujui dan belum dibayar")
    has_account = (pl.col("bank").fill_null("") != "") & (pl.col("no_rekening").fill_null("") != "")
    decisions = (
        claims.sort("claim_id")
        .group_by("household_id", maintain_order=True)
        .agg(
            pl.col("nik_penerima").first(),
            pl.col("nama_penerima").first(),
            pl.col("kode_wilayah").first(),
            pl.col("bank").first().fill_null(""),
            pl.col("no_rekening").first().fill_null(""),
            pl.col("nominal").sum().cast(pl.Int64),
        )
        .with_columns(
            pl.lit(True).alias("eligible"),
            pl.lit([], dtype=pl.List(pl.Utf8)).alias("reasons"),
            pl.when(has_account).then(pl.col("bank")).otherwise(pl.lit("POS")).alias("channel"),
        )
        .with_columns(
            pl.when(pl.col("channel") == "POS").then(pl.lit("")).otherwise(pl.col("bank")).alias("bank"),
            pl.when(pl.col("channel") == "POS")
            .then(pl.lit(""))
            .otherwise(pl.col("no_rekening"))
            .alias("no_rekening"),
        )
    )
    digest = hashlib.sha256(claims.sort("claim_id").write_csv().encode()).hexdigest()
    total = int(decisions["nominal"].sum())
    cycle = Cycle.objects.create(
        code=code,
        program=program,
        period=period.code,
        year=period.year,
        program_version=version,
        status=CycleStatus.DIHITUNG,
        created_by=actor,
        eligible=decisions.height,
        total=total,
        not_eligible={},
        snapshot_sha256=digest,
    )
    pipeline.write_entitlements(
        pipeline.entitlement_rows(
            decisions, cycle_id=cycle.pk, program_code=program.code, period=period.code
        ),
        cycle_id=cycle.pk,
        program_code=program.code,
        period=period.code,
    )
    claims_mark_paid(actor=actor, claim_ids=[int(i) for i in claims["claim_id"].to_list()], payment_ref=code)
    audit_record(
        actor=actor,
        action="cycle.create",
        object_type="cycles.cycle",
        object_id=code,
        after={"eligible": decisions.height, "total": total, "not_eligible": {}},
        detail={
            "snapshot_sha256": digest,
            "program": program.code,
            "claims": claims.height,
            "period": period.code,
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


# --- approval, tiers, cancellation ----------------------------------------------------------------------------

APPROVE_STEP = "cycle.approve"


def cycle_for(actor: Any, code: str) -> Cycle:
    """The cycle with this code (cycles are national: their pages need cycle.view)."""
    require(actor, "cycle.view")
    cycle = Cycle.objects.select_related("program", "created_by").filter(code=code.strip().upper()).first()
    if cycle is None:
        raise NotFound(f"Siklus {code} tidak ditemukan")
    return cycle


def required_tier(cycle: Cycle) -> ApprovalTier | None:
    """The highest tier whose threshold the cycle's total exceeds (program-specific tiers and general ones)."""
    tiers = ApprovalTier.objects.filter(above__lt=cycle.total).filter(
        Q(program__isnull=True) | Q(program=cycle.program_id)
    )
    return tiers.order_by("-level", "-above").first()


def approval_state(cycle: Cycle) -> dict[str, Any]:
    """Who has approved, and what is still needed (for the page, the API and `cycle_approve`)."""
    approvals = list(approvals_for(cycle, APPROVE_STEP))
    tier = required_tier(cycle)
    needed_level = tier.level if tier else 1
    approvers = [a.actor for a in approvals]
    have_high = any(getattr(u, "approval_level", 1) >= needed_level for u in approvers)
    needed = 2 if tier else 1
    complete = len(approvers) >= needed and (tier is None or have_high)
    return {
        "approvals": [
            {"user": a.actor.username, "level": a.level, "at": a.at.isoformat() if a.at else None}
            for a in approvals
        ],
        "tier": {"above": tier.above, "level": tier.level} if tier else None,
        "needed": needed,
        "complete": complete,
    }


def cycle_approve(*, actor: Any, code: str, note: str = "") -> Cycle:
    """One approval of a computed cycle; the last one needed commits its total against the budget.

    Refused (PermissionDenied / SalurError, nothing changed) when: the actor may not approve, made the cycle,
    approved it already, the cycle is not awaiting approval, the tier needs a higher-level approver and this
    would be the last approval without one, or the total exceeds what remains of the program's allocation.
    """
    from salur.budget.services import budget_lock_remaining

    require(actor, "cycle.approve")
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().filter(code=code.strip().upper()).first()
        if cycle is None:
            raise NotFound(f"Siklus {code} tidak ditemukan")
        require_not_maker(actor=actor, maker=cycle.created_by_id)
        if cycle.status != CycleStatus.DIHITUNG:
            raise SalurError(
                f"Siklus {cycle.code} berstatus {cycle.get_status_display()}: tidak menunggu persetujuan"
            )
        state = approval_state(cycle)
        tier = required_tier(cycle)
        level = getattr(actor, "approval_level", 1)
        if tier is not None and len(state["approvals"]) + 1 >= state["needed"]:
            others_high = any(a["level"] >= tier.level for a in state["approvals"])
            if not others_high and level < tier.level:
                raise PermissionDenied(
                    f"Total siklus di atas Rp{tier.above:,} memerlukan penyetuju tingkat {tier.level}; "
                    f"tingkat Anda {level}".replace(",", ".")
                )
        remaining = budget_lock_remaining(program=cycle.program, year=cycle.year)
        if remaining is not None and cycle.total > remaining:
            raise SalurError(
                f"Total siklus Rp{cycle.total:,} melebihi sisa pagu {cycle.program.code} {cycle.year} "
                f"(Rp{remaining:,})".replace(",", ".")
            )
        approval_record(
            actor=actor, obj=cycle, maker=cycle.created_by_id, step=APPROVE_STEP, level=level, note=note
        )
        if approval_state(cycle)["complete"]:
            before = cycle.status
            cycle.status = CycleStatus.DISETUJUI
            cycle.approved_at = timezone.now()
            cycle.save(update_fields=["status", "approved_at"])
            audit_record(
                actor=actor,
                action="cycle.approved",
                object_type="cycles.cycle",
                object_id=cycle.code,
                before={"status": before},
                after={
                    "status": cycle.status,
                    "committed": cycle.total,
                    "year": cycle.year,
                    "budget_remaining_before": remaining,  # None: no allocation set for the year
                },
            )
    return cycle


def cycle_cancel(*, actor: Any, code: str, reason: str) -> Cycle:
    """Cancel a cycle before its payment files are exported; its budget commitment is released."""
    require(actor, "cycle.create")
    if not reason.strip():
        raise SalurError("Alasan pembatalan wajib diisi")
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().filter(code=code.strip().upper()).first()
        if cycle is None:
            raise NotFound(f"Siklus {code} tidak ditemukan")
        if cycle.status not in (CycleStatus.DIHITUNG, CycleStatus.DISETUJUI):
            raise SalurError(
                f"Siklus {cycle.code} berstatus {cycle.get_status_display()}: hanya siklus yang belum diekspor "
                "dapat dibatalkan"
            )
        before = cycle.status
        cycle.status = CycleStatus.DIBATALKAN
        cycle.cancelled_at = timezone.now()
        cycle.save(update_fields=["status", "cancelled_at"])
        audit_record(
            actor=actor,
            action="cycle.cancel",
            object_type="cycles.cycle",
            object_id=cycle.code,
            before={"status": before},
            after={"status": cycle.status, "reason": reason.strip()},
        )
    return cycle


def tier_set(*, actor: Any, above: int, level: int, program: str | None = None) -> ApprovalTier:
    """Configure a tier: cycles with a total above `above` need a second approver of at least `level`."""
    require(actor, "users.manage")
    if above < 0 or level < 2:
        raise SalurError("Batas total harus >= 0 dan tingkat penyetuju kedua minimal 2")
    prog = None
    if program:
        prog = Program.objects.filter(code=program.strip().upper()).first()
        if prog is None:
            raise SalurError(f"Program {program!r} tidak dikenal")
    with transaction.atomic():
        tier = ApprovalTier.objects.create(program=prog, above=above, level=level, created_by=actor)
        audit_record(
            actor=actor,
            action="cycle.tier_set",
            object_type="cycles.approvaltier",
            object_id=tier.pk,
            after={"program": prog.code if prog else None, "above": above, "level": level},
        )
    return tier
