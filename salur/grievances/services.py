"""Writes of grievances, usul and sanggah: intake with routing and SLA, assignment, resolution, escalation.

Routing (`route_unit`): the Dinsos kabupaten/kota of the item's region, else the Dinsos provinsi, else Kemensos
pusat; a unit the named worker belongs to is skipped (the item climbs one level), and so is the kabupaten/kota
level when the complainant says the complaint is about a field worker without naming one. The named worker never
sees the item (selectors) and can never be assigned it (here, and a database constraint).

Escalation (`grievances_escalate`) is one UPDATE for every open item past its due date: kab -> prov -> pusat, with
a fresh SLA at the new level, and one audit entry that lists what it moved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Left
from django.utils import timezone

from salur.accounts.models import Unit, UnitKind
from salur.core.access import can, in_scope, require, require_in_scope
from salur.core.audit import audit_record
from salur.core.errors import PermissionDenied, SalurError
from salur.grievances.models import (
    OPEN_STATUSES,
    OPEN_SUBMISSION_STATUSES,
    SLA_DAYS,
    Category,
    Channel,
    Grievance,
    Relation,
    SanggahReason,
    Status,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    Tier,
)
from salur.programs.models import Program
from salur.regions.models import Region, undotted
from salur.registry.models import Household

# No 0/O, 1/I/L: a number read out over the phone or copied from a slip should not be misread.
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TRACKING_LENGTH = 10
PREFIX = {"grievance": "ADU", SubmissionKind.USUL: "USL", SubmissionKind.SANGGAH: "SGH"}

TEXT_MAX = 4000
ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
# Accepted attachments by their first bytes (a renamed .exe is refused whatever its name says).
ATTACHMENT_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "jpg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "pdf": (b"%PDF-",),
}


def new_tracking_no(prefix: str) -> str:
    return prefix + "-" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalise_tracking_no(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def _region(kode_wilayah: str) -> Region:
    region = Region.objects.filter(kode=undotted(kode_wilayah or "")).first()
    if region is None:
        raise SalurError("Kode wilayah tidak dikenal")
    return region


def _pusat_unit() -> Unit | None:
    return Unit.objects.filter(kind=UnitKind.KEMENSOS_PUSAT).order_by("kode").first()


def route_unit(
    *, kode_wilayah: str, named_worker: Any = None, about_worker: bool = False, start: int = Tier.KAB
) -> tuple[Unit | None, int]:
    """The responsible unit for a region and its tier, skipping the named worker's unit."""
    code = undotted(kode_wilayah)
    avoid = getattr(named_worker, "unit_id", None)
    tiers: list[tuple[int, Any]] = [
        (Tier.KAB, Unit.objects.filter(kind=UnitKind.DINSOS_KAB, wilayah_id=code[:4])),
        (Tier.PROV, Unit.objects.filter(kind=UnitKind.DINSOS_PROV, wilayah_id=code[:2])),
    ]
    first = max(start, Tier.PROV if about_worker and named_worker is None else Tier.KAB)
    for tier, qs in tiers:
        if tier < first or len(code) < (4 if tier == Tier.KAB else 2):
            continue
        unit = qs.exclude(pk=avoid).order_by("kode").first() if avoid else qs.order_by("kode").first()
        if unit is not None:
            return unit, tier
    return _pusat_unit(), Tier.PUSAT


def due_for(category: str, start: dt.datetime) -> dt.datetime:
    return start + dt.timedelta(days=SLA_DAYS.get(category, SLA_DAYS[Category.LAINNYA]))


def check_attachment(upload: UploadedFile | None) -> None:
    """Size and type from the file's first bytes; a clear Indonesian error otherwise."""
    if upload is None:
        return
    if upload.size is not None and upload.size > ATTACHMENT_MAX_BYTES:
        raise SalurError("Lampiran terlalu besar: paling besar 2 MB")
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(sig) for sigs in ATTACHMENT_SIGNATURES.values() for sig in sigs):
        raise SalurError("Lampiran harus berupa foto JPG/PNG atau PDF")


