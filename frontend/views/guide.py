"""Pages that explain: the design system (/design/, every component rendered with its markup) and a short
"how it works" page per role (/help/<role>/), linked from each dashboard. Public: nothing here is private."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET


@dataclass(frozen=True)
class Specimen:
    slug: str
    title: str | Promise
    note: str | Promise

    @property
    def template_name(self) -> str:
        return f"frontend/design/specimens/{self.slug}.html"

    @property
    def source(self) -> str:
        """The specimen's markup as written, shown under it for copying (its {% load %} line left out)."""
        text = get_template(self.template_name).template.source  # type: ignore[attr-defined]
        return "\n".join(line for line in text.splitlines() if not line.startswith("{% load")).strip()


SPECIMENS = (
    Specimen(
        "typography",
        _("Typography"),
        _(
            "System fonts; lines never tighter than 1.3 so that stacked marks (ệ, ặ, ỗ) are never clipped; long "
            "words wrap."
        ),
    ),
    Specimen(
        "colours",
        _("Colours"),
        _("Text colours reach at least 4.5:1 on white and on the page background."),
    ),
    Specimen(
        "buttons",
        _("Buttons"),
        _("One primary action per area; every button is at least 44 × 44 px, small ones included."),
    ),
    Specimen(
        "fields",
        _("Fields and validation"),
        _(
            "A label above each field, help below it, and the server's message beside the field it concerns, in "
            "the user's language; the summary at the top says a field needs correcting."
        ),
    ),
    Specimen(
        "notices",
        _("Notices"),
        _("What happened, in one sentence; an error says how to fix it."),
    ),
    Specimen(
        "badges",
        _("Status badges"),
        _("Statuses and certificates; the word carries the meaning, the colour only helps."),
    ),
    Specimen(
        "tables",
        _("Tables that become cards"),
        _(
            "Below 640 px each row becomes a card and each cell shows its column name (class responsive, data-"
            "label on each cell)."
        ),
    ),
    Specimen(
        "tabs",
        _("Tabs"),
        _(
            "One line that scrolls sideways; a shadow at an edge shows more tabs there, and the current tab is "
            "scrolled into view."
        ),
    ),
    Specimen(
        "empty",
        _("Empty states"),
        _("Say what is missing and what to do next, with the action as a button."),
    ),
    Specimen(
        "cards",
        _("Cards and figures"),
        _("A count with what it counts, linking to the list it counts."),
    ),
    Specimen(
        "facts",
        _("Facts and pages"),
        _("Label–value lists, and the pager of long lists (previous, next: no count over the whole table)."),
    ),
    Specimen(
        "print",
        _("Print"),
        _(
            "Labels, badges, the floor plan and order pages print without the site's navigation; a Print button "
            "uses data-print (no inline script)."
        ),
    ),
)

ROLES = {"cooperative", "buyer", "staff"}


@require_GET
def design(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/design/index.html", {"specimens": SPECIMENS})


@require_GET
def how_it_works(request: HttpRequest, role: str) -> HttpResponse:
    if role not in ROLES:
        raise Http404()
    return render(request, f"frontend/help/{role}.html", {"role": role, "roles": sorted(ROLES)})
