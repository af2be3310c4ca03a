"""The fair's report for the alliance and its funders: occupancy, subsidies, exhibitors, check-ins,
meetings and what came of them, as a page, a CSV and a PDF."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext_lazy

from fairs import selectors
from fairs.permissions import FAIRS_MANAGE
from frontend.decorators import actor_required
from frontend.views.fairs.common import fair_of
from market.core.http import generated_file
from market.exports.models import FileFormat
from market.exports.registry import Column
from market.exports.writers import CONTENT_TYPES, FixedTable, csv_text
from market.organisations.http import MemberRequest

BAR_WIDTH = 300  # SVG units of the longest bar
BAR_STEP = 28  # SVG units from one bar to the next


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    width: float  # written with |machine: the browser reads it
    y: int


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]

    @property
    def height(self) -> int:
        return BAR_STEP * len(self.bars) + 4


def bars(items: list[tuple[str, int]], *, max_value: int | None = None) -> BarChart:
    top = max_value or max((value for _label, value in items), default=0) or 1
    return BarChart(
        [
            Bar(label=label, value=value, width=round(BAR_WIDTH * value / top, 1), y=BAR_STEP * i)
            for i, (label, value) in enumerate(items)
        ]
    )


@actor_required(FAIRS_MANAGE)
def report(request: MemberRequest, slug: str, fmt: str = "html") -> HttpResponse:
    fair = fair_of(request, slug)
    data = selectors.fair_report(fair=fair)
    if fmt == "csv":
        text = csv_text(REPORT_TABLE, _report_rows(data), get_language() or "vi")
        return generated_file(
            request, text, content_type=CONTENT_TYPES[FileFormat.CSV], public=False,
            filename=f"bao-cao-{fair.slug}.csv", disposition="attachment",
        )  # fmt: skip
    context = {
        "fair": fair,
        "report": data,
        "occupancy_chart": bars([(z["name"], z["occupancy"]) for z in data.zones], max_value=100),
        "province_chart": bars(data.by_province),
        "outcome_chart": bars([(str(o.kind.label), o.count) for o in data.outcomes]),
    }
    if fmt == "pdf":
        from weasyprint import HTML

        html = render_to_string("frontend/fairs/report_pdf.html", context, request=request)
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        return generated_file(
            request, pdf, content_type="application/pdf", public=False, filename=f"bao-cao-{fair.slug}.pdf",
            disposition="attachment",
        )  # fmt: skip
    return render(request, "frontend/fairs/report.html", context)


# One row per figure: the section and item as codes (for formulas) and as words (for people).
REPORT_TABLE = FixedTable(
    label=gettext_lazy("Fair report"),
    columns=[
        Column("section", itemgetter(0)),
        Column("item", itemgetter(1)),
        Column(gettext_lazy("Item"), itemgetter(2)),
        Column("value", itemgetter(3)),
        Column("extra", itemgetter(4)),
    ],
)


def _report_rows(data: selectors.FairReport) -> Iterator[tuple[Any, ...]]:
    for zone in data.zones:
        occupied = zone["assigned"] + zone["held"]
        yield ("occupancy", zone["name"], zone["name"], occupied, f"{zone['occupancy']}% / {zone['total']}")
    if data.programme:
        name = data.programme["name"]
        yield ("subsidy", name, name, data.programme["spent"], data.programme["budget"])
        yield ("subsidy_this_fair", name, name, data.programme["this_fair"], "")
    for name, count in data.by_province:
        yield ("exhibitors_by_province", name, name, count, "")
    for name, count in data.by_kind:
        yield ("exhibitors_by_kind", name, name, count, "")
    for status, count in data.applications:
        yield ("applications", status.value, status.label, count, "")
    counts = data.checkins
    yield ("checkins", "exhibitors", gettext_lazy("Exhibitors"), counts.exhibitor_done, counts.exhibitor_total)
    yield ("checkins", "buyers", gettext_lazy("Buyers"), counts.buyer_done, counts.buyer_total)
    for meeting_status, count in data.meetings:
        yield ("meetings", meeting_status.value, meeting_status.label, count, "")
    for outcome in data.outcomes:
        yield ("outcomes", outcome.kind.value, outcome.kind.label, outcome.count, outcome.value)
    fees = (
        ("price", gettext_lazy("Booth prices")),
        ("subsidy", gettext_lazy("Subsidy")),
        ("due", gettext_lazy("Due")),
        ("paid", gettext_lazy("Paid")),
    )
    for key, label in fees:
        yield ("fees", key, label, data.fees[key], "")