def _clean_text(text: str, *, field: str = "Uraian", required: bool = True) -> str:
    text = (text or "").strip()
    if required and len(text) < 10:
        raise SalurError(f"{field} terlalu pendek: tulis paling sedikit 10 huruf")
    if len(text) > TEXT_MAX:
        raise SalurError(f"{field} terlalu panjang: paling banyak {TEXT_MAX} huruf")
    return text


def _snapshot(g: Grievance) -> dict[str, Any]:
    # No reporter name, contact or text in the audit trail: personal data stays in the row it belongs to.
    return {
        "status": g.status,
        "category": g.category,
        "unit": g.unit_id,
        "tier": g.tier,
        "assignee": g.assignee_id,
        "due_at": g.due_at,
        "escalations": g.escalations,
    }


def grievance_create(
    *,
    actor: Any = None,
    category: str,
    channel: str,
    kode_wilayah: str,
    text: str,
    household: Any = None,
    reporter_name: str = "",
    reporter_contact: str = "",
    named_worker: Any = None,
    source_ref: str = "",
    about_worker: bool = False,
    attachment: UploadedFile | None = None,
) -> Grievance:
    """Record a grievance, route it and give it its due date; returns it with its tracking number.

    `actor` None is the public (web form, API without login); a staff actor needs grievance.handle and the region
    in its scope (an SLRT desk or a pendamping taking a complaint down).
    """
    if actor is not None and getattr(actor, "is_authenticated", False):
        require(actor, "grievance.handle")
        require_in_scope(actor, undotted(kode_wilayah))
        if named_worker is not None and getattr(named_worker, "pk", None) == actor.pk:
            raise PermissionDenied("Pengaduan tentang diri Anda sendiri harus dicatat oleh petugas lain")
    else:
        actor = None
    if category not in Category.values:
        raise SalurError("Kategori pengaduan tidak dikenal")
    if channel not in Channel.values:
        raise SalurError("Saluran pengaduan tidak dikenal")
    region = _region(kode_wilayah)
    text = _clean_text(text)
    check_attachment(attachment)
    if household is not None:
        region = household.wilayah  # the household's desa is the authority on where it lives
    unit, tier = route_unit(kode_wilayah=region.kode, named_worker=named_worker, about_worker=about_worker)
    now = timezone.now()
    with transaction.atomic():
        g = Grievance(
            category=category,
            channel=channel,
            wilayah=region,
            household=household,
            text=text,
            reporter_name=reporter_name.strip()[:100],
            reporter_contact=reporter_contact.strip()[:100],
            named_worker=named_worker,
            about_worker=about_worker,
            source_ref=source_ref[:100],
            unit=unit,
            tier=tier,
            due_at=due_for(category, now),
            created_by=actor,
        )
        if attachment is not None:
            g.attachment.save(f"{secrets.token_hex(8)}.{_ext(attachment)}", attachment, save=False)
        _save_with_tracking_no(g, PREFIX["grievance"])
        audit_record(
            actor=actor,
            action="grievance.create",
            object_type="grievances.grievance",
            object_id=g.tracking_no,
            after=_snapshot(g),
            detail={
                "channel": channel,
                "wilayah": region.kode,
                "named_worker": getattr(named_worker, "pk", None),
            },
        )
    return g


ATTACHMENT_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}


