"""Writes of enrolment: usulan -> verifikasi -> penetapan, then suspension, reinstatement and exit.

Every write checks the role (`require`), the region (`require_in_scope` on the household's desa) and maker-checker
(`require_not_maker`) before it changes anything, runs in one transaction, and appends its audit entry with before
and after inside that transaction. A refusal raises `PermissionDenied` (role, region, maker-checker) or `SalurError`
(a step that does not fit the enrolment's state), with the reason in Indonesian, and leaves the database as it was.

Penetapan is set-based: one decision fixes a whole list with one UPDATE and two INSERT ... SELECT statements
(decision items, history events), whatever the size of the list (docs/enrolment.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from salur.core.access import can, require, require_in_scope, scope_q
from salur.core.approval import MakerCheckerViolation, require_not_maker
from salur.core.audit import audit_record, rows_digest
from salur.core.errors import PermissionDenied, SalurError
from salur.enrolment.models import (
    ChangeKind,
    ChangeState,
    Decision,
    DecisionItem,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    EnrolmentStep,
    EventKind,
    ExitReason,
    Proposal,
    ProposalSource,
    StatusChange,
    Verification,
    VerificationResult,
)
from salur.programs.models import Program
from salur.registry.models import Household

OBJECT_TYPE = "enrolment.enrolment"
DECISION_TYPE = "enrolment.decision"
CHANGE_TYPE = "enrolment.statuschange"


def _state(e: Enrolment) -> dict[str, Any]:
    return {
        "no_kk": e.household.no_kk,
        "program": e.program.code,
        "status": e.status,
        "step": e.step,
        "exit_reason": e.exit_reason,
        "status_since": e.status_since,
    }


def _event(
    *,
    enrolment: Enrolment,
    actor: Any,
    kind: str,
    before: str,
    after: str,
    note: str = "",
    exit_reason: str = "",
) -> None:
    EnrolmentEvent.objects.create(
        enrolment=enrolment,
        actor=actor,
        kind=kind,
        status_before=before,
        status_after=after,
        note=note,
        exit_reason=exit_reason,
    )


def _locked(enrolment: Enrolment) -> Enrolment:
    """The enrolment row, locked for this transaction and read afresh: a state check made on a stale copy could
    let two clerks act on the same step."""
    return Enrolment.objects.select_for_update().select_related("household", "program").get(pk=enrolment.pk)


def _source_for(actor: Any) -> str:
    role = getattr(actor, "role", "")
    if role == "operator_desa":
        return ProposalSource.DESA
    if role.startswith("operator_dinsos"):
        return ProposalSource.DINSOS
    return ProposalSource.PUSAT


def _text(value: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise SalurError(f"{label} wajib diisi")
    if len(value) > limit:
        raise SalurError(f"{label} paling banyak {limit} karakter")
    return value


# --- usulan --------------------------------------------------------------------------------------------------


def enrolment_propose(
    *, actor: Any, household: Household, program: Program, reason: str, notes: str = ""
) -> Enrolment:
    """Propose a household for a program. A desa operator may propose only households of its desa (its scope)."""
    require(actor, "enrolment.propose")
    require_in_scope(actor, household.wilayah_id)
    reason = _text(reason, "Alasan usulan", 300)
    today = timezone.localdate()
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update()
            .select_related("household", "program")
            .filter(household=household, program=program)
            .first()
        )
        before: dict[str, Any] | None = None
        if enrolment is None:
            try:
                with transaction.atomic():
                    enrolment = Enrolment.objects.create(
                        household=household, program=program, status_since=today
                    )
            except IntegrityError as exc:  # a proposal of the same household and program at the same moment
                raise SalurError(
                    f"Keluarga {household.no_kk} baru saja diusulkan untuk {program.code} oleh pengguna lain"
                ) from exc
            enrolment = _locked(enrolment)
        else:
            if enrolment.status in (EnrolmentStatus.AKTIF, EnrolmentStatus.DITANGGUHKAN):
                raise SalurError(
                    f"Keluarga {household.no_kk} sudah menjadi peserta {program.code} "
                    f"(status {enrolment.get_status_display().lower()})"
                )
            if enrolment.step in (EnrolmentStep.DIUSULKAN, EnrolmentStep.TERVERIFIKASI):
                raise SalurError(
                    f"Keluarga {household.no_kk} sudah diusulkan untuk {program.code} dan sedang diproses "
                    f"({enrolment.get_step_display().lower()})"
                )
            # A new round: after 'tidak layak' or after an exit a household may be proposed again.
            before = _state(enrolment)
        status_before = enrolment.status if before else ""
        proposal = Proposal.objects.create(
            enrolment=enrolment,
            proposed_by=actor,
            source=_source_for(actor),
            reason=reason,
            notes=(notes or "").strip(),
        )
        enrolment.status = EnrolmentStatus.CALON
        enrolment.step = EnrolmentStep.DIUSULKAN
        enrolment.exit_reason = ""
        enrolment.status_since = today
        enrolment.active_since = None
        enrolment.proposal = proposal
        enrolment.verification = None
        enrolment.decision = None
        enrolment.updated_at = timezone.now()
        enrolment.save()
        _event(
            enrolment=enrolment,
            actor=actor,
            kind=EventKind.DIUSULKAN,
            before=status_before,
            after=EnrolmentStatus.CALON,
            note=reason,
        )
        audit_record(
            actor=actor,
            action="enrolment.propose",
            object_type=OBJECT_TYPE,
            object_id=enrolment.pk,
            before=before,
            after={**_state(enrolment), "proposal": proposal.pk, "source": proposal.source},
        )
    return enrolment


# --- verifikasi ------------------------------------------------------------------------------------------------


def enrolment_verify(
    *,
    actor: Any,
    enrolment: Enrolment,
    result: str,
    visit_date: dt.date,
    officer: str,
    notes: str = "",
) -> Verification:
    """Record the home visit of a proposed household. Dinsos of the household's region; not the proposer."""
    require(actor, "enrolment.verify")
    require_in_scope(actor, enrolment.household.wilayah_id)
    if result not in VerificationResult.values:
        raise SalurError("Hasil verifikasi harus 'layak' atau 'tidak_layak'")
    officer = _text(officer, "Nama petugas kunjungan", 120)
    if visit_date > timezone.localdate():
        raise SalurError("Tanggal kunjungan tidak boleh di masa depan")
    with transaction.atomic():
        enrolment = _locked(enrolment)
        if enrolment.step != EnrolmentStep.DIUSULKAN or enrolment.proposal_id is None:
            raise SalurError(
                "Hanya usulan yang menunggu verifikasi yang dapat diverifikasi "
                f"(sekarang: {enrolment.get_step_display().lower()})"
            )
        proposal = Proposal.objects.get(pk=enrolment.proposal_id)
        require_not_maker(actor=actor, maker=proposal.proposed_by_id)
        if visit_date < proposal.proposed_at.date() - dt.timedelta(days=365):
            raise SalurError(
                "Tanggal kunjungan lebih dari setahun sebelum usulan; periksa kembali tanggalnya"
            )
        before = _state(enrolment)
        verification = Verification.objects.create(
            enrolment=enrolment,
            proposal=proposal,
            result=result,
            visit_date=visit_date,
            officer=officer,
            notes=(notes or "").strip(),
            verified_by=actor,
        )
        enrolment.step = (
            EnrolmentStep.TERVERIFIKASI if result == VerificationResult.LAYAK else EnrolmentStep.TIDAK_LAYAK
        )
        enrolment.verification = verification
        enrolment.status_since = timezone.localdate()
        enrolment.updated_at = timezone.now()
        enrolment.save()
        _event(
            enrolment=enrolment,
            actor=actor,
            kind=EventKind.DIVERIFIKASI,
            before=EnrolmentStatus.CALON,
            after=EnrolmentStatus.CALON,
            note=f"{verification.get_result_display()}: {verification.notes}".rstrip(": "),
        )
        audit_record(
            actor=actor,
            action="enrolment.verify",
            object_type=OBJECT_TYPE,
            object_id=enrolment.pk,
            before=before,
            after={**_state(enrolment), "verification": verification.pk, "result": result},
            detail={"visit_date": visit_date, "proposal": proposal.pk},
        )
    return verification


