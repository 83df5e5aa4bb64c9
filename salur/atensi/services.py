"""Writes of ATENSI case management: open a case (intake or referral), record the asesmen, the intervention
plan, services delivered and monitoring, and move the case forward one stage at a time to terminasi.

Each stage needs what it is about: asesmen needs at least one assessed need before the plan, the plan at least one
support form before pelaksanaan, pelaksanaan at least one service before monitoring, monitoring at least one note
before terminasi (with its reason). Stages never go back; every step is dated, done by a named worker, audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from salur.accounts.models import UnitKind
from salur.atensi.models import (
    STAGE_ORDER,
    Assessment,
    Case,
    CaseStep,
    Cluster,
    Domain,
    MonitoringNote,
    PlanItem,
    ReferralSource,
    ServiceDelivery,
    ServiceKind,
    Stage,
    SupportForm,
)
from salur.core.access import require, require_in_scope
from salur.core.audit import audit_record
from salur.core.errors import PermissionDenied, SalurError


def _require_case(actor: Any, case: Case) -> None:
    require(actor, "case.manage")
    require_in_scope(actor, case.kode_wilayah)
    unit = getattr(actor, "unit", None)
    if unit is None or unit.pk != case.unit_id:
        raise PermissionDenied("Kasus ini ditangani Sentra lain")
    if case.stage == Stage.TERMINASI:
        raise SalurError("Kasus sudah diterminasi")


def _audit(actor: Any, case: Case, action: str, after: dict[str, Any], before: Any = None) -> None:
    audit_record(
        actor=actor,
        action=f"atensi.case.{action}",
        object_type="atensi.case",
        object_id=case.pk,
        before=before,
        after=after,
    )


def case_open(
    *,
    actor: Any,
    nik: str,
    cluster: str,
    referral_source: str,
    referral_note: str = "",
    worker: Any = None,
    opened_on: dt.date,
) -> Case:
    """Intake: a registry person referred to (or found by) the actor's Sentra."""
    from salur.registry.models import Member

    require(actor, "case.manage")
    unit = getattr(actor, "unit", None)
    if unit is None or unit.kind not in (UnitKind.SENTRA, UnitKind.SENTRA_TERPADU):
        raise PermissionDenied("Kasus ATENSI dibuka oleh petugas Sentra")
    member = Member.objects.select_related("household").filter(nik=nik).first()
    if member is None:
        raise SalurError("NIK tidak ada di registri")
    require_in_scope(actor, member.household.wilayah_id)
    if cluster not in Cluster.values:
        raise SalurError("Kluster tidak dikenal")
    if referral_source not in ReferralSource.values:
        raise SalurError("Sumber rujukan tidak dikenal")
    worker = worker or actor
    if getattr(worker, "unit_id", None) != unit.pk or not getattr(worker, "is_active", False):
        raise SalurError("Pekerja sosial penanggung jawab harus petugas aktif Sentra yang sama")
    if Case.objects.filter(member=member, unit=unit).exclude(stage=Stage.TERMINASI).exists():
        raise SalurError("Orang ini sudah memiliki kasus terbuka di Sentra ini")
    with transaction.atomic():
        case = Case.objects.create(
            member=member,
            unit=unit,
            kode_wilayah=member.household.wilayah_id,
            cluster=cluster,
            referral_source=referral_source,
            referral_note=referral_note[:500],
            worker=worker,
            opened_on=opened_on,
            created_by=actor,
        )
        CaseStep.objects.create(
            case=case, stage=Stage.INTAKE, tanggal=opened_on, actor=actor, note=referral_note[:500]
        )
        _audit(
            actor,
            case,
            "open",
            {
                "unit": unit.kode,
                "cluster": cluster,
                "source": referral_source,
                "worker": worker.username,
                "opened_on": opened_on,
            },
        )
    return case


def _require_stage(case: Case, *stages: str) -> None:
    if case.stage not in stages:
        labels = ", ".join(Stage(s).label for s in stages)
        raise SalurError(
            f"Langkah ini hanya pada tahap {labels}; kasus sedang pada tahap {case.get_stage_display()}"
        )


def assessment_add(
    *, actor: Any, case: Case, domain: str, need: str, severity: int, tanggal: dt.date
) -> Assessment:
    _require_case(actor, case)
    _require_stage(case, Stage.ASESMEN)
    if domain not in Domain.values or not 1 <= severity <= 3 or not need.strip():
        raise SalurError("Domain, kebutuhan dan tingkat (1-3) wajib diisi dengan benar")
    with transaction.atomic():
        a = Assessment.objects.create(
            case=case, domain=domain, need=need.strip(), severity=severity, tanggal=tanggal, actor=actor
        )
        _audit(actor, case, "assess", {"domain": domain, "severity": severity})
    return a


