"""Reads of enrolment. Every read for a person takes the actor and is limited to the actor's region scope;
`enrolled_household_ids` is the one unscoped read, for batch jobs (cycles, payments) that run for a program."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from salur.core.access import can, scope_q
from salur.enrolment.models import (
    ChangeState,
    Decision,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    EnrolmentStep,
    StatusChange,
)
from salur.registry.models import Household


def enrolled_household_ids(
    program_code: str, statuses: Iterable[str] = ("aktif",)
) -> QuerySet[Enrolment, int]:
    """Ids of the households enrolled in a program with one of `statuses`, as a queryset to use in a filter
    (`Household.objects.filter(id__in=enrolled_household_ids("PKH"))`) or a join; not limited to a region."""
    return Enrolment.objects.filter(program__code=program_code, status__in=list(statuses)).values_list(
        "household_id", flat=True
    )


def enrolments_visible_to(actor: Any) -> QuerySet[Enrolment]:
    if not can(actor, "enrolment.view"):
        return Enrolment.objects.none()
    return Enrolment.objects.filter(scope_q(actor, "household__wilayah__kode"))


@dataclass(frozen=True)
class EnrolmentFilters:
    program: str = ""  # program code
    status: str = ""
    step: str = ""
    wilayah: str = ""  # region code prefix, dots allowed
    no_kk: str = ""


def enrolment_list(*, actor: Any, filters: EnrolmentFilters) -> QuerySet[Enrolment]:
    qs = enrolments_visible_to(actor).select_related(
        "household__wilayah", "program", "proposal__proposed_by", "verification__verified_by", "decision"
    )
    if filters.program:
        qs = qs.filter(program__code=filters.program)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.step:
        qs = qs.filter(step=filters.step)
    if filters.wilayah.strip():
        qs = qs.filter(household__wilayah__kode__startswith=filters.wilayah.strip().replace(".", ""))
    if filters.no_kk.strip():
        qs = qs.filter(household__no_kk=filters.no_kk.strip())
    return qs.order_by("-updated_at", "-id")


def enrolment_get(*, actor: Any, enrolment_id: int) -> Enrolment | None:
    """One enrolment, or None when it does not exist or its household lies outside the actor's scope."""
    return (
        enrolments_visible_to(actor)
        .select_related(
            "household__wilayah", "program", "proposal__proposed_by", "verification__verified_by", "decision"
        )
        .filter(pk=enrolment_id)
        .first()
    )


def household_for_enrolment(*, actor: Any, no_kk: str) -> Household | None:
    """A household the actor may see for enrolment work (None outside the scope: 'not found')."""
    if not can(actor, "enrolment.view"):
        return None
    return (
        Household.objects.filter(scope_q(actor, "wilayah__kode"))
        .select_related("wilayah")
        .filter(no_kk=no_kk.strip())
        .first()
    )


def household_enrolments(*, actor: Any, household: Household) -> list[Enrolment]:
    """The household's enrolments with their steps and history, for the household's enrolment page."""
    return list(
        enrolments_visible_to(actor)
        .filter(household=household)
        .select_related("program", "proposal__proposed_by", "verification__verified_by", "decision")
        .prefetch_related("proposals__proposed_by", "verifications__verified_by", "status_changes")
        .order_by("program__code")
    )


def enrolment_events(*, enrolment: Enrolment) -> QuerySet[EnrolmentEvent]:
    return enrolment.events.select_related("actor", "decision").order_by("-at", "-id")


def decidable(*, actor: Any, program: Any, wilayah: str = "") -> QuerySet[Enrolment]:
    """The verified (layak) candidates of a program that a decision by this actor would fix."""
    qs = enrolments_visible_to(actor).filter(
        program=program, status=EnrolmentStatus.CALON, step=EnrolmentStep.TERVERIFIKASI
    )
    prefix = wilayah.strip().replace(".", "")
    if prefix:
        qs = qs.filter(household__wilayah__kode__startswith=prefix)
    return qs


def own_in_list(*, actor: Any, qs: QuerySet[Enrolment]) -> int:
    """How many enrolments of a list the actor proposed or verified (maker-checker would refuse the decision)."""
    return qs.filter(Q(proposal__proposed_by=actor) | Q(verification__verified_by=actor)).count()


def decisions_visible_to(actor: Any) -> QuerySet[Decision]:
    """Decisions are national lists; a regional user sees those that fixed at least one household of its scope."""
    if not can(actor, "enrolment.view"):
        return Decision.objects.none()
    qs = Decision.objects.select_related("program", "decided_by")
    q = scope_q(actor, "items__enrolment__household__wilayah__kode")
    if q:
        qs = qs.filter(q).distinct()
    return qs


def decision_get(*, actor: Any, decision_id: int) -> Decision | None:
    return decisions_visible_to(actor).filter(pk=decision_id).first()


def decision_enrolments(*, actor: Any, decision: Decision) -> QuerySet[Enrolment]:
    return (
        enrolments_visible_to(actor)
        .filter(id__in=decision.items.values("enrolment_id"))
        .select_related("household__wilayah", "program")
        .order_by("household__no_kk")
    )


def pending_changes(*, actor: Any) -> QuerySet[StatusChange]:
    if not can(actor, "enrolment.view"):
        return StatusChange.objects.none()
    return (
        StatusChange.objects.filter(scope_q(actor, "enrolment__household__wilayah__kode"))
        .filter(state=ChangeState.MENUNGGU)
        .select_related("enrolment__household", "enrolment__program", "requested_by")
        .order_by("requested_at", "id")
    )


def status_change_get(*, actor: Any, change_id: int) -> StatusChange | None:
    if not can(actor, "enrolment.view"):
        return None
    return (
        StatusChange.objects.filter(scope_q(actor, "enrolment__household__wilayah__kode"))
        .select_related("enrolment__household", "enrolment__program", "requested_by")
        .filter(pk=change_id)
        .first()
    )


@dataclass(frozen=True)
class QueueRow:
    program: str
    count: int


def queue_counts(*, actor: Any) -> dict[str, list[QueueRow]]:
    """What awaits the actor's role: proposals to verify, verified lists to decide, changes to confirm.

    The counts are per program; work the actor itself did (its own proposals for a verifier) is not its to do."""
    base = enrolments_visible_to(actor)
    out: dict[str, list[QueueRow]] = {"verify": [], "decide": [], "confirm": []}

    def per_program(qs: QuerySet[Any], field: str) -> list[QueueRow]:
        rows = qs.order_by().values(field).annotate(n=Count("id")).order_by(field)
        return [QueueRow(program=r[field], count=r["n"]) for r in rows]

    if can(actor, "enrolment.verify"):
        out["verify"] = per_program(
            base.filter(step=EnrolmentStep.DIUSULKAN).exclude(proposal__proposed_by=actor), "program__code"
        )
    if can(actor, "enrolment.decide"):
        out["decide"] = per_program(
            base.filter(status=EnrolmentStatus.CALON, step=EnrolmentStep.TERVERIFIKASI), "program__code"
        )
        out["confirm"] = per_program(
            pending_changes(actor=actor).exclude(requested_by=actor), "enrolment__program__code"
        )
    return out
