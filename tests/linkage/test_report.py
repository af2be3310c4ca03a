"""The alliance's report per cooperative, province and season, as a page, CSV, XLSX and PDF, in a
fixed number of queries."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from linkage.selectors import linkage_report
from market.organisations import geo
from market.organisations.models import Role
from tests.factories import member
from tests.linkage import factories

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def season(processor, cooperative, other_cooperative, alliance):
    """Two cooperatives (one in Cần Thơ) under contract with one processor; a draft that counts for nothing."""
    tan_hiep = factories.sign_both(
        factories.draft(processor, cooperative, factories.paddy(cooperative),
                        area_ids=(factories.area(cooperative, plots=4).pk,))
    )  # fmt: skip
    other_cooperative.province_code = 92
    other_cooperative.commune_code = 31135
    other_cooperative.save()
    other = factories.sign_both(factories.draft(processor, other_cooperative, factories.paddy(other_cooperative)))
    factories.draft(processor, cooperative, factories.paddy(cooperative, name="Lúa khác"))
    factories.weigh(factories.dispatch(factories.call_off(tan_hiep, "12500")), "12500", moisture="14.5",
                    impurities="1", unfilled="1")  # fmt: skip
    return tan_hiep, other


def test_the_report_adds_up_per_cooperative_province_and_season(season):
    report = linkage_report()
    assert report.total.contracts == 2
    assert report.total.unit == "tấn"
    assert (report.total.committed, report.total.delivered) == (D(2400), D("12.425"))
    assert (report.total.hectares, report.total.households) == (D(10), 4)
    assert report.total.delivered_value == 86_975_000
    rows = {row.label: row for row in report.by_cooperative}
    tan_hiep = rows[season[0].cooperative.name]
    assert (tan_hiep.contracts, tan_hiep.delivered, tan_hiep.hectares) == (1, D("12.425"), D(10))
    assert {row.label: row.contracts for row in report.by_province} == {
        geo.province(91).name: 1,
        geo.province(92).name: 1,
    }
    assert [row.contracts for row in report.by_season] == [2]


def test_the_report_costs_the_same_queries_for_more_contracts(processor, cooperative, alliance):
    factories.sign_both(factories.draft(processor, cooperative, factories.paddy(cooperative)))
    with CaptureQueriesContext(connection) as few:
        linkage_report()
    for index in range(5):
        other = factories.OrganisationFactory(name=f"HTX số {index}")
        factories.sign_both(factories.draft(processor, other, factories.paddy(other)))
    with CaptureQueriesContext(connection) as many:
        linkage_report()
    assert len(few.captured_queries) == len(many.captured_queries) == 4


def test_the_report_downloads(client, season, alliance):
    manager = member(alliance, Role.MANAGER)
    client.force_login(manager)
    page = client.get(reverse("frontend:linkage-report")).content.decode()
    assert "12,425" in page  # tấn, in Vietnamese
    csv_text = client.get(reverse("frontend:linkage-report-csv")).content.decode("utf-8-sig")
    assert season[0].cooperative.name in csv_text
    # Decimals as the file's language writes them: 12,425 tấn delivered (a decimal comma in Vietnamese).
    (row,) = [row for row in csv.reader(io.StringIO(csv_text)) if season[0].cooperative.name in row]
    assert Decimal(row[9].replace(",", ".")) == Decimal("12.425")
    assert "." not in row[9]
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("frontend:linkage-report-xlsx")).content))
    values = [cell for row in book.active.iter_rows(values_only=True) for cell in row]
    assert season[0].cooperative.name in values
    assert 86_975_000 in values
    pdf = client.get(reverse("frontend:linkage-report-pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Báo cáo liên kết" in text
    assert season[0].cooperative.name in text
    # The same file for someone who reads English.
    manager.language = "en"
    manager.save(update_fields=["language"])
    english = client.get(reverse("frontend:linkage-report-csv")).content.decode("utf-8-sig")
    (row,) = [row for row in csv.reader(io.StringIO(english)) if season[0].cooperative.name in row]
    assert Decimal(row[9]) == Decimal("12.425")
    assert "," not in row[9]
