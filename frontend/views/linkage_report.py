"""The alliance's linkage report: a page with charts, and the same figures as CSV, XLSX and PDF."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from frontend.decorators import actor_required
from frontend.linkage_charts import Pair, paired_bars_svg
from frontend.schema_forms import SchemaForm
from frontend.views.linkage import category_choices
from linkage import inputs, selectors
from linkage.models import SeasonKind
from linkage.permissions import LINKAGE_REPORT
from market.exports.http import table_response
from market.exports.models import FileFormat
from market.exports.registry import Column
from market.exports.writers import FixedTable
from market.organisations.http import MemberRequest

CHART_ROWS = 15


def _value(attribute: str) -> Callable[[tuple[Any, selectors.ReportRow]], Any]:
    return lambda level_and_row: getattr(level_and_row[1], attribute)


# The CSV and XLSX files: a row per cooperative, then per province, written like every export.
REPORT_TABLE = FixedTable(
    label=gettext_lazy("Linkage report"),
    columns=[
        Column(gettext_lazy("Level"), itemgetter(0)),
        Column(gettext_lazy("Cooperative or province"), _value("label")),
        Column(gettext_lazy("Season"), _value("season")),
        Column(gettext_lazy("Category"), _value("category")),
        Column(gettext_lazy("Unit"), _value("unit")),
        Column(gettext_lazy("Contracts"), _value("contracts")),
        Column(gettext_lazy("Hectares"), _value("hectares")),
        Column(gettext_lazy("Households"), _value("households")),
        Column(gettext_lazy("Committed"), _value("committed")),
        Column(gettext_lazy("Delivered"), _value("delivered")),
        Column(gettext_lazy("Committed value (₫)"), _value("committed_value")),
        Column(gettext_lazy("Delivered value (₫)"), _value("delivered_value")),
    ],
)


def _all_rows(report: selectors.LinkageReport) -> Iterable[tuple[Any, selectors.ReportRow]]:
    for row in report.by_cooperative:
        yield gettext_lazy("cooperative"), row
    for row in report.by_province:
        yield gettext_lazy("province"), row


def _file(report: selectors.LinkageReport, file_format: str) -> HttpResponse:
    return table_response(
        REPORT_TABLE, _all_rows(report), file_format=file_format, language=get_language() or "vi",
        filename=f"bao-cao-lien-ket.{file_format}",
    )  # fmt: skip


def _charts(report: selectors.LinkageReport) -> dict[str, str]:
    tonnes = [row for row in report.by_cooperative if row.unit == report.total.unit]
    biggest = sorted(tonnes, key=lambda row: row.committed, reverse=True)[:CHART_ROWS]
    return {
        "cooperative_chart": paired_bars_svg(
            [Pair(f"{row.label[:18]}", row.committed, row.delivered) for row in biggest],
            title=_("Committed and delivered volume by cooperative (%(unit)s)") % {"unit": report.total.unit},
            planned_label=_("Committed"),
            actual_label=_("Delivered"),
        ),
        "season_chart": paired_bars_svg(
            [
                Pair(row.season, row.committed, row.delivered)
                for row in report.by_season
                if row.unit == report.total.unit
            ],
            title=_("Committed and delivered volume by season (%(unit)s)") % {"unit": report.total.unit},
            planned_label=_("Committed"),
            actual_label=_("Delivered"),
        ),
    }


@actor_required(LINKAGE_REPORT)
def report(request: MemberRequest, fmt: str = "html") -> HttpResponse:
    form = SchemaForm(
        request.GET or None,
        schema=inputs.ReportFilterInput,
        choices={"season_kind": SeasonKind.choices, "category": category_choices()},
    )
    filters = form.cleaned_data if request.GET and form.is_valid() else {}
    data = selectors.linkage_report(
        season_year=filters.get("season_year"),
        season_kind=filters.get("season_kind") or "",
        category_id=filters.get("category"),
    )
    if fmt in (FileFormat.CSV, FileFormat.XLSX):
        return _file(data, fmt)
    context = {"report": data, "form": form, "query": request.GET.urlencode(), **_charts(data)}
    if fmt == "pdf":
        from weasyprint import HTML

        html = render_to_string("frontend/linkage/report_pdf.html", context, request=request)
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="bao-cao-lien-ket.pdf"'
        return response
    return render(request, "frontend/linkage/report.html", context)
