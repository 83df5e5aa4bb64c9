"""Who may do what, and where: the one place every read and write of Salur goes through.

Two questions, answered here and nowhere else:
- capability: may this role do this kind of thing at all? (`require`, `can`)
- scope: is this region inside the actor's region scope? (`scope_q`, `in_scope`, `scope_prefixes`)

Selectors filter with `scope_q`; services call `require` and `require_in_scope` before they change anything; the
`access_*` functions of each app fetch one object for an actor or answer "not found" (an object outside the scope
is indistinguishable from one that does not exist). Views, API handlers and commands never filter by region
themselves.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from salur.core.errors import PermissionDenied

# Role -> capabilities. A capability names an action on a kind of object; modules add theirs here.
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    "admin_pusat": frozenset(
        {
            "registry.view",
            "registry.edit",
            "registry.import",
            "registry.export",
            "registry.full_nik",
            "audit.view",
            "users.manage",
            "cycle.create",
        }
    ),
    "operator_dinsos_prov": frozenset(
        {"registry.view", "registry.edit", "registry.import", "registry.export", "registry.full_nik"}
    ),
    "operator_dinsos_kab": frozenset(
        {"registry.view", "registry.edit", "registry.import", "registry.export", "registry.full_nik"}
    ),
    "operator_desa": frozenset({"registry.view", "registry.edit", "registry.full_nik"}),
    "petugas_sentra": frozenset({"registry.view"}),
    "pendamping": frozenset({"registry.view"}),
    "verifikator": frozenset({"registry.view", "registry.full_nik"}),
    "auditor": frozenset({"registry.view", "registry.export", "audit.view"}),
}

CAPABILITY_LABELS = {
    "registry.view": "melihat registri",
    "registry.edit": "mengubah registri",
    "registry.import": "mengimpor registri",
    "registry.export": "mengekspor registri",
    "registry.full_nik": "melihat NIK lengkap",
    "audit.view": "melihat jejak audit",
    "users.manage": "mengelola pengguna",
    "cycle.create": "membuat siklus penyaluran",
}


# Apps that add capabilities of their own (salur/<app>/capabilities.py: ROLE_CAPABILITIES, CAPABILITY_LABELS).
CAPABILITY_APPS = (
    "programs",
    "targeting",
    "enrolment",
    "cycles",
    "payments",
    "budget",
    "dataquality",
    "distribution",
    "atensi",
    "santunan",
    "grievances",
    "portal",
    "dashboard",
)


def _merge_app_capabilities() -> None:
    from importlib import import_module

    for app in CAPABILITY_APPS:
        module = import_module(f"salur.{app}.capabilities")
        for role, caps in module.ROLE_CAPABILITIES.items():
            if role not in ROLE_CAPABILITIES:
                raise ValueError(f"salur.{app}.capabilities: unknown role {role!r}")
            ROLE_CAPABILITIES[role] = ROLE_CAPABILITIES[role] | frozenset(caps)
        CAPABILITY_LABELS.update(module.CAPABILITY_LABELS)


_merge_app_capabilities()


def capabilities(actor: Any) -> frozenset[str]:
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or not getattr(actor, "is_active", False)
    ):
        return frozenset()
    return ROLE_CAPABILITIES.get(getattr(actor, "role", ""), frozenset())


def can(actor: Any, capability: str) -> bool:
    return capability in capabilities(actor)


def require(actor: Any, capability: str) -> None:
    if not can(actor, capability):
        label = CAPABILITY_LABELS.get(capability, capability)
        raise PermissionDenied(f"Peran Anda tidak berwenang {label}")


def scope_prefixes(actor: Any) -> tuple[str, ...]:
    """Region prefixes of the actor's scope; () means national."""
    return tuple(getattr(actor, "scope_prefixes", ()) or ())


def is_national(actor: Any) -> bool:
    return not scope_prefixes(actor)


def scope_q(actor: Any, field: str) -> Q:
    """A filter on a region-code field (e.g. 'wilayah__kode', 'household__wilayah__kode') for the actor's scope."""
    prefixes = scope_prefixes(actor)
    if not prefixes:
        return Q()
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(**{f"{field}__startswith": p})
    return q


def in_scope(actor: Any, kode_wilayah: str | None) -> bool:
    prefixes = scope_prefixes(actor)
    if not prefixes:
        return True
    return bool(kode_wilayah) and any(str(kode_wilayah).startswith(p) for p in prefixes)


def require_in_scope(actor: Any, kode_wilayah: str | None) -> None:
    if not in_scope(actor, kode_wilayah):
        raise PermissionDenied("Wilayah ini di luar wilayah kerja Anda")


def mask_nik(nik: str) -> str:
    """3325015505900001 -> 332501******0001: the region and serial stay, the birth date goes (UU PDP 27/2022)."""
    if len(nik) != 16:
        return "*" * len(nik)
    return nik[:6] + "*" * 6 + nik[12:]


def mask_name(nama: str) -> str:
    """'Siti Aminah' -> 'SI***H' style masking for public pages: first two letters and the last."""
    letters = nama.strip().upper()
    if len(letters) <= 3:
        return letters[:1] + "***"
    return letters[:2] + "***" + letters[-1]


def mask_account(no_rekening: str) -> str:
    """1234567890123 -> *********0123: enough to recognise an account, not to use it."""
    return "*" * max(0, len(no_rekening) - 4) + no_rekening[-4:] if no_rekening else ""


def account_for(actor: Any, no_rekening: str) -> str:
    """A bank account number as this actor may see it: roles without the full NIK see the last four digits."""
    return no_rekening if can(actor, "registry.full_nik") else mask_account(no_rekening)


def nik_for(actor: Any, nik: str) -> str:
    """The NIK as this actor may see it in lists."""
    return nik if can(actor, "registry.full_nik") else mask_nik(nik)
