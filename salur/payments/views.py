"""Web pages of payment verification: a sample's recipients (scoped, NIK masked per role) and their answers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from salur.core.access import can, scope_q
from salur.core.errors import NotFound, SalurError
from salur.core.errors import PermissionDenied as AccessDenied
from salur.core.web import capability_required
from salur.payments.models import VerificationAnswer, VerificationItem, VerificationSample
from salur.payments.verification import answer_record, estimate


def _sample(request: HttpRequest, sample_id: int) -> VerificationSample:
    if not (can(request.user, "payments.verify") or can(request.user, "cycle.view")):
        raise PermissionDenied("Peran Anda tidak berwenang melihat verifikasi penerimaan")
    sample = VerificationSample.objects.select_related("cycle").filter(pk=sample_id).first()
    if sample is None:
        raise Http404("Sampel tidak ditemukan")
    return sample


@login_required
@require_GET
def sample_detail(request: HttpRequest, sample_id: int) -> HttpResponse:
    sample = _sample(request, sample_id)
    items = (
        VerificationItem.objects.filter(sample=sample)
        .filter(scope_q(request.user, "payment__kode_wilayah"))
        .select_related("payment")
        .order_by("answer", "id")
    )
    page = Paginator(items, 50).get_page(request.GET.get("hal"))
    return render(
        request,
        "payments/sample_detail.html",
        {
            "sample": sample,
            "page": page,
            "estimate": estimate(sample),
            "answers": VerificationAnswer.choices,
            "can_answer": can(request.user, "payments.verify"),
        },
    )


@login_required
@capability_required("payments.verify")
@require_POST
def sample_answer(request: HttpRequest, sample_id: int, item_id: int) -> HttpResponse:
    sample = _sample(request, sample_id)
    raw_amount = request.POST.get("amount_received", "").strip().replace(".", "")
    try:
        amount = int(raw_amount) if raw_amount else None
    except ValueError:
        messages.error(request, "Jumlah yang diterima harus angka rupiah")
        return redirect("payments:sample", sample_id=sample.pk)
    try:
        item = answer_record(
            actor=request.user,
            item_id=item_id,
            answer=request.POST.get("answer", ""),
            amount_received=amount,
            notes=request.POST.get("notes", ""),
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except SalurError as exc:
        messages.error(request, str(exc))
    else:
        text = "Jawaban dicatat."
        if item.follow_up:
            text += f" Pengaduan tindak lanjut: {item.follow_up}."
        messages.success(request, text)
    return redirect("payments:sample", sample_id=sample.pk)
