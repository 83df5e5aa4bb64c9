"""Web page of the budget: allocation, committed, paid, retur and absorption per program and year."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from salur.budget.selectors import absorption
from salur.budget.services import allocation_set
from salur.core.access import can
from salur.core.errors import PermissionDenied as AccessDenied
from salur.core.errors import SalurError
from salur.core.web import capability_required


class AllocationForm(forms.Form):
    program = forms.CharField(label="Program", max_length=20)
    year = forms.IntegerField(label="Tahun", min_value=2000, max_value=2100)
    amount = forms.IntegerField(label="Pagu (rupiah)", min_value=0)


@login_required
@capability_required("budget.view")
def budget_index(request: HttpRequest) -> HttpResponse:
    try:
        year = int(request.GET.get("tahun") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    form = AllocationForm(request.POST or None, initial={"year": year})
    if request.method == "POST":
        if not can(request.user, "budget.manage"):
            raise PermissionDenied("Peran Anda tidak berwenang menetapkan pagu anggaran (DIPA)")
        if form.is_valid():
            try:
                allocation_set(
                    actor=request.user,
                    program=form.cleaned_data["program"],
                    year=form.cleaned_data["year"],
                    amount=form.cleaned_data["amount"],
                )
            except AccessDenied as exc:
                raise PermissionDenied(str(exc)) from exc
            except SalurError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Pagu disimpan.")
                return redirect(f"{request.path}?tahun={form.cleaned_data['year']}")
    rows = absorption(request.user, year)
    total = {k: sum(r[k] for r in rows) for k in ("allocation", "committed", "paid", "retur")}
    total["absorption_pct"] = (
        round(100 * total["paid"] / total["allocation"], 1) if total["allocation"] else 0.0
    )
    for r in rows:
        r["bar"] = min(100.0, r["absorption_pct"])
    return render(
        request,
        "budget/index.html",
        {
            "year": year,
            "rows": rows,
            "total": total,
            "form": form,
            "can_manage": can(request.user, "budget.manage"),
        },
    )
