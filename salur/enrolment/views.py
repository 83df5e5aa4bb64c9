"""Web pages of enrolment: the work queue, usulan, verifikasi, penetapan, status changes, a household's history.

A door like the API: reads through the selectors (scoped; outside the scope is 404), writes through the services
(role, region, maker-checker). A role refusal from a service becomes 403; a step that does not fit becomes a form
error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salur.core.access import can
from salur.core.errors import PermissionDenied as AccessDenied
from salur.core.errors import SalurError
from salur.core.web import capability_required
from salur.enrolment import selectors, services
from salur.enrolment.forms import (
    DecideForm,
    DecideListForm,
    FilterForm,
    ProposeForm,
    ResolveForm,
    StatusChangeForm,
    VerifyForm,
)
from salur.enrolment.models import Enrolment, EnrolmentStatus, EnrolmentStep, StatusChange
from salur.programs.models import Program

PAGE_SIZE = 25
PREVIEW = 50

T = TypeVar("T")


def _enrolment_or_404(request: HttpRequest, enrolment_id: int) -> Enrolment:
    enrolment = selectors.enrolment_get(actor=request.user, enrolment_id=enrolment_id)
    if enrolment is None:
        raise Http404(_("Kepesertaan tidak ditemukan"))
    return enrolment


def _change_or_404(request: HttpRequest, change_id: int) -> StatusChange:
    change = selectors.status_change_get(actor=request.user, change_id=change_id)
    if change is None:
        raise Http404(_("Permintaan perubahan tidak ditemukan"))
    return change


def _submit(form: Any, write: Callable[[], T]) -> T | None:
    """A service write for a form: a role/region/maker-checker refusal is a 403, any other refusal a form error."""
    try:
        return write()
    except AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except SalurError as exc:
        form.add_error(None, str(exc))
    return None


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# --- the queue ----------------------------------------------------------------------------------------------------


@login_required
@capability_required("enrolment.view")
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    terms = form.cleaned_data if form.is_valid() else {}
    filters = selectors.EnrolmentFilters(
        program=terms.get("program", ""),
        status=terms.get("status", ""),
        step=terms.get("step", ""),
        wilayah=terms.get("wilayah", ""),
        no_kk=terms.get("no_kk", ""),
    )
    page = Paginator(selectors.enrolment_list(actor=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "enrolment/index.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "queue": selectors.queue_counts(actor=request.user),
            "changes": selectors.pending_changes(actor=request.user)[:PAGE_SIZE],
            "decisions": selectors.decisions_visible_to(request.user)[:10],
            "can_propose": can(request.user, "enrolment.propose"),
            "can_decide": can(request.user, "enrolment.decide"),
        },
    )


# --- usulan -------------------------------------------------------------------------------------------------------


@login_required
@capability_required("enrolment.propose")
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest) -> HttpResponse:
    initial = {"no_kk": request.GET.get("no_kk", ""), "program": request.GET.get("program", "")}
    form = ProposeForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = selectors.household_for_enrolment(actor=request.user, no_kk=data["no_kk"])
        program = Program.objects.filter(code=data["program"]).first()
        if household is None:
            form.add_error("no_kk", _("Keluarga dengan nomor KK ini tidak ditemukan di wilayah Anda"))
        elif program is not None:
            enrolment = _submit(
                form,
                lambda: services.enrolment_propose(
                    actor=request.user,
                    household=household,
                    program=program,
                    reason=data["reason"],
                    notes=data["notes"],
                ),
            )
            if enrolment is not None:
                messages.success(
                    request,
                    _("Keluarga %(no_kk)s diusulkan untuk %(program)s.")
                    % {"no_kk": household.no_kk, "program": program.code},
                )
                return redirect("enrolment:detail", enrolment_id=enrolment.pk)
    return render(request, "enrolment/propose.html", {"form": form})


# --- one enrolment ------------------------------------------------------------------------------------------------


@login_required
@capability_required("enrolment.view")
@require_GET
def detail(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = _enrolment_or_404(request, enrolment_id)
    user = request.user
    pending = enrolment.status_changes.filter(state="menunggu").select_related("requested_by").first()
    return render(
        request,
        "enrolment/detail.html",
        {
            "e": enrolment,
            "proposals": enrolment.proposals.select_related("proposed_by").order_by("-proposed_at", "-id"),
            "verifications": enrolment.verifications.select_related("verified_by").order_by(
                "-verified_at", "-id"
            ),
            "changes": enrolment.status_changes.select_related("requested_by", "resolved_by").order_by(
                "-requested_at", "-id"
            ),
            "events": selectors.enrolment_events(enrolment=enrolment),
            "pending": pending,
            "can_verify": can(user, "enrolment.verify") and enrolment.step == EnrolmentStep.DIUSULKAN,
            "can_request": services.can_request_change(user)
            and enrolment.status in (EnrolmentStatus.AKTIF, EnrolmentStatus.DITANGGUHKAN)
            and pending is None,
            "can_resolve": can(user, "enrolment.decide") and pending is not None,
            "resolve_form": ResolveForm(),
        },
    )


@login_required
@capability_required("enrolment.verify")
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = _enrolment_or_404(request, enrolment_id)
    form = VerifyForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        verification = _submit(
            form,
            lambda: services.enrolment_verify(
                actor=request.user,
                enrolment=enrolment,
                result=data["result"],
                visit_date=data["visit_date"],
                officer=data["officer"],
                notes=data["notes"],
            ),
        )
        if verification is not None:
            messages.success(
                request,
                _("Hasil verifikasi (%(result)s) dicatat.") % {"result": verification.get_result_display()},
            )
            return redirect("enrolment:detail", enrolment_id=enrolment.pk)
    return render(request, "enrolment/verify.html", {"form": form, "e": enrolment})


@login_required
@require_http_methods(["GET", "POST"])
def change_request(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    if not services.can_request_change(request.user):
        raise PermissionDenied(_("Peran Anda tidak berwenang meminta perubahan status kepesertaan"))
    enrolment = _enrolment_or_404(request, enrolment_id)
    form = StatusChangeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = _submit(
            form,
            lambda: services.status_change_request(
                actor=request.user,
                enrolment=enrolment,
                kind=data["kind"],
                note=data["note"],
                exit_reason=data["exit_reason"],
            ),
        )
        if change is not None:
            messages.success(
                request,
                _("Permintaan '%(kind)s' dicatat; menunggu konfirmasi pengguna lain.")
                % {"kind": change.get_kind_display()},
            )
            return redirect("enrolment:detail", enrolment_id=enrolment.pk)
    return render(request, "enrolment/change_request.html", {"form": form, "e": enrolment})


@login_required
@capability_required("enrolment.decide")
@require_POST
def change_resolve(request: HttpRequest, change_id: int) -> HttpResponse:
    change = _change_or_404(request, change_id)
    form = ResolveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done: object
        if data["action"] == "konfirmasi":
            done = _submit(
                form,
                lambda: services.status_change_confirm(actor=request.user, change=change, note=data["note"]),
            )
            text = _("Perubahan status dikonfirmasi.")
        else:
            done = _submit(
                form,
                lambda: services.status_change_reject(actor=request.user, change=change, note=data["note"]),
            )
            text = _("Permintaan perubahan ditolak.")
        if done is not None:
            messages.success(request, text)
            return redirect("enrolment:detail", enrolment_id=change.enrolment_id)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return redirect("enrolment:detail", enrolment_id=change.enrolment_id)


# --- penetapan ----------------------------------------------------------------------------------------------------


@login_required
@capability_required("enrolment.decide")
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = DecideForm(request.POST)
        program_code, wilayah = request.POST.get("program", ""), request.POST.get("wilayah", "")
        list_form = DecideListForm({"program": program_code, "wilayah": wilayah})
    else:
        list_form = DecideListForm(request.GET or None)
        form = None
    terms = list_form.cleaned_data if list_form.is_valid() else {}
    program = Program.objects.filter(code=terms.get("program") or "").first()
    prefix = terms.get("wilayah", "")
    candidates = own = None
    count = 0
    if program is not None:
        qs = selectors.decidable(actor=request.user, program=program, wilayah=prefix)
        count = qs.count()
        own = selectors.own_in_list(actor=request.user, qs=qs)
        candidates = qs.select_related("household__wilayah", "verification", "proposal").order_by(
            "household__wilayah_id", "household__no_kk"
        )[:PREVIEW]
        if form is None:
            form = DecideForm(initial={"program": program.code, "wilayah": prefix, "expected_count": count})
    if request.method == "POST" and form is not None and form.is_valid() and program is not None:
        data = form.cleaned_data
        decision = _submit(
            form,
            lambda: services.enrolment_decide(
                actor=request.user,
                program=program,
                sk_number=data["sk_number"],
                sk_date=data["sk_date"],
                wilayah=prefix,
                expected_count=data["expected_count"],
                notes=data["notes"],
            ),
        )
        if decision is not None:
            messages.success(
                request,
                _("SK %(sk)s: %(n)s keluarga ditetapkan sebagai peserta %(program)s.")
                % {"sk": decision.sk_number, "n": decision.count, "program": program.code},
            )
            return redirect("enrolment:decision_detail", decision_id=decision.pk)
    return render(
        request,
        "enrolment/decide.html",
        {
            "list_form": list_form,
            "form": form,
            "program": program,
            "count": count,
            "own": own,
            "candidates": candidates,
            "preview": PREVIEW,
        },
    )


@login_required
@capability_required("enrolment.view")
@require_GET
def decision_detail(request: HttpRequest, decision_id: int) -> HttpResponse:
    decision = selectors.decision_get(actor=request.user, decision_id=decision_id)
    if decision is None:
        raise Http404(_("Penetapan tidak ditemukan"))
    rows = selectors.decision_enrolments(actor=request.user, decision=decision)
    page = Paginator(rows, PAGE_SIZE * 4).get_page(request.GET.get("page"))
    return render(request, "enrolment/decision_detail.html", {"decision": decision, "page": page})


# --- a household's enrolments ---------------------------------------------------------------------------------------


@login_required
@capability_required("enrolment.view")
@require_GET
def household(request: HttpRequest, no_kk: str) -> HttpResponse:
    found = selectors.household_for_enrolment(actor=request.user, no_kk=no_kk)
    if found is None:
        raise Http404(_("Keluarga tidak ditemukan"))
    enrolments = selectors.household_enrolments(actor=request.user, household=found)
    rows = [{"e": e, "events": list(selectors.enrolment_events(enrolment=e))} for e in enrolments]
    return render(
        request,
        "enrolment/household.html",
        {"household": found, "rows": rows, "can_propose": can(request.user, "enrolment.propose")},
    )
