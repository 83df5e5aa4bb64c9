"""Reads of the program catalogue (the catalogue is national data: every role with program.view sees all of it)."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, QuerySet

from salur.programs.models import Program, ProgramVersion


def catalogue() -> QuerySet[Program]:
    return Program.objects.annotate(current=Max("versions__version")).order_by("code")


def program_get(*, code: str) -> Program | None:
    return Program.objects.filter(code=code.strip().upper()).first()


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"components": [{"code": "lansia", "yearly": 1}]} -> {"components.lansia.yearly": 1}."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}{k}."))
    elif isinstance(value, list) and value and all(isinstance(v, dict) and "code" in v for v in value):
        for v in value:
            out.update(_flat({k: x for k, x in v.items() if k != "code"}, f"{prefix}{v['code']}."))
    else:
        out[prefix.rstrip(".")] = value
    return out


def version_diff(before: ProgramVersion | None, after: ProgramVersion) -> list[dict[str, Any]]:
    """What a version changed: each rule and parameter whose value differs from the previous version."""
    rows = []
    for name, label in (("eligibility_rule", "Aturan kelayakan"), ("amount_rule", "Rumus nominal")):
        old = getattr(before, name) if before else None
        new = getattr(after, name)
        if old != new:
            rows.append({"name": name, "label": label, "before": old, "after": new, "rule": True})
    old_config = _flat(before.config) if before else {}
    new_config = _flat(after.config)
    for key in sorted(set(old_config) | set(new_config)):
        if old_config.get(key) != new_config.get(key):
            rows.append(
                {
                    "name": key,
                    "label": key,
                    "before": old_config.get(key),
                    "after": new_config.get(key),
                    "rule": False,
                }
            )
    return rows


def version_history(*, program: Program) -> list[dict[str, Any]]:
    """Versions newest first: who made each, when, and what it changed."""
    versions = list(program.versions.select_related("created_by").order_by("version"))
    out = []
    previous = None
    for v in versions:
        out.append({"version": v, "changes": version_diff(previous, v), "first": previous is None})
        previous = v
    return list(reversed(out))