def attachment_open(*, actor: Any, item: Grievance | Submission) -> tuple[Any, str, str]:
    """The attachment of a grievance, usul or sanggah for staff: (open file, download name, content type).

    The caller has found `item` through the scoped selectors (region scope; a grievance never reaches the worker
    it names); here the capability and the region are checked again and the download is written to the audit
    trail. The download name carries the tracking number only, never a name or a NIK.

    Masking: a photo of a KK or a KTP shows whole NIKs and cannot be masked, so only roles that see the full NIK
    (`registry.full_nik`) may open attachments; the others see that there is one.
    """
    require(actor, "grievance.view")
    if not can(actor, "registry.full_nik"):
        raise PermissionDenied("Lampiran dapat memuat NIK lengkap: peran Anda tidak dapat membukanya")
    require_in_scope(actor, item.wilayah_id)
    if isinstance(item, Grievance) and item.named_worker_id is not None and item.named_worker_id == actor.pk:
        raise PermissionDenied("Pengaduan ini tentang Anda: lampirannya tidak dapat Anda buka")
    if not item.attachment:
        raise SalurError("Tidak ada lampiran")
    stored = str(item.attachment.name)
    ext = stored.rsplit(".", 1)[-1].lower()
    content_type = ATTACHMENT_CONTENT_TYPES.get(ext, "application/octet-stream")
    try:
        fh = item.attachment.open("rb")
    except FileNotFoundError as exc:
        raise SalurError("Berkas lampiran tidak ditemukan di penyimpanan") from exc
    object_type = "grievances.grievance" if isinstance(item, Grievance) else "grievances.submission"
    audit_record(
        actor=actor,
        action="attachment.download",
        object_type=object_type,
        object_id=item.tracking_no,
        detail={"file": stored.rsplit("/", 1)[-1], "size": item.attachment.size},
    )
    return fh, f"lampiran-{item.tracking_no}.{ext}", content_type


def _ext(upload: UploadedFile) -> str:
    head = upload.read(8)
    upload.seek(0)
    for ext, sigs in ATTACHMENT_SIGNATURES.items():
        if any(head.startswith(s) for s in sigs):
            return ext
    return "bin"


def _save_with_tracking_no(obj: Grievance | Submission, prefix: str) -> None:
    for _ in range(5):
        obj.tracking_no = new_tracking_no(prefix)
        try:
            with transaction.atomic():
                obj.save()
            return
        except IntegrityError:
            if type(obj).objects.filter(tracking_no=obj.tracking_no).exists():
                continue  # a collision of random numbers (about 1 in 10^14): draw again
            raise
    raise SalurError("Gagal membuat nomor lacak; coba lagi")


def _require_handles(actor: Any, g: Grievance) -> None:
    require(actor, "grievance.handle")
    require_in_scope(actor, g.wilayah_id)
    if g.named_worker_id is not None and g.named_worker_id == getattr(actor, "pk", None):
        # Outside the selectors' view already; a direct call is refused the same way.
        raise PermissionDenied("Pengaduan ini menyangkut Anda: ditangani petugas lain")


def _check_assignee(g_wilayah: str, named_worker_id: int | None, assignee: Any) -> None:
    if assignee is None:
        return
    if named_worker_id is not None and assignee.pk == named_worker_id:
        raise PermissionDenied("Pengaduan tidak boleh ditugaskan kepada petugas yang diadukan")
    if not can(assignee, "grievance.handle") or not in_scope(assignee, g_wilayah):
        raise SalurError(f"Pengguna {assignee.username} tidak berwenang menangani pengaduan di wilayah ini")


def grievance_assign(*, actor: Any, grievance: Grievance, assignee: Any) -> Grievance:
    _require_handles(actor, grievance)
    if not grievance.is_open:
        raise SalurError("Pengaduan sudah ditutup")
    _check_assignee(grievance.wilayah_id, grievance.named_worker_id, assignee)
    before = _snapshot(grievance)
    with transaction.atomic():
        grievance.assignee = assignee
        if grievance.status == Status.BARU and assignee is not None:
            grievance.status = Status.DIPROSES
        grievance.save(update_fields=["assignee", "status"])
        audit_record(
            actor=actor,
            action="grievance.assign",
            object_type="grievances.grievance",
            object_id=grievance.tracking_no,
            before=before,
            after=_snapshot(grievance),
        )
    return grievance


