"""A bar chart as plain inline SVG (no script, nothing loaded from another host), for the sales summary."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def bar_chart_svg(rows: Sequence[tuple[str, int]], *, title: str, width: int = 640, height: int = 260) -> SafeString:
    """Vertical bars, one per (label, value), scaled to the largest; values printed above the bars."""
    top, bottom, left = 24, 36, 8
    biggest = max((value for _label, value in rows), default=0) or 1
    slot = (width - left * 2) / max(len(rows), 1)
    bar = max(8.0, slot * 0.6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title" class="chart" preserveAspectRatio="xMidYMid meet">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}" stroke="#8d9189"/>',
    ]
    for index, (label, value) in enumerate(rows):
        h = (height - top - bottom) * value / biggest
        x = left + index * slot + (slot - bar) / 2
        y = height - bottom - h
        millions = number_format(round(value / 1_000_000, 1), decimal_pos=1, force_grouping=True)
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="#1f6f4a"/>')
        text = 'text-anchor="middle" font-size="12" fill="#1b1d1a"'
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 6:.1f}" {text}>{millions} tr</text>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16:.1f}" {text}>{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above
