"""/api/v1/programs: the catalogue, rule previews, new versions and the explanation of a household's decision.

Thin: check the request, call a selector or a service, shape the answer. A wrong rule is a 422 with its position.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from salur.core.access import require
from salur.core.errors import NotFound, PermissionDenied, SalurError
from salur.programs import rules, selectors, services
from salur.programs.models import Program

router = Router(tags=["programs"])

PROGRAM_NOT_FOUND = "Program tidak ditemukan"


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _program(code: str) -> Program:
    program = selectors.program_get(code=code)
    if program is None:
        raise HttpError(404, PROGRAM_NOT_FOUND)
    return program


def _rule_problem(field: str, exc: rules.RuleError) -> dict[str, Any]:
    return {
        "field": field,
        "code": exc.code,
        "message": exc.message,
        "line": exc.position.line,
        "column": exc.position.column,
        "offset": exc.position.offset,
    }


class ProgramOut(Schema):
    code: str
    nama: str
    benefit_kind: str
    unit: str
    schedule: str
    budget_line: str
    version: int | None


class VersionOut(Schema):
    version: int
    eligibility_rule: str
    amount_rule: str
    config: dict[str, Any]
    created_by: str | None
    created_at: Any


class ProgramDetailOut(ProgramOut):
    versions: list[VersionOut]


class PreviewIn(Schema):
    eligibility_rule: str
    amount_rule: str | None = None
    period: str | None = None


class VersionIn(Schema):
    nama: str | None = None
    budget_line: str | None = None
    schedule: str | None = None
    eligibility_rule: str | None = None
    amount_rule: str | None = None
    desil_max: int | None = None
    per_month: int | None = None
    max_members: int | None = None
    components: dict[str, dict[str, int | None]] | None = None


def _program_out(p: Program) -> dict[str, Any]:
    current = p.current_version()
    return {
        "code": p.code,
        "nama": p.nama,
        "benefit_kind": p.benefit_kind,
        "unit": p.unit,
        "schedule": p.schedule,
        "budget_line": p.budget_line,
        "version": current.version if current else None,
    }


@router.get("/", response=list[ProgramOut], summary="Katalog program")
def catalogue(request: HttpRequest) -> list[dict[str, Any]]:
    require(_actor(request), "program.view")
    return [_program_out(p) for p in selectors.catalogue()]


@router.get("/{code}", response=ProgramDetailOut, summary="Program dan riwayat versinya")
def program_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    require(_actor(request), "program.view")
    program = _program(code)
    versions = [
        {
            "version": v.version,
            "eligibility_rule": v.eligibility_rule,
            "amount_rule": v.amount_rule,
            "config": v.config,
            "created_by": v.created_by.username if v.created_by else None,
            "created_at": v.created_at,
        }
        for v in program.versions.select_related("created_by").order_by("-version")
    ]
    return {**_program_out(program), "versions": versions}


ANY: Any = dict[str, Any]


@router.post(
    "/{code}/preview",
    response={200: ANY, 422: ANY},
    summary="Pratinjau: berapa keluarga dipilih aturan ini, per wilayah",
)
def preview(request: HttpRequest, code: str, body: PreviewIn) -> Any:
    actor = _actor(request)
    require(actor, "program.view")
    program = _program(code)
    try:
        return services.rule_preview(
            actor=actor,
            program=program,
            eligibility_rule=body.eligibility_rule,
            amount_rule=body.amount_rule,
            period=body.period,
        )
    except rules.RuleError as exc:
        field = "eligibility_rule"
        if body.amount_rule and exc.position.offset <= len(body.amount_rule):
            try:
                rules.compile_rule(body.eligibility_rule, "eligibility")
                field = "amount_rule"
            except rules.RuleError:
                pass
        return Status(422, {"detail": "Aturan tidak sah", "problems": [_rule_problem(field, exc)]})
    except PermissionDenied:
        raise
    except SalurError as exc:
        return Status(422, {"detail": str(exc), "problems": []})


@router.post(
    "/{code}/versions", response={201: ANY, 422: ANY}, summary="Simpan perubahan program sebagai versi baru"
)
def version_create(request: HttpRequest, code: str, body: VersionIn) -> Any:
    actor = _actor(request)
    require(actor, "program.edit")
    program = _program(code)
    changes = {k: v for k, v in body.dict().items() if v is not None}
    try:
        version = services.program_version_create(actor=actor, program=program, changes=changes)
    except services.VersionInvalid as exc:
        problems = [
            _rule_problem(field, exc.rule_errors[field])
            if field in exc.rule_errors
            else {"field": field, "message": message}
            for field, message in exc.errors.items()
        ]
        return Status(422, {"detail": "Perubahan tidak sah", "problems": problems})
    except PermissionDenied:
        raise
    except SalurError as exc:
        return Status(422, {"detail": str(exc), "problems": []})
    return Status(
        201,
        {
            "program": program.code,
            "version": version.version,
            "eligibility_rule": version.eligibility_rule,
            "amount_rule": version.amount_rule,
            "config": version.config,
        },
    )


@router.get(
    "/{code}/explain/{no_kk}",
    response={200: ANY, 422: ANY},
    summary="Penjelasan keputusan kelayakan satu keluarga",
)
def explain(request: HttpRequest, code: str, no_kk: str, period: str | None = None) -> Any:
    actor = _actor(request)
    require(actor, "program.explain")
    program = _program(code)
    try:
        return services.explain_household(actor=actor, no_kk=no_kk, program=program, period=period)
    except NotFound as exc:
        raise HttpError(404, str(exc)) from exc
    except PermissionDenied:
        raise
    except SalurError as exc:
        return Status(422, {"detail": str(exc)})