def grievance_resolve(*, actor: Any, grievance: Grievance, status: str, resolution: str) -> Grievance:
    """Close with a note the complainant reads by tracking number (selesai or ditolak)."""
    _require_handles(actor, grievance)
    if status not in (Status.SELESAI, Status.DITOLAK):
        raise SalurError("Status penutupan harus selesai atau ditolak")
    if not grievance.is_open:
        raise SalurError("Pengaduan sudah ditutup")
    resolution = _clean_text(resolution, field="Catatan penyelesaian")
    before = _snapshot(grievance)
    with transaction.atomic():
        grievance.status = status
        grievance.resolution = resolution
        grievance.resolved_at = timezone.now()
        grievance.resolved_by = actor
        grievance.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
        audit_record(
            actor=actor,
            action="grievance.resolve",
            object_type="grievances.grievance",
            object_id=grievance.tracking_no,
            before=before,
            after=_snapshot(grievance),
        )
    return grievance


def grievance_bulk_update(
    *, actor: Any, queryset: Any, ids: Iterable[int], assignee: Any = None, status: str = ""
) -> int:
    """One UPDATE for the chosen items the actor may handle (`queryset`: its queue); returns how many changed.

    Items that name the assignee are left out (never assigned to the worker they are about).
    """
    require(actor, "grievance.handle")
    if status and status != Status.DIPROSES:
        raise SalurError("Aksi massal hanya untuk menugaskan atau menandai sedang diproses")
    if assignee is None and not status:
        raise SalurError("Pilih petugas atau status untuk aksi massal")
    targets = queryset.filter(pk__in=list(ids), status__in=OPEN_STATUSES)
    if assignee is not None:
        if not can(assignee, "grievance.handle"):
            raise SalurError(f"Pengguna {assignee.username} tidak berwenang menangani pengaduan")
        targets = targets.exclude(named_worker=assignee).filter(_scope_filter(assignee))
    changes: dict[str, Any] = {}
    if assignee is not None:
        changes["assignee"] = assignee
        changes["status"] = Status.DIPROSES
    if status:
        changes["status"] = status
    with transaction.atomic():
        touched = sorted(targets.values_list("tracking_no", flat=True))
        n = Grievance.objects.filter(tracking_no__in=touched).update(**changes)
        audit_record(
            actor=actor,
            action="grievance.bulk_update",
            object_type="grievances.grievance",
            object_id="",
            after={"assignee": getattr(assignee, "pk", None), "status": changes.get("status")},
            detail={"count": n, "tracking_no": touched},
        )
    return n


def _scope_filter(user: Any) -> Q:
    from salur.core.access import scope_q

    return scope_q(user, "wilayah__kode")


