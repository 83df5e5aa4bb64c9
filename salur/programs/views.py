"""Web pages of the program catalogue: the list, a program with its version history, the edit form with its rule
preview, the preview for every viewer (limited to the viewer's region), and the explanation of one household.

A door like the API: reads through selectors, writes and computations through services; nothing decided here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from salur.core.access import can
from salur.core.errors import NotFound, SalurError
from salur.core.errors import PermissionDenied as AccessDenied
from salur.core.web import capability_required
from salur.programs import rules, selectors, services
from salur.programs.forms import ExplainForm, PreviewForm, ProgramEditForm
from salur.programs.models import Program


def _program_or_404(code: str) -> Program:
    program = selectors.program_get(code=code)
    if program is None:
        raise Http404("Program tidak ditemukan")
    return program


def rule_error_view(text: str, error: rules.RuleError) -> dict[str, Any]:
    """The line of the rule where the error is, and a caret under the column (for a <pre>)."""
    lines = text.split("\n") or [""]
    line = lines[min(error.position.line, len(lines)) - 1]
    return {
        "message": error.message,
        "code": error.code,
        "line": error.position.line,
        "column": error.position.column,
        "text": line,
        "caret": " " * (error.position.column - 1) + "^",
    }


@login_required
@capability_required("program.view")
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programs/index.html",
        {"programs": selectors.catalogue(), "can_edit": can(request.user, "program.edit")},
    )


@login_required
@capability_required("program.view")
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    program = _program_or_404(code)
    return render(
        request,
        "programs/detail.html",
        {
            "program": program,
            "current": program.current_version(),
            "history": selectors.version_history(program=program),
            "can_edit": can(request.user, "program.edit"),
        },
    )


def _preview(
    request: HttpRequest, form: Any, program: Program, eligibility_rule: str, amount_rule: str, period: str
) -> dict[str, Any] | None:
    """Run the preview; a wrong rule goes onto its field with its position."""
    try:
        return services.rule_preview(
            actor=request.user,
            program=program,
            eligibility_rule=eligibility_rule,
            amount_rule=amount_rule or None,
            period=period or None,
        )
    except rules.RuleError as exc:
        field = "eligibility_rule"
        if amount_rule and eligibility_rule:
            try:
                rules.compile_rule(eligibility_rule, "eligibility")
                field = "amount_rule"
            except rules.RuleError:
                pass
        form.add_error(field, exc.message)
        form.rule_errors = {
            field: rule_error_view(eligibility_rule if field == "eligibility_rule" else amount_rule, exc)
        }
    except AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except SalurError as exc:
        form.add_error("period", str(exc))
    return None


@login_required
@capability_required("program.edit")
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, code: str) -> HttpResponse:
    program = _program_or_404(code)
    version = program.current_version()
    form = ProgramEditForm(
        request.POST if request.method == "POST" else None, program=program, version=version
    )
    form.rule_errors = {}
    preview = None
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if request.POST.get("action") == "preview":
            preview = _preview(
                request,
                form,
                program,
                changes["eligibility_rule"],
                changes["amount_rule"],
                form.cleaned_data.get("period", ""),
            )
        else:
            try:
                saved = services.program_version_create(actor=request.user, program=program, changes=changes)
            except services.VersionInvalid as exc:
                for field, message in exc.errors.items():
                    target = field if field in form.fields else None
                    if field.startswith("components."):
                        parts = field.split(".")
                        name = f"comp_{parts[1]}_{parts[2]}" if len(parts) == 3 else None
                        target = name if name in form.fields else None
                    form.add_error(target, message)
                form.rule_errors = {
                    field: rule_error_view(changes.get(field, ""), err)
                    for field, err in exc.rule_errors.items()
                }
            except AccessDenied as exc:
                raise PermissionDenied(str(exc)) from exc
            except SalurError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Program {program.code} disimpan sebagai versi {saved.version}.")
                return redirect("programs:detail", code=program.code)
    return render(
        request,
        "programs/edit.html",
        {"program": program, "current": version, "form": form, "preview": preview},
    )


@login_required
@capability_required("program.view")
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, code: str) -> HttpResponse:
    program = _program_or_404(code)
    version = program.current_version()
    initial = {
        "eligibility_rule": version.eligibility_rule if version else "",
        "amount_rule": version.amount_rule if version else "",
    }
    form = PreviewForm(request.POST if request.method == "POST" else None, initial=initial)
    form.rule_errors = {}
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = _preview(
            request, form, program, data["eligibility_rule"], data["amount_rule"], data["period"]
        )
    return render(request, "programs/preview.html", {"program": program, "form": form, "preview": result})


@login_required
@capability_required("program.explain")
@require_GET
def explain_choose(request: HttpRequest) -> HttpResponse:
    form = ExplainForm(request.GET or None)
    if request.GET and form.is_valid():
        url = reverse(
            "programs:explain", args=[form.cleaned_data["program"].code, form.cleaned_data["no_kk"]]
        )
        period = form.cleaned_data.get("period")
        return redirect(f"{url}?periode={period}" if period else url)
    return render(request, "programs/explain_choose.html", {"form": form})


@login_required
@capability_required("program.explain")
@require_GET
def explain(request: HttpRequest, code: str, no_kk: str) -> HttpResponse:
    program = _program_or_404(code)
    period = request.GET.get("periode", "").strip() or None
    form = ExplainForm(initial={"no_kk": no_kk, "program": program.code, "period": period or ""})
    error = ""
    result = None
    try:
        result = services.explain_household(actor=request.user, no_kk=no_kk, program=program, period=period)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except SalurError as exc:
        error = str(exc)
    return render(
        request,
        "programs/explain.html",
        {"program": program, "no_kk": no_kk, "form": form, "result": result, "error": error},
    )