# --- penetapan -------------------------------------------------------------------------------------------------


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def decision_items_digest(decision_id: int) -> str:
    """The digest the decision's audit entry records over its list (enrolment id, household id), in order."""
    rows = (
        DecisionItem.objects.filter(decision_id=decision_id)
        .order_by("enrolment_id")
        .values_list("enrolment_id", "enrolment__household_id")
        .iterator(chunk_size=10_000)
    )
    return rows_digest(rows)


def enrolment_decide(
    *,
    actor: Any,
    program: Program,
    sk_number: str,
    sk_date: dt.date,
    wilayah: str = "",
    enrolment_ids: Iterable[int] | None = None,
    expected_count: int | None = None,
    notes: str = "",
) -> Decision:
    """Fix every verified (layak) candidate of `program` in the actor's scope, within the region prefix `wilayah`
    and, when given, among `enrolment_ids`, by one decision with its SK number: they become aktif.

    Refused, with nothing written, when the list is empty, when `expected_count` (what the clerk saw) differs from
    the list found now, or when the actor proposed or verified any enrolment of the list (maker-checker).
    """
    require(actor, "enrolment.decide")
    sk_number = _text(sk_number, "Nomor SK", 100)
    if sk_date > timezone.localdate():
        raise SalurError("Tanggal SK tidak boleh di masa depan")
    prefix = (wilayah or "").strip().replace(".", "")
    if prefix and not prefix.isdigit():
        raise SalurError("Kode wilayah hanya berisi angka (titik boleh)")
    if prefix:
        require_in_scope(actor, prefix)
    now = timezone.now()
    with transaction.atomic():
        if Decision.objects.filter(sk_number=sk_number).exists():
            raise SalurError(f"Nomor SK {sk_number} sudah dipakai oleh penetapan lain")
        try:
            with transaction.atomic():
                decision = Decision.objects.create(
                    program=program,
                    sk_number=sk_number,
                    sk_date=sk_date,
                    wilayah=prefix,
                    notes=(notes or "").strip(),
                    decided_by=actor,
                )
        except IntegrityError as exc:
            raise SalurError(f"Nomor SK {sk_number} sudah dipakai oleh penetapan lain") from exc
        households = Household.objects.filter(scope_q(actor, "wilayah__kode"))
        if prefix:
            households = households.filter(wilayah__kode__startswith=prefix)
        # The list: conditions on the enrolment's own columns stay in the UPDATE's WHERE (rechecked by PostgreSQL
        # on a row another transaction changed meanwhile), the region goes through a subquery of households.
        target = Enrolment.objects.filter(
            program=program, status=EnrolmentStatus.CALON, step=EnrolmentStep.TERVERIFIKASI
        )
        if prefix or scope_q(actor, "wilayah__kode"):
            target = target.filter(household_id__in=households.values("id"))
        if enrolment_ids is not None:
            target = target.filter(id__in=list(enrolment_ids))
        count = target.update(
            status=EnrolmentStatus.AKTIF,
            step=EnrolmentStep.DITETAPKAN,
            status_since=sk_date,
            active_since=sk_date,
            decision=decision,
            updated_at=now,
        )
        if count == 0:
            raise SalurError("Tidak ada calon terverifikasi (layak) yang dapat ditetapkan pada daftar ini")
        if expected_count is not None and count != expected_count:
            raise SalurError(
                f"Daftar berubah sejak ditampilkan: sekarang {count} calon, bukan {expected_count}; "
                "muat ulang halaman lalu tetapkan lagi"
            )
        own = (
            Enrolment.objects.filter(decision=decision)
            .filter(Q(proposal__proposed_by=actor) | Q(verification__verified_by=actor))
            .count()
        )
        if own:
            raise MakerCheckerViolation(
                f"Anda mengusulkan atau memverifikasi {own} keluarga dalam daftar ini; penetapan harus oleh "
                "orang lain (atau saring daftar tanpa keluarga tersebut)"
            )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_table(DecisionItem)} (decision_id, enrolment_id) "
                f"SELECT %s, id FROM {_table(Enrolment)} WHERE decision_id = %s",
                [decision.pk, decision.pk],
            )
            cursor.execute(
                f"INSERT INTO {_table(EnrolmentEvent)} "
                "(enrolment_id, at, actor_id, kind, status_before, status_after, exit_reason, note, decision_id) "
                f"SELECT id, %s, %s, %s, %s, %s, '', %s, %s FROM {_table(Enrolment)} WHERE decision_id = %s",
                [
                    now,
                    actor.pk,
                    EventKind.DITETAPKAN.value,
                    EnrolmentStatus.CALON.value,
                    EnrolmentStatus.AKTIF.value,
                    f"SK {sk_number}",
                    decision.pk,
                    decision.pk,
                ],
            )
        decision.count = count
        decision.save(update_fields=["count"])
        audit_record(
            actor=actor,
            action="enrolment.decide",
            object_type=DECISION_TYPE,
            object_id=decision.pk,
            before={"status": EnrolmentStatus.CALON, "step": EnrolmentStep.TERVERIFIKASI, "count": count},
            after={
                "status": EnrolmentStatus.AKTIF,
                "step": EnrolmentStep.DITETAPKAN,
                "count": count,
                "program": program.code,
                "sk_number": sk_number,
                "sk_date": sk_date,
                "wilayah": prefix,
            },
            detail={"digest": decision_items_digest(decision.pk)},
        )
    return decision