def grievances_escalate(*, actor: Any = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Every open grievance past its due date climbs one level, in one UPDATE; returns counts and tracking numbers.

    kab -> the Dinsos provinsi of its region (when there is one and the named worker is not in it), else pusat;
    prov -> pusat. Items already at pusat stay there (overdue, highlighted in the queue). The new level gets the
    category's full SLA from now; the assignee is cleared (the new unit assigns its own).
    """
    if actor is not None:
        require(actor, "grievance.handle")
    now = now or timezone.now()
    pusat = _pusat_unit()
    pusat_id = pusat.pk if pusat else None
    prov_units = Unit.objects.filter(
        kind=UnitKind.DINSOS_PROV, wilayah_id=Left(OuterRef("wilayah_id"), 2)
    ).exclude(
        Exists(
            get_user_model().objects.filter(  # the named worker's own unit is skipped
                pk=OuterRef(OuterRef("named_worker_id")), unit_id=OuterRef("pk")
            )
        )
    )
    overdue = Grievance.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now, tier__lt=Tier.PUSAT)
    with transaction.atomic():
        n = overdue.update(
            unit_id=Case(
                When(
                    tier=Tier.KAB,
                    then=Coalesce(Subquery(prov_units.order_by("kode").values("pk")[:1]), Value(pusat_id)),
                ),
                default=Value(pusat_id),
                output_field=IntegerField(),
            ),
            tier=Case(
                When(Q(tier=Tier.KAB) & Exists(prov_units), then=Value(int(Tier.PROV))),
                default=Value(int(Tier.PUSAT)),
            ),
            due_at=Case(
                *[When(category=c, then=Value(now + dt.timedelta(days=d))) for c, d in SLA_DAYS.items()],
                default=Value(now + dt.timedelta(days=SLA_DAYS[Category.LAINNYA])),
            ),
            escalations=F("escalations") + 1,
            escalated_at=Value(now),
            assignee=None,
        )
        moved = list(
            Grievance.objects.filter(escalated_at=now)
            .order_by("tracking_no")
            .values_list("tracking_no", "tier")
        )
        digest = hashlib.sha256("\n".join(f"{t}:{tier}" for t, tier in moved).encode()).hexdigest()
        if n:
            audit_record(
                actor=actor,
                action="grievance.escalate",
                object_type="grievances.grievance",
                object_id="",
                detail={
                    "count": n,
                    "cutoff": now,
                    "sha256": digest,
                    # the list itself while it is small; the digest covers it always
                    "moved": [{"tracking_no": t, "tier": tier} for t, tier in moved[:1000]],
                },
            )
    return {"escalated": n, "cutoff": now.isoformat(), "tracking_no": [t for t, _ in moved]}


# --- usul and sanggah ----------------------------------------------------------------------------------------


def _submission_snapshot(s: Submission) -> dict[str, Any]:
    return {
        "status": s.status,
        "unit": s.unit_id,
        "kind": s.kind,
        "household": s.household_id,
        "enrolment": s.enrolment_id,
    }


def submission_create(
    *,
    actor: Any = None,
    kind: str,
    kode_wilayah: str,
    text: str,
    reporter_name: str = "",
    reporter_contact: str = "",
    relation: str = "",
    no_kk: str = "",
    nama_kepala: str = "",
    alamat: str = "",
    jumlah_anggota: int | None = None,
    household: Any = None,
    reason: str = "",
    channel: str = Channel.WEB,
    attachment: UploadedFile | None = None,
) -> Submission:
    """An usul (propose a household) or sanggah (dispute a recipient), routed to the responsible Dinsos."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        require(actor, "grievance.handle")
        require_in_scope(actor, undotted(kode_wilayah))
    else:
        actor = None
    if kind not in SubmissionKind.values:
        raise SalurError("Jenis pengajuan tidak dikenal")
    region = _region(kode_wilayah)
    text = _clean_text(text)
    if kind == SubmissionKind.USUL:
        if relation not in Relation.values:
            raise SalurError("Pilih hubungan Anda dengan keluarga yang diusulkan")
        no_kk = (no_kk or "").strip()
        if no_kk and (len(no_kk) != 16 or not no_kk.isdigit()):
            raise SalurError("Nomor KK harus tepat 16 angka")
        if len((nama_kepala or "").strip()) < 3:
            raise SalurError("Tulis nama kepala keluarga yang diusulkan")
        if jumlah_anggota is not None and not 1 <= jumlah_anggota <= 30:
            raise SalurError("Jumlah anggota keluarga harus 1 sampai 30")
        household = None
        reason = ""
    else:
        if household is None:
            raise SalurError("Pilih penerima yang disanggah dari hasil pencarian")
        if reason not in SanggahReason.values:
            raise SalurError("Pilih alasan sanggahan")
        region = household.wilayah
        relation, no_kk, nama_kepala, alamat, jumlah_anggota = "", "", "", "", None
    check_attachment(attachment)
    unit, _tier = route_unit(kode_wilayah=region.kode)
    with transaction.atomic():
        s = Submission(
            kind=kind,
            wilayah=region,
            unit=unit,
            channel=channel,
            reporter_name=reporter_name.strip()[:100],
            reporter_contact=reporter_contact.strip()[:100],
            relation=relation,
            no_kk=no_kk,
            nama_kepala=nama_kepala.strip()[:100],
            alamat=alamat.strip()[:200],
            jumlah_anggota=jumlah_anggota,
            household=household,
            reason=reason,
            text=text,
            created_by=actor,
        )
        if attachment is not None:
            s.attachment.save(f"{secrets.token_hex(8)}.{_ext(attachment)}", attachment, save=False)
        _save_with_tracking_no(s, PREFIX[kind])
        audit_record(
            actor=actor,
            action=f"{kind}.create",
            object_type="grievances.submission",
            object_id=s.tracking_no,
            after=_submission_snapshot(s),
            detail={"wilayah": region.kode, "reason": reason},
        )
    return s


def submission_decide(
    *,
    actor: Any,
    submission: Submission,
    status: str,
    outcome: str,
    program_code: str = "",
    no_kk: str = "",
) -> Submission:
    """Move an usul/sanggah through verification: verifikasi, then disetujui or ditolak with the outcome.

    Approving an usul proposes the household for a program in enrolment (`enrolment_propose`, an usulan that then
    goes through verifikasi and penetapan there): `program_code` and the household's `no_kk` (the usul's own when
    empty) are required, the household must be in the registry within the actor's region, and the actor needs
    `enrolment.propose`. Both happen in one transaction: a refusal of the proposal leaves the usul undecided.
    """
    require(actor, "grievance.handle")
    require_in_scope(actor, submission.wilayah_id)
    if submission.status not in OPEN_SUBMISSION_STATUSES:
        raise SalurError("Pengajuan ini sudah diputuskan")
    if status not in (SubmissionStatus.VERIFIKASI, SubmissionStatus.DISETUJUI, SubmissionStatus.DITOLAK):
        raise SalurError("Status tidak dikenal")
    outcome = _clean_text(outcome, field="Hasil verifikasi", required=status != SubmissionStatus.VERIFIKASI)
    propose = submission.kind == SubmissionKind.USUL and status == SubmissionStatus.DISETUJUI
    target = _usul_target(actor, submission, program_code, no_kk) if propose else None
    before = _submission_snapshot(submission)
    with transaction.atomic():
        fields = ["status", "outcome", "decided_at", "decided_by"]
        if target is not None:
            from salur.enrolment.services import enrolment_propose

            household, program = target
            enrolment = enrolment_propose(
                actor=actor,
                household=household,
                program=program,
                reason=f"Usul warga {submission.tracking_no}: {outcome}"[:300],
                notes=submission.text,
            )
            submission.household = household
            submission.enrolment = enrolment
            fields += ["household", "enrolment"]
        submission.status = status
        if outcome:
            submission.outcome = outcome
        if status != SubmissionStatus.VERIFIKASI:
            submission.decided_at = timezone.now()
            submission.decided_by = actor
        submission.save(update_fields=fields)
        audit_record(
            actor=actor,
            action=f"{submission.kind}.decide",
            object_type="grievances.submission",
            object_id=submission.tracking_no,
            before=before,
            after=_submission_snapshot(submission),
        )
    return submission


def _usul_target(
    actor: Any, submission: Submission, program_code: str, no_kk: str
) -> tuple[Household, Program]:
    """The registry household and the program an approved usul is proposed for, or a refusal in Indonesian."""
    from salur.registry.selectors import households_visible_to

    if not can(actor, "enrolment.propose"):
        raise PermissionDenied(
            "Menyetujui usul berarti mengusulkan keluarga ke program: peran Anda tidak dapat"
        )
    program = Program.objects.filter(code=(program_code or "").strip().upper()).first()
    if program is None:
        raise SalurError("Pilih program yang diusulkan untuk keluarga ini")
    no_kk = (no_kk or submission.no_kk or "").strip()
    if len(no_kk) != 16 or not no_kk.isdigit():
        raise SalurError("Tulis nomor KK keluarga yang diusulkan (16 angka) sesuai registri")
    household = households_visible_to(actor).filter(no_kk=no_kk).select_related("wilayah").first()
    if household is None:
        raise SalurError(
            "Keluarga dengan nomor KK ini belum ada di registri wilayah Anda: daftarkan dulu melalui registri, "
            "lalu setujui usul ini"
        )
    return household, program
