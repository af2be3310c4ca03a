"""Linkage charts as plain inline SVG (no script, nothing from another host): planned against actual bars,
one row per call-off or per cooperative. Geometry and data attributes are machine numbers (never
localised); the values people read are in the table that follows each chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from market.core.parsing import machine_number


@dataclass(frozen=True)
class Pair:
    label: str
    planned: Decimal
    actual: Decimal | None
    flagged: bool = False


WIDTH = 360
LABEL = 110
ROW = 30
BAR = 10


def _x(value: Decimal, scale: Decimal) -> str:
    return machine_number(value * scale, places=1)


def paired_bars_svg(pairs: Sequence[Pair], *, title: str, planned_label: str, actual_label: str) -> SafeString:
    """Two bars per row: the plan (light) and what happened (dark; red when flagged), scaled to the
    largest value; the percentage of the plan printed after them."""
    top = 26
    height = top + ROW * max(len(pairs), 1) + 6
    biggest = max([p.planned for p in pairs] + [p.actual or Decimal(0) for p in pairs] + [Decimal(1)])
    scale = Decimal(WIDTH - LABEL - 44) / biggest
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="pair-chart" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{LABEL}" y="4" width="10" height="10" fill="#b7dcc4"/>'
        f'<text x="{LABEL + 14}" y="13" font-size="11" fill="#1b1d1a">{escape(planned_label)}</text>'
        f'<rect x="{LABEL + 120}" y="4" width="10" height="10" fill="#1f6f4a"/>'
        f'<text x="{LABEL + 134}" y="13" font-size="11" fill="#1b1d1a">{escape(actual_label)}</text>',
    ]
    for index, pair in enumerate(pairs):
        y = top + index * ROW
        actual = pair.actual or Decimal(0)
        colour = "#b3261e" if pair.flagged else "#1f6f4a"
        percent = "" if pair.actual is None or not pair.planned else f"{int(actual * 100 / pair.planned)}%"
        parts.append(
            f'<g data-planned="{machine_number(pair.planned)}" data-actual="{machine_number(pair.actual)}">'
            f'<text x="0" y="{y + 15}" font-size="11" fill="#1b1d1a">{escape(pair.label)}</text>'
            f'<rect x="{LABEL}" y="{y + 2}" width="{_x(pair.planned, scale)}" height="{BAR}" fill="#b7dcc4"/>'
            f'<rect x="{LABEL}" y="{y + 2 + BAR + 1}" width="{_x(actual, scale)}" height="{BAR}" fill="{colour}"/>'
            f'<text x="{WIDTH - 40}" y="{y + 15}" font-size="11" fill="#1b1d1a">{percent}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped, every number a machine number
