"""The one writer of CSV and XLSX files, as the reports, the bank payout file, the e-invoice data and the
catalogue and supply sheets use it: headings in the language asked for (machine headings as written), inert
formulas, a BOM, local times, numbers left as numbers (CSV decimals written as the file's language writes them)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from operator import itemgetter

import openpyxl
import pytest
from django.utils.translation import gettext_lazy

from market.exports.registry import Column
from market.exports.writers import FixedTable, csv_text, workbook_bytes, xlsx_bytes

TABLE = FixedTable(
    label=gettext_lazy("Linkage report"),
    columns=[
        Column("account_number", itemgetter(0)),
        Column(gettext_lazy("Cooperative or province"), itemgetter(1)),
        Column(gettext_lazy("Hectares"), itemgetter(2)),
        Column("at", itemgetter(3)),
    ],
)
ROWS = [("0561000123456", '=HYPERLINK("http://x.example","Bấm")', Decimal("1.5"), datetime(2026, 3, 1, 1, tzinfo=UTC))]


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_has_a_bom_headings_in_the_language_asked_and_inert_text():
    vi = csv_text(TABLE, ROWS, "vi")
    en = csv_text(TABLE, ROWS, "en")

    assert vi.startswith("\ufeff")
    assert rows_of(vi)[0][:3] == ["account_number", "HTX hoặc tỉnh", "Héc-ta"]
    assert rows_of(en)[0][:3] == ["account_number", "Cooperative or province", "Hectares"]
    row = rows_of(en)[1]
    assert row == ["0561000123456", '\'=HYPERLINK("http://x.example","Bấm")', "1.5", "2026-03-01 08:00:00"]


def test_csv_writes_decimals_as_the_language_of_its_headings_writes_them():
    assert rows_of(csv_text(TABLE, ROWS, "vi"))[1][2] == "1,5"
    assert rows_of(csv_text(TABLE, ROWS, "en"))[1][2] == "1.5"


def test_xlsx_keeps_numbers_numeric_and_text_inert_and_a_workbook_has_a_sheet_per_table():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(TABLE, ROWS, "vi")))
    sheet = book.worksheets[0]
    assert sheet.title == "Báo cáo liên kết"
    assert [cell.value for cell in sheet[2]] == [
        "0561000123456",
        '\'=HYPERLINK("http://x.example","Bấm")',
        1.5,
        datetime(2026, 3, 1, 8, 0),
    ]
    assert sheet.freeze_panes == "A2"

    other = FixedTable(label="Intakes", columns=[Column("kg", itemgetter(0))])
    both = openpyxl.load_workbook(io.BytesIO(workbook_bytes([(TABLE, ROWS), (other, [(Decimal("12"),)])], "en")))
    assert [s.title for s in both.worksheets] == ["Linkage report", "Intakes"]
    assert [c.value for c in both.worksheets[1][2]] == [12]


def test_an_export_kind_reads_fields_and_a_table_of_objects_has_values():
    """A kind's rows are tuples of fields (no model instance per row): a column of an object fails at startup."""
    from django.core.exceptions import ImproperlyConfigured

    from market.exports.registry import ExportKind, field
    from market.organisations.models import ApiScope

    with pytest.raises(ImproperlyConfigured, match="name no fields"):
        ExportKind(
            name="x", label="x", scope=ApiScope.ORDERS_READ, source=lambda actor, status: None,  # type: ignore[arg-type,return-value]
            date_field="created_at", columns=[Column("Number", lambda order: order.number)],
        )  # fmt: skip
    with pytest.raises(ImproperlyConfigured, match="needs its value"):
        FixedTable(label="x", columns=[field("Number", "number")])
