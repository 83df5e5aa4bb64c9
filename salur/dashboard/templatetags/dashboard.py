from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def svg_height(rows: list) -> int:
    """Pixel height of a bar chart: 22 px per bar."""
    return 22 * max(1, len(rows))