def plan_add(
    *, actor: Any, case: Case, support_form: str, goal: str, target_date: dt.date | None = None
) -> PlanItem:
    _require_case(actor, case)
    _require_stage(case, Stage.RENCANA)
    if support_form not in SupportForm.values:
        raise SalurError("Bentuk dukungan harus salah satu dari tujuh bentuk ATENSI")
    if not goal.strip():
        raise SalurError("Tujuan intervensi wajib diisi")
    with transaction.atomic():
        p = PlanItem.objects.create(
            case=case, support_form=support_form, goal=goal.strip(), target_date=target_date, actor=actor
        )
        _audit(actor, case, "plan", {"support_form": support_form, "goal": goal.strip()})
    return p


def service_add(
    *,
    actor: Any,
    case: Case,
    plan_item: PlanItem,
    kind: str,
    description: str,
    tanggal: dt.date,
    nominal: int = 0,
    event_recipient: Any = None,
) -> ServiceDelivery:
    _require_case(actor, case)
    _require_stage(case, Stage.PELAKSANAAN, Stage.MONITORING)
    if plan_item.case_id != case.pk:
        raise SalurError("Baris rencana bukan milik kasus ini")
    if kind not in ServiceKind.values or nominal < 0 or not description.strip():
        raise SalurError("Jenis, uraian dan nominal layanan wajib diisi dengan benar")
    if event_recipient is not None and (event_recipient.member_id != case.member_id):
        raise SalurError("Penerima kegiatan penyaluran bukan orang dalam kasus ini")
    with transaction.atomic():
        s = ServiceDelivery.objects.create(
            case=case,
            plan_item=plan_item,
            kind=kind,
            description=description.strip(),
            tanggal=tanggal,
            nominal=nominal,
            event_recipient=event_recipient,
            actor=actor,
        )
        _audit(
            actor,
            case,
            "service",
            {
                "kind": kind,
                "nominal": nominal,
                "plan_item": plan_item.pk,
                "event_recipient": getattr(event_recipient, "pk", None),
            },
        )
    return s


def monitoring_add(*, actor: Any, case: Case, progress: str, tanggal: dt.date) -> MonitoringNote:
    _require_case(actor, case)
    _require_stage(case, Stage.MONITORING)
    if not progress.strip():
        raise SalurError("Catatan perkembangan wajib diisi")
    with transaction.atomic():
        m = MonitoringNote.objects.create(case=case, progress=progress.strip(), tanggal=tanggal, actor=actor)
        _audit(actor, case, "monitor", {"tanggal": tanggal})
    return m


# What a case must hold before it may leave a stage.
_LEAVE_REQUIRES = {
    Stage.INTAKE: None,
    Stage.ASESMEN: ("assessments", "Isi sedikitnya satu kebutuhan hasil asesmen"),
    Stage.RENCANA: ("plan_items", "Isi sedikitnya satu bentuk dukungan dalam rencana intervensi"),
    Stage.PELAKSANAAN: ("services", "Catat sedikitnya satu layanan atau bantuan yang diberikan"),
    Stage.MONITORING: ("monitoring_notes", "Catat sedikitnya satu hasil monitoring"),
}


def case_advance(*, actor: Any, case: Case, tanggal: dt.date, note: str = "") -> Case:
    """Move the case to the next stage; terminasi needs a reason (the note)."""
    _require_case(actor, case)
    current = Stage(case.stage)
    target = Stage(STAGE_ORDER[STAGE_ORDER.index(current) + 1])
    needed = _LEAVE_REQUIRES[current]
    if needed and not getattr(case, needed[0]).exists():
        raise SalurError(needed[1])
    if target == Stage.TERMINASI and not note.strip():
        raise SalurError("Alasan terminasi wajib diisi")
    last = case.steps.order_by("-id").first()
    if last is not None and tanggal < last.tanggal:
        raise SalurError("Tanggal langkah tidak boleh sebelum langkah sebelumnya")
    with transaction.atomic():
        CaseStep.objects.create(case=case, stage=target, tanggal=tanggal, actor=actor, note=note[:500])
        case.stage = target
        fields = ["stage"]
        if target == Stage.TERMINASI:
            case.closed_on = tanggal
            case.termination_reason = note.strip()[:300]
            fields += ["closed_on", "termination_reason"]
        case.save(update_fields=fields)
        _audit(
            actor,
            case,
            "advance",
            {"stage": target.value, "tanggal": tanggal},
            before={"stage": current.value},
        )
    return case
