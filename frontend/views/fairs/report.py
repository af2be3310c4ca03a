"""The fair's report for the alliance and its funders: occupancy, subsidies, exhibitors, check-ins,
meetings and what came of them, as a page, a CSV and a PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from fairs import selectors
from fairs.permissions import FAIRS_MANAGE
from frontend.decorators import actor_required
from frontend.views.fairs.common import fair_of
from market.core.exports import CsvWriter
from market.core.http import generated_file
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
        return generated_file(
            request, _report_csv(data), content_type="text/csv; charset=utf-8", public=False,
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


def _report_csv(data: selectors.FairReport) -> str:
    """One row per figure: the section and item as codes (for formulas) and as words (for people)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = CsvWriter(out)
    writer.writerow(["section", "item", _("Item"), "value", "extra"])
    for zone in data.zones:
        occupied = zone["assigned"] + zone["held"]
        writer.writerow(["occupancy", zone["name"], zone["name"], occupied, f"{zone['occupancy']}% / {zone['total']}"])
    if data.programme:
        name = data.programme["name"]
        writer.writerow(["subsidy", name, name, data.programme["spent"], data.programme["budget"]])
        writer.writerow(["subsidy_this_fair", name, name, data.programme["this_fair"], ""])
    for name, count in data.by_province:
        writer.writerow(["exhibitors_by_province", name, name, count, ""])
    for name, count in data.by_kind:
        writer.writerow(["exhibitors_by_kind", name, name, count, ""])
    for status, count in data.applications:
        writer.writerow(["applications", status.value, status.label, count, ""])
    counts = data.checkins
    writer.writerow(["checkins", "exhibitors", _("Exhibitors"), counts.exhibitor_done, counts.exhibitor_total])
    writer.writerow(["checkins", "buyers", _("Buyers"), counts.buyer_done, counts.buyer_total])
    for meeting_status, count in data.meetings:
        writer.writerow(["meetings", meeting_status.value, meeting_status.label, count, ""])
    for outcome in data.outcomes:
        writer.writerow(["outcomes", outcome.kind.value, outcome.kind.label, outcome.count, outcome.value])
    for key, label in (("price", _("Booth prices")), ("subsidy", _("Subsidy")), ("due", _("Due")), ("paid", _("Paid"))):
        writer.writerow(["fees", key, label, data.fees[key], ""])
    return out.getvalue()
