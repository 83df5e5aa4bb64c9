"""Staff pages: the grievance queue of a unit (filters, overdue highlighted, assignment, bulk actions), a
grievance's page (assign, resolve), staff intake, and the usul/sanggah verification queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from salur.core.access import can, in_scope
from salur.core.errors import PermissionDenied, SalurError
from salur.core.web import capability_required
from salur.grievances import selectors, services
from salur.grievances.forms import (
    AssignForm,
    DecideForm,
    DecideUsulForm,
    IntakeForm,
    QueueFilterForm,
    ResolveForm,
    SubmissionFilterForm,
)
from salur.grievances.models import Grievance, Submission, SubmissionKind

PAGE_SIZE = 50


def _handlers_for(actor: Any, grievance: Grievance | None = None) -> list[Any]:
    """Who may be assigned: active users of the actor's unit who handle grievances, never the named worker."""
    User = get_user_model()  # noqa: N806
    qs = User.objects.filter(is_active=True)
    qs = qs.filter(unit_id=actor.unit_id) if getattr(actor, "unit_id", None) else qs.filter(pk=actor.pk)
    users = [u for u in qs.select_related("unit").order_by("username") if can(u, "grievance.handle")]
    if grievance is not None:
        users = [u for u in users if u.pk != grievance.named_worker_id and in_scope(u, grievance.wilayah_id)]
    return users


@login_required
@capability_required("grievance.view")
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    mine = f.get("mine") or "unit"
    filters = selectors.GrievanceFilters(
        mine="" if mine == "semua" else mine,
        status=f.get("status", "terbuka") if form.is_bound else "terbuka",
        category=f.get("category", ""),
        overdue=bool(f.get("overdue")),
        wilayah=f.get("wilayah", ""),
        q=f.get("q", ""),
    )
    qs = selectors.grievance_queue(actor=request.user, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"g": g, "overdue": g.is_open and g.due_at < now} for g in page]
    return render(
        request,
        "grievances/index.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "handlers": _handlers_for(request.user),
            "can_handle": can(request.user, "grievance.handle"),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@capability_required("grievance.handle")
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    action = request.POST.get("action", "")
    assignee = None
    if action == "assign":
        chosen = request.POST.get("assignee", "")
        assignee = next((u for u in _handlers_for(request.user) if str(u.pk) == chosen), None)
        if assignee is None:
            messages.error(request, "Pilih petugas dari unit Anda")
            return redirect("grievances:index")
    if not ids:
        messages.error(request, "Pilih paling sedikit satu pengaduan")
        return redirect("grievances:index")
    try:
        n = services.grievance_bulk_update(
            actor=request.user,
            queryset=selectors.grievances_visible_to(request.user),
            ids=ids,
            assignee=assignee,
            status="diproses" if action == "process" else "",
        )
    except SalurError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{n} pengaduan diperbarui")
    return redirect("grievances:index")


def _grievance_or_404(request: HttpRequest, tracking_no: str) -> Grievance:
    g = selectors.grievance_get(actor=request.user, tracking_no=tracking_no)
    if g is None:
        raise Http404("Pengaduan tidak ditemukan di wilayah Anda")
    return g


@login_required
@capability_required("grievance.view")
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, tracking_no: str) -> HttpResponse:
    g = _grievance_or_404(request, tracking_no)
    handlers = _handlers_for(request.user, g)
    assign_form = AssignForm(users=handlers)
    resolve_form = ResolveForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "assign":
                assign_form = AssignForm(request.POST, users=handlers)
                if assign_form.is_valid():
                    user = next(u for u in handlers if str(u.pk) == assign_form.cleaned_data["assignee"])
                    services.grievance_assign(actor=request.user, grievance=g, assignee=user)
                    messages.success(request, f"Ditugaskan kepada {user.username}")
                    return redirect("grievances:detail", g.tracking_no)
            elif action == "resolve":
                resolve_form = ResolveForm(request.POST)
                if resolve_form.is_valid():
                    services.grievance_resolve(
                        actor=request.user,
                        grievance=g,
                        status=resolve_form.cleaned_data["status"],
                        resolution=resolve_form.cleaned_data["resolution"],
                    )
                    messages.success(request, "Pengaduan ditutup")
                    return redirect("grievances:detail", g.tracking_no)
        except SalurError as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "grievances/detail.html",
        {
            "g": g,
            "overdue": g.is_open and g.due_at < timezone.now(),
            "assign_form": assign_form,
            "resolve_form": resolve_form,
            "can_handle": can(request.user, "grievance.handle") and g.is_open,
            "can_download": can(request.user, "registry.full_nik"),
        },
    )