# --- perubahan status: tangguhkan, pulihkan, keluar (maker-checker) ---------------------------------------------

# kind -> (statuses it applies to, status after)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    ChangeKind.TANGGUHKAN: ((EnrolmentStatus.AKTIF,), EnrolmentStatus.DITANGGUHKAN),
    ChangeKind.PULIHKAN: ((EnrolmentStatus.DITANGGUHKAN,), EnrolmentStatus.AKTIF),
    ChangeKind.KELUAR: ((EnrolmentStatus.AKTIF, EnrolmentStatus.DITANGGUHKAN), EnrolmentStatus.KELUAR),
}
EVENT_OF: dict[str, str] = {
    ChangeKind.TANGGUHKAN: EventKind.DITANGGUHKAN,
    ChangeKind.PULIHKAN: EventKind.DIPULIHKAN,
    ChangeKind.KELUAR: EventKind.KELUAR,
}


def can_request_change(actor: Any) -> bool:
    """Dinsos (verify) and central deciders may ask for a suspension, reinstatement or exit."""
    return can(actor, "enrolment.verify") or can(actor, "enrolment.decide")


def status_change_request(
    *, actor: Any, enrolment: Enrolment, kind: str, note: str, exit_reason: str = ""
) -> StatusChange:
    """Ask for a change of a beneficiary's status; nothing changes until another user confirms it."""
    if not can_request_change(actor):
        raise PermissionDenied("Peran Anda tidak berwenang meminta perubahan status kepesertaan")
    require_in_scope(actor, enrolment.household.wilayah_id)
    if kind not in TRANSITIONS:
        raise SalurError("Jenis perubahan harus tangguhkan, pulihkan atau keluar")
    if kind == ChangeKind.KELUAR:
        if exit_reason not in ExitReason.values:
            raise SalurError("Alasan keluar wajib dipilih: alamiah, mandiri atau paksa")
    elif exit_reason:
        raise SalurError("Alasan keluar hanya untuk perubahan 'keluar'")
    note = _text(note, "Alasan/catatan", 2000)
    with transaction.atomic():
        enrolment = _locked(enrolment)
        allowed_from, _ = TRANSITIONS[kind]
        if enrolment.status not in allowed_from:
            raise SalurError(
                f"Perubahan '{ChangeKind(kind).label.lower()}' tidak berlaku untuk peserta berstatus "
                f"{enrolment.get_status_display().lower()}"
            )
        if StatusChange.objects.filter(enrolment=enrolment, state=ChangeState.MENUNGGU).exists():
            raise SalurError("Sudah ada permintaan perubahan status yang menunggu konfirmasi")
        change = StatusChange.objects.create(
            enrolment=enrolment, kind=kind, exit_reason=exit_reason, note=note, requested_by=actor
        )
        _event(
            enrolment=enrolment,
            actor=actor,
            kind=EventKind.PERUBAHAN_DIMINTA,
            before=enrolment.status,
            after=enrolment.status,
            note=f"{change.get_kind_display()}: {note}",
            exit_reason=exit_reason,
        )
        audit_record(
            actor=actor,
            action="enrolment.status_change_request",
            object_type=CHANGE_TYPE,
            object_id=change.pk,
            after={
                "enrolment": enrolment.pk,
                "no_kk": enrolment.household.no_kk,
                "program": enrolment.program.code,
                "kind": kind,
                "exit_reason": exit_reason,
                "state": change.state,
            },
        )
    return change


