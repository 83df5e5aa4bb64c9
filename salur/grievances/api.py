"""/api/v1/grievances: public intake (pengaduan, usul, sanggah; no login, rate-limited) and the staff queue
(list, read, assign, resolve, intake, usul/sanggah decisions), through the same services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from salur.core.errors import PermissionDenied, SalurError
from salur.grievances import selectors, services
from salur.grievances.models import Channel, Grievance, Submission, SubmissionKind
from salur.portal.api import limited
from salur.portal.selectors import household_for_sanggah_token

router = Router(tags=["pengaduan"])

NOT_FOUND = "Tidak ditemukan di wilayah Anda"


class MessageOut(Schema):
    detail: str


class CreatedOut(Schema):
    tracking_no: str
    status: str
    unit: str
    due_at: dt.datetime | None = None


class PublicGrievanceIn(Schema):
    category: str
    kode_wilayah: str
    text: str
    nik: str = ""
    reporter_name: str = ""
    reporter_contact: str = ""
    about_worker: bool = False


class UsulIn(Schema):
    kode_wilayah: str
    relation: str
    nama_kepala: str
    text: str
    no_kk: str = ""
    alamat: str = ""
    jumlah_anggota: int | None = None
    reporter_name: str = ""
    reporter_contact: str = ""


class SanggahIn(Schema):
    sanggah_token: str
    reason: str
    text: str
    reporter_name: str = ""
    reporter_contact: str = ""


class GrievanceOut(Schema):
    tracking_no: str
    category: str
    channel: str
    kode_wilayah: str
    unit: str | None
    tier: int
    status: str
    assignee: str | None
    due_at: dt.datetime
    overdue: bool
    escalations: int
    text: str
    resolution: str
    created_at: dt.datetime

    @staticmethod
    def resolve_kode_wilayah(obj: Grievance) -> str:
        return obj.wilayah_id

    @staticmethod
    def resolve_unit(obj: Grievance) -> str | None:
        return obj.unit.kode if obj.unit else None

    @staticmethod
    def resolve_assignee(obj: Grievance) -> str | None:
        return obj.assignee.username if obj.assignee else None

    @staticmethod
    def resolve_overdue(obj: Grievance) -> bool:
        from django.utils import timezone

        return obj.is_open and obj.due_at < timezone.now()


class GrievancePageOut(Schema):
    count: int
    items: list[GrievanceOut]


class QueueIn(Schema):
    mine: str = "unit"
    status: str = "terbuka"
    category: str = ""
    overdue: bool = False
    wilayah: str = ""
    limit: int = 50
    offset: int = 0


class IntakeIn(Schema):
    category: str
    channel: str
    kode_wilayah: str
    text: str
    no_kk: str = ""
    named_worker: str = ""
    reporter_name: str = ""
    reporter_contact: str = ""


class AssignIn(Schema):
    assignee: str


class ResolveIn(Schema):
    status: str
    resolution: str


class DecideIn(Schema):
    status: str
    outcome: str = ""
    program: str = ""  # usul approved: the program it is proposed for in enrolment
    no_kk: str = ""  # usul approved: the household in the registry (default: the usul's KK number)


class SubmissionOut(Schema):
    tracking_no: str
    kind: str
    kode_wilayah: str
    status: str
    outcome: str
    created_at: dt.datetime

    @staticmethod
    def resolve_kode_wilayah(obj: Submission) -> str:
        return obj.wilayah_id


def _created(obj: Grievance | Submission) -> Status[dict[str, Any]]:
    return Status(
        201,
        {
            "tracking_no": obj.tracking_no,
            "status": obj.status,
            "unit": obj.unit.nama if obj.unit else "Kemensos pusat",
            "due_at": getattr(obj, "due_at", None),
        },
    )


PUBLIC = {201: CreatedOut, 400: MessageOut, 422: MessageOut, 429: MessageOut}


@router.post("/public", auth=None, response=PUBLIC, url_name="grievance_public_create")
def public_grievance(request: HttpRequest, payload: PublicGrievanceIn) -> Any:
    """Pengaduan dari masyarakat (tanpa login); nomor lacak dalam jawaban."""
    refused = limited(request, "submit")
    if refused:
        return refused
    household = None
    if payload.nik:
        from salur.registry.models import Member

        m = Member.objects.filter(nik=payload.nik.strip()).select_related("household__wilayah").first()
        household = m.household if m else None
    try:
        g = services.grievance_create(
            category=payload.category,
            channel=Channel.API,
            kode_wilayah=payload.kode_wilayah,
            text=payload.text,
            household=household,
            reporter_name=payload.reporter_name,
            reporter_contact=payload.reporter_contact,
            about_worker=payload.about_worker,
        )
    except SalurError as exc:
        return Status(422, {"detail": str(exc)})
    return _created(g)


@router.post("/usul", auth=None, response=PUBLIC, url_name="grievance_usul_create")
def public_usul(request: HttpRequest, payload: UsulIn) -> Any:
    """Usul keluarga penerima (tanpa login)."""
    refused = limited(request, "submit")
    if refused:
        return refused
    try:
        s = services.submission_create(kind=SubmissionKind.USUL, channel=Channel.API, **payload.model_dump())
    except SalurError as exc:
        return Status(422, {"detail": str(exc)})
    return _created(s)


@router.post("/sanggah", auth=None, response=PUBLIC, url_name="grievance_sanggah_create")
def public_sanggah(request: HttpRequest, payload: SanggahIn) -> Any:
    """Sanggah penerima: `sanggah_token` dari hasil /portal/lookup (berlaku satu jam)."""
    refused = limited(request, "submit")
    if refused:
        return refused
    household = household_for_sanggah_token(payload.sanggah_token)
    if household is None:
        return Status(400, {"detail": "Token sanggah tidak sah atau kedaluwarsa: cari penerima lagi"})
    try:
        s = services.submission_create(
            kind=SubmissionKind.SANGGAH,
            channel=Channel.API,
            kode_wilayah=household.wilayah_id,
            household=household,
            reason=payload.reason,
            text=payload.text,
            reporter_name=payload.reporter_name,
            reporter_contact=payload.reporter_contact,
        )
    except SalurError as exc:
        return Status(422, {"detail": str(exc)})
    return _created(s)


# --- staff ---------------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _require_view(actor: Any) -> None:
    from salur.core.access import require

    require(actor, "grievance.view")


def _grievance_or_404(actor: Any, tracking_no: str) -> Grievance:
    _require_view(actor)
    g = selectors.grievance_get(actor=actor, tracking_no=tracking_no)
    if g is None:
        raise HttpError(404, NOT_FOUND)
    return g


@router.get("/", response={200: GrievancePageOut, 403: MessageOut}, url_name="grievance_list")
def grievance_list(request: HttpRequest, params: Query[QueueIn]) -> Any:
    """Antrean pengaduan (unit saya, ditugaskan kepada saya, atau semua di wilayah saya)."""
    actor = _actor(request)
    _require_view(actor)
    filters = selectors.GrievanceFilters(
        mine="" if params.mine == "semua" else params.mine,
        status=params.status,
        category=params.category,
        overdue=params.overdue,
        wilayah=params.wilayah,
    )
    qs = selectors.grievance_queue(actor=actor, filters=filters)
    limit = max(1, min(params.limit, 200))
    return {"count": qs.count(), "items": list(qs[params.offset : params.offset + limit])}


@router.post(
    "/intake", response={201: CreatedOut, 403: MessageOut, 422: MessageOut}, url_name="grievance_intake"
)
def grievance_intake(request: HttpRequest, payload: IntakeIn) -> Any:
    """Catat pengaduan dari loket SLRT/Puskesos, telepon, pendamping, atau verifikasi pembayaran."""
    actor = _actor(request)
    named = None
    if payload.named_worker:
        named = get_user_model().objects.filter(username=payload.named_worker).first()
        if named is None:
            return Status(422, {"detail": "Petugas yang diadukan tidak dikenal"})
    household = None
    if payload.no_kk:
        from salur.registry.selectors import household_get

        household = household_get(actor=actor, no_kk=payload.no_kk)
        if household is None:
            return Status(422, {"detail": "Keluarga dengan nomor KK ini tidak ditemukan di wilayah Anda"})
    try:
        g = services.grievance_create(
            actor=actor,
            category=payload.category,
            channel=payload.channel,
            kode_wilayah=payload.kode_wilayah,
            text=payload.text,
            household=household,
            reporter_name=payload.reporter_name,
            reporter_contact=payload.reporter_contact,
            named_worker=named,
        )
    except PermissionDenied:
        raise
    except SalurError as exc:
        return Status(422, {"detail": str(exc)})
    return _created(g)


@router.get("/submissions", response={200: list[SubmissionOut], 403: MessageOut}, url_name="submission_list")
def submission_list(request: HttpRequest, kind: str = "", status: str = "terbuka") -> Any:
    """Antrean verifikasi usul dan sanggah unit saya."""
    actor = _actor(request)
    _require_view(actor)
    return list(selectors.submission_queue(actor=actor, kind=kind, status=status)[:200])


@router.post(
    "/submissions/{tracking_no}/decide",
    response={200: SubmissionOut, 403: MessageOut, 404: MessageOut, 422: MessageOut},
    url_name="submission_decide",
)
def submission_decide(request: HttpRequest, tracking_no: str, payload: DecideIn) -> Any:
    actor = _actor(request)
    _require_view(actor)
    s = selectors.submission_get(actor=actor, tracking_no=tracking_no)
    if s is None:
        raise HttpError(404, NOT_FOUND)
    try:
        return services.submission_decide(
            actor=actor,
            submission=s,
            status=payload.status,
            outcome=payload.outcome,
            program_code=payload.program,
            no_kk=payload.no_kk,
        )
    except PermissionDenied:
        raise
    except SalurError as exc:
        return Status(422, {"detail": str(exc)})


@router.get(
    "/{tracking_no}", response={200: GrievanceOut, 403: MessageOut, 404: MessageOut}, url_name="grievance_get"
)
def grievance_get(request: HttpRequest, tracking_no: str) -> Any:
    return _grievance_or_404(_actor(request), tracking_no)


@router.post(
    "/{tracking_no}/assign",
    response={200: GrievanceOut, 403: MessageOut, 404: MessageOut, 422: MessageOut},
    url_name="grievance_assign",
)
def grievance_assign(request: HttpRequest, tracking_no: str, payload: AssignIn) -> Any:
    actor = _actor(request)
    g = _grievance_or_404(actor, tracking_no)
    assignee = get_user_model().objects.filter(username=payload.assignee, is_active=True).first()
    if assignee is None:
        return Status(422, {"detail": "Petugas tidak dikenal"})
    try:
        return services.grievance_assign(actor=actor, grievance=g, assignee=assignee)
    except PermissionDenied:
        raise
    except SalurError as exc:
        return Status(422, {"detail": str(exc)})


@router.post(
    "/{tracking_no}/resolve",
    response={200: GrievanceOut, 403: MessageOut, 404: MessageOut, 422: MessageOut},
    url_name="grievance_resolve",
)
def grievance_resolve(request: HttpRequest, tracking_no: str, payload: ResolveIn) -> Any:
    actor = _actor(request)
    g = _grievance_or_404(actor, tracking_no)
    try:
        return services.grievance_resolve(
            actor=actor, grievance=g, status=payload.status, resolution=payload.resolution
        )
    except PermissionDenied:
        raise
    except SalurError as exc:
        return Status(422, {"detail": str(exc)})
