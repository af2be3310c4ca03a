"""The fair's floor plan drawn as SVG, in Python, in one pass.

Four drawings of one layout: on the fair's page (booth codes only: legible on a phone, the exhibitor list names
them), on the printable page (names in each booth, shown by the print style sheet, and the booth list below),
the downloaded file (names in each booth, standalone) and the staff editor (every booth's figures in data
attributes for fairs/plan-editor.js). The public three are kept in the cache under the fair's plan version
(fairs.plan_version), which every write to the plan moves: a 300-booth plan is drawn once per change, not per
request. Text goes through `escape`; numbers are written unlocalised (whole SVG units, metres via
machine_number)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from html import escape

from django.core.cache import cache
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fairs import selectors
from fairs.models import Fair
from fairs.plan_version import plan_version
from fairs.selectors import PlanBooth
from frontend.booth_labels import BoothLabel, booth_label
from market.core.conditional import deploy_version
from market.core.parsing import format_decimal, machine_number

# The plan in metres; the SVG in tenths of a metre.
SCALE = 10
# Room above each hall for its name (metres): booths are drawn inside the hall, so they never cover it.
LABEL_BAND = Decimal(2)
# Room between two halls (metres).
HALL_GAP = Decimal(2)
# A drawing outlives its version only until evicted; a day bounds what an unused version keeps.
CACHE_SECONDS = 24 * 3600
SVG_NS = "http://www.w3.org/2000/svg"
PLAN_ID = "fair-plan"  # plan-editor.js finds the plan by it


class PlanView(StrEnum):
    """Which drawing of the plan."""

    SCREEN = "screen"  # the fair's page: codes only
    PRINT = "print"  # the printable page: names in each booth when printed, and the booth list
    DOWNLOAD = "download"  # plan.svg: names in each booth and every booth's figures, a standalone document
    EDITOR = "editor"  # the staff editor: codes, and every booth's figures (plan-editor.js reads them)


@dataclass(frozen=True)
class DrawnBooth:
    row: PlanBooth
    x: int  # SVG units: the booth's top-left corner, its width and depth
    y: int
    w: int
    h: int
    label: BoothLabel | None  # code and name fitted inside (the printed and downloaded drawings)

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        return self.y + self.h // 2


@dataclass
class HallLayout:
    name: str
    pk: int
    label_y: int  # SVG units: the baseline of the hall's name, above the hall
    y: int  # SVG units: the hall's top wall
    width: int
    depth: int
    booths: list[DrawnBooth] = field(default_factory=list)


@dataclass(frozen=True)
class PlanLayout:
    halls: list[HallLayout]
    width: int  # SVG units, with a unit of margin on each side
    height: int
    counts: dict[str, int]
    title: str


@dataclass(frozen=True)
class PlanDrawing:
    """What a plan page shows: the SVG, the legend's counts and (printable page) the booth list."""

    svg: SafeString
    counts: dict[str, int]
    booth_list: SafeString


def _u(metres: Decimal) -> int:
    return int((Decimal(metres) * SCALE).to_integral_value())


def plan_layout(fair: Fair, *, show_names: bool, labels: bool = False) -> PlanLayout:
    """Halls stacked top to bottom, each with its name in a band above it, and the booths inside, in whole SVG
    units. With `labels` each booth also gets its code and exhibitor's name fitted inside it
    (frontend.booth_labels)."""
    rows = selectors.plan(fair=fair, show_names=show_names)
    halls: list[HallLayout] = []
    top = Decimal(0)
    for hall in fair.halls.all():
        hall_top = top + LABEL_BAND
        halls.append(HallLayout(hall.name, hall.pk, _u(top) + 14, _u(hall_top), _u(hall.width_m), _u(hall.depth_m)))
        top = hall_top + hall.depth_m + HALL_GAP
    by_hall = {h.pk: h for h in halls}
    for row in rows:
        layout = by_hall.get(row.booth.hall_id)
        if layout is None:
            continue
        booth = row.booth
        x, y, w, h = _u(booth.x), layout.y + _u(booth.y), _u(booth.width), _u(booth.depth)
        label = booth_label(code=booth.code, name=row.exhibitor, x=x, y=y, width=w, height=h) if labels else None
        layout.booths.append(DrawnBooth(row, x, y, w, h, label))
    width = max((h.width for h in halls), default=_u(Decimal(60)))
    height = max(_u(top - HALL_GAP), _u(Decimal(10)))
    counts = selectors.plan_counts(rows)
    title = _("Floor plan of %(name)s: %(free)s free, %(held)s held, %(assigned)s assigned booths") % {
        "name": fair.name,
        **{status: format_decimal(count) for status, count in counts.items()},
    }
    return PlanLayout(halls, width + 2, height + 2, counts, title)


@functools.lru_cache(maxsize=1024)  # a plan repeats a few dozen positions and sizes
def _metres(value: Decimal) -> str:
    return machine_number(value)


def _label(b: DrawnBooth, label: BoothLabel, code: str) -> str:
    cx = b.cx
    parts = [
        f'<g class="booth-label"><text class="label-code" x="{cx}" y="{label.code_y}" '
        f'font-size="{label.code_size}" font-weight="bold">{code}</text>'
    ]
    if label.lines:
        shortened = ' data-shortened="1"' if label.shortened else ""
        parts.append(f'<text class="name" font-size="{label.name_size}"{shortened}>')
        parts.extend(f'<tspan x="{cx}" y="{y}">{escape(line)}</tspan>' for y, line in label.lines)
        parts.append("</text>")
    parts.append("</g>")
    return "".join(parts)