@login_required
@capability_required("grievance.handle")
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        User = get_user_model()  # noqa: N806
        named = None
        if data["named_worker"]:
            named = User.objects.filter(username=data["named_worker"].strip()).first()
            if named is None:
                form.add_error("named_worker", "Pengguna ini tidak dikenal")
        household = None
        if data["no_kk"]:
            from salur.registry.selectors import household_get

            household = household_get(actor=request.user, no_kk=data["no_kk"])
            if household is None:
                form.add_error("no_kk", "Keluarga dengan nomor KK ini tidak ditemukan di wilayah Anda")
        if not form.errors:
            try:
                g = services.grievance_create(
                    actor=request.user,
                    category=data["category"],
                    channel=data["channel"],
                    kode_wilayah=data["kode_wilayah"],
                    text=data["text"],
                    household=household,
                    reporter_name=data["reporter_name"],
                    reporter_contact=data["reporter_contact"],
                    named_worker=named,
                )
            except SalurError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Pengaduan dicatat dengan nomor lacak {g.tracking_no}")
                if selectors.grievance_get(actor=request.user, tracking_no=g.tracking_no):
                    return redirect("grievances:detail", g.tracking_no)
                return redirect("grievances:index")
    return render(request, "grievances/intake.html", {"form": form})


@login_required
@capability_required("grievance.view")
@require_http_methods(["GET"])
def submissions(request: HttpRequest) -> HttpResponse:
    form = SubmissionFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = selectors.submission_queue(
        actor=request.user,
        kind=f.get("kind", ""),
        status=f.get("status", "terbuka") if form.is_bound else "terbuka",
        mine=request.GET.get("mine", "unit"),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "grievances/submissions.html", {"form": form, "page": page})


@login_required
@capability_required("grievance.view")
@require_http_methods(["GET", "POST"])
def submission_detail(request: HttpRequest, tracking_no: str) -> HttpResponse:
    s = selectors.submission_get(actor=request.user, tracking_no=tracking_no)
    if s is None:
        raise Http404("Pengajuan tidak ditemukan di wilayah Anda")
    usul = s.kind == SubmissionKind.USUL
    form = (DecideUsulForm if usul else DecideForm)(
        request.POST or None, initial={"no_kk": s.no_kk} if usul else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.submission_decide(
                actor=request.user,
                submission=s,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
                program_code=form.cleaned_data.get("program", ""),
                no_kk=form.cleaned_data.get("no_kk", ""),
            )
        except SalurError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Keputusan disimpan")
            return redirect("grievances:submission_detail", s.tracking_no)
    head = None
    if s.household is not None:
        head = s.household.members.order_by("urutan", "id").first()
    return render(
        request,
        "grievances/submission_detail.html",
        {
            "s": s,
            "form": form,
            "head": head,
            "can_handle": can(request.user, "grievance.handle") and s.status in ("diterima", "verifikasi"),
            "can_download": can(request.user, "registry.full_nik"),
        },
    )


def _attachment_response(request: HttpRequest, item: Grievance | Submission) -> FileResponse:
    """The file as a download (never shown inline on our origin), after the service's checks and audit entry."""
    try:
        fh, filename, content_type = services.attachment_open(actor=request.user, item=item)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc)) from exc
    except SalurError as exc:
        raise Http404(str(exc)) from exc
    response = FileResponse(fh, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@capability_required("grievance.view")
@require_http_methods(["GET"])
def attachment(request: HttpRequest, tracking_no: str) -> Any:
    return _attachment_response(request, _grievance_or_404(request, tracking_no))


@login_required
@capability_required("grievance.view")
@require_http_methods(["GET"])
def submission_attachment(request: HttpRequest, tracking_no: str) -> Any:
    s = selectors.submission_get(actor=request.user, tracking_no=tracking_no)
    if s is None:
        raise Http404("Pengajuan tidak ditemukan di wilayah Anda")
    return _attachment_response(request, s)
