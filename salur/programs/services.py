"""Writes of the program catalogue."""

from __future__ import annotations

from django.db import transaction

from salur.core.audit import audit_record
from salur.programs.catalogue import DEFAULT_CATALOGUE
from salur.programs.models import Program, ProgramVersion


def catalogue_load_defaults() -> list[str]:
    """Create each default program, with its version 1, when absent; returns the codes created (idempotent).

    Programs that exist are left alone, whatever an administrator has changed in them.
    """
    created: list[str] = []
    with transaction.atomic():
        for spec in DEFAULT_CATALOGUE:
            program, made = Program.objects.get_or_create(
                code=spec.code,
                defaults={
                    "nama": spec.nama,
                    "benefit_kind": spec.benefit_kind,
                    "unit": spec.unit,
                    "schedule": spec.schedule,
                    "budget_line": spec.budget_line,
                },
            )
            if not program.versions.exists():
                ProgramVersion.objects.create(
                    program=program,
                    version=1,
                    config=spec.config,
                    eligibility_rule=spec.eligibility_rule,
                    amount_rule=spec.amount_rule,
                )
                made = True
            if made:
                created.append(spec.code)
        if created:
            audit_record(
                actor=None,
                action="program.catalogue_load_defaults",
                object_type="programs.program",
                after={"created": created},
            )
    return created
