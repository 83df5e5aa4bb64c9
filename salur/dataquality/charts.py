"""Server-rendered SVG charts (no script, no inline style: the CSP allows neither; SVG attributes are markup)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#1f6f8b", "#e07a1f", "#2e8b57", "#b23a48", "#6a4c93", "#8d8741")


def bar_chart(items: Sequence[tuple[str, int]], *, title: str, width: int = 640) -> SafeString:
    """Horizontal bars, one per (label, value)."""
    row_h, label_w, pad = 26, 250, 8
    height = pad * 2 + row_h * max(1, len(items))
    top = max([v for _, v in items] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="dq-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    bar_w = width - label_w - 70
    for i, (label, value) in enumerate(items):
        y = pad + i * row_h
        w = 0 if value <= 0 else max(2, round(bar_w * value / top))
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="13" fill="#33414e">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="{row_h - 8}" rx="3" fill="{PALETTE[i % len(PALETTE)]}">'
            f"<title>{escape(label)}: {value}</title></rect>"
            f'<text x="{label_w + w + 6}" y="{y + 17}" font-size="13" fill="#33414e">{value:,}</text>'.replace(
                ",", "."
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above


def line_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[int]],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
) -> SafeString:
    """One line per series over the labels (moments), with a legend."""
    left, right, top_pad, bottom = 50, 16, 16, 60
    n = len(labels)
    top = max([v for vals in series.values() for v in vals] + [1])
    plot_w, plot_h = width - left - right, height - top_pad - bottom

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: int) -> float:
        return top_pad + plot_h - plot_h * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="dq-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" y2="{top_pad + plot_h}" stroke="#c9d3dc"/>',
        f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" font-size="11" fill="#5b6b79">{top}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" font-size="11" fill="#5b6b79">0</text>',
    ]
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{x(i):.1f}" y="{top_pad + plot_h + 16}" text-anchor="middle" font-size="10" '
            f'fill="#5b6b79">{escape(label)}</text>'
        )
    for k, (name, values) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, v in enumerate(values):
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{color}"><title>{escape(name)}: {v}</title></circle>'
            )
        lx = left + k * 120
        parts.append(
            f'<rect x="{lx}" y="{height - 18}" width="10" height="10" fill="{color}"/>'
            f'<text x="{lx + 14}" y="{height - 9}" font-size="11" fill="#33414e">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above
