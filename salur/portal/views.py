"""Public pages of "cek bansos": lookup, usul, sanggah, pengaduan, tracking. No login; rate-limited per client.

Searches are POSTed (a name or NIK never lands in a URL, a browser history or an access log) and the NIK field
is always rendered empty: the NIK typed is never echoed back.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from salur.core.errors import SalurError
from salur.grievances.models import Channel, SubmissionKind
from salur.grievances.selectors import public_track
from salur.grievances.services import grievance_create, submission_create
from salur.portal import selectors
from salur.portal.forms import NameLookupForm, NikLookupForm, PengaduanForm, SanggahForm, TrackForm, UsulForm
from salur.portal.ratelimit import TOO_MANY, allow


def _limited(request: HttpRequest, retry: int) -> HttpResponse:
    response = render(request, "portal/limited.html", {"message": TOO_MANY.format(s=retry)}, status=429)
    response["Retry-After"] = str(retry)
    return response


def _picking(request: HttpRequest) -> bool:
    return "_pick" in request.POST


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    name_form = NameLookupForm(
        request.POST if request.method == "POST" and request.POST.get("cari") != "nik" else None
    )
    nik_form = NikLookupForm()
    result = None
    error = ""
    mode = ""
    if request.method == "POST" and not _picking(request):
        ok, retry = allow(request, "lookup")
        if not ok:
            return _limited(request, retry)
        mode = request.POST.get("cari", "nama")
        try:
            if mode == "nik":
                bound = NikLookupForm(request.POST)
                if bound.is_valid():
                    result = selectors.lookup_by_nik(nik=bound.cleaned_data["nik"])
                else:
                    error = "NIK harus tepat 16 angka"
                # nik_form stays unbound: the NIK typed is not written back into the page
            elif name_form.is_valid():
                result = selectors.lookup_by_name(
                    kode_desa=name_form.cleaned_data["kode_desa"], nama=name_form.cleaned_data.get("nama", "")
                )
            else:
                error = "; ".join(str(e) for errs in name_form.errors.values() for e in errs)
        except selectors.LookupRefused as exc:
            error = str(exc)
    return render(
        request,
        "portal/index.html",
        {
            "name_form": name_form,
            "nik_form": nik_form,
            "result": result,
            "error": error,
            "mode": mode,
            "cap": selectors.RESULT_CAP,
        },
    )


@require_http_methods(["GET"])
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    item = None
    searched = False
    if form.is_bound:
        ok, retry = allow(request, "track")
        if not ok:
            return _limited(request, retry)
        searched = True
        if form.is_valid():
            item = public_track(tracking_no=form.cleaned_data["no"])
    return render(
        request,
        "portal/track.html",
        {"form": form, "item": item, "searched": searched, "new": request.GET.get("baru") == "1"},
    )


def _to_track(tracking_no: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("portal:track") + "?" + urlencode({"no": tracking_no, "baru": "1"}))


@require_http_methods(["GET", "POST"])
def usul(request: HttpRequest) -> HttpResponse:
    post = request.method == "POST"
    form = UsulForm(request.POST if post else None, request.FILES if post else None)
    if request.method == "POST" and not _picking(request):
        ok, retry = allow(request, "submit")
        if not ok:
            return _limited(request, retry)
        if form.is_valid():
            data = form.cleaned_data
            try:
                s = submission_create(
                    kind=SubmissionKind.USUL,
                    kode_wilayah=data["kode_desa"],
                    text=data["text"],
                    reporter_name=data["reporter_name"],
                    reporter_contact=data["reporter_contact"],
                    relation=data["relation"],
                    no_kk=data["no_kk"],
                    nama_kepala=data["nama_kepala"],
                    alamat=data["alamat"],
                    jumlah_anggota=data["jumlah_anggota"],
                    attachment=data.get("attachment"),
                )
            except SalurError as exc:
                form.add_error(None, str(exc))
            else:
                return _to_track(s.tracking_no)
    elif _picking(request):
        form.errors.clear()
    return render(request, "portal/usul.html", {"form": form})


@require_http_methods(["GET", "POST"])
def sanggah(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("t") or request.GET.get("t", "")
    household = selectors.household_for_sanggah_token(token)
    if household is None:
        return render(
            request,
            "portal/sanggah.html",
            {"expired": True},
            status=400 if token else 200,
        )
    target = _target_summary(household)
    post = request.method == "POST"
    form = SanggahForm(request.POST if post else None, request.FILES if post else None)
    if request.method == "POST":
        ok, retry = allow(request, "submit")
        if not ok:
            return _limited(request, retry)
        if form.is_valid():
            data = form.cleaned_data
            try:
                s = submission_create(
                    kind=SubmissionKind.SANGGAH,
                    kode_wilayah=household.wilayah_id,
                    household=household,
                    reason=data["reason"],
                    text=data["text"],
                    reporter_name=data["reporter_name"],
                    reporter_contact=data["reporter_contact"],
                    attachment=data.get("attachment"),
                )
            except SalurError as exc:
                form.add_error(None, str(exc))
            else:
                return _to_track(s.tracking_no)
    return render(request, "portal/sanggah.html", {"form": form, "token": token, "target": target})


def _target_summary(household: Any) -> dict[str, Any]:
    from salur.core.access import mask_name

    head = household.members.order_by("urutan", "id").values_list("nama", flat=True).first() or ""
    return {"masked_name": mask_name(head), "desa": household.wilayah.nama}


@require_http_methods(["GET", "POST"])
def pengaduan(request: HttpRequest) -> HttpResponse:
    post = request.method == "POST"
    form = PengaduanForm(request.POST if post else None, request.FILES if post else None)
    if post and not _picking(request):
        ok, retry = allow(request, "submit")
        if not ok:
            return _limited(request, retry)
        if form.is_valid():
            data = form.cleaned_data
            household = None
            if data["nik"]:
                from salur.registry.models import Member

                m = Member.objects.filter(nik=data["nik"]).select_related("household__wilayah").first()
                household = m.household if m else None
            try:
                g = grievance_create(
                    category=data["category"],
                    channel=Channel.WEB,
                    kode_wilayah=data["kode_desa"],
                    text=data["text"],
                    household=household,
                    reporter_name=data["reporter_name"],
                    reporter_contact=data["reporter_contact"],
                    about_worker=data["about_worker"],
                    attachment=data.get("attachment"),
                )
            except SalurError as exc:
                form.add_error(None, str(exc))
            else:
                return _to_track(g.tracking_no)
    elif post:
        form.errors.clear()
    return render(request, "portal/pengaduan.html", {"form": form})
