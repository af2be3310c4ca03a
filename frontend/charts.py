"""Money charts as plain inline SVG, drawn on the server: no script, nothing loaded from another host.

Each chart is an image with a title and a description (role="img", aria-labelledby) and comes with the
rows it was drawn from, which `frontend/partials/chart.html` lays out as a real table after it. Geometry is
written unlocalised (machine numbers); the amounts people read are formatted for the active language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from market.core.parsing import format_money, machine_number

INK = 'fill="#1b1d1a"'
BAR = "#1f6f4a"


@dataclass(frozen=True)
class Chart:
    """A drawn chart and the table behind it: (label, amount in đồng) rows under two column headings."""

    chart_id: str
    title: str
    label_heading: str
    value_heading: str
    rows: Sequence[tuple[str, int]]
    svg: SafeString

    @property
    def is_empty(self) -> bool:
        return not any(amount for _label, amount in self.rows)


def millions(amount: int) -> str:
    """12345678 -> '12,3 tr' (Vietnamese) / '12.3 M': short enough to print on a bar."""
    value = number_format(round(amount / 1_000_000, 1), decimal_pos=1, force_grouping=True)
    return _("%(amount)s M") % {"amount": value}


def summary(rows: Sequence[tuple[str, int]]) -> str:
    """The chart's description for a screen reader: the total and the largest row."""
    if not rows or not any(value for _label, value in rows):
        return _("Nothing yet.")
    label, value = max(rows, key=lambda row: row[1])
    total = sum(value for _label, value in rows)
    return _("In all %(total)s; the largest is %(label)s with %(amount)s.") % {
        "total": format_money(total),
        "label": label,
        "amount": format_money(value),
    }


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart" id="{chart_id}" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def _n(value: float) -> str:
    return machine_number(Decimal(value), places=1)


def bar_chart_svg(
    rows: Sequence[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    description: str | None = None,
    width: int = 640,
    height: int = 260,
) -> SafeString:
    """Vertical bars, one per (label, amount), scaled to the largest; a label may have a second line after
        a newline (the year under a month). Each bar carries its amount in millions when there are few bars;
        with many (a year by month) only the largest does, so that nothing overlaps on a phone — the table has
        every figure. The end bars' amounts are anchored inwards so that they are never cut off. The description
    defaults to the `summary` of the rows (give one when the bars' labels are shortened)."""
    top, bottom, left = 24, 40, 8
    biggest = max((value for _label, value in rows), default=0) or 1
    slot = (width - left * 2) / max(len(rows), 1)
    bar = max(8.0, slot * 0.6)
    every_label = len(rows) <= 6
    font = f'font-size="12" {INK}'
    parts = [
        _open(chart_id, title, description or summary(rows), width, height),
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}" stroke="#8d9189"/>',
    ]
    for index, (label, value) in enumerate(rows):
        h = (height - top - bottom) * value / biggest
        x = left + index * slot + (slot - bar) / 2
        y = height - bottom - h
        centre = _n(x + bar / 2)
        parts.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(bar)}" height="{_n(h)}" fill="{BAR}" data-value="{value}"/>'
        )
        if value and (every_label or value == biggest):
            anchor, at = "middle", centre
            if index == 0 and len(rows) > 1:
                anchor, at = "start", _n(x)
            elif index == len(rows) - 1 and len(rows) > 1:
                anchor, at = "end", _n(x + bar)
            parts.append(f'<text x="{at}" y="{_n(y - 6)}" text-anchor="{anchor}" {font}>{millions(value)}</text>')
        lines = "".join(
            f'<tspan x="{centre}" dy="{0 if number == 0 else 14}">{escape(line)}</tspan>'
            for number, line in enumerate(label.split("\n"))
        )
        parts.append(f'<text y="{height - bottom + 16}" text-anchor="middle" {font}>{lines}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped, every number a machine number


def _shortened(label: str, most: int = 46) -> str:
    """A name that fits the chart's width (the table after it has it in full)."""
    return label if len(label) <= most else label[: most - 1].rstrip() + "…"


def ranking_svg(rows: Sequence[tuple[str, int]], *, chart_id: str, title: str, width: int = 360) -> SafeString:
    """Horizontal bars, largest first, each under its name (long Vietnamese names get the whole width),
    with its amount in millions after the bar."""
    row_height, bar, value_room = 40, 14, 80
    height = row_height * max(len(rows), 1)
    biggest = max((value for _label, value in rows), default=0) or 1
    scale = Decimal(width - value_room) / Decimal(biggest)
    parts = [_open(chart_id, title, summary(rows), width, height)]
    for index, (label, value) in enumerate(rows):
        y = index * row_height
        length = Decimal(value) * scale
        after = machine_number(length + 6, places=1)
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="13" {INK}>{escape(_shortened(label))}</text>'
            f'<rect x="0" y="{y + 20}" width="{machine_number(length, places=1)}" height="{bar}" fill="{BAR}" '
            f'data-value="{value}"/>'
            f'<text x="{after}" y="{y + 32}" font-size="13" {INK}>{millions(value)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped, every number a machine number
