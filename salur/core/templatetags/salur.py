"""Template filters: personal data shown as the viewer's role allows (UU PDP 27/2022)."""

from __future__ import annotations

from typing import Any

from django import template

from salur.core import access

register = template.Library()


@register.filter
def nik_for(nik: str, user: Any) -> str:
    """{{ member.nik|nik_for:request.user }}: the full NIK, or 332501******0001 for roles that do not need it."""
    return access.nik_for(user, nik or "")


@register.filter
def can(user: Any, capability: str) -> bool:
    """{% if request.user|can:"registry.edit" %}"""
    return access.can(user, capability)
