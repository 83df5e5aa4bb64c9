from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def rupiah(value: int | None) -> str:
    """12345678 -> Rp12.345.678 (integer rupiah, Indonesian thousands separator)."""
    if value is None:
        return "—"
    return "Rp" + f"{int(value):,}".replace(",", ".")
