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


@register.simple_tag(takes_context=True)
def nav_link(context: Any, url_name: str, label: str, capability: str = "") -> str:
    """{% nav_link "cycles:index" "Siklus" "cycle.view" %}: a menu link, shown only when the page exists and
    the user may see it; marked current when the page belongs to the same app."""
    from django.urls import NoReverseMatch, reverse
    from django.utils.html import format_html

    request = context.get("request")
    user = getattr(request, "user", None)
    if capability and not access.can(user, capability):
        return ""
    try:
        href = reverse(url_name)
    except NoReverseMatch:
        return ""
    match = getattr(request, "resolver_match", None)
    current = match is not None and match.namespace == url_name.split(":")[0]
    return format_html('<a href="{}"{}>{}</a>', href, ' aria-current="page"' if current else "", label)