def _figures(row: PlanBooth) -> str:
    """The booth's figures in data attributes (metres, unlocalised): what plan-editor.js reads, and what a
    program reading the downloaded file finds. The pages people read leave them out (a third of their bytes)."""
    booth = row.booth
    zone = "" if booth.zone_id is None else str(booth.zone_id)
    return (
        f' data-booth="{booth.pk}" data-status="{row.status}" data-type="{escape(booth.booth_type)}"'
        f' data-zone="{zone}" data-price="{booth.price}" data-x="{_metres(booth.x)}" data-y="{_metres(booth.y)}"'
        f' data-width="{_metres(booth.width)}" data-depth="{_metres(booth.depth)}"'
        f' data-power="{int(booth.power)}" data-water="{int(booth.water)}" data-cold="{int(booth.cold_storage)}"'
        f' data-exhibitor="{escape(row.exhibitor)}"'
    )


def draw(layout: PlanLayout, view: PlanView) -> str:
    """The plan as one <svg> element (with its namespace when it is a document of its own)."""
    named = view in (PlanView.PRINT, PlanView.DOWNLOAD)
    counts = layout.counts
    # Each booth's <title> says its type and status in words: looked up once per value, not per booth.
    type_names: dict[str, str] = {}
    status_names: dict[str, str] = {}
    out = [
        "<svg",
        f' xmlns="{SVG_NS}"' if view == PlanView.DOWNLOAD else "",
        f' class="fair-plan{" names-in-print" if view == PlanView.PRINT else ""}" id="{PLAN_ID}"',
        f' viewBox="-1 -1 {layout.width} {layout.height}" width="{layout.width}" height="{layout.height}"',
        f' role="img" aria-labelledby="{PLAN_ID}-title" data-scale="{SCALE}" data-free="{counts["free"]}"',
        f' data-held="{counts["held"]}" data-assigned="{counts["assigned"]}" data-blocked="{counts["blocked"]}"',
        # Inherited by every booth's texts (centred in their booth); the halls' names set their own.
        ' font-family="sans-serif" text-anchor="middle">',
        f'<title id="{PLAN_ID}-title">{escape(layout.title)}</title>',
    ]
    for hall in layout.halls:
        out.append(
            f'<g class="hall-group" data-hall="{hall.pk}" data-top="{hall.y}">'
            f'<text class="hall-name" x="6" y="{hall.label_y}" text-anchor="start">{escape(hall.name)}</text>'
            f'<rect class="hall" x="0" y="{hall.y}" width="{hall.width}" height="{hall.depth}" data-hall="{hall.pk}"/>'
        )
        for b in hall.booths:
            row, booth = b.row, b.row.booth
            code = escape(booth.code)
            exhibitor = escape(row.exhibitor)
            if booth.booth_type not in type_names:
                type_names[booth.booth_type] = escape(booth.get_booth_type_display())
            if row.status not in status_names:
                status_names[row.status] = escape(str(row.status.label))
            title = f"{code} · {type_names[booth.booth_type]} · {status_names[row.status]}"
            out.append(
                f'<g class="booth {row.status}" data-code="{code}"'
                + (_figures(row) if view in (PlanView.EDITOR, PlanView.DOWNLOAD) else "")
                + f"><title>{title}{f' · {exhibitor}' if exhibitor else ''}</title>"
                f'<rect x="{b.x}" y="{b.y}" width="{b.w}" height="{b.h}"/>'
            )
            if view != PlanView.DOWNLOAD:
                out.append(f'<text class="code" x="{b.cx}" y="{b.cy}" dominant-baseline="central">{code}</text>')
            if named and b.label is not None:
                out.append(_label(b, b.label, code))
            out.append("</g>")
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def download_document(svg: str) -> str:
    """plan.svg: the drawing as a document that takes its colours from our stylesheet."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<?xml-stylesheet type="text/css" href="{escape(static("frontend/app.css"))}"?>\n{svg}\n'
    )


def _drawn(fair: Fair, *, show_names: bool, view: PlanView) -> PlanDrawing:
    layout = plan_layout(fair, show_names=show_names, labels=view in (PlanView.PRINT, PlanView.DOWNLOAD))
    svg = draw(layout, view)
    if view == PlanView.DOWNLOAD:
        svg = download_document(svg)
    booth_list = (
        render_to_string("frontend/fairs/_booth_list.html", {"halls": layout.halls}) if view == PlanView.PRINT else ""
    )
    return PlanDrawing(mark_safe(svg), layout.counts, mark_safe(booth_list))  # noqa: S308 (escaped above)


def plan_drawing(fair: Fair, *, show_names: bool, view: PlanView, version: str | None = None) -> PlanDrawing:
    """The drawing from the cache, under the fair's plan version (`version`, when the caller read it already),
    this deploy (our code, the label fitting included) and the language; drawn on a miss."""
    if version is None:
        version = plan_version(fair)
    key = f"fair-plan-drawing:{fair.pk}:{view}:{int(show_names)}:{get_language()}:{deploy_version()}:{version}"
    kept = cache.get(key)
    if kept is not None:
        svg, counts, booth_list = kept
        return PlanDrawing(mark_safe(svg), counts, mark_safe(booth_list))  # noqa: S308 (drawn by _drawn)
    drawing = _drawn(fair, show_names=show_names, view=view)
    cache.set(key, (str(drawing.svg), drawing.counts, str(drawing.booth_list)), CACHE_SECONDS)
    return drawing
