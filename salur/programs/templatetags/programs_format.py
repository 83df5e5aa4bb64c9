"""Template filters of the program pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def rp(value: int | None) -> str:
    """750000 -> Rp750.000 (integer rupiah, Indonesian thousands separator)."""
    if value is None or value == "":
        return "—"
    return "Rp" + f"{int(value):,}".replace(",", ".")


@register.filter
def angka(value: int | None) -> str:
    """24315 -> 24.315."""
    if value is None or value == "":
        return "—"
    return f"{int(value):,}".replace(",", ".")
