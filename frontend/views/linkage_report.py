"""The alliance's linkage report: a page with charts, and the same figures as CSV, XLSX and PDF."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from frontend.decorators import actor_required
from frontend.linkage_charts import Pair, paired_bars_svg
from frontend.schema_forms import SchemaForm
from frontend.views.linkage import category_choices
from linkage import inputs, selectors
from linkage.models import SeasonKind
from linkage.permissions import LINKAGE_REPORT
from market.core.exports import CsvWriter, xlsx_row
from market.organisations.http import MemberRequest

CHART_ROWS = 15


def _columns() -> list[str]:
    return [
        _("Cooperative or province"),
        _("Season"),
        _("Category"),
        _("Unit"),
        _("Contracts"),
        _("Hectares"),
        _("Households"),
        _("Committed"),
        _("Delivered"),
        _("Committed value (₫)"),
        _("Delivered value (₫)"),
    ]


def _cells(row: selectors.ReportRow) -> list[Any]:
    return [
        row.label,
        row.season,
        row.category,
        row.unit,
        row.contracts,
        row.hectares,
        row.households,
        row.committed,
        row.delivered,
        row.committed_value,
        row.delivered_value,
    ]


def _all_rows(report: selectors.LinkageReport) -> Iterable[tuple[str, selectors.ReportRow]]:
    for row in report.by_cooperative:
        yield _("cooperative"), row
    for row in report.by_province:
        yield _("province"), row


def _csv(report: selectors.LinkageReport) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bao-cao-lien-ket.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = CsvWriter(response)
    writer.writerow([_("Level"), *_columns()])
    for level, row in _all_rows(report):
        writer.writerow([level, *_cells(row)])
    return response


def _xlsx(report: selectors.LinkageReport) -> HttpResponse:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Linkage report")[:31]
    sheet.append(xlsx_row([_("Level"), *_columns()]))
    for level, row in _all_rows(report):
        sheet.append(xlsx_row([level, *_cells(row)]))
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="bao-cao-lien-ket.xlsx"'
    return response


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
    if fmt == "csv":
        return _csv(data)
    if fmt == "xlsx":
        return _xlsx(data)
    context = {"report": data, "form": form, "query": request.GET.urlencode(), **_charts(data)}
    if fmt == "pdf":
        from weasyprint import HTML

        html = render_to_string("frontend/linkage/report_pdf.html", context, request=request)
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="bao-cao-lien-ket.pdf"'
        return response
    return render(request, "frontend/linkage/report.html", context)