def enrolment_suspend(*, actor: Any, enrolment: Enrolment, note: str) -> StatusChange:
    return status_change_request(actor=actor, enrolment=enrolment, kind=ChangeKind.TANGGUHKAN, note=note)


def enrolment_reinstate(*, actor: Any, enrolment: Enrolment, note: str) -> StatusChange:
    return status_change_request(actor=actor, enrolment=enrolment, kind=ChangeKind.PULIHKAN, note=note)


def enrolment_exit(*, actor: Any, enrolment: Enrolment, reason: str, note: str) -> StatusChange:
    return status_change_request(
        actor=actor, enrolment=enrolment, kind=ChangeKind.KELUAR, note=note, exit_reason=reason
    )


def _pending(change: StatusChange) -> StatusChange:
    change = (
        StatusChange.objects.select_for_update()
        .select_related("enrolment__household", "enrolment__program")
        .get(pk=change.pk)
    )
    if change.state != ChangeState.MENUNGGU:
        raise SalurError(f"Permintaan ini sudah {change.get_state_display().lower()}")
    return change


def status_change_confirm(*, actor: Any, change: StatusChange, note: str = "") -> Enrolment:
    """A central decider, not the requester, confirms: the enrolment's status changes now."""
    require(actor, "enrolment.decide")
    require_in_scope(actor, change.enrolment.household.wilayah_id)
    with transaction.atomic():
        change = _pending(change)
        require_not_maker(actor=actor, maker=change.requested_by_id)
        enrolment = _locked(change.enrolment)
        allowed_from, status_after = TRANSITIONS[change.kind]
        if enrolment.status not in allowed_from:
            raise SalurError(
                f"Status peserta sudah {enrolment.get_status_display().lower()}; permintaan tidak berlaku lagi"
            )
        before = _state(enrolment)
        status_before = enrolment.status
        enrolment.status = status_after
        enrolment.exit_reason = change.exit_reason if status_after == EnrolmentStatus.KELUAR else ""
        enrolment.status_since = timezone.localdate()
        enrolment.updated_at = timezone.now()
        enrolment.save()
        change.state = ChangeState.DIKONFIRMASI
        change.resolved_by = actor
        change.resolved_at = timezone.now()
        change.resolution_note = (note or "").strip()
        change.save()
        _event(
            enrolment=enrolment,
            actor=actor,
            kind=EVENT_OF[change.kind],
            before=status_before,
            after=status_after,
            note=change.note,
            exit_reason=enrolment.exit_reason,
        )
        audit_record(
            actor=actor,
            action="enrolment.status_change_confirm",
            object_type=OBJECT_TYPE,
            object_id=enrolment.pk,
            before=before,
            after=_state(enrolment),
            detail={"status_change": change.pk, "requested_by": change.requested_by_id},
        )
    return enrolment


def status_change_reject(*, actor: Any, change: StatusChange, note: str) -> StatusChange:
    """A central decider, not the requester, refuses the request; the status stays."""
    require(actor, "enrolment.decide")
    require_in_scope(actor, change.enrolment.household.wilayah_id)
    note = _text(note, "Alasan penolakan", 2000)
    with transaction.atomic():
        change = _pending(change)
        require_not_maker(actor=actor, maker=change.requested_by_id)
        change.state = ChangeState.DITOLAK
        change.resolved_by = actor
        change.resolved_at = timezone.now()
        change.resolution_note = note
        change.save()
        status = change.enrolment.status
        _event(
            enrolment=change.enrolment,
            actor=actor,
            kind=EventKind.PERUBAHAN_DITOLAK,
            before=status,
            after=status,
            note=note,
        )
        audit_record(
            actor=actor,
            action="enrolment.status_change_reject",
            object_type=CHANGE_TYPE,
            object_id=change.pk,
            before={"state": ChangeState.MENUNGGU},
            after={"state": ChangeState.DITOLAK, "note": note},
        )
    return change


# The names other modules use.
propose = enrolment_propose
verify = enrolment_verify
decide = enrolment_decide
suspend = enrolment_suspend
reinstate = enrolment_reinstate
