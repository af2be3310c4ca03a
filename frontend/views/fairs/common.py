"""What the fair pages share: the fair from its slug, the plan drawn as SVG, and telling people what went
wrong in their language."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fairs import selectors
from fairs.models import Fair
from frontend.booth_labels import booth_label
from market.core.errors import ApplicationError, NotFound
from market.organisations.http import ActorRequest

# The plan in metres; the SVG in tenths of a metre.
SCALE = 10
# Room above each hall for its name (metres): booths are drawn inside the hall, so they never cover it.
LABEL_BAND = Decimal(2)
# Room between two halls (metres).
HALL_GAP = Decimal(2)


def fair_of(request: ActorRequest, slug: str) -> Fair:
    try:
        return selectors.fair_get(actor=request.actor, slug=slug)
    except NotFound:
        raise Http404() from None


def tell(request: HttpRequest, error: ApplicationError) -> None:
    """A refusal that has no form field to sit next to: its message and the fields' messages, at the top."""
    details = " ".join(message for messages_ in error.fields.values() for message in messages_)
    messages.error(request, f"{error.message} {details}".strip())


def invalid(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The page again with what the person typed and what is wrong with it."""
    return render(request, template, context, status=400)


# --- the plan as SVG -----------------------------------------------------------------------------
@dataclass
class HallLayout:
    name: str
    pk: int
    label_y: int  # SVG units: the baseline of the hall's name, above the hall
    y: int  # SVG units: the hall's top wall
    width: int
    depth: int
    booths: list[dict[str, Any]] = field(default_factory=list)


class BoothNames(StrEnum):
    """Where the plan writes exhibitors' names inside their booths. On screen it never does (booth codes stay
    legible on a phone; the booth list below names them): the downloaded SVG always does, the plan's page
    only when printed."""

    NONE = ""
    PRINT = "print"
    ALWAYS = "always"


def _u(metres: Decimal) -> int:
    return int((Decimal(metres) * SCALE).to_integral_value())


def plan_layout(fair: Fair, *, show_names: bool, booth_names: BoothNames = BoothNames.NONE) -> dict[str, Any]:
    """Halls stacked top to bottom, each with its name in a band above it, and the booths inside. Every
    coordinate is a whole number of SVG units; the template writes them (and the booths' metres in data
    attributes) unlocalised with |machine. With `booth_names` each booth also gets a label: its code and
    exhibitor's name fitted inside it (frontend.booth_labels)."""
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
        x, y = _u(booth.x), layout.y + _u(booth.y)
        w, h = _u(booth.width), _u(booth.depth)
        drawn: dict[str, Any] = {"row": row, "x": x, "y": y, "w": w, "h": h, "cx": x + w // 2, "cy": y + h // 2}
        if booth_names:
            drawn["label"] = booth_label(code=booth.code, name=row.exhibitor, x=x, y=y, width=w, height=h)
        layout.booths.append(drawn)
    width = max((h.width for h in halls), default=_u(Decimal(60)))
    height = max(_u(top - HALL_GAP), _u(Decimal(10)))
    counts = selectors.plan_counts(rows)
    # Written here, not in the SVG template: makemessages reads .py and .html, never .svg.
    title = _("Floor plan of %(name)s: %(free)s free, %(held)s held, %(assigned)s assigned booths") % {
        "name": fair.name,
        **counts,
    }
    return {
        "halls": halls,
        "view_width": width + 2,
        "view_height": height + 2,
        "scale": SCALE,
        "counts": counts,
        "plan_title": title,
        "booth_names": booth_names.value,
    }
